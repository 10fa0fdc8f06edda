// Pod sync ordering (SP-, PS-10/11/14, PR-11/12) against the real fake CRI server over its unix
// socket. Gates on the fake make each ordering deterministic; no sleeps.
#include "src/engine/engine_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <set>

#include "fakes/cri/fake_cri_server.h"
#include "src/core/task_pool.h"

namespace podlife {
namespace {

using fakes::Call;
using fakes::CallRecord;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

auto CreateOf(const std::string& name) {
  return Call(
      "CreateContainer",
      [name](const CallRecord& r) { return r.Request<cri::CreateContainerRequest>().config().metadata().name() == name; },
      "name == " + name);
}

class PodSyncTest : public ::testing::Test {
 protected:
  void Build(const Profile& profile) {
    std::string error;
    fake_ = fakes::FakeCriServer::Start({}, &error);
    ASSERT_TRUE(fake_) << error;
    EngineSessionOptions options;
    options.endpoint = fake_->address();
    options.profile = &profile;
    auto session = EngineSession::Connect(options, events_);
    ASSERT_TRUE(session.ok()) << session.status();
    engine_ = std::move(*session);
  }
  void TearDown() override {
    engine_.reset();
    if (fake_) {
      auto r = fake_->VerifyAllConsumed();
      EXPECT_TRUE(r.ok()) << r.message();
    }
  }

  static Container Named(const std::string& name) {
    Container c;
    c.name = name;
    c.image = "busybox";
    return c;
  }
  static LifecycleHandler ExecHook(std::vector<std::string> cmd) {
    LifecycleHandler h;
    h.exec = ExecAction{std::move(cmd)};
    return h;
  }
  Pod MakePod() {
    Pod pod;
    pod.name = "web";
    pod.uid = "uid-1";
    pod.termination_grace_period_seconds = 30;
    return pod;
  }
  std::string IdOf(const std::string& name) {
    for (const auto& c : fake_->Containers()) {
      if (c.config.metadata().name() == name) return c.id;
    }
    return "";
  }

  EventLog events_;
  std::unique_ptr<fakes::FakeCriServer> fake_;
  std::unique_ptr<EngineSession> engine_;
};

TEST_F(PodSyncTest, InitContainersRunToCompletionBeforeTheContainers) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.init_containers = {Named("setup")};
  pod.containers = {Named("app")};
  auto result = std::async(std::launch::async, [&] { return engine_->Sync(pod, nullptr); });
  ASSERT_TRUE(fake_->calls().WaitForFinished(Call("StartContainer"), kWait).ok());
  // setup runs; app must not be created while it does.
  ASSERT_TRUE(fake_->calls().WaitFor(Call("ContainerStatus"), kWait).ok());
  EXPECT_TRUE(fake_->calls().WaitFor(CreateOf("app"), 0ms).ok() == false);
  fake_->ExitContainer(IdOf("setup"), 0);
  PodSyncResult r = result.get();
  EXPECT_TRUE(r.ok()) << r.error;
  auto order = fake_->calls().ExpectSubsequence({CreateOf("setup"), Call("StartContainer"), CreateOf("app")});
  EXPECT_TRUE(order.ok()) << order.message();
}

// The cancel of a sync (the implementation is restarted) comes before the init container's exit,
// but the sync's own snapshot, already in flight, sees the exit: it must not start the app, which
// is the successor's to start (conformance case Resync.ARunningInitContainerIsWaitedForNotStartedAgain).
TEST_F(PodSyncTest, ACancelledSyncActsOnNothingItsSnapshotSawAfterTheCancel) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.init_containers = {Named("setup")};
  pod.containers = {Named("app")};
  auto snapshot_of_setup = fake_->HoldNext("ContainerStatus");
  auto cancel = std::make_shared<Notification>();
  auto result = std::async(std::launch::async, [&] { return engine_->Sync(pod, cancel); });
  ASSERT_TRUE(snapshot_of_setup->WaitUntilHeld(kWait).ok());
  cancel->Notify();
  fake_->ExitContainer(IdOf("setup"), 0);
  snapshot_of_setup->Release();
  PodSyncResult r = result.get();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("cancelled"));
  EXPECT_FALSE(fake_->calls().WaitFor(CreateOf("app"), 0ms).ok()) << "the cancelled sync created app";
}

TEST_F(PodSyncTest, AFailedInitContainerAbortsTheSync) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.init_containers = {Named("setup")};
  pod.containers = {Named("app")};
  auto result = std::async(std::launch::async, [&] { return engine_->Sync(pod, nullptr); });
  ASSERT_TRUE(fake_->calls().WaitForFinished(Call("StartContainer"), kWait).ok());
  fake_->ExitContainer(IdOf("setup"), 1);
  PodSyncResult r = result.get();
  EXPECT_EQ(r.error, "init container setup exited with 1");
  EXPECT_FALSE(fake_->calls().WaitFor(CreateOf("app"), 0ms).ok());
}

TEST_F(PodSyncTest, APostStartHookBlocksTheNextContainer) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.containers = {Named("first"), Named("second")};
  pod.containers[0].lifecycle = Lifecycle{ExecHook({"wait-ready"}), std::nullopt};
  auto gate = fake_->HoldNext("ExecSync");
  auto result = std::async(std::launch::async, [&] { return engine_->Sync(pod, nullptr); });
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  EXPECT_FALSE(fake_->calls().WaitFor(CreateOf("second"), 0ms).ok()) << "second created during first's postStart";
  gate->Release();
  EXPECT_TRUE(result.get().ok());
  EXPECT_TRUE(fake_->calls().ExpectSubsequence({Call("ExecSync"), CreateOf("second")}).ok());
}

TEST_F(PodSyncTest, AFailedContainerStartDoesNotStopTheNextOne) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.containers = {Named("first"), Named("second")};
  fake_->FailNext("StartContainer", grpc::StatusCode::UNKNOWN, "no such binary");
  PodSyncResult r = engine_->Sync(pod, nullptr);
  EXPECT_EQ(r.error, "container first: RunContainerError");
  EXPECT_TRUE(fake_->calls().WaitFor(CreateOf("second"), 0ms).ok());
  EXPECT_TRUE(r.containers[1].start.ok());
}

TEST_F(PodSyncTest, PreStopHooksOfAPodStartConcurrentlyThenTheSandboxStops) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.containers = {Named("a"), Named("b")};
  pod.containers[0].lifecycle = Lifecycle{std::nullopt, ExecHook({"drain-a"})};
  pod.containers[1].lifecycle = Lifecycle{std::nullopt, ExecHook({"drain-b"})};
  ASSERT_TRUE(engine_->Sync(pod, nullptr).ok());
  auto gate_one = fake_->HoldNext("ExecSync");
  auto gate_two = fake_->HoldNext("ExecSync");
  auto killed = std::async(std::launch::async, [&] { return engine_->Kill(pod, std::nullopt); });
  // Both hooks are in flight at once: PR-11.
  ASSERT_TRUE(gate_one->WaitUntilHeld(kWait).ok());
  ASSERT_TRUE(gate_two->WaitUntilHeld(kWait).ok());
  EXPECT_TRUE(fake_->calls().ExpectNoCall("StopContainer").ok()) << "StopContainer before the preStop finished";
  gate_one->Release();
  gate_two->Release();
  EXPECT_TRUE(killed.get().ok());
  auto stops = fake_->calls().Calls("StopContainer");
  ASSERT_EQ(stops.size(), 2u);
  for (const auto& s : stops) EXPECT_EQ(s.Request<cri::StopContainerRequest>().timeout(), 30);
  EXPECT_TRUE(fake_->calls().ExpectSubsequence({Call("StopContainer"), Call("StopContainer"), Call("StopPodSandbox")}).ok());
}

std::string ThreadName(const std::filesystem::path& task) {
  std::ifstream comm(task / "comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

// The ids of this process's threads that carry the process's own name: every thread podlife's
// code starts (std::thread inherits its creator's name), none of gRPC's (gRPC names its own, and
// the fake's sync server starts and ends threads of its own as calls come).
std::set<std::string> OwnThreadIds() {
  const std::string own = ThreadName("/proc/self");
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    if (ThreadName(entry.path()) == own) ids.insert(entry.path().filename().string());
  }
  return ids;
}

// Issue 15: a pod's kill runs its containers' kills and preStop hooks on the engine's pool, not on
// a thread each. While a pod of 16 has all its hooks in flight, the threads running them are the
// same ones round after round: the union of the ids of podlife's threads over the rounds grows by
// the one std::async thread per round, where a thread per kill or per hook would add 16 or 32 new
// ids per round (Linux does not reuse thread ids soon).
TEST_F(PodSyncTest, APodOf16KilledAgainAndAgainReusesTheSameThreads) {
  Build(Profile135());
  Pod pod = MakePod();
  constexpr int kContainers = 16;
  for (int i = 0; i < kContainers; ++i) {
    pod.containers.push_back(Named("c" + std::to_string(i)));
    pod.containers.back().lifecycle = Lifecycle{std::nullopt, ExecHook({"drain"})};
  }
  std::set<std::string> seen;
  size_t after_first_round = 0;
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(engine_->Sync(pod, nullptr).ok()) << "round " << round;
    std::vector<std::shared_ptr<fakes::Gate>> hooks;
    for (int i = 0; i < kContainers; ++i) hooks.push_back(fake_->HoldNext("ExecSync"));
    auto killed = std::async(std::launch::async, [&] { return engine_->Kill(pod, std::nullopt); });
    for (auto& gate : hooks) ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok()) << "round " << round;
    const auto ids = OwnThreadIds();
    seen.insert(ids.begin(), ids.end());
    for (auto& gate : hooks) gate->Release();
    ASSERT_TRUE(killed.get().ok()) << "round " << round;
    ASSERT_TRUE(engine_->Remove().ok()) << "round " << round;
    if (round == 0) after_first_round = seen.size();
  }
  EXPECT_LE(seen.size(), after_first_round + kRounds + 2)
      << "new threads ran the kills of later rounds: a thread per kill or per hook";
}

// Issue 15, over a real gRPC channel: a pod's start and kill, with an exec preStop hook that ends
// within its grace, start no thread at all: the killing thread drives the hook's ExecSync itself
// (ExecCall), and a pod of one container is killed on the calling thread.
TEST_F(PodSyncTest, AThousandSyncsAndKillsWithExecPreStopHooksStartNoThread) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.containers = {Named("app")};
  pod.containers[0].lifecycle = Lifecycle{ExecHook({"warm"}), ExecHook({"drain"})};
  auto cycle = [&](int i) {
    ASSERT_TRUE(engine_->Sync(pod, nullptr).ok()) << "cycle " << i;
    ASSERT_TRUE(engine_->Kill(pod, std::nullopt).ok()) << "cycle " << i;
    ASSERT_TRUE(engine_->Remove().ok()) << "cycle " << i;
  };
  cycle(0);  // warms gRPC's and the fake's own threads
  const uint64_t pool_before = TaskPool::Shared().threads_started();
  const auto own_before = OwnThreadIds();
  for (int i = 1; i <= 1000; ++i) {
    cycle(i);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(TaskPool::Shared().threads_started(), pool_before) << "the pool started workers";
  const auto own_after = OwnThreadIds();
  std::vector<std::string> new_threads;
  std::set_difference(own_after.begin(), own_after.end(), own_before.begin(), own_before.end(),
                      std::back_inserter(new_threads));
  EXPECT_TRUE(new_threads.empty()) << new_threads.size() << " threads of podlife's own appeared";
  EXPECT_EQ(fake_->calls().Calls("ExecSync").size(), 2002u) << "a postStart and a preStop hook per cycle";
}

// EX-06 over a real gRPC channel: at the grace the kill goes on without the preStop exec, which is
// left running, not cancelled: it ends later, and its failure is recorded then, after the stop.
TEST_F(PodSyncTest, APreStopExecPastTheGraceRunsOnAndItsFailureIsRecordedAfterTheStop) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.termination_grace_period_seconds = 1;
  pod.containers = {Named("app")};
  pod.containers[0].lifecycle = Lifecycle{std::nullopt, ExecHook({"drain"})};
  ASSERT_TRUE(engine_->Sync(pod, nullptr).ok());
  fake_->ScriptExec({"drain"}, {.exit_code = 1, .stdout_text = "", .stderr_text = "late", .delay = {}});
  auto gate = fake_->HoldNext("ExecSync");
  ASSERT_TRUE(engine_->Kill(pod, std::nullopt).ok());  // after the 1 s grace, without the hook
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  EXPECT_EQ(fake_->calls().Calls("StopContainer").size(), 1u);
  EXPECT_FALSE(events_.WaitForReason("FailedPreStopHook", 0ms)) << "the hook ended at the grace";
  gate->Release();
  EXPECT_TRUE(events_.WaitForReason("FailedPreStopHook", kWait)) << "the hook was abandoned, not left running";
}

// A pod removed from the runtime is forgotten: synced again it is a new pod, whose kill and removal
// visit only what it has now (they visited every container and sandbox it ever had, so each
// cycle of a pod synced, killed and removed again and again took longer than the last).
TEST_F(PodSyncTest, ARemovedPodSyncedAgainIsANewPod) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.containers = {Named("app")};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(engine_->Sync(pod, nullptr).ok()) << "cycle " << i;
    ASSERT_TRUE(engine_->Kill(pod, std::nullopt).ok()) << "cycle " << i;
    ASSERT_TRUE(engine_->Remove().ok()) << "cycle " << i;
  }
  ASSERT_TRUE(engine_->Sync(pod, nullptr).ok());
  EXPECT_EQ(fake_->Sandbox(fake_->calls().Calls("RunPodSandbox").back().answered_id)->config.metadata().attempt(), 0u)
      << "a new pod's sandbox is its first";
  fake_->calls().Clear();
  ASSERT_TRUE(engine_->Kill(pod, std::nullopt).ok());
  ASSERT_TRUE(engine_->Remove().ok());
  EXPECT_EQ(fake_->calls().Calls("ContainerStatus").size(), 1u) << "the kill looked at containers long gone";
  EXPECT_EQ(fake_->calls().Calls("StopContainer").size(), 1u);
  EXPECT_EQ(fake_->calls().Calls("RemovePodSandbox").size(), 1u) << "the removal removed sandboxes long gone";
}

TEST_F(PodSyncTest, SidecarsStopAfterTheMainContainersIn135) {
  Build(Profile135());
  Pod pod = MakePod();
  Container proxy = Named("proxy");
  proxy.restart_policy = "Always";
  pod.init_containers = {proxy};
  pod.containers = {Named("app")};
  PodSyncResult r = engine_->Sync(pod, nullptr);
  ASSERT_TRUE(r.ok()) << r.error;
  auto gate = fake_->HoldNext("StopContainer");  // the first stop must be the app's
  auto killed = std::async(std::launch::async, [&] { return engine_->Kill(pod, std::nullopt); });
  CallRecord first;
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  ASSERT_TRUE(fake_->calls().WaitFor(Call("StopContainer"), kWait, &first).ok());
  EXPECT_EQ(first.Request<cri::StopContainerRequest>().container_id(), IdOf("app"));
  gate->Release();
  EXPECT_TRUE(killed.get().ok());
  auto stops = fake_->calls().Calls("StopContainer");
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops[1].Request<cri::StopContainerRequest>().container_id(), IdOf("proxy"));
}

TEST_F(PodSyncTest, HostNetworkPodsAskForTheNodeNetworkAndNoHostname) {
  Build(Profile135());
  Pod pod = MakePod();
  pod.host_network = true;
  pod.containers = {Named("app")};
  ASSERT_TRUE(engine_->Sync(pod, nullptr).ok());
  CallRecord run;
  ASSERT_TRUE(fake_->calls().WaitFor(Call("RunPodSandbox"), kWait, &run).ok());
  const auto& config = run.Request<cri::RunPodSandboxRequest>().config();
  EXPECT_EQ(config.linux().security_context().namespace_options().network(), cri::NODE);
  EXPECT_EQ(config.hostname(), "");
}

}  // namespace
}  // namespace podlife
