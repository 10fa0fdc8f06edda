// Cases for the CRI client's deadline rules and error mapping (spec section 8), observed by the
// fake server: the deadline a call carries is measured on arrival, not assumed.
#include <gmock/gmock.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::HasSubstr;

constexpr char kApp[] = "  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n";

PodOptions RequestTimeout(std::chrono::milliseconds t) {
  PodOptions o;
  o.runtime_request_timeout = t;
  return o;
}

// The deadline, on arrival, lies within (want - 1.5 s, want + 0.5 s]: the client set `want` just
// before sending (gRPC rounds a deadline up slightly on the wire). A wrong rule is seconds off.
::testing::AssertionResult DeadlineNear(const fakes::CallRecord& call, std::chrono::milliseconds want) {
  if (!call.deadline) return ::testing::AssertionFailure() << "no deadline: " << call.Describe();
  if (*call.deadline <= want + 500ms && *call.deadline > want - 1500ms) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "deadline " << call.deadline->count() << "ms, want about " << want.count()
                                       << "ms: " << call.Describe();
}

PODLIFE_AREA(Cri);

PODLIFE_CASE(Cri, ExecSyncDeadlineIsRequestTimeoutPlusExecTimeout,
             {.ids = "CRI-01 CRI-02", .needs = {Capability::kCallLog, Capability::kProbeExec},
              .must = "ExecSync with timeout T MUST carry timeout T (seconds) and a gRPC deadline of the runtime request timeout plus T (doubled when equal)."}) {
  SyncReport r = Pod(kApp, 30, RequestTimeout(5s)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ExecReport e = pod().Exec(r.Get("app").container_id, {"sh", "-c", "true"}, 5);
  EXPECT_EQ(e.error, "");
  auto execs = Calls("ExecSync");
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs.at(0).Request<cri::ExecSyncRequest>().timeout(), 5);
  EXPECT_TRUE(DeadlineNear(execs.at(0), 10s));
}

PODLIFE_CASE(Cri, DeadlineExceededBecomesTheTimeoutError,
             {.ids = "CRI-03", .needs = {Capability::kFaults, Capability::kProbeExec},
              .must = "ExecSync ending in DEADLINE_EXCEEDED MUST become `command timed out: \"cmd\" timed out after Ns` (1.35) or `command \"cmd\" timed out` (1.21)."}) {
  SyncReport r = Pod(kApp, 30, RequestTimeout(1s)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().HangUntilDeadline("ExecSync");
  ExecReport e = pod().Exec(r.Get("app").container_id, {"sh", "-c", "sleep 10"}, 1);
  EXPECT_EQ(e.error, v135() ? "command timed out: \"sh -c sleep 10\" timed out after 1s" : "command \"sh -c sleep 10\" timed out");
}

PODLIFE_CASE(Cri, RuntimeExecTimeoutBecomesTheTimeoutError,
             {.ids = "CRI-03", .needs = {Capability::kProbeExec},
              .must = "An ExecSync the runtime itself ends at its timeout (`sleep 10`, timeout 1 s) MUST become the same timeout error as a gRPC DEADLINE_EXCEEDED."}) {
  SyncReport r = Pod(kApp).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ExecReport e = pod().Exec(r.Get("app").container_id, {"sh", "-c", "sleep 10"}, 1);
  EXPECT_EQ(e.error, v135() ? "command timed out: \"sh -c sleep 10\" timed out after 1s" : "command \"sh -c sleep 10\" timed out");
}

PODLIFE_CASE(Cri, NonZeroExitIsTheExitError,
             {.ids = "CRI-04", .needs = {Capability::kProbeExec},
              .must = "ExecSync with a non-zero exit MUST become `command '<cmd>' exited with N: <stderr>`."}) {
  SyncReport r = Pod(kApp).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ExecReport e = pod().Exec(r.Get("app").container_id, {"sh", "-c", "exit 4"}, 10);
  EXPECT_EQ(e.exit_code, 4);
  EXPECT_EQ(e.error, "command 'sh -c exit 4' exited with 4: ");
}

PODLIFE_CASE(Cri, ExecOutputUpTo16MiBIsReceived,
             {.ids = "CRI-06", .needs = {Capability::kProbeExec},
              .must = "An ExecSync answer of 6 MiB (over gRPC's 4 MiB default, under the kubelet's 16 MiB) MUST be received whole."}) {
  SyncReport r = Pod(kApp).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fakes::ExecResult big;
  big.stdout_text = std::string(6 << 20, 'o');
  const std::vector<std::string> print = {"sh", "-c", "head -c 6291456 /dev/zero | tr '\\0' o"};
  fake().ExecGives(print, big, 1);
  ExecReport e = pod().Exec(r.Get("app").container_id, print, 10);
  EXPECT_EQ(e.error, "");
  EXPECT_EQ(e.stdout_text.size(), size_t{6} << 20);
  EXPECT_TRUE(e.stdout_text == big.stdout_text) << "the output is not 6 MiB of 'o'";
}

PODLIFE_CASE(Cri, RunPodSandboxGetsTwiceTheRequestTimeout,
             {.ids = "CRI-05", .needs = {Capability::kCallLog},
              .must = "RunPodSandbox MUST carry a deadline of twice the runtime request timeout; CreateContainer and StartContainer the request timeout."}) {
  SyncReport r = Pod(kApp, 30, RequestTimeout(4s)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(DeadlineNear(Calls("RunPodSandbox").at(0), 8s));
  EXPECT_TRUE(DeadlineNear(Calls("CreateContainer").at(0), 4s));
  EXPECT_TRUE(DeadlineNear(Calls("StartContainer").at(0), 4s));
}

PODLIFE_CASE(Cri, StopContainerGetsRequestTimeoutPlusGrace,
             {.ids = "CRI-05", .needs = {Capability::kCallLog},
              .must = "StopContainer with grace G MUST carry timeout G and a deadline of the runtime request timeout plus G."}) {
  SyncReport r = Pod(kApp, 7, RequestTimeout(4s)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops.at(0).Request<cri::StopContainerRequest>().timeout(), 7);
  EXPECT_TRUE(DeadlineNear(stops.at(0), 11s));
}

PODLIFE_CASE(Cri, PullImageHasNoDeadline,
             {.ids = "CRI-05 PS-01", .needs = {Capability::kCallLog},
              .must = "An image the runtime lacks MUST be pulled, and PullImage MUST carry no deadline."}) {
  // An image no runtime has: the fake pulls it, a real runtime's pull fails (no registry); the
  // sync's outcome differs, the pull and its deadline do not.
  (void)Pod(std::string("  containers:\n  - name: app\n    image: ") + kAbsentImage + "\n    command: {WORKLOAD}\n", 30,
            RequestTimeout(4s))
      .Sync();
  auto pulls = Calls("PullImage");
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls.at(0).Request<cri::PullImageRequest>().image().image(), kAbsentImage);
  EXPECT_FALSE(pulls.at(0).deadline.has_value()) << pulls.at(0).Describe();
}

}  // namespace
}  // namespace podlife::conformance
