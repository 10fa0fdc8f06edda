// Unit tests of the handler runner's decisions and messages (HD-, EX-, HT-, SL- sections), with
// gmock standing in for the CRI runtime and the HTTP client.
#include "src/engine/handler_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "src/engine/tests/mocks.h"

namespace podlife {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;
using testing::MockCriClient;
using testing::MockHttpGetter;
using testing::SandboxWithIp;
using namespace std::chrono_literals;

class HandlerRunnerTest : public ::testing::TestWithParam<const Profile*> {
 protected:
  HandlerRunnerTest() {
    pod_.name = "web";
    pod_.uid = "uid-1";
    container_.name = "app";
    container_.ports = {{"http", 8080, "TCP"}};
  }
  const Profile& profile() const { return *GetParam(); }
  HookOutcome Run(const LifecycleHandler& h, std::shared_ptr<Notification> cancel = nullptr) {
    HandlerRunner runner(cri_, http_, clock_, events_, profile());
    return runner.Run({&pod_, "sandbox-1", &container_, "ctr-1"}, h, cancel);
  }
  static LifecycleHandler Exec(std::vector<std::string> cmd) {
    LifecycleHandler h;
    h.exec = ExecAction{std::move(cmd)};
    return h;
  }
  static LifecycleHandler HttpGet(std::string path, IntOrString port, std::string host = "") {
    LifecycleHandler h;
    h.http_get = HttpGetAction{std::move(path), port, std::move(host), "", {}};
    return h;
  }

  Pod pod_;
  Container container_;
  StrictMock<MockCriClient> cri_;
  StrictMock<MockHttpGetter> http_;
  FakeClock clock_;
  EventLog events_;
};

INSTANTIATE_TEST_SUITE_P(Profiles, HandlerRunnerTest, ::testing::Values(&Profile121(), &Profile135()),
                         [](const auto& info) { return info.param->name == "1.21" ? "v121" : "v135"; });

TEST_P(HandlerRunnerTest, ExecRunsThroughExecSyncWithNoTimeout) {
  EXPECT_CALL(cri_, ExecSync("ctr-1", ElementsAre("ls", "-a"), 0s)).WillOnce(Return(ExecResult{}));
  HookOutcome out = Run(Exec({"ls", "-a"}));
  EXPECT_FALSE(out.failed);
  EXPECT_EQ(out.message, "");
}

TEST_P(HandlerRunnerTest, ExecFailureMessageCarriesCommandErrorAndOutput) {
  ExecResult r;
  r.stdout_text = "out\n";
  r.stderr_text = "boom\n";
  r.exit_code = 3;
  r.error = absl::UnknownError(ExecExitErrorText({"sh", "-c", "exit 3"}, 3, "boom\n"));
  EXPECT_CALL(cri_, ExecSync("ctr-1", _, 0s)).WillOnce(Return(r));
  HookOutcome out = Run(Exec({"sh", "-c", "exit 3"}));
  EXPECT_TRUE(out.failed);
  EXPECT_EQ(out.message,
            "Exec lifecycle hook ([sh -c exit 3]) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: "
            "command 'sh -c exit 3' exited with 3: boom\n, message: \"out\\nboom\\n\"");
}

TEST_P(HandlerRunnerTest, HttpWithoutHostGoesToTheFirstPodIp) {
  EXPECT_CALL(cri_, PodSandboxStatus("sandbox-1")).WillOnce(Return(SandboxWithIp("10.1.2.3")));
  EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::host, "10.1.2.3")), _, _))
      .WillOnce(Return(http::Response{500, {}, "", ""}));
  HookOutcome out = Run(HttpGet("/hook", IntOrString::Int(8080)));
  EXPECT_FALSE(out.failed) << "a 500 is a response, not a failure (HT-08): " << out.message;
}

TEST_P(HandlerRunnerTest, HttpWithAnExplicitHostSkipsThePodStatusLookup) {
  EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::host, "example.test")), _, _))
      .WillOnce(Return(http::Response{200, {}, "", ""}));
  EXPECT_FALSE(Run(HttpGet("/hook", IntOrString::Int(8080), "example.test")).failed);
}

TEST_P(HandlerRunnerTest, HttpWithoutAnyPodIpFailsToFindTheNetworkingContainer) {
  EXPECT_CALL(cri_, PodSandboxStatus("sandbox-1")).WillOnce(Return(SandboxWithIp("")));
  HookOutcome out = Run(HttpGet("/hook", IntOrString::Int(8080)));
  EXPECT_TRUE(out.failed);
  EXPECT_THAT(out.message, HasSubstr(" lifecycle hook (/hook) for Container \"app\" in Pod \"web_default(uid-1)\" "
                                     "failed - error: failed to find networking container: "));
}

TEST_P(HandlerRunnerTest, HttpTransportErrorsFailWithTheProfilesMessage) {
  EXPECT_CALL(http_, Get(_, _, _))
      .WillOnce(Return(http::Error{http::ErrorKind::kTransport,
                                   "Get \"http://h:1/x\": dial tcp h:1: connect: connection refused"}));
  HookOutcome out = Run(HttpGet("x", IntOrString::Int(1), "h"));
  EXPECT_TRUE(out.failed);
  std::string expected = profile().name == "1.21"
                             ? "Http lifecycle hook (x) for Container \"app\" in Pod \"web_default(uid-1)\" failed - "
                               "error: Get \"http://h:1/x\": dial tcp h:1: connect: connection refused, message: \"\""
                             : "HTTP lifecycle hook (x) for Container \"app\" in Pod \"web_default(uid-1)\" failed - "
                               "error: Get \"http://h:1/x\": dial tcp h:1: connect: connection refused";
  EXPECT_EQ(out.message, expected);
}

TEST_P(HandlerRunnerTest, EmptyPortIs80OnlyIn121) {
  if (profile().name == "1.21") {
    EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::port, 80)), _, _))
        .WillOnce(Return(http::Response{200, {}, "", ""}));
    EXPECT_FALSE(Run(HttpGet("/", IntOrString::String(""), "h")).failed);
  } else {
    HookOutcome out = Run(HttpGet("/", IntOrString::String(""), "h"));  // no request at all
    EXPECT_TRUE(out.failed);
    EXPECT_THAT(out.message, HasSubstr("error: strconv.Atoi: parsing \"\": invalid syntax"));
  }
}

TEST_P(HandlerRunnerTest, HttpsAnsweredInPlainHttpFallsBackOnlyIn135) {
  LifecycleHandler h = HttpGet("/hook", IntOrString::Int(8443), "127.0.0.1");
  h.http_get->scheme = "HTTPS";
  h.http_get->http_headers = {{"Authorization", "secret"}};
  http::Error https_error{http::ErrorKind::kHttpResponseToHttps,
                          "Get \"https://127.0.0.1:8443/hook\": http: server gave HTTP response to HTTPS client"};
  if (profile().name == "1.21") {
    // 1.21 ignores the scheme altogether: one plain HTTP request.
    EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::scheme, "http")), _, _))
        .WillOnce(Return(http::Response{200, {}, "", ""}));
    EXPECT_FALSE(Run(h).failed);
    EXPECT_TRUE(events_.Events().empty());
    return;
  }
  ::testing::InSequence order;
  EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::scheme, "https")), _, _))
      .WillOnce(Return(https_error));
  EXPECT_CALL(http_, Get(Field(&http::Request::url, Field(&http::Url::scheme, "http")), _, _))
      .WillOnce([](const http::Request& r, const http::Options&, const std::function<bool()>&) -> http::Result {
        for (const auto& header : r.headers) EXPECT_NE(header.name, "Authorization") << "credentials must be dropped";
        return http::Response{200, {}, "", ""};
      });
  HookOutcome out = Run(h);
  EXPECT_FALSE(out.failed) << out.message;
  auto events = events_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Warning");
  EXPECT_EQ(events[0].reason, "LifecycleHTTPFallback");
  EXPECT_EQ(events[0].field_path, "") << "the event is on the Pod";
  EXPECT_EQ(events[0].message, "request to HTTPS lifecycle hook 127.0.0.1:8443 got HTTP response, retry with HTTP succeeded");
}

TEST_P(HandlerRunnerTest, FailedFallbackReturnsTheOriginalHttpsError) {
  if (profile().name == "1.21") GTEST_SKIP() << "1.21 has no HTTPS";
  LifecycleHandler h = HttpGet("/hook", IntOrString::Int(8443), "127.0.0.1");
  h.http_get->scheme = "https";
  http::Error https_error{http::ErrorKind::kHttpResponseToHttps, "Get \"https://127.0.0.1:8443/hook\": http: server gave HTTP response to HTTPS client"};
  EXPECT_CALL(http_, Get(_, _, _))
      .WillOnce(Return(https_error))
      .WillOnce(Return(http::Error{http::ErrorKind::kTransport, "Get \"http://127.0.0.1:8443/hook\": EOF"}));
  HookOutcome out = Run(h);
  EXPECT_TRUE(out.failed);
  EXPECT_THAT(out.message, HasSubstr("server gave HTTP response to HTTPS client"));
}

TEST_P(HandlerRunnerTest, TcpSocketAndEmptyHandlersAreInvalid) {
  LifecycleHandler tcp;
  tcp.tcp_socket = TcpSocketAction{IntOrString::Int(8080), ""};
  HookOutcome out = Run(tcp);
  EXPECT_TRUE(out.failed);
  EXPECT_THAT(out.message, ::testing::StartsWith("Cannot run handler: invalid handler: &" +
                                                 profile().handler_type_name + "{Exec:nil,HTTPGet:nil,TCPSocket:&"));
  HookOutcome empty = Run(LifecycleHandler{});
  EXPECT_TRUE(empty.failed);
  EXPECT_THAT(empty.message, ::testing::StartsWith("Cannot run handler: invalid handler: "));
}

TEST_P(HandlerRunnerTest, ExecWinsOverOtherActions) {
  LifecycleHandler h = Exec({"true"});
  h.http_get = HttpGetAction{"/", IntOrString::Int(80), "h", "", {}};
  EXPECT_CALL(cri_, ExecSync(_, _, _)).WillOnce(Return(ExecResult{}));
  EXPECT_FALSE(Run(h).failed);  // StrictMock: no HTTP request
}

TEST_P(HandlerRunnerTest, SleepRunsOnTheClockIn135AndIsInvalidIn121) {
  LifecycleHandler h;
  h.sleep = SleepAction{5};
  if (profile().name == "1.21") {
    HookOutcome out = Run(h);
    EXPECT_TRUE(out.failed);
    EXPECT_THAT(out.message, HasSubstr("invalid handler"));
    return;
  }
  auto result = std::async(std::launch::async, [&] { return Run(h); });
  ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));
  clock_.Advance(4s);
  EXPECT_EQ(result.wait_for(0s), std::future_status::timeout) << "still sleeping after 4 of 5 s";
  clock_.Advance(1s);
  HookOutcome out = result.get();
  EXPECT_FALSE(out.failed) << out.message;
}

TEST_P(HandlerRunnerTest, SleepCutShortFailsWithTerminatedBeforeFinished) {
  if (profile().name == "1.21") GTEST_SKIP() << "no sleep action in 1.21";
  LifecycleHandler h;
  h.sleep = SleepAction{3};
  auto cancel = std::make_shared<Notification>();
  auto result = std::async(std::launch::async, [&] { return Run(h, cancel); });
  ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));
  cancel->Notify();
  HookOutcome out = result.get();
  EXPECT_TRUE(out.failed);
  EXPECT_EQ(out.message, "Sleep lifecycle hook (3) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: "
                         "container terminated before sleep hook finished");
}

TEST_P(HandlerRunnerTest, SleepZeroReturnsAtOnce) {
  if (profile().name == "1.21") GTEST_SKIP() << "no sleep action in 1.21";
  LifecycleHandler h;
  h.sleep = SleepAction{0};
  EXPECT_FALSE(Run(h).failed);
}

// The getter of the inline httpGet hook's tests: GetUntil and Get answer as each test scripts them,
// and record the thread and pause they were called with.
class ScriptedGetter : public http::HttpGetter {
 public:
  std::function<http::Begun()> get_until;
  std::function<http::Result()> get;
  std::atomic<int> get_until_calls{0};
  std::atomic<int> get_calls{0};
  std::thread::id get_until_thread;
  std::thread::id get_thread;
  std::chrono::steady_clock::time_point pause_at;

  http::Result Get(const http::Request&, const http::Options&, const std::function<bool()>&) override {
    get_thread = std::this_thread::get_id();
    ++get_calls;
    return get();
  }
  http::Begun GetUntil(const http::Request&, const http::Options&, std::function<bool()>,
                       std::chrono::steady_clock::time_point at) override {
    get_until_thread = std::this_thread::get_id();
    pause_at = at;
    ++get_until_calls;
    return get_until();
  }
};

http::Result Answer(int status) {
  http::Response r;
  r.status = status;
  return r;
}

class InlineHttpHookTest : public HandlerRunnerTest {
 protected:
  std::shared_ptr<RunningHook> Start(const LifecycleHandler& h) {
    runner_ = std::make_unique<HandlerRunner>(cri_, getter_, real_clock_, events_, profile());
    return runner_->Start(target_, h);
  }
  const HookTarget target_{&pod_, "sandbox-1", &container_, "ctr-1"};
  ScriptedGetter getter_;
  RealClock real_clock_;
  std::unique_ptr<HandlerRunner> runner_;
};

INSTANTIATE_TEST_SUITE_P(Profiles, InlineHttpHookTest, ::testing::Values(&Profile121(), &Profile135()),
                         [](const auto& info) { return info.param->name == "1.21" ? "v121" : "v135"; });

TEST_P(InlineHttpHookTest, AGetEndingWithinTheWaitEndsOnTheWaitingThreadWithNoHandOff) {
  getter_.get_until = [] { return http::Begun{Answer(500)}; };  // HT-08: any status succeeds
  auto hook = Start(HttpGet("/stop", IntOrString::Int(8080), "10.0.0.9"));
  EXPECT_EQ(getter_.get_until_calls, 0) << "nothing runs before the first Wait";
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(hook->Wait(real_clock_, 30s));
  EXPECT_EQ(getter_.get_until_thread, std::this_thread::get_id());
  EXPECT_GE(getter_.pause_at, before + 30s);  // paused at the wait's bound, the grace
  EXPECT_LT(getter_.pause_at, std::chrono::steady_clock::now() + 30s);
  EXPECT_FALSE(hook->outcome().failed);
  EXPECT_EQ(getter_.get_calls, 0);
}

TEST_P(InlineHttpHookTest, PastTheWaitTheGetGoesOnOnThePoolAndItsFailureComesWhenItEnds) {
  // EX-06: the kill stops waiting at the grace; the GET goes on and its failure is reported then.
  auto release = std::make_shared<Notification>();
  getter_.get_until = [release] {
    return http::Begun{http::Unfinished{[release] {
      release->WaitFor(10s);
      return http::Result{http::Error{http::ErrorKind::kTransport, "Get \"http://10.0.0.9:8080/stop\": EOF"}};
    }}};
  };
  auto hook = Start(HttpGet("/stop", IntOrString::Int(8080), "10.0.0.9"));
  EXPECT_FALSE(hook->Wait(real_clock_, 1ms));
  std::promise<HookOutcome> ended;
  hook->Detach([&ended](const HookOutcome& o) { ended.set_value(o); });
  auto outcome = ended.get_future();
  EXPECT_EQ(outcome.wait_for(0s), std::future_status::timeout) << "reported before the GET ended";
  release->Notify();
  ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready);
  const HookOutcome o = outcome.get();
  EXPECT_TRUE(o.failed);
  EXPECT_THAT(o.message, HasSubstr("lifecycle hook (/stop) for Container \"app\" in Pod \"web_default(uid-1)\" "
                                   "failed - error: Get \"http://10.0.0.9:8080/stop\": EOF"));
}

TEST_P(InlineHttpHookTest, WithoutAHostTheWholeHookRunsOnThePool) {
  // HT-01: the pod's IP comes from the runtime first, a call no pause could end at the grace.
  EXPECT_CALL(cri_, PodSandboxStatus("sandbox-1")).WillOnce(Return(SandboxWithIp("10.1.2.3")));
  getter_.get = [] { return Answer(200); };
  auto hook = Start(HttpGet("/stop", IntOrString::Int(8080)));
  ASSERT_TRUE(hook->Wait(real_clock_, 10s));
  EXPECT_FALSE(hook->outcome().failed);
  EXPECT_EQ(getter_.get_until_calls, 0);
  EXPECT_EQ(getter_.get_calls, 1);
  EXPECT_NE(getter_.get_thread, std::this_thread::get_id());
}

TEST_P(InlineHttpHookTest, AnHttpsAnswerInPlainHttpRetriesOnThePoolIn135Only) {
  // HT-11: the fallback's second request is not begun on the waiting thread.
  getter_.get_until = [] {
    return http::Begun{http::Result{http::Error{http::ErrorKind::kHttpResponseToHttps, "Get \"https://10.0.0.9:8080/stop\": "
                                                "http: server gave HTTP response to HTTPS client"}}};
  };
  getter_.get = [] { return Answer(200); };
  LifecycleHandler h = HttpGet("/stop", IntOrString::Int(8080), "10.0.0.9");
  h.http_get->scheme = "HTTPS";
  auto hook = Start(h);
  ASSERT_TRUE(hook->Wait(real_clock_, 10s));
  EXPECT_EQ(hook->outcome().failed, profile().name == "1.21");
  EXPECT_EQ(getter_.get_calls, profile().name == "1.21" ? 0 : 1);
  if (getter_.get_calls > 0) EXPECT_NE(getter_.get_thread, std::this_thread::get_id());
}

TEST_P(InlineHttpHookTest, DetachedBeforeAnyWaitTheWholeHookRunsOnThePool) {
  getter_.get = [] { return Answer(200); };
  auto hook = Start(HttpGet("/stop", IntOrString::Int(8080), "10.0.0.9"));
  std::promise<HookOutcome> ended;
  hook->Detach([&ended](const HookOutcome& o) { ended.set_value(o); });
  auto outcome = ended.get_future();
  ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(outcome.get().failed);
  EXPECT_EQ(getter_.get_until_calls, 0);
}

}  // namespace
}  // namespace podlife
