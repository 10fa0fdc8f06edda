// SyncPlan: what one sync of a pod must do, decided from the pod's spec and what the runtime holds
// of it. This is the kubelet's computePodActions (with computeInitContainerActions in 1.35 and
// findNextInitContainerToRun in 1.21), kept free of effects so every rule is a row in a table test;
// PodSync carries the plan out (docs/behaviours.md, SP-01).
//
// Contract:
// - PlanSync(pod, snapshot, profile) is pure. It returns the sandbox to create (and whether the
//   pod is to be killed first), the init containers to start (1.21: at most the next one; 1.35:
//   the next one, or sidecars to restart), the regular containers to start and the running
//   containers to kill with their Killing messages.
//   * A sandbox that is missing or not ready is re-created, except for a finished pod
//     (restartPolicy Never after a first sandbox, or nothing left to start): then the pod is only
//     killed. Re-creating starts over at the first init container.
//   * Init containers: one at a time, each after the previous one exited 0 (SP-08); a running
//     one is waited for (`wait_for_init`); a failed one is restarted, or, under restartPolicy
//     Never, the pod is killed (M5). In 1.35 a sidecar counts as done once it runs, so the next
//     init container starts only after it; a sidecar that is not running is restarted; a running
//     sidecar whose spec changed is killed with `Init container <c> definition changed` (M7).
//   * Regular containers (only once the pod is initialised): a changed running container is
//     killed with `Container <c> definition changed, will be restarted` and started again (SP-06);
//     an exited one is started as the restart policy says (PS-09). With no regular container kept
//     running and none to start, the pod is killed and sidecars are not restarted (M1).
// - TerminationPrerequisites(pod, running, profile): the kill ordering as data (PR-12, M6): for
//   each running sidecar (1.35) the running containers it waits for: every main container and the
//   next sidecar after it in spec order. Empty in 1.21 or without sidecars.
// - BackoffTable: CrashLoopBackOff (SP-04) as the kubelet's flowcontrol.Backoff keeps it, keyed by
//   pod, container name and spec hash (M8), with time passed in (the engine's clock).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/core/pod.h"
#include "src/core/profile.h"

namespace podlife {

enum class ObservedState { kCreated, kRunning, kExited, kUnknown };

// The newest container of one name, as the runtime reports it (the kubelet's PodStatus entry).
struct ObservedContainer {
  std::string id;
  bool init = false;
  int attempt = 0;
  std::string hash;  // ContainerHash of the spec it was created from
  ObservedState state = ObservedState::kUnknown;
  int exit_code = 0;
  std::chrono::system_clock::time_point finished_at{};
};

struct PodSnapshot {
  enum class Sandbox { kNone, kReady, kNotReady };
  Sandbox sandbox = Sandbox::kNone;
  uint32_t sandbox_attempt = 0;  // of the newest sandbox
  std::map<std::string, ObservedContainer> containers;  // by name: the newest of each

  const ObservedContainer* Find(const std::string& name) const;
};

struct ContainerKill {
  std::string name;
  bool init = false;
  std::string container_id;
  std::string message;  // the Killing event's message
};

struct SyncPlan {
  bool kill_pod = false;        // kill every running container and stop the sandbox first
  bool create_sandbox = false;  // then run a new sandbox (with `sandbox_attempt`)
  bool sandbox_changed = false;  // a sandbox existed: SandboxChanged
  uint32_t sandbox_attempt = 0;
  std::vector<ContainerKill> containers_to_kill;  // one at a time, in this order (SP-02)
  std::vector<size_t> init_containers_to_start;   // into pod.init_containers, spec order
  std::vector<size_t> containers_to_start;        // into pod.containers, spec order
  // A regular init container is running: nothing else may happen until it exits (podlife's
  // sync waits for it, as the kubelet's next sync would come with its exit).
  std::optional<size_t> wait_for_init;
  // The init container whose failure made this plan kill the pod (restartPolicy Never).
  std::optional<size_t> failed_init;

  bool Empty() const {
    return !kill_pod && !create_sandbox && containers_to_kill.empty() && init_containers_to_start.empty() &&
           containers_to_start.empty() && !wait_for_init;
  }
};

SyncPlan PlanSync(const Pod& pod, const PodSnapshot& snapshot, const Profile& profile);

// For each running container of the pod: the running containers that must have terminated before
// its own StopContainer (PR-12). Containers absent from the map wait for nothing.
std::map<std::string, std::vector<std::string>> TerminationPrerequisites(const Pod& pod,
                                                                         const std::vector<std::string>& running,
                                                                         const Profile& profile);

// flowcontrol.Backoff as the kubelet uses it for restarts: 10 s doubling to 300 s; an entry not
// updated for twice the maximum (measured from the container's finish) starts over.
class BackoffTable {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  static constexpr std::chrono::seconds kInitial{10};
  static constexpr std::chrono::seconds kMax{300};

  // getStableKey: the pod, the container's name and its spec hash.
  static std::string Key(const Pod& pod, const Container& container);
  // IsInBackOffSince(key, finished_at) at `now`: the current back-off, or nullopt when the
  // container may restart.
  std::optional<std::chrono::seconds> InBackOff(const std::string& key, WallTime finished_at, WallTime now) const;
  // Next(key, finished_at) at `now`: records a restart.
  void Next(const std::string& key, WallTime finished_at, WallTime now);

 private:
  struct Entry {
    WallTime last_update;
    std::chrono::seconds backoff;
  };
  bool Expired(const Entry& e, WallTime finished_at) const;
  std::map<std::string, Entry> entries_;
};

// Go's time.Duration String() for whole seconds: "10s", "5m0s".
std::string GoSeconds(std::chrono::seconds d);

}  // namespace podlife
