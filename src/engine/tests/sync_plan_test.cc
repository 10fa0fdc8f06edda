// PlanSync, TerminationPrerequisites and BackoffTable as tables: one row per rule of the kubelet's
// computePodActions that podlife imitates (docs/behaviours.md SP-01..SP-08, PR-12, M1-M8). Pure
// functions: no runtime, no clock.
#include "src/engine/sync_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/engine/container_runtime.h"

namespace podlife {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using State = ObservedState;
using Sandbox = PodSnapshot::Sandbox;

Container Named(const std::string& name, bool sidecar = false) {
  Container c;
  c.name = name;
  c.image = "busybox";
  if (sidecar) c.restart_policy = "Always";
  return c;
}

// A pod: init containers (`+` marks a sidecar), containers, restart policy.
Pod MakePod(std::vector<std::string> inits, std::vector<std::string> mains, const std::string& policy = "Always") {
  Pod pod;
  pod.name = "p";
  pod.uid = "u";
  pod.restart_policy = policy;
  for (auto& n : inits) {
    const bool sidecar = !n.empty() && n.back() == '+';
    pod.init_containers.push_back(Named(sidecar ? n.substr(0, n.size() - 1) : n, sidecar));
  }
  for (auto& n : mains) pod.containers.push_back(Named(n));
  return pod;
}

const Container& SpecOf(const Pod& pod, const std::string& name) {
  for (const auto& c : pod.init_containers) {
    if (c.name == name) return c;
  }
  for (const auto& c : pod.containers) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no container " + name);
}

// The runtime holds `name` in `state` (exit code `code`), created from its current spec.
void Observe(PodSnapshot& s, const Pod& pod, const std::string& name, State state, int code = 0) {
  s.containers[name] = {"id-" + name, false, 0, ContainerHash(SpecOf(pod, name)), state, code, {}};
}

PodSnapshot Ready() {
  PodSnapshot s;
  s.sandbox = Sandbox::kReady;
  return s;
}

std::vector<std::string> Starts(const Pod& pod, const SyncPlan& plan) {
  std::vector<std::string> names;
  for (size_t i : plan.init_containers_to_start) names.push_back("init:" + pod.init_containers[i].name);
  for (size_t i : plan.containers_to_start) names.push_back(pod.containers[i].name);
  return names;
}

std::vector<std::string> Kills(const SyncPlan& plan) {
  std::vector<std::string> out;
  for (const auto& k : plan.containers_to_kill) out.push_back(k.name + ": " + k.message);
  return out;
}

TEST(PlanSyncTest, AFirstSyncCreatesTheSandboxAndStartsTheFirstInitContainer) {
  for (const Profile* profile : {&Profile121(), &Profile135()}) {
    Pod pod = MakePod({"init1", "init2"}, {"app"});
    SyncPlan plan = PlanSync(pod, PodSnapshot{}, *profile);
    EXPECT_TRUE(plan.create_sandbox);
    EXPECT_FALSE(plan.sandbox_changed) << "no SandboxChanged for a new pod";
    EXPECT_EQ(plan.sandbox_attempt, 0u);
    EXPECT_THAT(Starts(pod, plan), ElementsAre("init:init1"));
  }
}

TEST(PlanSyncTest, WithoutInitContainersEveryContainerStarts) {
  Pod pod = MakePod({}, {"a", "b"});
  EXPECT_THAT(Starts(pod, PlanSync(pod, PodSnapshot{}, Profile135())), ElementsAre("a", "b"));
}

TEST(PlanSyncTest, ARunningInitContainerIsWaitedFor) {
  for (const Profile* profile : {&Profile121(), &Profile135()}) {
    Pod pod = MakePod({"init1", "init2"}, {"app"});
    PodSnapshot s = Ready();
    Observe(s, pod, "init1", State::kRunning);
    SyncPlan plan = PlanSync(pod, s, *profile);
    EXPECT_THAT(Starts(pod, plan), IsEmpty());
    EXPECT_EQ(plan.wait_for_init, std::optional<size_t>(0));
  }
}

TEST(PlanSyncTest, AnInitContainerThatExitedZeroIsFollowedByTheNext) {
  for (const Profile* profile : {&Profile121(), &Profile135()}) {
    Pod pod = MakePod({"init1", "init2"}, {"app"});
    PodSnapshot s = Ready();
    Observe(s, pod, "init1", State::kExited, 0);
    EXPECT_THAT(Starts(pod, PlanSync(pod, s, *profile)), ElementsAre("init:init2"));
    Observe(s, pod, "init2", State::kExited, 0);
    EXPECT_THAT(Starts(pod, PlanSync(pod, s, *profile)), ElementsAre("app")) << "initialised";
  }
}

TEST(PlanSyncTest, AFailedInitContainerRestartsUnlessNeverThenThePodIsKilled) {
  for (const Profile* profile : {&Profile121(), &Profile135()}) {
    for (const std::string policy : {"Always", "OnFailure", "Never"}) {
      Pod pod = MakePod({"init"}, {"app"}, policy);
      PodSnapshot s = Ready();
      Observe(s, pod, "init", State::kExited, 1);
      SyncPlan plan = PlanSync(pod, s, *profile);
      if (policy == "Never") {  // M5
        EXPECT_TRUE(plan.kill_pod) << policy;
        EXPECT_FALSE(plan.create_sandbox);
        EXPECT_EQ(plan.failed_init, std::optional<size_t>(0));
        EXPECT_THAT(Starts(pod, plan), IsEmpty());
      } else {
        EXPECT_FALSE(plan.kill_pod) << policy;
        EXPECT_THAT(Starts(pod, plan), ElementsAre("init:init")) << policy;
      }
    }
  }
}

TEST(PlanSyncTest, RestartPolicyDecidesWhichExitedContainersStart) {
  struct Row {
    std::string policy;
    int exit_code;
    bool restarted;
  };
  for (const Row& row : {Row{"Always", 0, true}, Row{"Always", 1, true}, Row{"OnFailure", 0, false},
                         Row{"OnFailure", 2, true}, Row{"Never", 1, false}}) {
    Pod pod = MakePod({}, {"app", "other"}, row.policy);
    PodSnapshot s = Ready();
    Observe(s, pod, "app", State::kExited, row.exit_code);
    Observe(s, pod, "other", State::kRunning);
    SyncPlan plan = PlanSync(pod, s, Profile135());
    EXPECT_EQ(Starts(pod, plan) == std::vector<std::string>{"app"}, row.restarted) << row.policy << " " << row.exit_code;
    EXPECT_FALSE(plan.kill_pod) << "other still runs";
  }
}

TEST(PlanSyncTest, NothingRunningAndNothingToStartKillsThePod) {
  Pod pod = MakePod({}, {"app"}, "Never");
  PodSnapshot s = Ready();
  Observe(s, pod, "app", State::kExited, 0);
  SyncPlan plan = PlanSync(pod, s, Profile121());
  EXPECT_TRUE(plan.kill_pod);
  EXPECT_FALSE(plan.create_sandbox);
}

TEST(PlanSyncTest, RunningSidecarsDoNotKeepAFinishedPodAlive) {  // M1
  Pod pod = MakePod({"proxy+"}, {"job"}, "Never");
  PodSnapshot s = Ready();
  Observe(s, pod, "proxy", State::kRunning);
  Observe(s, pod, "job", State::kExited, 0);
  SyncPlan plan = PlanSync(pod, s, Profile135());
  EXPECT_TRUE(plan.kill_pod);
  EXPECT_THAT(Starts(pod, plan), IsEmpty()) << "sidecars are not restarted either";
}

TEST(PlanSyncTest, AnExitedSidecarOfAFinishedPodIsRestartedOnceThenThePodIsKilled) {
  // Upstream's quirk: exited main containers do not count as "initialised" (they may be from a
  // sandbox before a reboot), so the sidecar runs again before the pod is seen to be done.
  Pod pod = MakePod({"proxy+"}, {"job"}, "OnFailure");
  PodSnapshot s = Ready();
  Observe(s, pod, "proxy", State::kExited, 137);
  Observe(s, pod, "job", State::kExited, 0);
  SyncPlan plan = PlanSync(pod, s, Profile135());
  EXPECT_FALSE(plan.kill_pod);
  EXPECT_THAT(Starts(pod, plan), ElementsAre("init:proxy"));
  Observe(s, pod, "proxy", State::kRunning);
  plan = PlanSync(pod, s, Profile135());
  EXPECT_TRUE(plan.kill_pod);
  EXPECT_THAT(Starts(pod, plan), IsEmpty());
}

TEST(PlanSyncTest, SidecarsStartOneAtATimeEachOnceTheOneBeforeRuns) {  // M2, PS-14
  Pod pod = MakePod({"s1+", "s2+"}, {"app"});
  PodSnapshot s = Ready();
  Observe(s, pod, "s1", State::kExited, 1);  // its start or postStart failed: it is restarted, nothing after it
  EXPECT_THAT(Starts(pod, PlanSync(pod, s, Profile135())), ElementsAre("init:s1"));
  Observe(s, pod, "s1", State::kRunning);
  EXPECT_THAT(Starts(pod, PlanSync(pod, s, Profile135())), ElementsAre("init:s2"));
  Observe(s, pod, "s2", State::kRunning);
  EXPECT_THAT(Starts(pod, PlanSync(pod, s, Profile135())), ElementsAre("app"));
}

TEST(PlanSyncTest, In121ARestartAlwaysInitContainerIsAnOrdinaryOne) {
  Pod pod = MakePod({"s1+"}, {"app"});
  PodSnapshot s = Ready();
  Observe(s, pod, "s1", State::kRunning);
  SyncPlan plan = PlanSync(pod, s, Profile121());
  EXPECT_THAT(Starts(pod, plan), IsEmpty());
  EXPECT_EQ(plan.wait_for_init, std::optional<size_t>(0));
}

TEST(PlanSyncTest, AnExitedSidecarOfARunningPodIsRestarted) {
  Pod pod = MakePod({"s1+"}, {"app"});
  PodSnapshot s = Ready();
  Observe(s, pod, "s1", State::kExited, 1);
  Observe(s, pod, "app", State::kRunning);
  SyncPlan plan = PlanSync(pod, s, Profile135());
  EXPECT_THAT(Starts(pod, plan), ElementsAre("init:s1"));
  EXPECT_FALSE(plan.kill_pod);
}

TEST(PlanSyncTest, ChangedContainersAreKilledWithTheirMessages) {  // SP-06, M7
  Pod pod = MakePod({"s1+"}, {"app"});
  PodSnapshot s = Ready();
  Observe(s, pod, "s1", State::kRunning);
  Observe(s, pod, "app", State::kRunning);
  s.containers["s1"].hash = "old";
  s.containers["app"].hash = "old";
  SyncPlan plan = PlanSync(pod, s, Profile135());
  EXPECT_THAT(Kills(plan), ElementsAre("s1: Init container s1 definition changed",
                                       "app: Container app definition changed, will be restarted"));
  EXPECT_THAT(Starts(pod, plan), ElementsAre("init:s1", "app"));
}

TEST(PlanSyncTest, AChangedSpecRestartsEvenUnderNever) {
  Pod pod = MakePod({}, {"app"}, "Never");
  PodSnapshot s = Ready();
  Observe(s, pod, "app", State::kRunning);
  s.containers["app"].hash = "old";
  EXPECT_THAT(Starts(pod, PlanSync(pod, s, Profile121())), ElementsAre("app"));
}

TEST(PlanSyncTest, ASandboxNoLongerReadyIsReplacedWithTheNextAttempt) {  // SP-07
  Pod pod = MakePod({"init"}, {"app"});
  PodSnapshot s;
  s.sandbox = Sandbox::kNotReady;
  s.sandbox_attempt = 2;
  Observe(s, pod, "init", State::kExited, 0);
  Observe(s, pod, "app", State::kExited, 0);
  SyncPlan plan = PlanSync(pod, s, Profile135());
  EXPECT_TRUE(plan.kill_pod);
  EXPECT_TRUE(plan.create_sandbox);
  EXPECT_TRUE(plan.sandbox_changed);
  EXPECT_EQ(plan.sandbox_attempt, 3u);
  EXPECT_THAT(Starts(pod, plan), ElementsAre("init:init")) << "a new sandbox starts over";
}

TEST(PlanSyncTest, AFinishedPodsSandboxIsNotReplaced) {
  struct Row {
    std::string policy;
    int exit_code;
  };
  for (const Row& row : {Row{"Never", 1}, Row{"OnFailure", 0}}) {
    Pod pod = MakePod({}, {"app"}, row.policy);
    PodSnapshot s;
    s.sandbox = Sandbox::kNotReady;
    Observe(s, pod, "app", State::kExited, row.exit_code);
    SyncPlan plan = PlanSync(pod, s, Profile121());
    EXPECT_TRUE(plan.kill_pod) << row.policy;
    EXPECT_FALSE(plan.create_sandbox) << row.policy;
    EXPECT_FALSE(plan.sandbox_changed) << row.policy;
  }
}

TEST(PlanSyncTest, OnFailureReplacesTheSandboxWithoutTheSucceededContainers) {
  Pod pod = MakePod({}, {"done", "failed"}, "OnFailure");
  PodSnapshot s;
  s.sandbox = Sandbox::kNotReady;
  Observe(s, pod, "done", State::kExited, 0);
  Observe(s, pod, "failed", State::kExited, 1);
  EXPECT_THAT(Starts(pod, PlanSync(pod, s, Profile135())), ElementsAre("failed"));
}

TEST(TerminationPrerequisitesTest, SidecarsWaitForTheMainContainersAndTheNextSidecarInSpecOrder) {  // PR-12, M6
  Pod pod = MakePod({"s1+", "init", "s2+", "s3+"}, {"a", "b"});
  auto order = TerminationPrerequisites(pod, {"s3", "a", "s1", "b", "s2"}, Profile135());
  EXPECT_THAT(order["s3"], ElementsAre("a", "b"));
  EXPECT_THAT(order["s2"], ElementsAre("a", "b", "s3"));
  EXPECT_THAT(order["s1"], ElementsAre("a", "b", "s2"));
  EXPECT_EQ(order.count("a"), 0u);
}

TEST(TerminationPrerequisitesTest, ContainersNotRunningAreNotWaitedFor) {
  Pod pod = MakePod({"s1+", "s2+"}, {"a", "b"});
  auto order = TerminationPrerequisites(pod, {"s1", "b"}, Profile135());
  EXPECT_THAT(order["s1"], ElementsAre("b"));
  EXPECT_EQ(order.count("s2"), 0u);
}

TEST(TerminationPrerequisitesTest, NoOrderingIn121) {
  Pod pod = MakePod({"s1+"}, {"a"});
  EXPECT_TRUE(TerminationPrerequisites(pod, {"s1", "a"}, Profile121()).empty());
}

TEST(BackoffTableTest, TenSecondsDoublingToFiveMinutesFromTheFinish) {  // SP-04
  BackoffTable table;
  const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  const std::string key = "k";
  EXPECT_FALSE(table.InBackOff(key, t0, t0)) << "no entry: no back-off";
  table.Next(key, t0, t0);
  EXPECT_EQ(table.InBackOff(key, t0, t0 + std::chrono::seconds(9)), std::chrono::seconds(10));
  EXPECT_FALSE(table.InBackOff(key, t0, t0 + std::chrono::seconds(10)));
  auto t = t0;
  for (int expected : {20, 40, 80, 160, 300, 300}) {
    t += std::chrono::seconds(1);
    table.Next(key, t, t);
    EXPECT_EQ(table.InBackOff(key, t, t), std::chrono::seconds(expected));
  }
}

TEST(BackoffTableTest, AnEntryExpiresTenMinutesAfterItsUpdateMeasuredAtTheFinish) {  // M8
  BackoffTable table;
  const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
  table.Next("k", t0, t0);
  table.Next("k", t0, t0);  // 20 s
  const auto late_finish = t0 + std::chrono::seconds(601);
  EXPECT_FALSE(table.InBackOff("k", late_finish, late_finish)) << "expired: measured from the finish";
  const auto finish = t0 + std::chrono::seconds(590);
  EXPECT_EQ(table.InBackOff("k", finish, t0 + std::chrono::seconds(605)), std::chrono::seconds(20))
      << "a finish within 10 min of the update is not expired, although now is more than 10 min later";
  table.Next("k", late_finish, late_finish);
  EXPECT_EQ(table.InBackOff("k", late_finish, late_finish), std::chrono::seconds(10)) << "starts over";
}

TEST(BackoffTableTest, TheKeyIsThePodTheNameAndTheSpec) {  // M8
  Pod pod = MakePod({}, {"app"});
  const std::string before = BackoffTable::Key(pod, pod.containers[0]);
  pod.containers[0].command = {"sh", "-c", "changed"};
  EXPECT_NE(BackoffTable::Key(pod, pod.containers[0]), before);
  EXPECT_EQ(before.rfind("p_default_u_app_", 0), 0u);
}

}  // namespace
}  // namespace podlife
