// Cases for startContainer, killContainer and SyncPod ordering (spec sections 5-7, 9).
#include <gmock/gmock.h>

#include <future>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSleeper[] = "    image: {IMAGE}\n    command: {WORKLOAD}\n";

std::string Container(const std::string& name, const std::string& lifecycle = "") {
  return "  - name: " + name + "\n" + kSleeper + (lifecycle.empty() ? "" : "    lifecycle:\n" + lifecycle);
}
std::string ExecHandler(const std::string& hook, const std::string& script) {
  return "      " + hook + ":\n        exec:\n          command: [sh, -c, \"" + script + "\"]\n";
}

// A preStop httpGet to the HTTP hook endpoint's /bye.
constexpr char kHttpPreStopToBye[] =
    "      preStop:\n        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: bye\n";

PODLIFE_AREA(PostStart);

PODLIFE_CASE(PostStart, StepOrder,
             {.ids = "PS-01 PS-05 EV-01 EV-02", .needs = {Capability::kCallLog},
              .must = "startContainer MUST run ImageStatus/PullImage, CreateContainer, Created, StartContainer, Started, then the postStart hook."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("postStart", "true"))).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  const int image = CallIndex("ImageStatus");
  const int create = CallIndex("CreateContainer");
  const int start = CallIndex("StartContainer");
  const int exec = CallIndex("ExecSync");
  EXPECT_LT(image, create);
  EXPECT_LT(create, start);
  EXPECT_LT(start, exec);
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Started"));
}

PODLIFE_CASE(PostStart, CreatedAndStartedEventsPerProfile,
             {.ids = "EV-01 EV-02 EV-10", .must = "Created/Started MUST carry `Container created`/`Container started` (1.35) or `Created container c`/`Started container c` (1.21) on spec.containers{c}."}) {
  SyncReport r = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto events = pod().events().Events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.at(0).message, v135() ? "Container created" : "Created container app");
  EXPECT_EQ(events.at(1).message, v135() ? "Container started" : "Started container app");
  EXPECT_EQ(events.at(0).field_path, "spec.containers{app}");
  EXPECT_EQ(events.at(0).type, "Normal");
}

PODLIFE_CASE(PostStart, FailingHookKillsTheContainer,
             {.ids = "PS-06 PS-08 EV-04 EV-06 PR-02", .needs = {Capability::kCallLog},
              .must = "A failing postStart MUST record FailedPostStartHook, then Killing `FailedPostStartHook`, then StopContainer the container, and report PostStartHookError."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("postStart", "exit 3")), 30).Sync();
  const ContainerReport* app = r.Find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->reason, v135() ? "PostStartHookError" : "PostStartHookError: command 'sh -c exit 3' exited with 3: ");
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Started", "FailedPostStartHook", "Killing"));
  auto failed = EventsWithReason("FailedPostStartHook");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.at(0).type, "Warning");
  EXPECT_EQ(failed.at(0).message, v135() ? "PostStartHook failed" : app->message);
  auto killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 1u);
  EXPECT_EQ(killing.at(0).message, "FailedPostStartHook");
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), app->container_id), 30);
  EXPECT_LT(CallIndex("ExecSync"), CallIndex("StopContainer", app->container_id));
}

PODLIFE_CASE(PostStart, FailingHookRunsThePreStopBeforeStopping,
             {.ids = "PS-06 PR-04 PR-10", .needs = {Capability::kCallLog},
              .must = "When a failing postStart kills its container, the container's preStop hook MUST run before StopContainer."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("postStart", "exit 3") + ExecHandler("preStop", "echo bye"))).Sync();
  const ContainerReport* app = r.Find("app");
  ASSERT_NE(app, nullptr);
  auto execs = Calls("ExecSync");
  ASSERT_EQ(execs.size(), 2u);
  EXPECT_THAT(execs.at(1).Request<cri::ExecSyncRequest>().cmd(), ::testing::ElementsAre("sh", "-c", "echo bye"));
  EXPECT_LT(CallIndex("ExecSync"), CallIndex("StopContainer", app->container_id));
  ASSERT_FALSE(Calls("StopContainer").empty());
  EXPECT_LT(execs.at(1).seq, Calls("StopContainer").at(0).seq);
}

PODLIFE_CASE(PostStart, BlocksTheNextContainer,
             {.ids = "PS-10 PS-05 SP-03", .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "The next container MUST NOT be created while the previous container's postStart hook runs."}) {
  GateGuard hold{fake().HoldNext("ExecSync")};
  PodUnderTest& p = Pod("  containers:\n" + Container("first", ExecHandler("postStart", "true")) + Container("second"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok());
  EXPECT_EQ(Calls("CreateContainer").size(), 1u);  // only "first", while its hook is held
  hold.gate->Release();
  SyncReport r = sync.get();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 2u);
}

PODLIFE_CASE(PostStart, CreateFailureIsCreateContainerError,
             {.ids = "PS-02 PS-03 EV-03", .needs = {Capability::kFaults},
              .must = "A CreateContainer error MUST be reported as CreateContainerError with a Warning `Failed` event `Error: <err>`."}) {
  fake().FailNext("CreateContainer", grpc::StatusCode::UNKNOWN, "disk full");
  SyncReport r = Pod("  containers:\n" + Container("app")).Sync();
  const ContainerReport* app = r.Find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->reason, "CreateContainerError");
  auto failed = EventsWithReason("Failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.at(0).type, "Warning");
  EXPECT_THAT(failed.at(0).message, HasSubstr("Error: "));
  EXPECT_THAT(failed.at(0).message, HasSubstr("disk full"));
}

PODLIFE_CASE(PostStart, StartFailureIsRunContainerErrorAndTheNextStillStarts,
             {.ids = "PS-02 SP-03 EV-03", .needs = {Capability::kFaults},
              .must = "A StartContainer error MUST be reported as RunContainerError after Created, and the next container MUST still start."}) {
  fake().FailNext("StartContainer", grpc::StatusCode::UNKNOWN, "exec format error");
  SyncReport r = Pod("  containers:\n" + Container("first") + Container("second")).Sync();
  ASSERT_NE(r.Find("first"), nullptr);
  EXPECT_EQ(r.Get("first").reason, "RunContainerError");
  ASSERT_NE(r.Find("second"), nullptr);
  EXPECT_EQ(r.Get("second").reason, "");
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Failed", "Created", "Started"));
}

PODLIFE_CASE(PostStart, FirstStartIsAttemptZero,
             {.ids = "PS-04", .needs = {Capability::kCallLog},
              .must = "A container's first CreateContainer MUST carry metadata.attempt 0 and the log path <name>/0.log."}) {
  SyncReport r = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto creates = Calls("CreateContainer");
  ASSERT_EQ(creates.size(), 1u);
  const auto& config = creates.at(0).Request<cri::CreateContainerRequest>().config();
  EXPECT_EQ(config.metadata().name(), "app");
  EXPECT_EQ(config.metadata().attempt(), 0u);
  EXPECT_EQ(config.log_path(), "app/0.log");
}

// --- observed through ContainerStatus, events and hook endpoints: these run on real runtimes ---

PODLIFE_CASE(PostStart, FailingHookLeavesTheContainerStopped,
             {.ids = "PS-06 PS-08 EV-04 EV-06",
              .must = "After a failing postStart the runtime MUST show the container exited (stopped, not left running), after FailedPostStartHook and Killing."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("postStart", "exit 3"))).Sync();
  const ContainerReport& app = r.Get("app");
  EXPECT_EQ(app.reason, v135() ? "PostStartHookError" : "PostStartHookError: command 'sh -c exit 3' exited with 3: ");
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Started", "FailedPostStartHook", "Killing"));
  const ContainerView view = Observe(app.container_id);
  ASSERT_TRUE(view.found) << view.error;
  EXPECT_EQ(view.state, "CONTAINER_EXITED");
  EXPECT_EQ(view.exit_code, 0) << "the workload exits 0 on SIGTERM: it was stopped, not killed";
}

PODLIFE_CASE(PostStart, NextContainerIsCreatedAfterTheHookReturns,
             {.ids = "PS-10 PS-05",
              .must = "The runtime MUST NOT see the next container created before the previous container's postStart hook returned."}) {
  auto held = http().HoldNext("/started");
  GateGuard guard{held};
  PodUnderTest& p = Pod("  containers:\n" +
                        Container("first", "      postStart:\n        httpGet:\n          host: 127.0.0.1\n"
                                           "          port: {HTTP_PORT}\n          path: started\n") +
                        Container("second"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(held->WaitUntilHeld(20s).ok()) << "the postStart request never arrived";
  const auto released_at = std::chrono::system_clock::now();
  held->Release();
  SyncReport r = sync.get();
  ASSERT_TRUE(r.ok) << r.error;
  const ContainerView second = Observe(r.Get("second").container_id);
  ASSERT_TRUE(second.found) << second.error;
  EXPECT_GE(second.created_at, released_at) << "second was created while first's postStart was still held";
}

PODLIFE_AREA(PodSync);

PODLIFE_CASE(PodSync, InitContainersRunToCompletionFirst,
             {.ids = "SP-08 PS-11 SP-01", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "No regular container MUST be created before every init container exited 0, one init container at a time."}) {
  PodUnderTest& p = Pod("  initContainers:\n" + Container("init1") + Container("init2") + "  containers:\n" + Container("app"));
  auto sync = Background([&] { return p.Sync(); });
  for (const char* init : {"init1", "init2"}) {
    ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("StartContainer"), 10s).ok());
    auto starts = Calls("StartContainer");
    const std::string id = starts.back().Request<cri::StartContainerRequest>().container_id();
    EXPECT_EQ(Calls("CreateContainer").size(), starts.size()) << "nothing else created while " << init << " runs";
    fake().ExitContainer(id, 0);
    if (std::string(init) == "init1") {
      ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("StartContainer"), 10s, nullptr, starts.back().seq).ok());
    }
  }
  SyncReport r = sync.get();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 3u);
}

PODLIFE_CASE(PodSync, AFailedInitContainerStopsTheSync,
             {.ids = "SP-08", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "An init container exiting non-zero MUST fail the sync before any regular container is created."}) {
  PodUnderTest& p = Pod("  initContainers:\n" + Container("init") + "  containers:\n" + Container("app"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("StartContainer"), 10s).ok());
  fake().ExitContainer(Calls("StartContainer").at(0).Request<cri::StartContainerRequest>().container_id(), 1);
  SyncReport r = sync.get();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Calls("CreateContainer").size(), 1u);
}

PODLIFE_CASE(PodSync, SidecarStartsBeforeTheAppAndStopsAfterIt,
             {.ids = "SP-05 PS-14 PR-12", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a sidecar MUST start before the app container and be stopped after it."}) {
  SyncReport r = Pod("  initContainers:\n  - name: proxy\n    restartPolicy: Always\n" + std::string(kSleeper) +
                     "  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops.at(0).Request<cri::StopContainerRequest>().container_id(), r.Get("app").container_id);
  EXPECT_EQ(stops.at(1).Request<cri::StopContainerRequest>().container_id(), r.Get("proxy").container_id);
}

PODLIFE_CASE(PodSync, TerminationStopsTheSandboxLast,
             {.ids = "SP-09 PR-11", .needs = {Capability::kCallLog},
              .must = "Pod termination MUST stop every container, then stop the sandbox."}) {
  SyncReport r = Pod("  containers:\n" + Container("a") + Container("b")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto stops = Calls("StopContainer");
  auto sandbox = Calls("StopPodSandbox");
  ASSERT_EQ(stops.size(), 2u);
  ASSERT_EQ(sandbox.size(), 1u);
  EXPECT_GT(sandbox.at(0).seq, std::max(stops.at(0).seq, stops.at(1).seq));
}

PODLIFE_CASE(PodSync, InitContainerExitsBeforeTheAppIsCreated,
             {.ids = "SP-08 PS-11", .needs = {Capability::kRunsCommands},
              .must = "The app container MUST be created only after the init container's own command exited 0."}) {
  SyncReport r = Pod("  initContainers:\n  - name: init\n    image: {IMAGE}\n    command: [sh, -c, \"sleep 1\"]\n"
                     "  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  const ContainerView init = Observe(r.Get("init").container_id);
  const ContainerView app = Observe(r.Get("app").container_id);
  ASSERT_TRUE(init.found) << init.error;
  ASSERT_TRUE(app.found) << app.error;
  EXPECT_EQ(init.state, "CONTAINER_EXITED");
  EXPECT_EQ(init.exit_code, 0);
  EXPECT_GE(app.created_at, init.finished_at);
}

PODLIFE_CASE(PodSync, AnInitContainerExitingNonZeroStopsTheSync,
             {.ids = "SP-08", .needs = {Capability::kRunsCommands},
              .must = "An init container whose command exits non-zero MUST fail the sync, and no app container may be reported started."}) {
  SyncReport r = Pod("  initContainers:\n  - name: init\n    image: {IMAGE}\n    command: [sh, -c, \"exit 1\"]\n"
                     "  containers:\n" + Container("app")).Sync();
  EXPECT_FALSE(r.ok);
  const ContainerView init = Observe(r.Get("init").container_id);
  ASSERT_TRUE(init.found) << init.error;
  EXPECT_EQ(init.exit_code, 1);
  const ContainerReport* app = r.Find("app");
  EXPECT_TRUE(app == nullptr || app->container_id.empty()) << "app was created: " << app->container_id;
}

PODLIFE_CASE(PodSync, SidecarOutlivesTheAppAtTermination,
             {.ids = "SP-05 PR-12", .profiles = Profiles::k135Only,
              .must = "In 1.35 the runtime MUST see the app container finish before its sidecar when the pod is killed."}) {
  SyncReport r = Pod("  initContainers:\n  - name: proxy\n    restartPolicy: Always\n" + std::string(kSleeper) +
                     "  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  const ContainerView proxy = Observe(r.Get("proxy").container_id);
  const ContainerView app = Observe(r.Get("app").container_id);
  ASSERT_TRUE(proxy.found && app.found) << proxy.error << app.error;
  EXPECT_EQ(app.state, "CONTAINER_EXITED");
  EXPECT_EQ(proxy.state, "CONTAINER_EXITED");
  EXPECT_LE(app.finished_at, proxy.finished_at);
}

PODLIFE_AREA(PreStop);

PODLIFE_CASE(PreStop, KillingThenHookThenStop,
             {.ids = "PR-01 PR-02 PR-10 EV-06", .needs = {Capability::kCallLog},
              .must = "Killing a container MUST record Killing `Stopping container c`, run its preStop, then StopContainer with the pod's grace period."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "echo bye")), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 1u);
  EXPECT_EQ(killing.at(0).message, "Stopping container app");
  auto execs = Calls("ExecSync");
  ASSERT_EQ(execs.size(), 1u);
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_LT(execs.at(0).seq, stops.at(0).seq);
  EXPECT_EQ(StopTimeout(stops, r.Get("app").container_id), 30);
}

PODLIFE_CASE(PreStop, ZeroGraceSkipsTheHook,
             {.ids = "PR-04 PR-07", .needs = {Capability::kCallLog},
              .must = "With a grace period of 0 the preStop hook MUST NOT run, and StopContainer MUST get the 2 s floor."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "echo bye")), 0).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_TRUE(Calls("ExecSync").empty());
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), 2);
}

PODLIFE_CASE(PreStop, HttpHookIsSentBetweenKillingAndStop,
             {.ids = "PR-19 PR-02 PR-07", .needs = {Capability::kCallLog},
              .must = "An httpGet preStop MUST be sent after Killing, and StopContainer MUST wait for its answer and get the grace minus the hook's whole seconds."}) {
  const std::string spec = "  containers:\n" + Container("app", kHttpPreStopToBye);
  SyncReport r = Pod(spec, 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  GateGuard hold{http().HoldNext("/bye")};
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok()) << http().Describe();
  EXPECT_THAT(Reasons(), ::testing::Contains("Killing"));
  EXPECT_TRUE(Calls("StopContainer").empty()) << "StopContainer was sent while the preStop request was held";
  hold.gate->Release();
  EXPECT_EQ(kill.get(), "");
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  // The grace minus the whole seconds the held hook took (normally 0; 1 on a very slow machine).
  EXPECT_THAT(StopTimeout(stops, r.Get("app").container_id).value_or(-1), ::testing::AllOf(::testing::Ge(29), ::testing::Le(30)));
}

PODLIFE_CASE(PreStop, HttpHookIsNotSentWithZeroGrace,
             {.ids = "PR-19 PR-04", .needs = {Capability::kCallLog},
              .must = "With grace 0 an httpGet preStop MUST NOT be sent, and StopContainer MUST get the 2 s floor."}) {
  const std::string spec = "  containers:\n" + Container("app", kHttpPreStopToBye);
  SyncReport r = Pod(spec, 0).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), 2);
  EXPECT_TRUE(http().RequestsTo("/bye").empty()) << http().Describe();  // the kill returned: nothing is on its way
}

PODLIFE_CASE(PreStop, StopContainerNotFoundIsSuccessOnlyIn135,
             {.ids = "PR-13", .needs = {Capability::kFaults},
              .must = "A StopContainer answered NotFound MUST count as stopped in 1.35 and MUST fail the kill with the runtime's error in 1.21."}) {
  SyncReport r = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().FailNext("StopContainer", grpc::StatusCode::NOT_FOUND, "container gone-away not found");
  const std::string error = pod().Kill(std::nullopt);
  if (v135()) {
    EXPECT_EQ(error, "");
  } else {
    EXPECT_THAT(error, HasSubstr("container gone-away not found"));
  }
}

PODLIFE_CASE(PreStop, FailedHookDoesNotStopTheKill,
             {.ids = "PR-06 EV-05 HD-04", .needs = {Capability::kCallLog},
              .must = "A failing preStop MUST record FailedPreStopHook and the container MUST still be stopped; the hook is not retried."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "exit 1"))).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  ASSERT_TRUE(WaitForEvent("FailedPreStopHook"));
  auto failed = EventsWithReason("FailedPreStopHook");
  EXPECT_EQ(failed.at(0).type, "Warning");
  if (v135()) {
    EXPECT_EQ(failed.at(0).message, "PreStopHook failed");
  } else {
    EXPECT_THAT(failed.at(0).message, HasSubstr("Exec lifecycle hook ([sh -c exit 1]) for Container \"app\""));
  }
  EXPECT_EQ(Calls("StopContainer").size(), 1u);
  EXPECT_EQ(Calls("ExecSync").size(), 1u);
}

PODLIFE_CASE(PreStop, HookTimeIsSubtractedFromTheGrace,
             {.ids = "PR-07 PR-08 PR-05", .needs = {Capability::kCallLog},
              .must = "StopContainer MUST get the grace period minus the whole seconds the preStop hook took."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "sleep 1")), 5).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto timeout = StopTimeout(Calls("StopContainer"), r.Get("app").container_id);
  ASSERT_TRUE(timeout.has_value());
  EXPECT_EQ(*timeout, 4);  // 5 - 1 (a 1 s hook, never 2 whole seconds on an idle machine)
}

PODLIFE_CASE(PreStop, AHookLongerThanTheGraceIsCutOff,
             {.ids = "PR-05 PR-07 EX-06 EV-11", .needs = {Capability::kCallLog},
              .must = "A preStop hook outlasting the grace period MUST NOT delay StopContainer past the grace, which then gets the 2 s floor; no UnfinishedPreStopHook or ExceededGracePeriod event is recorded."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "sleep 60")), 2).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops.at(0).Request<cri::StopContainerRequest>().timeout(), 2);
  auto execs = Calls("ExecSync");
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_LT(stops.at(0).received_at - execs.at(0).received_at, 10s);  // not the hook's 60 s
  // EV-11: the kubelet defines these reasons but never emits them.
  EXPECT_THAT(Reasons(), ::testing::Not(::testing::Contains("UnfinishedPreStopHook")));
  EXPECT_THAT(Reasons(), ::testing::Not(::testing::Contains("ExceededGracePeriod")));
}

PODLIFE_CASE(PreStop, AHookPastTheGraceRunsOnAndItsFailureIsReportedLater,
             {.ids = "EX-06 PR-06 EV-05 EV-11", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "A preStop exec still running at the grace MUST neither hold up the kill nor be cancelled: the container is stopped at the grace, and when the hook fails afterwards FailedPreStopHook MUST be recorded."}) {
  SyncReport r = Pod("  containers:\n" + Container("app", ExecHandler("preStop", "exit 1")), 2).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  GateGuard held{fake().HoldNext("ExecSync")};
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_TRUE(held.gate->WaitUntilHeld(10s).ok()) << "the preStop exec never arrived";
  // Waiting for the hook past its 2 s grace would keep the kill until the release below.
  ASSERT_EQ(kill.wait_for(20s), std::future_status::ready) << "the kill waited for the held hook past the grace";
  EXPECT_EQ(kill.get(), "");
  EXPECT_EQ(Calls("StopContainer").size(), 1u) << "the container was not stopped while the hook was held";
  // At the grace the kubelet only stops waiting: no failure (nor EV-11's unused reasons) yet.
  EXPECT_THAT(Reasons(), ::testing::Not(::testing::Contains("FailedPreStopHook")));
  held.gate->Release();
  // A hook cancelled at the grace never gets the exec's answer, so its failure would go unreported.
  ASSERT_TRUE(WaitForEvent("FailedPreStopHook")) << "the hook's failure after the stop was not recorded";
  const auto failed = EventsWithReason("FailedPreStopHook");
  if (v135()) {
    EXPECT_EQ(failed.at(0).message, "PreStopHook failed");
  } else {
    EXPECT_THAT(failed.at(0).message, HasSubstr("Exec lifecycle hook ([sh -c exit 1]) for Container \"app\""));
  }
  EXPECT_EQ(Calls("ExecSync").size(), 1u);  // HD-04: not retried
}

PODLIFE_CASE(PreStop, AnHttpHookPastTheGraceGoesOnAndItsFailureIsReportedLater,
             {.ids = "EX-06 PR-06 EV-05 HT-10", .needs = {Capability::kCallLog},
              .must = "A preStop httpGet still unanswered at the grace MUST neither hold up the kill nor be cut off: the container is stopped at the grace, the request goes on, and when its answer (a redirect to a closed port) fails the hook afterwards FailedPreStopHook MUST be recorded."}) {
  const int closed = UnusedLoopbackPort();
  fakes::HttpResponseScript redirect;
  redirect.redirect_to = "http://127.0.0.1:" + std::to_string(closed) + "/gone";
  http().Script("/bye", redirect);
  SyncReport r = Pod("  containers:\n" + Container("app", kHttpPreStopToBye), 2).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  GateGuard held{http().HoldNext("/bye")};
  const auto began = std::chrono::system_clock::now();
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_TRUE(held.gate->WaitUntilHeld(10s).ok()) << http().Describe();
  // Waiting for the answer past the 2 s grace would keep the kill until the release below.
  ASSERT_EQ(kill.wait_for(20s), std::future_status::ready) << "the kill waited for the held request past the grace";
  EXPECT_EQ(kill.get(), "");
  const auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u) << "the container was not stopped while the request was held";
  // At the grace (2 s; 2 s more of slack for a loaded machine), with the floor: 2 - 2 s of hook.
  EXPECT_LT(stops.at(0).received_at - began, 4s) << "the stop came well past the 2 s grace";
  EXPECT_EQ(StopTimeout(stops, r.Get("app").container_id), 2);
  EXPECT_THAT(Reasons(), ::testing::Not(::testing::Contains("FailedPreStopHook")));
  held.gate->Release();
  // A request cut off at the grace never reads the redirect, so no failure would follow it.
  ASSERT_TRUE(WaitForEvent("FailedPreStopHook")) << "the request's failure after the stop was not recorded";
  const auto failed = EventsWithReason("FailedPreStopHook");
  if (v135()) {
    EXPECT_EQ(failed.at(0).message, "PreStopHook failed");
  } else {
    EXPECT_THAT(failed.at(0).message, HasSubstr(":" + std::to_string(closed) + "/gone\": dial tcp 127.0.0.1:" +
                                                std::to_string(closed) + ": connect: connection refused"));
  }
  EXPECT_EQ(http().RequestsTo("/bye").size(), 1u) << http().Describe();  // HD-04: one request, not sent again
}

PODLIFE_CASE(PreStop, HooksOfAPodStartConcurrently,
             {.ids = "PR-11", .needs = {Capability::kFaults},
              .must = "Terminating a pod MUST start the preStop hooks of all its containers without waiting for each other."}) {
  SyncReport r = Pod("  containers:\n" + Container("a", ExecHandler("preStop", "echo a")) +
                     Container("b", ExecHandler("preStop", "echo b"))).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  GateGuard first{fake().HoldNext("ExecSync")};
  GateGuard second{fake().HoldNext("ExecSync")};
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  EXPECT_TRUE(first.gate->WaitUntilHeld(10s).ok());
  EXPECT_TRUE(second.gate->WaitUntilHeld(10s).ok()) << "the second preStop did not start while the first was held";
  first.gate->Release();
  second.gate->Release();
  EXPECT_EQ(kill.get(), "");
}

PODLIFE_CASE(PreStop, GraceOverrideReplacesThePodsGrace,
             {.ids = "PR-03 PR-09", .needs = {Capability::kCallLog},
              .must = "A kill with a grace-period override MUST stop the container with the override, not the pod's grace."}) {
  SyncReport r = Pod("  containers:\n" + Container("app"), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(5), "");
  EXPECT_EQ(StopTimeout(Calls("StopContainer"), r.Get("app").container_id), 5);
}

PODLIFE_CASE(PreStop, ContainerStopsOnlyAfterTheHttpHookReturns,
             {.ids = "PR-05 PR-02",
              .must = "On kill the runtime MUST NOT see the container stop before its preStop httpGet hook returned."}) {
  auto held = http().HoldNext("/bye");
  GateGuard guard{held};
  SyncReport r = Pod("  containers:\n" + Container("app", kHttpPreStopToBye)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_TRUE(held->WaitUntilHeld(20s).ok()) << "the preStop request never arrived";
  EXPECT_EQ(Observe(r.Get("app").container_id).state, "CONTAINER_RUNNING") << "stopped while the hook was held";
  const auto released_at = std::chrono::system_clock::now();
  held->Release();
  EXPECT_EQ(kill.get(), "");
  const ContainerView app = Observe(r.Get("app").container_id);
  ASSERT_TRUE(app.found) << app.error;
  EXPECT_EQ(app.state, "CONTAINER_EXITED");
  EXPECT_GE(app.finished_at, released_at);
}

PODLIFE_CASE(PreStop, HangingHookIsCutOffAndTheWorkloadGetsTheFloor,
             {.ids = "PR-05 PR-07 PR-08",
              .must = "With grace 4 s and a preStop that outlives it, a workload ignoring SIGTERM MUST be killed (137) about 6 s after the kill began: the hook is cut off at the grace, then StopContainer gets the 2 s floor."}) {
  runtime().IgnoreSigterm("app");
  SyncReport r = Pod("  containers:\n  - name: app\n    image: {IMAGE}\n    command: {STUBBORN_WORKLOAD}\n"
                     "    lifecycle:\n" + ExecHandler("preStop", "sleep 30"), 4).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  const auto began = std::chrono::system_clock::now();
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  // Right: 4 s of hook, then StopContainer(2) = 6 s. The wrong answers are far apart: hook skipped
  // or no floor 4 s, grace not reduced by the hook 8 s, hook not cut off 30 s.
  EXPECT_TRUE(KilledWithin(Observe(r.Get("app").container_id), began, 5500ms, 7500ms));
}

PODLIFE_AREA(Resync);

// The attempts of the CreateContainer calls for `name`, in order.
std::vector<uint32_t> CreateAttempts(const std::vector<fakes::CallRecord>& creates, const std::string& name) {
  std::vector<uint32_t> attempts;
  for (const auto& c : creates) {
    const auto& config = c.Request<cri::CreateContainerRequest>().config();
    if (config.metadata().name() == name) attempts.push_back(config.metadata().attempt());
  }
  return attempts;
}

PODLIFE_CASE(Resync, ExitedContainerRestartsWithTheNextAttempt,
             {.ids = "PS-09 PS-04", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "With restartPolicy Always, the next sync MUST create an exited container again with attempt (restart count) 1 and log path <name>/1.log."}) {
  SyncReport first = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("app").container_id, 1);
  SyncReport second = pod().Sync();
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_NE(second.Get("app").container_id, first.Get("app").container_id);
  auto creates = Calls("CreateContainer");
  EXPECT_THAT(CreateAttempts(creates, "app"), ElementsAre(0u, 1u));
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates.at(1).Request<cri::CreateContainerRequest>().config().log_path(), "app/1.log");
  EXPECT_EQ(Calls("RunPodSandbox").size(), 1u) << "a container restart keeps the sandbox";
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Started", "Created", "Started"));
}

PODLIFE_CASE(Resync, OnFailureRestartsOnlyAFailedContainer,
             {.ids = "PS-09", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "With restartPolicy OnFailure, the next sync MUST restart a container that exited non-zero and leave one that exited 0."}) {
  SyncReport first = Pod("  restartPolicy: OnFailure\n  containers:\n" + Container("done") + Container("failed")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("done").container_id, 0);
  fake().ExitContainer(first.Get("failed").container_id, 2);
  SyncReport second = pod().Sync();
  ASSERT_TRUE(second.ok) << second.error;
  auto creates = Calls("CreateContainer");
  EXPECT_THAT(CreateAttempts(creates, "done"), ElementsAre(0u));
  EXPECT_THAT(CreateAttempts(creates, "failed"), ElementsAre(0u, 1u));
}

PODLIFE_CASE(Resync, NeverLeavesExitedContainersAndEndsThePod,
             {.ids = "PS-09 SP-01", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "With restartPolicy Never, the next sync MUST NOT restart an exited container; with nothing left running the pod's sandbox MUST be stopped."}) {
  SyncReport first = Pod("  restartPolicy: Never\n  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("app").container_id, 1);
  SyncReport second = pod().Sync();
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 1u);
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u);
}

PODLIFE_CASE(Resync, SecondCrashWithinTheBackoffIsCrashLoopBackOff,
             {.ids = "SP-04 EV-07 PS-09", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "A container that exits again within 10 s of its restart MUST NOT be restarted: Warning BackOff (per profile) and reason CrashLoopBackOff `back-off 10s restarting failed container=<c> pod=<pod>`."}) {
  SyncReport first = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("app").container_id, 1);
  SyncReport restarted = pod().Sync();
  ASSERT_TRUE(restarted.ok) << restarted.error << " (the first restart is not backed off)";
  fake().ExitContainer(restarted.Get("app").container_id, 1);
  SyncReport third = pod().Sync();
  EXPECT_FALSE(third.ok);
  EXPECT_EQ(third.Get("app").reason, "CrashLoopBackOff");
  EXPECT_EQ(third.Get("app").message, "back-off 10s restarting failed container=app pod=" + PodRef());
  EXPECT_EQ(Calls("CreateContainer").size(), 2u) << "no third CreateContainer while backing off";
  auto backoff = EventsWithReason("BackOff");
  ASSERT_EQ(backoff.size(), 1u);
  EXPECT_EQ(backoff.at(0).type, "Warning");
  EXPECT_EQ(backoff.at(0).field_path, "spec.containers{app}");
  EXPECT_EQ(backoff.at(0).message,
            v135() ? "Back-off restarting failed container app in pod " + PodRef() : "Back-off restarting failed container");
}

PODLIFE_CASE(Resync, ChangedContainersAreKilledOneAtATimeAndRestarted,
             {.ids = "SP-02 SP-06 PR-10", .needs = {Capability::kCallLog, Capability::kFaults},
              .must = "A changed spec MUST kill its running containers one at a time (each with its preStop), with Killing `Container <c> definition changed, will be restarted`, then start them with the next attempt."}) {
  auto spec = [](const std::string& tag) {
    return "  containers:\n" + Container("a", ExecHandler("preStop", "echo a" + tag)) +
           Container("b", ExecHandler("preStop", "echo b" + tag));
  };
  SyncReport first = Pod(spec("")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  GateGuard hold{fake().HoldNext("ExecSync")};
  auto resync = Background([&] { return pod().SyncChanged(SamePod(spec(" changed"))); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok()) << "no preStop ran";
  auto killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 1u) << "b is killed only after a's kill ended";
  EXPECT_EQ(killing.at(0).message, "Container a definition changed, will be restarted");
  EXPECT_EQ(killing.at(0).field_path, "spec.containers{a}");
  hold.gate->Release();
  SyncReport second = resync.get();
  ASSERT_TRUE(second.ok) << second.error;
  killing = EventsWithReason("Killing");
  ASSERT_EQ(killing.size(), 2u);
  EXPECT_EQ(killing.at(1).message, "Container b definition changed, will be restarted");
  auto creates = Calls("CreateContainer");
  EXPECT_THAT(CreateAttempts(creates, "a"), ElementsAre(0u, 1u));
  EXPECT_THAT(CreateAttempts(creates, "b"), ElementsAre(0u, 1u));
  // Both kills came before the first new container.
  EXPECT_LT(Calls("StopContainer").at(1).seq, creates.at(2).seq);
}

PODLIFE_CASE(Resync, StoppedSandboxIsKilledAndRecreated,
             {.ids = "SP-07 EV-09",
              .must = "When the pod's sandbox is no longer ready, the next sync MUST record Normal SandboxChanged `Pod sandbox changed, it will be killed and re-created.` and run the containers in a new sandbox."}) {
  SyncReport first = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  ASSERT_EQ(StopSandboxOf(first.Get("app").container_id), "");
  SyncReport second = pod().Sync();
  ASSERT_TRUE(second.ok) << second.error;
  auto changed = EventsWithReason("SandboxChanged");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed.at(0).type, "Normal");
  EXPECT_EQ(changed.at(0).message, "Pod sandbox changed, it will be killed and re-created.");
  EXPECT_EQ(changed.at(0).field_path, "");
  const std::string new_id = second.Get("app").container_id;
  EXPECT_NE(new_id, first.Get("app").container_id);
  const ContainerView app = Observe(new_id);
  ASSERT_TRUE(app.found) << app.error;
  EXPECT_EQ(app.state, "CONTAINER_RUNNING");
}

PODLIFE_CASE(Resync, NilContainerStatusFailsTheSync,
             {.ids = "CRI-09", .needs = {Capability::kFaults},
              .must = "A ContainerStatus answer without a status MUST fail the next sync with `container status is nil`."}) {
  SyncReport first = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().AnswerEmptyNext("ContainerStatus");
  SyncReport second = pod().Sync();
  EXPECT_FALSE(second.ok);
  EXPECT_THAT(second.error, HasSubstr("container status is nil"));
}

PODLIFE_CASE(Resync, ContainerStatusNotFoundIsSkipped,
             {.ids = "CRI-09", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "A container the runtime answers NOT_FOUND for (listed, then gone) MUST be skipped, not fail the sync: it is started anew."}) {
  SyncReport first = Pod("  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().FailNext("ContainerStatus", grpc::StatusCode::NOT_FOUND, "an error occurred when try to find container: not found");
  SyncReport second = pod().Sync();
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_EQ(Calls("CreateContainer").size(), 2u);
}

PODLIFE_CASE(Resync, ARestartDuringThePostStartHookNeverRunsItAgain,
             {.ids = "PS-13",
              .must = "An implementation started over while a postStart hook runs (a kubelet restart) MUST adopt the running container from the runtime, and MUST NOT create it again or run its hook again."}) {
  auto held = http().HoldNext("/started");
  GateGuard guard{held};
  PodUnderTest& first = Pod("  containers:\n" +
                            Container("app", "      postStart:\n        httpGet:\n          host: 127.0.0.1\n"
                                             "          port: {HTTP_PORT}\n          path: started\n"));
  auto interrupted = Background([&first] { return first.Sync(); });
  ASSERT_TRUE(held->WaitUntilHeld(20s).ok()) << "the postStart request never arrived";
  const auto restarted_at = std::chrono::system_clock::now();
  PodUnderTest& again = RestartImplementation();
  SyncReport r = again.Sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(http().RequestsTo("/started").size(), 1u) << "the hook ran again:\n" << http().Describe();
  const ContainerView app = Observe(r.Get("app").container_id);
  ASSERT_TRUE(app.found) << app.error;
  EXPECT_EQ(app.state, "CONTAINER_RUNNING");
  EXPECT_LT(app.created_at, restarted_at) << "a new container was created instead of adopting the running one";
  EXPECT_THAT(again.events().Reasons(), ::testing::Not(::testing::Contains("Created")));
}

PODLIFE_CASE(PreStop, ARestartDuringTheKillRunsThePreStopAgain,
             {.ids = "PR-17",
              .must = "An implementation started over while a preStop hook runs MUST, when asked to kill the pod again, find the still-running container and run its preStop hook again before stopping it (at-least-once)."}) {
  auto held = http().HoldNext("/bye");
  GateGuard guard{held};
  SyncReport r = Pod("  containers:\n" + Container("app", kHttpPreStopToBye)).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  PodUnderTest& first = pod();
  auto interrupted = Background([&first] { return first.Kill(std::nullopt); });
  ASSERT_TRUE(held->WaitUntilHeld(20s).ok()) << "the preStop request never arrived";
  PodUnderTest& again = RestartImplementation();
  EXPECT_EQ(again.Kill(std::nullopt), "");
  EXPECT_EQ(http().RequestsTo("/bye").size(), 2u) << http().Describe();
  const ContainerView app = Observe(r.Get("app").container_id);
  ASSERT_TRUE(app.found) << app.error;
  EXPECT_EQ(app.state, "CONTAINER_EXITED");
}

PODLIFE_CASE(PreStop, ADeletedPodIsKilledFromWhatItsContainersRecord,
             {.ids = "PR-14",
              .must = "A pod whose spec is gone (deleted while the implementation was down) MUST still be killed with each container's preStop hook (here an httpGet to a named port) and the pod's grace period (here 3 s, with a workload ignoring SIGTERM), restored from what was recorded on its containers."}) {
  runtime().IgnoreSigterm("app");
  SyncReport r = Pod("  containers:\n  - name: app\n    image: {IMAGE}\n    command: {STUBBORN_WORKLOAD}\n"
                     "    ports:\n    - name: hooks\n      containerPort: {HTTP_PORT}\n"
                     "    lifecycle:\n      preStop:\n        httpGet:\n          host: 127.0.0.1\n"
                     "          port: hooks\n          path: bye\n", 3).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  PodUnderTest& again = RestartImplementation();
  const auto began = std::chrono::system_clock::now();
  EXPECT_EQ(again.KillDeleted(PodUid(), std::nullopt), "");
  EXPECT_EQ(http().RequestsTo("/bye").size(), 1u) << "the preStop hook did not run:\n" << http().Describe();
  // StopContainer(3) after a quick hook: about 3 s. A lost grace would be 30 s (the API default)
  // or 2 s (the floor).
  EXPECT_TRUE(KilledWithin(Observe(r.Get("app").container_id), began, 2500ms, 5000ms));
}

PODLIFE_CASE(Resync, AFinishedPodIsNotStartedAgain,
             {.ids = "PS-09 SP-01", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "A restartPolicy Never pod whose containers exited MUST be killed on the next sync and stay down on later syncs: no new sandbox, no container started again, no SandboxChanged."}) {
  SyncReport first = Pod("  restartPolicy: Never\n  containers:\n" + Container("app")).Sync();
  ASSERT_TRUE(first.ok) << first.error;
  fake().ExitContainer(first.Get("app").container_id, 0);
  EXPECT_TRUE(pod().Sync().ok);  // nothing to run: the pod is killed, its sandbox stopped
  SyncReport later = pod().Sync();
  EXPECT_TRUE(later.ok) << later.error;
  EXPECT_EQ(Calls("RunPodSandbox").size(), 1u);
  EXPECT_EQ(Calls("CreateContainer").size(), 1u);
  EXPECT_TRUE(EventsWithReason("SandboxChanged").empty());
}

PODLIFE_CASE(Resync, ARunningInitContainerIsWaitedForNotStartedAgain,
             {.ids = "SP-08 PS-13", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "An implementation started over while an init container runs MUST wait for that init container, not start a second one, and start the app after it exits 0."}) {
  PodUnderTest& first = Pod("  initContainers:\n" + Container("init") + "  containers:\n" + Container("app"));
  auto interrupted = Background([&first] { return first.Sync(); });
  ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("StartContainer"), 10s).ok());
  const std::string init_id = Calls("StartContainer").at(0).Request<cri::StartContainerRequest>().container_id();
  const uint64_t before_restart = fake().calls().total();
  PodUnderTest& again = RestartImplementation();
  auto resync = Background([&again] { return again.Sync(); });
  // The new instance has found the pod and watches the init container: only then does it exit.
  fakes::CallRecord listed;
  ASSERT_TRUE(fake().calls().WaitFor(fakes::Call("ListPodSandbox"), 10s, &listed, before_restart).ok())
      << "the new instance never looked for the pod";
  ASSERT_TRUE(fake().calls().WaitForFinished(fakes::Call("ContainerStatus"), 10s, nullptr, listed.seq).ok())
      << "the new instance never looked at the init container";
  fake().ExitContainer(init_id, 0);
  SyncReport r = resync.get();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_THAT(CreateAttempts(Calls("CreateContainer"), "init"), ElementsAre(0u)) << "a second init container";
  EXPECT_NE(r.Find("app"), nullptr);
}

}  // namespace
}  // namespace podlife::conformance
