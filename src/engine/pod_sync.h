// PodSync: a pod's life through the engine, in the kubelet's order (spec section 7).
//
// Contract:
// - SyncPod: RunPodSandbox (host network when the pod asks) and PodSandboxStatus; init
//   containers one at a time, each run to completion (exit 0) before the next (SP-08, PS-11);
//   sidecars (restartable init containers, 1.35) started in order, each after the previous one's
//   postStart (PS-14); then containers in spec order, each after the previous one's postStart
//   (PS-10). A regular container's start error does not stop the next (SP-03); a failed init
//   container aborts the sync.
// - SyncPod again (the pod worker's next sync, with the same or a changed spec) compares the pod
//   with the runtime (SP-01): a sandbox that is no longer ready gives SandboxChanged, a kill of
//   the pod and a new sandbox with the next attempt (SP-07, EV-09); a running container whose
//   spec changed is killed ("Container <c> definition changed, will be restarted"), one kill at a
//   time, the first error ending the sync (SP-02, SP-06); an exited container is restarted as
//   the restart policy says (PS-09), with the next attempt (PS-04), unless it is in
//   CrashLoopBackOff (10 s doubling to 300 s since its last restart: BackOff event, reason
//   CrashLoopBackOff; SP-04, EV-07). Containers the runtime no longer knows (NOT_FOUND) are
//   started anew; a nil status fails the sync (CRI-09). Init containers that exited 0 are not
//   run again; one still running is waited for. With nothing running and nothing to start, the
//   pod is killed (its sandbox stops), and a later sync does not re-create it (restartPolicy
//   Never, or OnFailure with every container succeeded). A sandbox status the runtime cannot
//   give (other than NOT_FOUND) fails the sync rather than killing the pod.
// - KillPod: kills every running container concurrently, each with its preStop (PR-11); with
//   sidecars (1.35) a sidecar's StopContainer waits for the main containers and later sidecars
//   (PR-12); then StopPodSandbox (SP-09). With profile.effective_grace_at_least_one the override
//   is at least 1 s (PR-09).
// - The first SyncPod of a session looks for the pod in the runtime first (its uid label): a
//   session that starts over, as a restarted kubelet does, adopts the running sandbox and
//   containers and syncs them as above, so a running container's postStart is not run again
//   (PS-13). A KillPod before any sync does the same, so a kill interrupted by a restart is
//   done again, preStop hooks included (PR-17). KillDeletedPod kills one whose spec is gone.
// - `cancel` (e.g. Ctrl-C) ends waits for init containers. Thread-safe for one pod.
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
  // Removes the sandbox (and with it its containers) from the runtime.
  absl::Status RemovePod();

 private:
  struct Running {
    Container spec;  // a copy: a later sync may bring a changed pod
    bool init;
    std::string id;
    int attempt;
    std::string hash;  // ContainerHash of the spec it was created from
  };
  // flowcontrol.Backoff's entry for one container (SP-04).
  struct BackoffEntry {
    std::chrono::system_clock::time_point last_update;
    std::chrono::seconds backoff;
  };
  // Waits until the init container exits; nullopt when cancelled.
  std::optional<int> WaitForExit(const std::string& container_id, const std::shared_ptr<Notification>& cancel);
  // After a restart (a new session): takes over the pod's newest sandbox and its containers from
  // the runtime (CRI ListPodSandbox by the pod uid label, ListContainers); false when there is none.
  // What the runtime holds of a pod: its sandboxes (by the uid label) and their containers,
  // oldest first.
  struct RuntimePod {
    std::vector<cri::PodSandbox> sandboxes;
    std::vector<cri::Container> containers;
  };
  absl::StatusOr<RuntimePod> ListPod(const std::string& uid);
  // An error when the runtime cannot be asked: adopting half a pod would start it twice.
  absl::StatusOr<bool> Adopt(const Pod& pod);
  bool Adopt(const Pod& pod, const RuntimePod& found);
  // `succeeded`: regular containers not to start again (OnFailure, in a re-created sandbox).
  PodSyncResult CreateSandboxAndStart(const Pod& pod, const std::shared_ptr<Notification>& cancel,
                                      const std::set<std::string>& succeeded);
  PodSyncResult Resync(const Pod& pod, const std::shared_ptr<Notification>& cancel);
  // Starts `c` (attempt `attempt`) and remembers it.
  ContainerOutcome Start(const Pod& pod, const SandboxRef& sandbox, const Container& c, bool init, int attempt);
  // SP-04 doBackOff: true (with the BackOff event and the CrashLoopBackOff outcome) when the
  // container that finished at `finished_at` may not restart yet; else records the restart.
  bool InBackOff(const Pod& pod, const Container& c, bool init, std::chrono::system_clock::time_point finished_at,
                 ContainerOutcome* outcome);

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
  std::map<std::string, BackoffEntry> backoff_;  // by container name (the pod is fixed)
  std::vector<std::unique_ptr<Pod>> restored_pods_;  // KillDeletedPod's pods, alive as long as the session
};

}  // namespace podlife
