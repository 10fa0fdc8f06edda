// Cases at the edges of behaviours the other files check at their easy value (issue 11 item 1):
// exec hook output (both streams, success with output, exit codes other than 1), startContainer's
// failures and their events (image pull and inspect, the gRPC description, the container's name
// for its ID, 1.21's PostStartHookError form), and the preStop grace arithmetic at its edges
// (fractional hook seconds, remaining 0..3 s against the 2 s floor, overrides per profile).
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.grpc.pb.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string App(const std::string& name, const std::string& lifecycle = "") {
  return "  - name: " + name + "\n    image: {IMAGE}\n    command: {WORKLOAD}\n" +
         (lifecycle.empty() ? "" : "    lifecycle:\n" + lifecycle);
}
std::string Exec(const std::string& hook, const std::string& script) {
  return "      " + hook + ":\n        exec:\n          command: [sh, -c, \"" + script + "\"]\n";
}

// The reason a failed postStart reports (PS-07): bare in 1.35, with the hook's error in 1.21.
std::string PostStartReason(bool v135, const std::string& hook_error) {
  return v135 ? "PostStartHookError" : "PostStartHookError: " + hook_error;
}

// StopContainer's requested timeout for a container; -1 when it was never stopped.
int64_t StopTimeoutOf(const std::vector<fakes::CallRecord>& stops, const std::string& id) {
  for (const auto& s : stops) {
    const auto& req = s.Request<cri::StopContainerRequest>();
    if (req.container_id() == id) return req.timeout();
  }
  return -1;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// --- exec hook output -----------------------------------------------------------------------

PODLIFE_AREA(ExecOutput);

PODLIFE_CASE(ExecOutput, BothStreamsStdoutFirstInTheMessage,
             {.ids = "EX-02 EX-04 CRI-04",
              .must = "An exec hook failing with output on both streams MUST fail with `... error: command '<cmd>' exited with 1: <stderr>, message: \"<stdout><stderr>\"`: stderr alone in the error, stdout then stderr in the message."}) {
  fakes::ExecResult both;
  both.exit_code = 1;
  both.stdout_text = "out\n";
  both.stderr_text = "err\n";
  const std::string script = "echo out; echo err >&2; exit 1";
  fake().ExecGives({"sh", "-c", script}, both, 1);
  SyncReport r = Pod("  containers:\n" + App("app", Exec("postStart", script))).Sync();
  const ContainerReport& app = r.Get("app");
  const std::string error = "command 'sh -c " + script + "' exited with 1: err\n";
  EXPECT_EQ(app.reason, PostStartReason(v135(), error));
  EXPECT_EQ(app.message, "Exec lifecycle hook ([sh -c " + script + "]) for Container \"app\" in Pod \"" + PodRef() +
                             "\" failed - error: " + error + ", message: \"out\\nerr\\n\"");
}

PODLIFE_CASE(ExecOutput, OutputOnSuccessRecordsNothing,
             {.ids = "EX-03 HD-03 PR-06", .needs = {Capability::kCallLog},
              .must = "postStart and preStop exec hooks exiting 0 with output on stdout and stderr MUST succeed: no failure reason or message, no FailedPostStartHook, no FailedPreStopHook, the container left running until the kill."}) {
  fakes::ExecResult noisy;
  noisy.stdout_text = "starting\n";
  noisy.stderr_text = "warning: something\n";
  const std::string script = "echo starting; echo warning: something >&2";
  fake().ExecGives({"sh", "-c", script}, noisy, 2);
  SyncReport r = Pod("  containers:\n" + App("app", Exec("postStart", script) + Exec("preStop", script))).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.Get("app").reason, "");
  EXPECT_EQ(r.Get("app").message, "");
  EXPECT_EQ(Observe(r.Get("app").container_id).state, "CONTAINER_RUNNING");
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  EXPECT_EQ(Calls("ExecSync").size(), 2u);
  EXPECT_THAT(Reasons(), ElementsAre("Created", "Started", "Killing"));
}

PODLIFE_CASE(ExecOutput, ExitCodesOtherThanOneFail,
             {.ids = "EX-03 EX-04 CRI-04 PS-07",
              .must = "Exec hooks exiting 2, 127 and 255 MUST each fail with `exited with N` (255 is not -1), and each container MUST report PostStartHookError with the full message."}) {
  SyncReport r = Pod("  containers:\n" + App("two", Exec("postStart", "exit 2")) + App("missing", Exec("postStart", "exit 127")) +
                     App("max", Exec("postStart", "exit 255"))).Sync();
  EXPECT_FALSE(r.ok);
  for (const auto& [name, code] : std::vector<std::pair<std::string, int>>{{"two", 2}, {"missing", 127}, {"max", 255}}) {
    const std::string cmd = "sh -c exit " + std::to_string(code);
    const std::string error = "command '" + cmd + "' exited with " + std::to_string(code) + ": ";
    const ContainerReport& c = r.Get(name);
    EXPECT_EQ(c.reason, PostStartReason(v135(), error)) << name;
    EXPECT_EQ(c.message, "Exec lifecycle hook ([" + cmd + "]) for Container \"" + name + "\" in Pod \"" + PodRef() +
                             "\" failed - error: " + error + ", message: \"\"")
        << name;
  }
  EXPECT_EQ(EventsWithReason("FailedPostStartHook").size(), 3u);
}

// --- startContainer's failures and their events ---------------------------------------------

PODLIFE_AREA(StartFailure);

PODLIFE_CASE(StartFailure, PullFailureIsErrImagePullWithTwoFailedEvents,
             {.ids = "PS-02 EV-03 PS-01", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "A PullImage error MUST fail the start with reason ErrImagePull and the runtime's whole error as message, record Warning Failed `Failed to pull image \"<image>\": <error>` then Warning Failed `Error: ErrImagePull`, and create nothing."}) {
  fake().FailNext("PullImage", grpc::StatusCode::NOT_FOUND, "failed to resolve reference: not found");
  // An image the runtime lacks, so the implementation pulls it (and the fault answers the pull).
  SyncReport r = Pod("  containers:\n" + Replaced(App("app"), "{IMAGE}", kAbsentImage)).Sync();
  EXPECT_FALSE(r.ok);
  const std::string error = "rpc error: code = NotFound desc = failed to resolve reference: not found";
  const ContainerReport& app = r.Get("app");
  EXPECT_EQ(app.reason, "ErrImagePull");
  EXPECT_EQ(app.message, error);
  EXPECT_EQ(app.container_id, "");
  auto failed = EventsWithReason("Failed");
  ASSERT_EQ(failed.size(), 2u) << "two Failed events: the image manager's, then startContainer's";
  EXPECT_EQ(failed.at(0).message, "Failed to pull image \"" + std::string(kAbsentImage) + "\": " + error);
  EXPECT_EQ(failed.at(1).message, "Error: ErrImagePull");
  for (const auto& e : failed) {
    EXPECT_EQ(e.type, "Warning");
    EXPECT_EQ(e.field_path, "spec.containers{app}");
  }
  EXPECT_TRUE(Calls("CreateContainer").empty());
  EXPECT_THAT(Reasons(), Not(::testing::Contains("Created")));
}

PODLIFE_CASE(StartFailure, ImageStatusErrorIsImageInspectError,
             {.ids = "PS-02 EV-03 PS-01", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "An ImageStatus error MUST fail the start with reason ImageInspectError and message `Failed to inspect image \"<image>\": <error>`, record Warning InspectFailed with that message then Warning Failed `Error: ImageInspectError`, and pull nothing."}) {
  fake().FailNext("ImageStatus", grpc::StatusCode::UNAVAILABLE, "image service restarting");
  SyncReport r = Pod("  containers:\n" + App("app")).Sync();
  EXPECT_FALSE(r.ok);
  const std::string message =
      "Failed to inspect image \"" + runtime().image() + "\": rpc error: code = Unavailable desc = image service restarting";
  EXPECT_EQ(r.Get("app").reason, "ImageInspectError");
  EXPECT_EQ(r.Get("app").message, message);
  EXPECT_THAT(Reasons(), ElementsAre("InspectFailed", "Failed"));
  auto events = pod().events().Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events.at(0).type, "Warning");
  EXPECT_EQ(events.at(0).message, message);
  EXPECT_EQ(events.at(1).message, "Error: ImageInspectError");
  EXPECT_TRUE(Calls("PullImage").empty());
  EXPECT_TRUE(Calls("CreateContainer").empty());
}

PODLIFE_CASE(StartFailure, CreateFailureEventIsTheGrpcDescription,
             {.ids = "PS-02 EV-03", .needs = {Capability::kFaults},
              .must = "A CreateContainer error MUST record Warning Failed `Error: <description>` (the gRPC status message alone, not `rpc error: code = ...`) and report CreateContainerError with the same description."}) {
  fake().FailNext("CreateContainer", grpc::StatusCode::RESOURCE_EXHAUSTED, "no space left on device");
  SyncReport r = Pod("  containers:\n" + App("app")).Sync();
  EXPECT_EQ(r.Get("app").reason, "CreateContainerError");
  EXPECT_EQ(r.Get("app").message, "no space left on device");
  auto failed = EventsWithReason("Failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.at(0).message, "Error: no space left on device");
}

PODLIFE_CASE(StartFailure, StartFailureEventNamesTheContainerNotItsId,
             {.ids = "PS-02 EV-03", .needs = {Capability::kFaults, Capability::kCallLog},
              .must = "A StartContainer error naming the container's ID (the container was removed meanwhile) MUST report RunContainerError with the runtime's description, and the Failed event MUST read `Error: <description>` with the ID replaced by the container's name."}) {
  GateGuard hold{fake().HoldNext("StartContainer")};
  PodUnderTest& p = Pod("  containers:\n" + App("app"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok());
  const std::string id = Calls("StartContainer").at(0).Request<cri::StartContainerRequest>().container_id();
  // The container disappears behind the implementation's back while its start is on the way.
  ASSERT_EQ(RemoveContainerOf(id), "");
  hold.gate->Release();
  SyncReport r = sync.get();
  const ContainerReport& app = r.Get("app");
  EXPECT_EQ(app.reason, "RunContainerError");
  ASSERT_THAT(app.message, HasSubstr(id)) << "the runtime's description names the ID";
  EXPECT_THAT(app.message, Not(HasSubstr("rpc error")));
  auto failed = EventsWithReason("Failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.at(0).message, "Error: " + Replaced(app.message, id, "app"));
}

PODLIFE_CASE(StartFailure, HookFailureEventNamesTheContainerNotItsId,
             {.ids = "EV-04 PS-06 PS-07", .needs = {Capability::kFaults, Capability::kCallLog, Capability::kExecScript},
              .must = "A failed postStart whose runtime output names the container's ID MUST keep the ID in the reported message, and the 1.21 FailedPostStartHook event (the whole message) MUST name the container instead; 1.35's event is `PostStartHook failed`."}) {
  GateGuard hold{fake().HoldNext("ExecSync")};
  PodUnderTest& p = Pod("  containers:\n" + App("app", Exec("postStart", "report")));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok());
  const std::string id = Calls("ExecSync").at(0).Request<cri::ExecSyncRequest>().container_id();
  fakes::ExecResult refused;  // scripted now that the ID is known; the held call takes it when released
  refused.exit_code = 1;
  refused.stderr_text = "container " + id + " refused\n";
  fake().ScriptExec({"sh", "-c", "report"}, refused, 1);
  hold.gate->Release();
  SyncReport r = sync.get();
  const ContainerReport& app = r.Get("app");
  ASSERT_THAT(app.message, HasSubstr("container " + id + " refused"));
  auto failed = EventsWithReason("FailedPostStartHook");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.at(0).message, v135() ? "PostStartHook failed" : Replaced(app.message, id, "app"));
}

PODLIFE_CASE(StartFailure, FailedPostStartReasonPerProfile,
             {.ids = "PS-07 PS-06 HD-06",
              .must = "A failed postStart MUST report reason `PostStartHookError` (1.35) or `PostStartHookError: <the hook's error>` (1.21, the handler's error, not its message), with the full hook message as message."}) {
  SyncReport r = Pod("  containers:\n" + App("app", Exec("postStart", "exit 3"))).Sync();
  const ContainerReport& app = r.Get("app");
  const std::string error = "command 'sh -c exit 3' exited with 3: ";
  EXPECT_EQ(app.reason, PostStartReason(v135(), error));
  EXPECT_EQ(app.message, "Exec lifecycle hook ([sh -c exit 3]) for Container \"app\" in Pod \"" + PodRef() +
                             "\" failed - error: " + error + ", message: \"\"");
}

// --- preStop grace arithmetic at its edges --------------------------------------------------

PODLIFE_AREA(GraceEdges);

PODLIFE_CASE(GraceEdges, FractionalHookSecondsAreTruncated,
             {.ids = "PR-05 PR-07 PR-08", .needs = {Capability::kCallLog},
              .must = "With grace 5 and a preStop exec taking 1.5 s, StopContainer MUST get 4: the whole seconds elapsed (1) are subtracted, not 1.5 or 2."}) {
  fakes::ExecResult slow;
  slow.delay = 1500ms;
  fake().ExecGives({"sh", "-c", "sleep 1.5"}, slow, 1);
  SyncReport r = Pod("  containers:\n" + App("app", Exec("preStop", "sleep 1.5")), 5).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  ASSERT_EQ(Calls("ExecSync").size(), 1u);
  EXPECT_EQ(StopTimeoutOf(Calls("StopContainer"), r.Get("app").container_id), 4);
}

PODLIFE_CASE(GraceEdges, RemainingGraceIsFlooredAtTwo,
             {.ids = "PR-05 PR-07 PR-11", .needs = {Capability::kCallLog},
              .must = "With grace 3 and preStop hooks leaving 3, 2, 1 and 0 s (instant, 1 s, 2 s, cut off at the grace), StopContainer MUST get 3, 2, 2 and 2: the remaining grace, floored at 2."}) {
  SyncReport r = Pod("  containers:\n" + App("left3", Exec("preStop", "true")) + App("left2", Exec("preStop", "sleep 1")) +
                     App("left1", Exec("preStop", "sleep 2")) + App("left0", Exec("preStop", "sleep 60")), 3).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(std::nullopt), "");
  auto stops = Calls("StopContainer");
  EXPECT_EQ(StopTimeoutOf(stops, r.Get("left3").container_id), 3);
  EXPECT_EQ(StopTimeoutOf(stops, r.Get("left2").container_id), 2);
  EXPECT_EQ(StopTimeoutOf(stops, r.Get("left1").container_id), 2);
  EXPECT_EQ(StopTimeoutOf(stops, r.Get("left0").container_id), 2);
}

PODLIFE_CASE(GraceEdges, OverrideOfZeroPerProfile,
             {.ids = "PR-03 PR-04 PR-09", .needs = {Capability::kCallLog},
              .must = "A kill with override 0 (pod grace 30) MUST still run the preStop hook, then StopContainer with 2 (1.35: the override becomes 1 s, before the hook, then the floor) or 0 (1.21: the override replaces the grace after the hook and the floor)."}) {
  SyncReport r = Pod("  containers:\n" + App("app", Exec("preStop", "echo bye")), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(pod().Kill(0), "");
  EXPECT_EQ(Calls("ExecSync").size(), 1u) << "the preStop hook did not run";
  EXPECT_EQ(StopTimeoutOf(Calls("StopContainer"), r.Get("app").container_id), v135() ? 2 : 0);
}

PODLIFE_CASE(GraceEdges, OverrideBoundsTheHookOnlyIn135,
             {.ids = "PR-03 PR-05 PR-07 PR-09", .needs = {Capability::kCallLog},
              .must = "A kill with override 1 (pod grace 30) of a container whose httpGet preStop does not answer MUST send StopContainer(2) about 1 s later while the hook still waits (1.35), or MUST wait for the hook past the override and then send StopContainer(1) (1.21)."}) {
  GateGuard hold{http().HoldNext("/bye")};
  SyncReport r = Pod("  containers:\n" + App("app", "      preStop:\n        httpGet:\n          host: 127.0.0.1\n"
                                                    "          port: {HTTP_PORT}\n          path: bye\n"), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto kill = Background([&] { return pod().Kill(1); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok()) << http().Describe();
  // 1.35 stops after the 1 s override; 3 s leave room for a slow machine, and in 1.21 show the
  // hook is waited for past the override.
  fakes::CallRecord stop;
  const bool stopped_while_held = fake().calls().WaitFor(fakes::Call("StopContainer"), 3s, &stop).ok();
  hold.gate->Release();
  EXPECT_EQ(kill.get(), "");
  if (v135()) {
    ASSERT_TRUE(stopped_while_held) << "StopContainer waited for the hook past the override";
    EXPECT_EQ(stop.Request<cri::StopContainerRequest>().timeout(), 2);
  } else {
    EXPECT_FALSE(stopped_while_held) << "StopContainer was sent while the hook still ran: " << stop.Describe();
    EXPECT_EQ(StopTimeoutOf(Calls("StopContainer"), r.Get("app").container_id), 1);
  }
}

}  // namespace
}  // namespace podlife::conformance
