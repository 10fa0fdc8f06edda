// Cases at the boundaries the mutation lane (ci/mutants, docs/mutation-report.md) found unguarded:
// each rejects at least one plausible wrong implementation in conformance/mutants/ that every
// other case let through (both output streams of an exec hook, port range edges, the default
// Accept header, a failed pull, the floor of 2 s at a remaining grace of 1, a fraction of a second
// of hook time, a deletion grace, an override of 0, a sidecar's wait for its turn, the sync's
// own rules on restarts and kills, and the objects events name).
#include <gmock/gmock.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;
using ::testing::StartsWith;

std::string Hook(const std::string& hook, const std::string& handler) {
  return "    lifecycle:\n      " + hook + ":\n" + handler;
}
std::string Exec(const std::string& script) { return "        exec:\n          command: [sh, -c, \"" + script + "\"]\n"; }
// An httpGet handler to the HTTP hook endpoint; `path` without its slash (1.21 sends //path).
std::string HttpGet(const std::string& path, const std::string& port = "{HTTP_PORT}") {
  return "        httpGet:\n          host: 127.0.0.1\n          port: " + port + "\n          path: " + path + "\n";
}

// The ID of the n-th (from 1) container started, once its StartContainer has finished.
::testing::AssertionResult NthStarted(CheckedFake& fake, size_t n, std::string* id) {
  uint64_t after = 0;
  for (size_t seen = 0; seen < n; ++seen) {
    fakes::CallRecord started;
    if (!fake.calls().WaitForFinished(fakes::Call("StartContainer"), 10s, &started, after).ok()) {
      return ::testing::AssertionFailure() << "StartContainer number " << seen + 1 << " never came";
    }
    after = started.seq;
    *id = started.Request<cri::StartContainerRequest>().container_id();
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(HookEdges);

PODLIFE_CASE(HookEdges, InvalidHandlerShowsTheProfilesFields,
             {.ids = "HD-02",
              .must = "The invalid-handler message MUST print the handler as the profile's type does: with a `Sleep:` field in 1.35, without one in 1.21 (its Handler has no sleep)."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app", Hook("postStart", "        tcpSocket:\n          port: 80\n"))).Sync();
  const std::string failure = PostStartFailureOf(r);
  EXPECT_THAT(failure, StartsWith("Cannot run handler: invalid handler: &"));
  if (v135()) {
    EXPECT_THAT(failure, HasSubstr("Sleep:nil"));
  } else {
    EXPECT_THAT(failure, Not(HasSubstr("Sleep:")));
  }
}

PODLIFE_CASE(HookEdges, PortZeroIsOutOfRange,
             {.ids = "HT-04", .profiles = Profiles::k135Only,
              .must = "In 1.35 an httpGet port of 0 MUST fail with `invalid port number: 0` (the range is 1-65535)."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app", Hook("postStart", HttpGet("/x", "0")))).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: invalid port number: 0"));
}

PODLIFE_CASE(HookEdges, Port65536IsOutOfRange,
             {.ids = "HT-04", .profiles = Profiles::k135Only,
              .must = "In 1.35 an httpGet port of 65536 MUST fail with `invalid port number: 65536`."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app", Hook("postStart", HttpGet("/x", "65536")))).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: invalid port number: 65536"));
}

PODLIFE_CASE(HookEdges, DefaultHeadersWhenTheUserSetsNone,
             {.ids = "HT-07", .profiles = Profiles::k135Only,
              .must = "In 1.35 an httpGet hook without httpHeaders MUST send `Accept: */*` and `User-Agent: kube-lifecycle/1.35`."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app", Hook("postStart", HttpGet("plain")))).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest("/plain", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.Header("Accept").value_or("<none>"), "*/*");
  EXPECT_EQ(got.Header("User-Agent").value_or("<none>"), "kube-lifecycle/1.35");
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(StartErrors);

PODLIFE_CASE(StartErrors, AFailedStartIsReportedAndLeftInPlace,
             {.ids = "PS-02 PS-03 EV-03", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "A StartContainer error MUST be recorded as Warning `Failed` `Error: <err>`, and the created container MUST be left in place (no RemoveContainer)."}) {
  fake().FailNext("StartContainer", grpc::StatusCode::UNKNOWN, "exec format error");
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  EXPECT_EQ(r.Get("app").reason, "RunContainerError");
  auto failed = EventsWithReason("Failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed.at(0).message, AllOf(StartsWith("Error: "), HasSubstr("exec format error")));
  EXPECT_TRUE(Calls("RemoveContainer").empty());
  const ContainerView app = Observe(r.Get("app").container_id);
  EXPECT_TRUE(app.found) << "the container that failed to start was removed: " << app.error;
  EXPECT_EQ(app.state, "CONTAINER_CREATED");
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(KillGrace);

PODLIFE_CASE(KillGrace, ARemainingGraceOfOneIsRaisedToTwo,
             {.ids = "PR-07 PR-01", .needs = {Capability::kCallLog},
              .must = "With a grace period of 1 s and no preStop, StopContainer MUST get 2 (the floor applies to 1, not only to 0)."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app"), 1).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), 2);
}

PODLIFE_CASE(KillGrace, TheDeletionGraceWinsOverThePodsGrace,
             {.ids = "PR-01", .needs = {Capability::kCallLog},
              .must = "A pod with terminationGracePeriodSeconds 30 and deletionGracePeriodSeconds 5 MUST be stopped with StopContainer(5)."}) {
  const std::string spec = "  containers:\n" + Regular("app");
  SyncReport r = Pod(spec, 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  std::string deleted = SamePod(spec, 30);
  deleted.replace(deleted.find("metadata:\n"), 10, "metadata:\n  deletionGracePeriodSeconds: 5\n");
  SyncReport again = pod().SyncChanged(deleted);  // the same spec, now being deleted
  ASSERT_TRUE(again.ok) << again.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), 5);
}

PODLIFE_CASE(KillGrace, AnOverrideOfZeroPerProfile,
             {.ids = "PR-03 PR-09 PR-04", .needs = {Capability::kCallLog},
              .must = "A kill with override 0 MUST still run the preStop: 1.35 raises the override to 1 (then StopContainer gets the floor, 2); 1.21 runs the hook with the pod's grace and then gives StopContainer the override unchanged, 0."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app", Hook("preStop", Exec("echo bye"))), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(0), "");
  EXPECT_EQ(Calls("ExecSync").size(), 1u) << "the preStop hook did not run";
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), v135() ? 2 : 0);
}

PODLIFE_CASE(KillGrace, ASidecarsWaitForItsTurnComesOutOfItsGrace,
             {.ids = "PR-12 PR-07", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a sidecar that waited for the main container's 1.2 s preStop MUST get StopContainer(grace minus the whole seconds it waited): 29 of 30, not 30."}) {
  fakes::HttpResponseScript slow;
  slow.delay = 1200ms;
  http().Script("/slow", slow);
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("proxy") + "  containers:\n" +
                     Regular("app", Hook("preStop", HttpGet("slow"))), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_THAT(StopTimeout(Calls("StopContainer"), r.Get("proxy").container_id).value_or(-1), AllOf(Ge(27), Le(29)));
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(SyncRules);

PODLIFE_CASE(SyncRules, TheSandboxStatusIsReadRightAfterItsCreation,
             {.ids = "SP-01", .needs = {Capability::kCallLog},
              .must = "A sync that creates the sandbox MUST read its status (PodSandboxStatus, for the pod's IPs) after RunPodSandbox and before creating any container."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  const int run = CallIndex("RunPodSandbox");
  const int status = CallIndex("PodSandboxStatus");
  ASSERT_GE(run, 0);
  ASSERT_GE(status, 0) << "the sandbox status was never read";
  EXPECT_LT(run, status);
  EXPECT_LT(status, CallIndex("CreateContainer"));
}

PODLIFE_CASE(SyncRules, ExitedContainersRestartInSpecOrder,
             {.ids = "PS-10 PS-09", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "When several containers exited, the next sync MUST start them again in spec order."}) {
  SyncReport first = Pod("  containers:\n" + Regular("a") + Regular("b")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("a").container_id, 1);
  fake().ExitContainer(first.Get("b").container_id, 1);
  SyncReport second = pod().Sync();
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("a", "b", "a", "b"));
}

PODLIFE_CASE(SyncRules, AFailedKillEndsTheSync,
             {.ids = "SP-02", .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "When the kill of a changed container fails, the sync MUST end there: the next changed container is not killed and nothing is started."}) {
  auto spec = [](const std::string& value) {
    const std::string env = "    env:\n    - name: V\n      value: " + value + "\n";
    return "  containers:\n" + Regular("a", env) + Regular("b", env);
  };
  SyncReport first = Pod(spec("one")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().FailNext("StopContainer", grpc::StatusCode::UNKNOWN, "runtime is busy");
  SyncReport second = pod().SyncChanged(SamePod(spec("two")));
  EXPECT_FALSE(second.ok);
  EXPECT_EQ(Calls("StopContainer").size(), 1u) << "the sync went on after a failed kill";
  EXPECT_EQ(Calls("CreateContainer").size(), 2u) << "a container was started after a failed kill";
}

PODLIFE_CASE(SyncRules, AChangedContainerRestartsUnderNever,
             {.ids = "SP-06 PS-09", .needs = {Capability::kCallLog},
              .must = "A running container whose spec changed MUST be killed and started again even under restartPolicy Never."}) {
  auto spec = [](const std::string& value) {
    return "  restartPolicy: Never\n  containers:\n" + Regular("app", "    env:\n    - name: V\n      value: " + value + "\n");
  };
  SyncReport first = Pod(spec("one")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  SyncReport second = pod().SyncChanged(SamePod(spec("two")));
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_EQ(Calls("StopContainer").size(), 1u);
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("app", "app"));
}

PODLIFE_CASE(SyncRules, AFailedInitContainerIsRestartedUnderOnFailureThenBacksOff,
             {.ids = "SP-05 SP-08 SP-04 EV-07 EV-10", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "Under restartPolicy OnFailure an init container that exited 1 MUST be started again by the next sync (the pod is not killed, no regular container starts); exiting 1 again, the next sync MUST back it off with BackOff on spec.initContainers{init}."}) {
  PodUnderTest& p = Pod("  restartPolicy: OnFailure\n  initContainers:\n" + Regular("init") + "  containers:\n" + Regular("app"));
  auto first = Background([&] { return p.Sync(); });
  std::string init_id;
  ASSERT_TRUE(NthStarted(fake(), 1, &init_id));
  fake().ExitContainer(init_id, 1);
  EXPECT_FALSE(first.get().ok);
  auto second = Background([&] { return p.Sync(); });
  ASSERT_TRUE(NthStarted(fake(), 2, &init_id));
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("init", "init"));
  EXPECT_TRUE(Calls("StopPodSandbox").empty()) << "the pod was killed";
  fake().ExitContainer(init_id, 1);
  EXPECT_FALSE(second.get().ok);
  SyncReport third = p.Sync();
  EXPECT_FALSE(third.ok);
  EXPECT_EQ(third.Get("init").reason, "CrashLoopBackOff");
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("init", "init"));
  auto backoff = EventsWithReason("BackOff");
  ASSERT_EQ(backoff.size(), 1u);
  EXPECT_EQ(backoff.at(0).field_path, "spec.initContainers{init}");
}

PODLIFE_CASE(SyncRules, ANewSandboxRunsTheInitContainersAgain,
             {.ids = "SP-07 SP-08 PS-11", .needs = {Capability::kCallLog, Capability::kExitControl, Capability::kFaults},
              .must = "When the sandbox is re-created (attempt + 1), what the init containers did in the old one MUST be forgotten: if the init container cannot be created there, the next sync MUST create it again before the app, not count its old run as done."}) {
  PodUnderTest& p = Pod("  initContainers:\n" + Regular("init") + "  containers:\n" + Regular("app"));
  auto first = Background([&] { return p.Sync(); });
  std::string id;
  ASSERT_TRUE(NthStarted(fake(), 1, &id));
  fake().ExitContainer(id, 0);
  SyncReport r = first.get();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(StopSandboxOf(r.Get("app").container_id), "");
  fake().FailNext("CreateContainer", grpc::StatusCode::UNKNOWN, "no space left on device");
  SyncReport failed = p.Sync();  // SandboxChanged: the new sandbox, and the init container fails to be created
  EXPECT_FALSE(failed.ok);
  auto sandboxes = Calls("RunPodSandbox");
  ASSERT_EQ(sandboxes.size(), 2u);
  EXPECT_EQ(sandboxes.at(1).Request<cri::RunPodSandboxRequest>().config().metadata().attempt(), 1u);
  auto third = Background([&] { return p.Sync(); });
  ASSERT_TRUE(NthStarted(fake(), 3, &id));
  fake().ExitContainer(id, 0);
  SyncReport again = third.get();
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("init", "app", "init", "init", "app"));
}

PODLIFE_CASE(SyncRules, AnExitedSidecarIsNotRestartedForAFinishedPod,
             {.ids = "SP-01a SP-05 PR-10", .profiles = Profiles::k135Only,
              .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "In 1.35, when the job of a restartPolicy Never pod has finished and its sidecar has exited too, the next sync MUST kill the pod (stop its sandbox) and MUST NOT start the sidecar again."}) {
  PodUnderTest& p = Pod("  restartPolicy: Never\n  initContainers:\n" + SidecarSpec("proxy") + Regular("setup") +
                        "  containers:\n" + Regular("job"));
  auto first = Background([&] { return p.Sync(); });
  std::string setup_id;
  ASSERT_TRUE(NthStarted(fake(), 2, &setup_id));  // proxy, then setup
  fake().ExitContainer(setup_id, 0);
  SyncReport r = first.get();
  ASSERT_TRUE(r.ok) << r.error;
  fake().ExitContainer(r.Get("proxy").container_id, 1);
  fake().ExitContainer(r.Get("job").container_id, 0);
  (void)p.Sync();
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("proxy", "setup", "job"))
      << "a container was started for a finished pod";
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u) << "the finished pod was not killed";
}

PODLIFE_CASE(SyncRules, TheBackOffDoublesEachRestart,
             {.ids = "SP-04 PS-09", .needs = {Capability::kExitControl, Capability::kClockControl},
              .must = "A container restarted each time its back-off had passed (10 s, then 20 s) MUST next be backed off for 40 s: the back-off doubles, `back-off 40s restarting failed container=app pod=<pod>`."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().ExitContainer(r.Get("app").container_id, 1);
  r = pod().Sync();  // the first restart: back-off 10 s from now on
  ASSERT_TRUE(r.ok) << r.error;
  // The fake backdates each finish, as if the next sync came that much later: past the 10 s,
  // then past the 20 s back-off, so each restart doubles it.
  for (auto ago : {15s, 25s}) {
    fake().ExitContainerAgo(r.Get("app").container_id, 1, ago);
    r = pod().Sync();
    ASSERT_TRUE(r.ok) << r.error << " (finished " << ago.count() << " s ago, past its back-off)";
  }
  fake().ExitContainer(r.Get("app").container_id, 1);
  SyncReport backed_off = pod().Sync();
  EXPECT_EQ(backed_off.Get("app").reason, "CrashLoopBackOff");
  EXPECT_EQ(backed_off.Get("app").message, "back-off 40s restarting failed container=app pod=" + PodRef());
}

PODLIFE_CASE(SyncRules, AnAlwaysInitContainerIsASidecarIn135,
             {.ids = "SP-05 PS-14", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 an init container with restartPolicy Always MUST be a sidecar: the app is created while it runs."}) {
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("proxy") + "  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(Observe(r.Get("proxy").container_id).state, "CONTAINER_RUNNING");
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("proxy", "app"));
}

PODLIFE_CASE(SyncRules, AnAlwaysInitContainerIsOrdinaryIn121,
             {.ids = "SP-05 PS-11", .profiles = Profiles::k121Only, .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "In 1.21 an init container with restartPolicy Always MUST be an ordinary init container: the app is created only after it exited 0."}) {
  PodUnderTest& p = Pod("  initContainers:\n" + SidecarSpec("proxy") + "  containers:\n" + Regular("app"));
  auto sync = Background([&] { return p.Sync(); });
  std::string proxy_id;
  ASSERT_TRUE(NthStarted(fake(), 1, &proxy_id));
  fakes::CallRecord started;
  ASSERT_TRUE(fake().calls().WaitFor(fakes::Call("StartContainer"), 10s, &started).ok());
  // The implementation looks at the running init container (waiting for it) before it goes on.
  ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("ContainerStatus"), 10s, nullptr, started.seq).ok());
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("proxy"));
  fake().ExitContainer(proxy_id, 0);
  SyncReport r = sync.get();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_THAT(CreatedNames(Calls("CreateContainer")), ElementsAre("proxy", "app"));
}

PODLIFE_CASE(SyncRules, TheSandboxIsStoppedEvenWhenAKillFails,
             {.ids = "SP-09 PR-13", .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "When StopContainer fails with an error other than NotFound, the kill MUST fail with it, and the pod's sandbox MUST still be stopped."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().FailNext("StopContainer", grpc::StatusCode::UNKNOWN, "shim is wedged");
  EXPECT_THAT(pod().Kill(std::nullopt), HasSubstr("shim is wedged"));
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u) << "the sandbox was left running after a failed kill";
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(CriErrors);

PODLIFE_CASE(CriErrors, AOneMinuteTimeoutReads1m0s,
             {.ids = "CRI-03", .needs = {Capability::kFaults, Capability::kProbeExec},
              .must = "ExecSync with timeout 60 ending in DEADLINE_EXCEEDED MUST read `... timed out after 1m0s` (Go's duration) in 1.35, `command \"cmd\" timed out` in 1.21."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().FailNext("ExecSync", grpc::StatusCode::DEADLINE_EXCEEDED, "context deadline exceeded");
  ExecReport e = pod().Exec(r.Get("app").container_id, {"sh", "-c", "sleep 90"}, 60);
  EXPECT_EQ(e.error, v135() ? "command timed out: \"sh -c sleep 90\" timed out after 1m0s" : "command \"sh -c sleep 90\" timed out");
}

// ---------------------------------------------------------------------------------------------
PODLIFE_AREA(EventObjects);

PODLIFE_CASE(EventObjects, KillingIsNormalOnTheContainer,
             {.ids = "EV-06 EV-10 PR-02",
              .must = "Killing MUST be a Normal event on spec.containers{app}."}) {
  SyncReport r = Pod("  containers:\n" + Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 1u);
  EXPECT_EQ(killing.at(0).type, "Normal");
  EXPECT_EQ(killing.at(0).field_path, "spec.containers{app}");
}

PODLIFE_CASE(EventObjects, ASidecarsFailedPreStopNamesTheInitContainer,
             {.ids = "EV-05 EV-10 PR-06", .profiles = Profiles::k135Only,
              .must = "In 1.35 a sidecar's failing preStop MUST record Warning FailedPreStopHook on spec.initContainers{proxy}."}) {
  SyncReport r = Pod("  initContainers:\n" + SidecarSpec("proxy", Hook("preStop", Exec("exit 1"))) + "  containers:\n" +
                     Regular("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  ASSERT_TRUE(WaitForEvent("FailedPreStopHook"));
  auto failed = EventsWithReason("FailedPreStopHook");
  EXPECT_EQ(failed.at(0).type, "Warning");
  EXPECT_EQ(failed.at(0).field_path, "spec.initContainers{proxy}");
}

}  // namespace
}  // namespace podlife::conformance
