// Unit tests of startContainer and killContainer decisions (PS-, PR-, EV- sections): step order,
// error kinds, events per profile, and the grace arithmetic on a fake clock.
#include "src/engine/container_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "src/core/task_pool.h"
#include "src/engine/tests/mocks.h"

namespace podlife {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using testing::MockCriClient;
using testing::MockHttpGetter;
using namespace std::chrono_literals;

class ContainerRuntimeTest : public ::testing::TestWithParam<const Profile*> {
 protected:
  ContainerRuntimeTest() {
    pod_.name = "web";
    pod_.uid = "uid-1";
    pod_.termination_grace_period_seconds = 30;
    container_.name = "app";
    container_.image = "busybox";
    ON_CALL(cri_, ImagePresent(_)).WillByDefault(Return(true));
    ON_CALL(cri_, CreateContainer(_, _, _)).WillByDefault(Return(std::string("ctr-1")));
    ON_CALL(cri_, StartContainer(_)).WillByDefault(Return(absl::OkStatus()));
    ON_CALL(cri_, StopContainer(_, _)).WillByDefault(Return(absl::OkStatus()));
    ON_CALL(cri_, ExecSync(_, _, _)).WillByDefault(Return(ExecResult{}));
  }
  const Profile& profile() const { return *GetParam(); }
  bool v135() const { return profile().name == "1.35"; }

  StartResult Start() {
    HandlerRunner hooks(cri_, http_, clock_, events_, profile());
    ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
    return runtime.StartContainer(pod_, {"sandbox-1", {}}, container_, false, 0);
  }

  // Runs KillContainer on another thread (so the test can move the fake clock).
  std::future<absl::Status> KillAsync(ContainerRuntime& runtime, std::optional<int64_t> override = std::nullopt) {
    return std::async(std::launch::async, [this, &runtime, override] {
      KillRequest k;
      k.pod = &pod_;
      k.sandbox = {"sandbox-1", {}};
      k.spec = &container_;
      k.container_id = "ctr-1";
      k.grace_override = override;
      return runtime.KillContainer(k);
    });
  }

  void SetPreStopExec() {
    if (!container_.lifecycle) container_.lifecycle = Lifecycle{};
    container_.lifecycle->pre_stop = LifecycleHandler{};
    container_.lifecycle->pre_stop->exec = ExecAction{{"sh", "-c", "drain"}};
  }

  Pod pod_;
  Container container_;
  NiceMock<MockCriClient> cri_;
  NiceMock<MockHttpGetter> http_;
  FakeClock clock_;
  EventLog events_;
};

INSTANTIATE_TEST_SUITE_P(Profiles, ContainerRuntimeTest, ::testing::Values(&Profile121(), &Profile135()),
                         [](const auto& info) { return info.param->name == "1.21" ? "v121" : "v135"; });

TEST_P(ContainerRuntimeTest, StartFollowsTheKubeletsStepOrder) {
  container_.lifecycle = Lifecycle{};
  container_.lifecycle->post_start = LifecycleHandler{};
  container_.lifecycle->post_start->exec = ExecAction{{"true"}};
  ::testing::InSequence order;
  EXPECT_CALL(cri_, ImagePresent("busybox")).WillOnce(Return(false));
  EXPECT_CALL(cri_, PullImage("busybox", _)).WillOnce(Return(std::string("sha256:1")));
  EXPECT_CALL(cri_, CreateContainer("sandbox-1", _, _)).WillOnce(Return(std::string("ctr-1")));
  EXPECT_CALL(cri_, StartContainer("ctr-1")).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(cri_, ExecSync("ctr-1", ElementsAre("true"), 0s)).WillOnce(Return(ExecResult{}));
  StartResult r = Start();
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(events_.Reasons(), (std::vector<std::string>{"Created", "Started"}));
  auto events = events_.Events();
  EXPECT_EQ(events[0].message, v135() ? "Container created" : "Created container app");
  EXPECT_EQ(events[1].message, v135() ? "Container started" : "Started container app");
  EXPECT_EQ(events[0].field_path, "spec.containers{app}");
}

TEST_P(ContainerRuntimeTest, CreateFailureIsCreateContainerErrorWithoutCleanup) {
  EXPECT_CALL(cri_, CreateContainer(_, _, _))
      .WillOnce(Return(absl::UnknownError("rpc error: code = Unknown desc = no space")));
  EXPECT_CALL(cri_, StartContainer(_)).Times(0);
  EXPECT_CALL(cri_, RemoveContainer(_)).Times(0);
  StartResult r = Start();
  EXPECT_EQ(r.error_reason, "CreateContainerError");
  auto events = events_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Warning");
  EXPECT_EQ(events[0].reason, "Failed");
  EXPECT_EQ(events[0].message, "Error: no space");  // the gRPC description only
  EXPECT_EQ(r.message, "no space");
}

TEST_P(ContainerRuntimeTest, StartFailureEventNamesTheContainerNotItsId) {
  EXPECT_CALL(cri_, StartContainer("ctr-1"))
      .WillOnce(Return(absl::NotFoundError("rpc error: code = NotFound desc = container \"ctr-1\" is gone")));
  StartResult r = Start();
  EXPECT_EQ(r.message, "container \"ctr-1\" is gone");  // the status keeps the ID
  auto events = events_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].message, "Error: container \"app\" is gone");
}

TEST_P(ContainerRuntimeTest, PullFailureRecordsBothFailedEvents) {
  EXPECT_CALL(cri_, ImagePresent("busybox")).WillOnce(Return(false));
  EXPECT_CALL(cri_, PullImage("busybox", _))
      .WillOnce(Return(absl::NotFoundError("rpc error: code = NotFound desc = no such image")));
  EXPECT_CALL(cri_, CreateContainer(_, _, _)).Times(0);
  StartResult r = Start();
  EXPECT_EQ(r.error_reason, "ErrImagePull");
  EXPECT_EQ(r.message, "rpc error: code = NotFound desc = no such image");
  auto events = events_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message, "Failed to pull image \"busybox\": rpc error: code = NotFound desc = no such image");
  EXPECT_EQ(events[1].message, "Error: ErrImagePull");
}

TEST_P(ContainerRuntimeTest, ImageStatusFailureIsImageInspectErrorWithoutAPull) {
  EXPECT_CALL(cri_, ImagePresent("busybox")).WillOnce(Return(absl::UnavailableError("rpc error: code = Unavailable desc = down")));
  EXPECT_CALL(cri_, PullImage(_, _)).Times(0);
  StartResult r = Start();
  EXPECT_EQ(r.error_reason, "ImageInspectError");
  EXPECT_EQ(r.message, "Failed to inspect image \"busybox\": rpc error: code = Unavailable desc = down");
  EXPECT_EQ(events_.Reasons(), (std::vector<std::string>{"InspectFailed", "Failed"}));
  EXPECT_EQ(events_.Events().at(1).message, "Error: ImageInspectError");
}

TEST_P(ContainerRuntimeTest, StartFailureIsRunContainerErrorAfterCreated) {
  EXPECT_CALL(cri_, StartContainer(_)).WillOnce(Return(absl::UnknownError("start failed")));
  EXPECT_CALL(cri_, RemoveContainer(_)).Times(0);
  StartResult r = Start();
  EXPECT_EQ(r.error_reason, "RunContainerError");
  EXPECT_EQ(events_.Reasons(), (std::vector<std::string>{"Created", "Failed"}));
}

TEST_P(ContainerRuntimeTest, FailedPostStartKillsTheContainerWithPreStopFirst) {
  container_.lifecycle = Lifecycle{};
  container_.lifecycle->post_start = LifecycleHandler{};
  container_.lifecycle->post_start->exec = ExecAction{{"sh", "-c", "exit 3"}};
  SetPreStopExec();
  ExecResult failed;
  failed.exit_code = 3;
  failed.error = absl::UnknownError(ExecExitErrorText({"sh", "-c", "exit 3"}, 3, ""));
  ::testing::InSequence order;
  EXPECT_CALL(cri_, StartContainer("ctr-1"));
  EXPECT_CALL(cri_, ExecSync("ctr-1", ElementsAre("sh", "-c", "exit 3"), 0s)).WillOnce(Return(failed));
  EXPECT_CALL(cri_, ExecSync("ctr-1", ElementsAre("sh", "-c", "drain"), 0s)).WillOnce(Return(ExecResult{}));
  EXPECT_CALL(cri_, StopContainer("ctr-1", 30));
  StartResult r = Start();
  // PS-07: 1.21 names the hook's own error after the reason.
  EXPECT_EQ(r.error_reason, v135() ? "PostStartHookError" : "PostStartHookError: command 'sh -c exit 3' exited with 3: ");
  EXPECT_THAT(r.message, HasSubstr("Exec lifecycle hook ([sh -c exit 3]) for Container \"app\""));
  ASSERT_EQ(events_.Reasons(), (std::vector<std::string>{"Created", "Started", "FailedPostStartHook", "Killing"}));
  auto events = events_.Events();
  EXPECT_EQ(events[2].message, v135() ? "PostStartHook failed" : r.message);
  EXPECT_EQ(events[3].message, "FailedPostStartHook");
}

TEST_P(ContainerRuntimeTest, GraceDefaultsToTwoSecondsAndDeletionGraceWins) {
  EXPECT_EQ(ContainerRuntime::GracePeriod(Pod{}), 2);
  pod_.deletion_grace_period_seconds = 5;
  EXPECT_EQ(ContainerRuntime::GracePeriod(pod_), 5);
}

TEST_P(ContainerRuntimeTest, KillingIsRecordedBeforeThePreStopHookAndStopGetsTheRemainingGrace) {
  SetPreStopExec();
  auto release = std::make_shared<Notification>();
  EXPECT_CALL(cri_, ExecSync("ctr-1", ElementsAre("sh", "-c", "drain"), 0s)).WillOnce([&](auto&&...) {
    EXPECT_EQ(events_.Reasons(), std::vector<std::string>{"Killing"}) << "Killing comes before the hook (PR-02)";
    release->Wait();
    return ExecResult{};
  });
  EXPECT_CALL(cri_, StopContainer("ctr-1", 20));  // 30 - 10 whole seconds (PR-07, PR-08)
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  auto kill = KillAsync(runtime);
  ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));
  clock_.Advance(10700ms);
  release->Notify();
  EXPECT_TRUE(kill.get().ok());
  EXPECT_EQ(events_.Events()[0].message, "Stopping container app");
}

TEST_P(ContainerRuntimeTest, AHungPreStopIsCutOffAtTheGraceAndStopGetsTheTwoSecondFloor) {
  SetPreStopExec();
  auto release = std::make_shared<Notification>();
  EXPECT_CALL(cri_, ExecSync(_, _, _)).WillOnce([&](auto&&...) {
    release->Wait();
    return ExecResult{};
  });
  EXPECT_CALL(cri_, StopContainer("ctr-1", 2));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  auto kill = KillAsync(runtime);
  ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));
  clock_.Advance(30s);
  EXPECT_TRUE(kill.get().ok());
  release->Notify();  // the hook outlived its wait (EX-06); let it finish before teardown
}

TEST_P(ContainerRuntimeTest, AGraceJustInsideGosDurationRangeWaitsForThePreStopHook) {
  // 9223372036 s is the largest whole-second Duration: the kubelet's timer lies beyond any
  // clock's end (Go's `when` saturates), so the hook, not the timer, ends the wait.
  pod_.termination_grace_period_seconds = 9223372036;
  SetPreStopExec();
  auto release = std::make_shared<Notification>();
  EXPECT_CALL(cri_, ExecSync(_, _, _)).WillOnce([&](auto&&...) {
    release->Wait();
    return ExecResult{};
  });
  EXPECT_CALL(cri_, StopContainer("ctr-1", 9223372036 - 3600 * 1000));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  auto kill = KillAsync(runtime);
  ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));
  clock_.Advance(1000h);
  release->Notify();
  EXPECT_TRUE(kill.get().ok());
  EXPECT_EQ(events_.Reasons(), std::vector<std::string>{"Killing"}) << "the hook did not fail";
}

TEST_P(ContainerRuntimeTest, AGracePastGosDurationRangeStopsWaitingAtOnceAsTheKubeletDoes) {
  // time.Duration(9300000000) * time.Second wraps to about -9.15e18 ns: the kubelet's timer fires
  // at once and StopContainer gets the whole grace; the hook runs on (EX-06) and does not fail.
  pod_.termination_grace_period_seconds = 9300000000;
  SetPreStopExec();
  auto release = std::make_shared<Notification>();
  EXPECT_CALL(cri_, ExecSync(_, _, _)).WillOnce([&](auto&&...) {
    release->Wait();
    return ExecResult{};
  });
  EXPECT_CALL(cri_, StopContainer("ctr-1", 9300000000));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  EXPECT_TRUE(KillAsync(runtime).get().ok());
  release->Notify();
  runtime.CancelAndJoinHooks();
  EXPECT_EQ(events_.Reasons(), std::vector<std::string>{"Killing"});
}

TEST_P(ContainerRuntimeTest, AHookStillRunningAtShutdownEndsWithoutAFailureEvent) {
  if (!v135()) GTEST_SKIP() << "sleep hooks exist in 1.35 only";
  container_.lifecycle = Lifecycle{};
  container_.lifecycle->pre_stop = LifecycleHandler{};
  container_.lifecycle->pre_stop->sleep = SleepAction{60};
  pod_.termination_grace_period_seconds = 2;
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  {
    ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
    auto kill = KillAsync(runtime);
    ASSERT_TRUE(clock_.WaitForWaiters(2, 10s));  // the kill's wait and the sleep
    clock_.Advance(2s);
    EXPECT_TRUE(kill.get().ok());
  }  // the engine ends while the hook still sleeps
  EXPECT_THAT(events_.Reasons(), ElementsAre("Killing")) << "the shutdown's cancel was reported as a hook failure";
}

// An httpGet preStop hook that outlived the kill is cancelled when the engine ends (its request
// is handed a cancellation that fires), without a failure event. Handing it no cancellation
// left the request hanging past the engine's end.
TEST_P(ContainerRuntimeTest, AnHttpGetHookStillRunningAtShutdownIsCancelled) {
  container_.lifecycle = Lifecycle{};
  container_.lifecycle->pre_stop = LifecycleHandler{};
  container_.lifecycle->pre_stop->http_get = HttpGetAction{"/drain", IntOrString::Int(8080), "127.0.0.1", "", {}};
  pod_.termination_grace_period_seconds = 2;
  std::atomic<bool> saw_cancel{false};
  EXPECT_CALL(http_, Get(_, _, _)).WillOnce([&](const http::Request&, const http::Options&,
                                                const std::function<bool()>& cancelled) -> http::Result {
    // A server that never answers: the request ends only by cancellation (10 s at most here).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline && !saw_cancel) {
      saw_cancel = cancelled && cancelled();
      std::this_thread::sleep_for(1ms);  // polling the cancellation, which offers no wait
    }
    return http::Error{http::ErrorKind::kCancelled, "Get \"http://127.0.0.1:8080/drain\": context canceled"};
  });
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  {
    ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
    auto kill = KillAsync(runtime);
    ASSERT_TRUE(clock_.WaitForWaiters(1, 10s));  // the kill's wait for the hook
    clock_.Advance(2s);
    EXPECT_TRUE(kill.get().ok());
  }  // the engine ends while the request still hangs
  EXPECT_TRUE(saw_cancel) << "the hook's request was never cancelled";
  EXPECT_THAT(events_.Reasons(), ElementsAre("Killing")) << "the shutdown's cancel was reported as a hook failure";
}

TEST_P(ContainerRuntimeTest, ZeroGraceSkipsThePreStopHook) {
  SetPreStopExec();
  pod_.termination_grace_period_seconds = 0;
  EXPECT_CALL(cri_, ExecSync(_, _, _)).Times(0);
  EXPECT_CALL(cri_, StopContainer("ctr-1", 2));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  EXPECT_TRUE(KillAsync(runtime).get().ok());
}

TEST_P(ContainerRuntimeTest, GraceOverrideBoundsTheHookIn135ButReplacesTheFloorIn121) {
  // No preStop: 1.35 applies the override first and then the floor (Stop 2); 1.21 applies the
  // raw override after the floor (Stop 1) — issue #92432.
  EXPECT_CALL(cri_, StopContainer("ctr-1", v135() ? 2 : 1));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  EXPECT_TRUE(KillAsync(runtime, 1).get().ok());
}

TEST_P(ContainerRuntimeTest, StopNotFoundIsSuccessOnlyIn135) {
  EXPECT_CALL(cri_, StopContainer(_, _)).WillOnce(Return(absl::NotFoundError("gone")));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  EXPECT_EQ(KillAsync(runtime).get().ok(), v135());
}

TEST_P(ContainerRuntimeTest, PreStopFailureIsReportedButDoesNotStopTheKill) {
  SetPreStopExec();
  ExecResult failed;
  failed.exit_code = 1;
  failed.error = absl::UnknownError(ExecExitErrorText({"sh", "-c", "drain"}, 1, ""));
  EXPECT_CALL(cri_, ExecSync(_, _, _)).WillOnce(Return(failed));
  EXPECT_CALL(cri_, StopContainer("ctr-1", 30));
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  EXPECT_TRUE(KillAsync(runtime).get().ok());
  ASSERT_TRUE(events_.WaitForReason("FailedPreStopHook", 10s));
  auto events = events_.Events();
  EXPECT_EQ(events.back().type, "Warning");
  if (v135()) {
    EXPECT_EQ(events.back().message, "PreStopHook failed");
  } else {
    EXPECT_THAT(events.back().message, HasSubstr("exited with 1"));
  }
}

size_t ThreadsOfThisProcess() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Issue 15: the kill path reuses the engine's workers; a thread per preStop hook made 1,000.
TEST_P(ContainerRuntimeTest, AThousandKillsWithPreStopHooksStartNoThreadPerKill) {
  SetPreStopExec();
  HandlerRunner hooks(cri_, http_, clock_, events_, profile());
  ContainerRuntime runtime(cri_, hooks, clock_, events_, profile());
  KillRequest k;
  k.pod = &pod_;
  k.sandbox = {"sandbox-1", {}};
  k.spec = &container_;
  k.container_id = "ctr-1";
  ASSERT_TRUE(runtime.KillContainer(k).ok());  // warms the pool
  const uint64_t started_before = TaskPool::Shared().threads_started();
  const size_t threads_before = ThreadsOfThisProcess();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(runtime.KillContainer(k).ok()) << "kill " << i;
  // Each kill waits until its hook's worker is free again, so the next one reuses it.
  EXPECT_EQ(TaskPool::Shared().threads_started() - started_before, 0u);
  EXPECT_LE(ThreadsOfThisProcess(), threads_before);
  runtime.CancelAndJoinHooks();
}

}  // namespace
}  // namespace podlife
