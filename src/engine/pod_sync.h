// PodSync: a pod's life through the engine, in the kubelet's order (spec section 7).
//
// Contract:
// - SyncPod: RunPodSandbox (host network when the pod asks) and PodSandboxStatus; init
//   containers one at a time, each run to completion (exit 0) before the next (SP-08, PS-11);
//   sidecars (restartable init containers, 1.35) started in order, each after the previous one's
//   postStart (PS-14); then containers in spec order, each after the previous one's postStart
//   (PS-10). A regular container's start error does not stop the next (SP-03); a failed init
//   container aborts the sync. Restarts and CrashLoopBackOff (SP-04) are not modelled: a
//   container that fails stays failed.
// - KillPod: kills every running container concurrently, each with its preStop (PR-11); with
//   sidecars (1.35) a sidecar's StopContainer waits for the main containers and later sidecars
//   (PR-12); then StopPodSandbox (SP-09). With profile.effective_grace_at_least_one the override
//   is at least 1 s (PR-09).
// - `cancel` (e.g. Ctrl-C) ends waits for init containers. Thread-safe for one pod.
#pragma once

#include <absl/status/status.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  // Removes the sandbox (and with it its containers) from the runtime.
  absl::Status RemovePod();

 private:
  struct Running {
    const Container* spec;
    bool init;
    std::string id;
  };
  // Waits until the init container exits; nullopt when cancelled.
  std::optional<int> WaitForExit(const std::string& container_id, const std::shared_ptr<Notification>& cancel);

  CriClient& cri_;
  ContainerRuntime& runtime_;
  Clock& clock_;
  EventRecorder& events_;
  const Profile& profile_;

  std::mutex mu_;
  SandboxRef sandbox_;
  std::vector<Running> started_;  // in start order
};

}  // namespace podlife
