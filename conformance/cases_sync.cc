// Cases for what the kubelet's sync planner decides (computePodActions): sidecars (their start
// and stop order, what a failed one blocks, when they let a finished pod go), a failed init
// container under restartPolicy Never, and CrashLoopBackOff per container spec
// (docs/behaviours.md SP-01, SP-04, SP-05, SP-06, SP-08, PS-14, PR-12, EV-01).
#include <gmock/gmock.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::ElementsAre;

std::string ExecHook(const std::string& hook, const std::string& script) {
  return "    lifecycle:\n      " + hook + ":\n        exec:\n          command: [sh, -c, \"" + script + "\"]\n";
}

PODLIFE_AREA(Sidecar);

PODLIFE_CASE(Sidecar, AFinishedJobStopsItsSidecars,
             {.ids = "SP-01 SP-05 PR-12 PR-10", .profiles = Profiles::k135Only,
              .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "In 1.35, once every regular container of a restartPolicy Never pod has exited, the next sync MUST kill the still-running sidecar (with its preStop) and stop the sandbox; running sidecars do not keep the pod alive and are not restarted."}) {
  SyncReport first = Pod("  restartPolicy: Never\n  initContainers:\n" + SidecarSpec("proxy", ExecHook("preStop", "echo bye")) +
                         "  containers:\n" + Regular("job")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("job").container_id, 0);
  SyncReport second = pod().Sync();
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_THAT(StoppedIds(Calls("StopContainer")), ElementsAre(first.Get("proxy").container_id))
      << "the sidecar of a finished pod was not stopped";
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u);
  EXPECT_EQ(Calls("ExecSync").size(), 1u) << "the sidecar's preStop did not run";
  EXPECT_EQ(Calls("CreateContainer").size(), 2u) << "nothing is started again";
}

PODLIFE_CASE(Sidecar, AFailedSidecarCreateBlocksEverythingAfterIt,
             {.ids = "PS-14 SP-05 SP-03 PS-02", .profiles = Profiles::k135Only,
              .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "In 1.35 a sidecar whose CreateContainer failed MUST block the later sidecars and the regular containers until a later sync, which starts them in order."}) {
  fake().FailNext("CreateContainer", grpc::StatusCode::UNKNOWN, "disk full");
  PodUnderTest& p = Pod("  initContainers:\n" + SidecarSpec("s1") + SidecarSpec("s2") + "  containers:\n" + Regular("app"));
  SyncReport first = p.Sync();
  EXPECT_FALSE(first.ok);
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("s1")) << "something was created after the failed sidecar";
  SyncReport second = p.Sync();
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("s1", "s1", "s2", "app"));
}

PODLIFE_CASE(Sidecar, AFailedSidecarPostStartBlocksEverythingAfterIt,
             {.ids = "PS-14 PS-06 SP-05", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a sidecar whose postStart hook failed MUST be killed and MUST block the later sidecars and the regular containers in that sync."}) {
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("s1", ExecHook("postStart", "exit 3")) + SidecarSpec("s2") +
                     "  containers:\n" + Regular("app")).Sync();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Get("s1").reason, "PostStartHookError");
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("s1"));
  EXPECT_EQ(Calls("StopContainer").size(), 1u) << "the sidecar whose hook failed was not killed";
}

PODLIFE_CASE(Sidecar, SidecarsStartInSpecOrderEachAfterThePreviousPostStart,
             {.ids = "PS-14 SP-05 PS-10 EV-01 EV-02", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 sidecars MUST be created in spec order, each after the previous one's postStart hook returned, before any regular container; their events name spec.initContainers{name}."}) {
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("s1", ExecHook("postStart", "echo one")) +
                     SidecarSpec("s2", ExecHook("postStart", "echo two")) + SidecarSpec("s3") + "  containers:\n" + Regular("app"))
                     .Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto creates = Calls("CreateContainer");
  ASSERT_THAT(CreatedNames(creates), ElementsAre("s1", "s2", "s3", "app"));
  auto execs = Calls("ExecSync");
  ASSERT_EQ(execs.size(), 2u);
  EXPECT_LT(execs.at(0).seq, creates.at(1).seq) << "s2 created during s1's postStart";
  EXPECT_LT(execs.at(1).seq, creates.at(2).seq) << "s3 created during s2's postStart";
  for (const auto& e : pod().events().Events()) {
    if (e.message.find("s2") != std::string::npos || e.field_path.find("s2") != std::string::npos) {
      EXPECT_EQ(e.field_path, "spec.initContainers{s2}") << e.reason;
    }
  }
  auto created = EventsWithReason("Created");
  ASSERT_EQ(created.size(), 4u);
  EXPECT_EQ(created.at(0).field_path, "spec.initContainers{s1}");
  EXPECT_EQ(created.at(3).field_path, "spec.containers{app}");
}

PODLIFE_CASE(Sidecar, SidecarsStopInReverseSpecOrderAlsoAfterARestart,
             {.ids = "PR-12 PS-09 SP-05", .profiles = Profiles::k135Only,
              .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "In 1.35 pod termination MUST stop the regular containers first, then the sidecars in reverse spec order, whatever order they were (re)started in."}) {
  SyncReport first = Pod("  initContainers:\n" + SidecarSpec("s1") + SidecarSpec("s2") + "  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("s1").container_id, 1);
  SyncReport restarted = pod().Sync();
  ASSERT_TRUE(restarted.ok) << restarted.error;
  const std::string s1 = restarted.Get("s1").container_id;
  ASSERT_NE(s1, first.Get("s1").container_id) << "s1 was not restarted";
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_THAT(StoppedIds(Calls("StopContainer")),
              ElementsAre(first.Get("app").container_id, first.Get("s2").container_id, s1));
}

PODLIFE_CASE(Sidecar, AFailedStopDoesNotEndTheTurn,
             {.ids = "PR-12 PR-07 PR-13", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "In 1.35 a sidecar MUST wait for a regular container whose StopContainer failed until its grace is over (3 s here), so its own StopContainer gets the 2 s floor, not the untouched 3 s."}) {
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("proxy") + "  containers:\n" + Regular("app"), 3).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().FailNext("StopContainer", grpc::StatusCode::UNKNOWN, "stop failed");
  EXPECT_NE(pod().Kill(std::nullopt), "") << "the failed stop is the kill's error";
  auto stops = Calls("StopContainer");
  ASSERT_EQ(StoppedIds(stops).size(), 2u);
  EXPECT_EQ(StoppedIds(stops).at(0), r.Get("app").container_id);
  EXPECT_EQ(StopTimeout(stops, r.Get("proxy").container_id), 2) << "the sidecar did not wait out the grace";
}

PODLIFE_CASE(Sidecar, AChangedSidecarIsKilledAsAnInitContainer,
             {.ids = "SP-06 SP-02 EV-06", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a running sidecar whose spec changed MUST be killed with Killing `Init container <c> definition changed` on spec.initContainers{c} and started again, the regular containers kept."}) {
  auto spec = [](const std::string& script) {
    return "  initContainers:\n" + SidecarSpec("proxy", ExecHook("preStop", script)) + "  containers:\n" + Regular("app");
  };
  SyncReport first = Pod(spec("echo one")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  SyncReport second = pod().SyncChanged(SamePod(spec("echo two")));
  ASSERT_TRUE(second.ok) << second.error;
  auto killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 1u);
  EXPECT_EQ(killing.at(0).message, "Init container proxy definition changed");
  EXPECT_EQ(killing.at(0).field_path, "spec.initContainers{proxy}");
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("proxy", "app", "proxy"));
}

PODLIFE_AREA(InitContainer);

PODLIFE_CASE(InitContainer, AFailureUnderRestartPolicyNeverKillsThePod,
             {.ids = "SP-08 SP-01 SP-09 PR-12", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "An init container exiting non-zero under restartPolicy Never MUST fail the sync, kill what runs (1.35: the sidecar before it, with its preStop) and stop the sandbox; no regular container is created."}) {
  const std::string sidecar = v135() ? SidecarSpec("proxy", ExecHook("preStop", "echo bye")) : "";
  PodUnderTest& p = Pod("  restartPolicy: Never\n  initContainers:\n" + sidecar + Regular("init") + "  containers:\n" +
                        Regular("app"));
  auto sync = Background([&] { return p.Sync(); });
  // 1.35: the sidecar starts first, then the init container.
  const size_t init_start = v135() ? 2 : 1;
  uint64_t after = 0;
  for (size_t seen = 0; seen < init_start; ++seen) {
    fakes::CallRecord started;
    ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("StartContainer"), 10s, &started, after).ok());
    after = started.seq;
  }
  auto starts = Calls("StartContainer");
  ASSERT_EQ(starts.size(), init_start);
  fake().ExitContainer(starts.back().Request<cri::StartContainerRequest>().container_id(), 1);
  SyncReport r = sync.get();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u) << "the failed pod's sandbox was not stopped";
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ::testing::Not(::testing::Contains("app")));
  if (v135()) {
    EXPECT_THAT(StoppedIds(Calls("StopContainer")), ElementsAre(starts.at(0).Request<cri::StartContainerRequest>().container_id()));
    EXPECT_EQ(Calls("ExecSync").size(), 1u) << "the sidecar's preStop did not run";
  }
}

// The Backoff area: each case starts from a container that crashed again after its first restart
// (a 10 s back-off is recorded for its spec).
class Backoff : public CaseFixture {
 protected:
  // The container's report after its first restart; it has exited 1 again.
  ContainerReport CrashedAfterItsFirstRestart() {
    SyncReport first = Pod("  containers:\n" + Regular("app")).Sync();
    EXPECT_TRUE(first.ok) << first.error;
    fake().ExitContainer(first.Get("app").container_id, 1);
    SyncReport restarted = pod().Sync();  // the first restart is not backed off
    EXPECT_TRUE(restarted.ok) << restarted.error;
    return restarted.Get("app");
  }
};
INSTANTIATE_TEST_SUITE_P(, Backoff, ::testing::ValuesIn(ProfilesUnderTest()), ProfileParamName);

PODLIFE_CASE(Backoff, AChangedSpecStartsWithoutTheOldBackOff,
             {.ids = "SP-04 SP-06 PS-09", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "CrashLoopBackOff MUST be kept per container spec: a container backing off whose spec changed MUST be started at the next sync."}) {
  const ContainerReport restarted = CrashedAfterItsFirstRestart();
  if (HasFailure()) return;
  fake().ExitContainer(restarted.container_id, 1);
  SyncReport changed = pod().SyncChanged(SamePod("  containers:\n" + Regular("app", "    env:\n    - name: V\n      value: two\n")));
  EXPECT_TRUE(changed.ok) << changed.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 3u) << "the changed container was held back by the old spec's back-off";
  EXPECT_TRUE(EventsWithReason("BackOff").empty());
}

PODLIFE_CASE(Backoff, TheSameSpecStaysInBackOff,
             {.ids = "SP-04 EV-07", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "A container that exits again within its back-off MUST NOT be started at the next sync while its spec is unchanged, and MUST be started once the spec changes."}) {
  const ContainerReport restarted = CrashedAfterItsFirstRestart();
  if (HasFailure()) return;
  fake().ExitContainer(restarted.container_id, 1);
  SyncReport same = pod().SyncChanged(SamePod("  containers:\n" + Regular("app")));
  EXPECT_FALSE(same.ok);
  EXPECT_EQ(same.Get("app").reason, "CrashLoopBackOff");
  EXPECT_EQ(Calls("CreateContainer").size(), 2u);
}

PODLIFE_CASE(Backoff, AnEntryExpiresTenMinutesAfterTheRestartMeasuredAtTheFinish,
             {.ids = "SP-04", .needs = {Capability::kCallLog, Capability::kExitControl, Capability::kClockControl},
              .must = "A back-off MUST be forgotten when the container finished more than 10 minutes after its last restart (measured at its finish, not at the sync): it is started again at once, without BackOff."}) {
  const ContainerReport restarted = CrashedAfterItsFirstRestart();
  if (HasFailure()) return;
  // The runtime reports a finish 11 minutes after that restart (what a container that ran that
  // long reports); the sync comes at once, so only a finish-based expiry lets it start again.
  fake().ExitContainerAgo(restarted.container_id, 1, -std::chrono::minutes(11));
  SyncReport third = pod().Sync();
  EXPECT_TRUE(third.ok) << third.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 3u) << "the expired back-off still held the container";
  EXPECT_TRUE(EventsWithReason("BackOff").empty());
}

}  // namespace
}  // namespace podlife::conformance
