// PodSync: a pod's life through the engine, in the kubelet's order (docs/behaviours.md, SP-*).
// PodSync carries out what PlanSync (sync_plan.h, the kubelet's computePodActions) decides; it
// holds no planning rules of its own.
//
// Contract:
// - SyncPod runs the kubelet's SyncPod steps for a plan: SandboxChanged; kill the pod (then
//   purge its init containers when a new sandbox follows) or kill the planned containers one at a
//   time, the first error ending the sync (SP-02); RunPodSandbox and PodSandboxStatus; start the
//   planned init containers (a failed regular one ends the sync, a failed sidecar does not stop
//   the other planned ones, M2); start the planned containers (a start error does not stop the
//   next, SP-03). Every restart goes through CrashLoopBackOff (SP-04, EV-07; BackoffTable on the
//   engine's clock).
// - One SyncPod call is the pod worker's syncs back to back, as the kubelet's would follow each
//   other's container events: after init containers started it plans again, and it waits for a
//   running init container to exit (SP-08). It ends when a plan starts regular containers, kills
//   the pod, has nothing to do, or a step fails. An init container that exits non-zero ends it
//   with that failure; under restartPolicy Never the pod is killed first (M5).
// - The runtime snapshot comes from the containers this session started or adopted and CRI
//   ContainerStatus of the newest of each name (NOT_FOUND: gone, and started anew; a nil status
//   fails the sync, CRI-09); a sandbox status the runtime cannot give fails the sync.
// - KillPod: kills every running container concurrently, each with its preStop (PR-11); in 1.35
//   the kill order of sidecars is TerminationPrerequisites' data (PR-12, M6); then StopPodSandbox
//   (SP-09). With profile.effective_grace_at_least_one the override is at least 1 s (PR-09).
// - The first SyncPod of a session looks for the pod in the runtime first (its uid label): a
//   session that starts over, as a restarted kubelet does, adopts the running sandbox and
//   containers and syncs them as above, so a running container's postStart is not run again
//   (PS-13). A KillPod before any sync does the same, so a kill interrupted by a restart is
//   done again, preStop hooks included (PR-17). KillDeletedPod kills one whose spec is gone.
// - `cancel` (e.g. Ctrl-C) ends waits for init containers, and a sync that finds it notified after
//   a snapshot acts on nothing (the snapshot may show what a successor must handle). Thread-safe
//   for one pod.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/engine/container_runtime.h"
#include "src/engine/sync_plan.h"

namespace podlife {

struct ContainerOutcome {
  std::string name;
  bool init_container = false;
  StartResult start;
  std::optional<int> exit_code;  // init containers that ran to completion
};

struct PodSyncResult {
  std::string sandbox_id;
  std::string error;  // "" when every container started (and every init container exited 0)
  std::vector<ContainerOutcome> containers;
  // The sync killed the pod for good: nothing of it is to run again (every main container done,
  // M1; or an init container failed under restartPolicy Never, M5). Its sandbox is stopped.
  bool pod_finished = false;

  bool ok() const { return error.empty(); }
};

class PodSync {
 public:
  PodSync(CriClient& cri, ContainerRuntime& containers, Clock& clock, EventRecorder& events, const Profile& profile)
      : cri_(cri), runtime_(containers), clock_(clock), events_(events), profile_(profile) {}

  PodSyncResult SyncPod(const Pod& pod, const std::shared_ptr<Notification>& cancel);
  absl::Status KillPod(const Pod& pod, std::optional<int64_t> grace_override);
  // Kills a pod whose spec is gone (deleted while the kubelet was down) from what its containers
  // carry: labels (pod and container names) and annotations (grace periods, preStop handler,
  // ports) (PR-14). OK when the runtime has nothing of the pod.
  absl::Status KillDeletedPod(const std::string& uid, std::optional<int64_t> grace_override);
  // Removes the sandbox (and with it its containers) from the runtime; once all are removed, the
  // pod is forgotten: a later SyncPod starts it as a new pod.
  absl::Status RemovePod();

 private:
  struct Running {
    Container spec;  // a copy: a later sync may bring a changed pod
    bool init;
    std::string id;
    int attempt;
    std::string hash;     // ContainerHash of the spec it was created from
    bool purged = false;  // an init container removed when its sandbox was replaced
  };
  // What one sync learnt so far: the latest outcome of each container, and the first error.
  struct Progress {
    std::map<std::string, ContainerOutcome> outcomes;
    std::string error;
    bool pod_finished = false;
    void Fail(const std::string& message) {
      if (error.empty()) error = message;
    }
  };
  // Waits until the init container exits; nullopt when cancelled.
  std::optional<int> WaitForExit(const std::string& container_id, const std::shared_ptr<Notification>& cancel);
  // What the runtime holds of a pod: its sandboxes (by the uid label) and their containers,
  // oldest first.
  struct RuntimePod {
    std::vector<cri::PodSandbox> sandboxes;
    std::vector<cri::Container> containers;
  };
  absl::StatusOr<RuntimePod> ListPod(const std::string& uid);
  // After a restart (a new session): takes over the pod's newest sandbox and its containers from
  // the runtime; false when there is none. An error when the runtime cannot be asked: adopting
  // half a pod would start it twice.
  absl::StatusOr<bool> Adopt(const Pod& pod);
  bool Adopt(const Pod& pod, const RuntimePod& found);
  // The kubelet's GetPodStatus for the pod: the sandbox's state and the newest container of each
  // name as the runtime reports it.
  absl::StatusOr<PodSnapshot> Snapshot();
  // One sync's steps for `plan`; true when the plan's init containers all started (a next plan follows).
  bool Execute(const Pod& pod, const SyncPlan& plan, const PodSnapshot& snapshot, Progress& progress);
  bool KillPlannedContainers(const Pod& pod, const SyncPlan& plan, Progress& progress);
  bool CreateSandbox(const Pod& pod, uint32_t attempt, Progress& progress);
  // Starts `c` unless it is in CrashLoopBackOff, and remembers it.
  ContainerOutcome StartWithBackOff(const Pod& pod, const Container& c, bool init, const ObservedContainer* last);
  // Waits for the running init container of `plan`; false when the sync ends with it.
  bool AwaitInitContainer(const Pod& pod, size_t index, const std::shared_ptr<Notification>& cancel,
                          Progress& progress);
  // True (with the failure) when `plan` would start again an init container this call started and
  // that exited since: the call ends with that failure, as when it waited for the exit (SP-08).
  bool InitContainerExitedSinceItsStart(const Pod& pod, const SyncPlan& plan, const PodSnapshot& snapshot,
                                        Progress& progress);
  // Kills whatever of the pod runs and stops its sandbox (no adoption).
  absl::Status KillRunning(const Pod& pod, std::optional<int64_t> grace_override);
  int NextAttempt(const std::string& name);
  // The sync's report: each container of the spec, with what this sync did to it or what the
  // runtime last said of it.
  PodSyncResult Report(const Pod& pod, const PodSnapshot& last, Progress& progress);

  CriClient& cri_;
  ContainerRuntime& runtime_;
  Clock& clock_;
  EventRecorder& events_;
  const Profile& profile_;

  std::mutex mu_;
  SandboxRef sandbox_;
  std::vector<std::string> old_sandboxes_;  // replaced after SandboxChanged; RemovePod removes them
  uint32_t sandbox_attempt_ = 0;
  std::vector<Running> started_;  // in start order; a restarted container appears again
  BackoffTable backoff_;
  std::vector<std::unique_ptr<Pod>> restored_pods_;  // KillDeletedPod's pods, alive as long as the session
};

}  // namespace podlife
