// ContainerRuntime: starting and killing one container the way the kubelet's kuberuntime does
// (startContainer and killContainer; spec sections 5, 6 and 9).
//
// Contract:
// - StartContainer follows PS-01's order: ensure the image (ImageStatus, PullImage), CRI
//   CreateContainer, event Created, CRI StartContainer, event Started, postStart hook. A failure
//   returns the kubelet's error reason (ImageInspectError, ErrImagePull, CreateContainerError,
//   RunContainerError, PostStartHookError) and message and records the PS-02 events: for the
//   image, the image manager's event (InspectFailed / Failed `Failed to pull image "i": <err>`,
//   message the whole error) then Failed `Error: <reason>`; for Create/Start, Failed `Error:
//   <gRPC description>`, message the same description. Nothing is cleaned up (PS-03). A failed
//   postStart records FailedPostStartHook, kills the container (reason message
//   "FailedPostStartHook", preStop included) and returns PostStartHookError (1.21:
//   `PostStartHookError: <hook error>`) with the full hook message (PS-06, PS-07).
// - Every container event has the container's ID replaced by its name (the kubelet's
//   recordContainerEvent).
// - KillContainer: grace from PR-01 (deletion grace, else terminationGracePeriodSeconds, else 2),
//   the override applied before the hook (1.35) or after the floor (1.21) (PR-03); event Killing
//   first (PR-02); preStop only when grace > 0 (PR-04), waited for at most the grace (PR-05),
//   failure reported as FailedPreStopHook from the hook's own thread (PR-06, EX-06); remaining
//   grace = grace - whole seconds elapsed, then the sidecar turn, floored at 2 (PR-07); then CRI
//   StopContainer with that grace (PR-13 for its errors).
// - A preStop hook that outlives its wait keeps running (EX-06) until the container stops; the
//   destructor cancels any still running and waits for them, silently: a hook ended that way
//   records no FailedPreStopHook (the kubelet never cancels it). A kill creates no thread of its
//   own: an exec hook is driven by the killing thread while it waits (HandlerRunner::Start),
//   httpGet and sleep hooks run on the engine's TaskPool (src/core/task_pool.h). Thread-safe.
#pragma once

#include <absl/status/status.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <condition_variable>
#include <vector>

#include "src/core/clock.h"
#include "src/core/events.h"
#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/cri/cri_client.h"
#include "src/engine/handler_runner.h"
#include "src/engine/termination_ordering.h"

namespace podlife {

struct SandboxRef {
  std::string id;
  cri::PodSandboxConfig config;
};

struct StartResult {
  std::string container_id;
  std::string error_reason;  // "" on success, else ErrImagePull, CreateContainerError, ...
  std::string message;

  bool ok() const { return error_reason.empty(); }
};

struct KillRequest {
  const Pod* pod = nullptr;
  // A copy of *pod that a preStop hook may keep after the kill returned (EX-06); a pod kill
  // shares one among its containers. nullptr: the hook takes its own copy.
  std::shared_ptr<const Pod> pod_for_hooks;
  SandboxRef sandbox;
  const Container* spec = nullptr;
  bool init_container = false;
  std::string container_id;
  std::string message;  // Killing event message; "" = "Stopping container <name>"
  std::optional<int64_t> grace_override;
  // PR-12: the pod kill's turn-taking; the container waits, after its preStop, for its turn, and
  // is marked terminated once its StopContainer succeeded. nullptr: no ordering.
  std::shared_ptr<const TerminationOrdering> ordering;
};

class ContainerRuntime {
 public:
  ContainerRuntime(CriClient& cri, HandlerRunner& hooks, Clock& clock, EventRecorder& events, const Profile& profile)
      : cri_(cri), hooks_(hooks), clock_(clock), events_(events), profile_(profile) {}
  ~ContainerRuntime();
  // Cancels preStop hooks still running after their wait (EX-06) and waits until they ended.
  void CancelAndJoinHooks();

  StartResult StartContainer(const Pod& pod, const SandboxRef& sandbox, const Container& container,
                             bool init_container, int restart_count);
  absl::Status KillContainer(const KillRequest& request);

  // PR-01: the grace period before any override.
  static int64_t GracePeriod(const Pod& pod);

 private:
  // The kubelet's recordContainerEvent: `container_id` ("" = none yet) becomes the container's name
  // in the message (EV-03).
  void Event(const Container& c, bool init, const std::string& container_id, const std::string& type,
             const std::string& reason, const std::string& message);
  // PS-01 step 2: false, with `result` filled and the events recorded, when the image is missing
  // and cannot be had.
  bool EnsureImage(const Container& c, bool init, const SandboxRef& sandbox, StartResult* result);
  // Runs the preStop hook, waiting at most `grace` seconds; returns the whole seconds waited.
  int64_t ExecutePreStopHook(const KillRequest& request, int64_t grace);

  CriClient& cri_;
  HandlerRunner& hooks_;
  Clock& clock_;
  EventRecorder& events_;
  const Profile& profile_;

  // The preStop hooks still running, waited for or not.
  std::mutex hooks_mu_;
  std::condition_variable hooks_ended_;
  std::vector<std::shared_ptr<RunningHook>> hooks_running_;
};

// Go's grpcstatus.FromError(err).Message(): the description of an error the CRI client rendered as
// `rpc error: code = C desc = D`, else the error's whole text (PS-02, EV-03).
std::string GrpcDescription(const absl::Status& status);
// Every occurrence of `container_id` in `message` replaced by `name` ("" = no ID: unchanged), as
// the kubelet does to every container event so that runtime errors naming the ID deduplicate.
std::string NameForId(std::string message, const std::string& container_id, const std::string& name);

// `attempt`: 0, then one more each time the sandbox is re-created (SP-07).
cri::PodSandboxConfig MakeSandboxConfig(const Pod& pod, uint32_t attempt = 0);
cri::ContainerConfig MakeContainerConfig(const Pod& pod, const Container& container, int restart_count);
// The kubelet's container hash, over what podlife's pod model holds (hex FNV-1a). It goes into
// the `io.kubernetes.container.hash` annotation; a different hash is "definition changed" (SP-06),
// also for containers found in the runtime after a restart.
std::string ContainerHash(const Container& container);
// The API's JSON of a handler and of a port list, as the kubelet stores them in the
// io.kubernetes.container.preStopHandler and .ports annotations (PR-14).
std::string HandlerJson(const LifecycleHandler& handler);
std::string PortsJson(const std::vector<ContainerPort>& ports);

}  // namespace podlife
