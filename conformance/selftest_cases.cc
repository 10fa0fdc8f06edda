// Self-tests of the framework: cases that fail, overrun or never return on purpose, to prove
// that strictness, diagnostics and the watchdog work. They exist only when the environment
// variable PODLIFE_CONFORMANCE_SELFTEST is 1 (conformance/CMakeLists.txt runs them through
// check_selftest.cmake), so they never run in, nor appear in the document of, the normal suite.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "conformance/framework.h"

namespace podlife::conformance {
namespace {

bool SelfTestEnabled() {
  const char* value = std::getenv("PODLIFE_CONFORMANCE_SELFTEST");
  return value != nullptr && std::string(value) == "1";
}

std::vector<std::string> SelfTestProfiles() {
  return SelfTestEnabled() ? ProfilesUnderTest() : std::vector<std::string>{};
}

struct SelfTestRegistration {
  SelfTestRegistration(const char* name, Contract contract, const char* area = "SelfTest") {
    if (SelfTestEnabled()) CaseRegistration(area, name, std::move(contract));
  }
};

class SelfTest : public CaseFixture {};
INSTANTIATE_TEST_SUITE_P(, SelfTest, ::testing::ValuesIn(SelfTestProfiles()), ProfileParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SelfTest);

#define PODLIFE_SELFTEST(Name, ...)                                                  \
  static const SelfTestRegistration podlife_selftest_##Name(#Name, __VA_ARGS__); \
  TEST_P(SelfTest, Name)

constexpr char kApp[] = "  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n";

// Fails on purpose after CRI calls, events and an HTTP request: its output must show all three.
PODLIFE_SELFTEST(AFailureShowsTheDiagnostics, {.needs = {Capability::kCallLog}}) {
  SyncReport r = Pod(std::string(kApp) +
                     "    lifecycle:\n      postStart:\n        httpGet:\n          host: 127.0.0.1\n"
                     "          port: {HTTP_PORT}\n          path: /started\n")
                     .Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(WaitForRequest(http(), "/started"));
  EXPECT_TRUE(WaitForCall(fakes::Call("StopContainer"), 100ms)) << "(deliberate: nothing stops the container)";
}

// Scripts a fault nothing triggers: strictness must fail it at teardown.
PODLIFE_SELFTEST(AnUnconsumedFaultFailsTheCase, {.needs = {Capability::kFaults}}) {
  fake().FailNext("StopContainer", grpc::StatusCode::UNAVAILABLE, "never used");
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
}

// Scripts an HTTP answer nobody asks for: strictness must fail it at teardown.
PODLIFE_SELFTEST(AnUnconsumedHttpAnswerFailsTheCase, {}) {
  http().Script("/never", {500, {}, "never sent", 0ms, ""});
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
}

// Reads the call log without declaring call-log: the case must fail naming the capability.
PODLIFE_SELFTEST(AnUndeclaredCapabilityFailsTheCase, {}) {
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_GT(fake().calls().total(), 0u);
}

// Declares faults and never uses them: the case must fail naming the capability.
PODLIFE_SELFTEST(AnUnusedDeclaredCapabilityFailsTheCase, {.needs = {Capability::kFaults}}) {
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
}

// A fault for a method the fake does not serve must be refused when written.
PODLIFE_SELFTEST(AFaultForAnUnknownMethodIsRejected, {.needs = {Capability::kFaults}}) {
  fake().FailNext("StartContainr", grpc::StatusCode::UNKNOWN, "typo");
}

// Blocks at a gate only the watchdog opens: StartContainer is held and the runtime request
// timeout is longer than any case timeout, so only the watchdog's release ends the Sync.
PODLIFE_SELFTEST(TheWatchdogReleasesABlockedCase, {.needs = {Capability::kFaults}}) {
  auto held = fake().HoldNext("StartContainer");
  PodOptions options;
  options.runtime_request_timeout = std::chrono::minutes(30);
  SyncReport r = Pod(kApp, 30, options).Sync();
  std::cout << "[ SELFTEST ] the blocked sync returned (ok " << r.ok << ", error '" << r.error << "')\n";
}

// Passes the first time it runs and never returns the second (--gtest_repeat=2): the summary of
// the abandoned run counts the cases of the second iteration only (gtest reuses the first's).
PODLIFE_SELFTEST(ACaseThatNeverReturnsTheSecondTime, {}) {
  static std::atomic<int> runs{0};
  if (++runs == 1) {
    SyncReport r = Pod(kApp).Sync();
    EXPECT_TRUE(r.ok) << r.error;
    return;
  }
  std::mutex mu;
  std::condition_variable never;
  std::unique_lock lock(mu);
  never.wait_for(lock, std::chrono::hours(1), [] { return false; });
}

// Waits a minute each for a gate, a CRI call, an event and HTTP requests (at the case's endpoint
// and at one the case started itself) that never come, as a
// case against an implementation that failed early does: the watchdog's release must end each
// wait at once, or the case outlasts the grace and ends the run (a case timeout of 5 s ended the
// whole suite at the first case waiting 10 s for its gate).
PODLIFE_SELFTEST(TheWatchdogEndsTheCasesWaits, {.needs = {Capability::kFaults, Capability::kCallLog}}) {
  auto held = fake().HoldNext("StopContainer");
  std::string error;
  auto own = fakes::FakeHttpEndpoint::Start(fakes::FakeHttpEndpoint::Scheme::kHttp, &error);
  ASSERT_TRUE(own) << error;
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(WaitUntilHeld(*held, std::chrono::minutes(1)));
  EXPECT_TRUE(WaitForCall(fakes::Call("RemoveContainer"), std::chrono::minutes(1)));
  EXPECT_TRUE(WaitForEvent("NeverRecorded", std::chrono::minutes(1)));
  EXPECT_TRUE(WaitForRequest(http(), "/never", std::chrono::minutes(1)));
  EXPECT_TRUE(WaitForRequest(*own, "/own", std::chrono::minutes(1)));
  // A helper of the case's own that knows nothing of the watchdog (a condition nobody signals).
  std::mutex mu;
  std::condition_variable never;
  const bool helper = WaitUnlessReleased(std::chrono::minutes(1), [&](std::chrono::milliseconds slice) {
    std::unique_lock lock(mu);
    return never.wait_for(lock, slice, [] { return false; });
  });
  EXPECT_TRUE(helper) << "the case's own wait ended without its condition";
}

// Runs after the blocked case: the run goes on, on a fresh fake.
PODLIFE_SELFTEST(TheRunGoesOnAfterTheWatchdog, {}) {
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
}

// Waits on something nothing releases (for at most an hour): the watchdog's release cannot end
// it, so the run must end by itself after the grace, with its reports written.
PODLIFE_SELFTEST(ACaseThatNeverReturnsEndsTheRun, {}) {
  std::mutex mu;
  std::condition_variable never;
  std::unique_lock lock(mu);
  never.wait_for(lock, std::chrono::hours(1), [] { return false; });
}

// A suite whose cases pass but which records a failure after its last case, as a thread that
// outlived a case would: gtest fails the run, so the summary must say NOT conformant and name it.
class SelfTestOutside : public CaseFixture {
 public:
  static void TearDownTestSuite() { ADD_FAILURE() << "deliberate: a failure outside any case"; }
};
INSTANTIATE_TEST_SUITE_P(, SelfTestOutside, ::testing::ValuesIn(SelfTestProfiles()), ProfileParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SelfTestOutside);

static const SelfTestRegistration podlife_selftest_outside_passes("ACaseInASuiteThatFailsAfterItsCases", {},
                                                                  "SelfTestOutside");
TEST_P(SelfTestOutside, ACaseInASuiteThatFailsAfterItsCases) {
  SyncReport r = Pod(kApp).Sync();
  EXPECT_TRUE(r.ok) << r.error;
}

}  // namespace
}  // namespace podlife::conformance
