#include "src/engine/sync_plan.h"

#include <algorithm>

#include "src/engine/container_runtime.h"

namespace podlife {

const ObservedContainer* PodSnapshot::Find(const std::string& name) const {
  auto it = containers.find(name);
  return it == containers.end() ? nullptr : &it->second;
}

namespace {

bool RestartOnFailure(const Pod& pod) { return pod.restart_policy != "Never"; }

bool Running(const ObservedContainer* c) { return c && c->state == ObservedState::kRunning; }

bool Succeeded(const ObservedContainer* c) { return c && c->state == ObservedState::kExited && c->exit_code == 0; }

bool InitContainerFailed(const ObservedContainer& c) {
  return (c.state == ObservedState::kExited && c.exit_code != 0) || c.state == ObservedState::kUnknown;
}

bool RestartableInit(const Container& c, const Profile& profile) { return profile.sidecars && IsSidecar(c); }

// ShouldContainerBeRestarted for a container that is not running (PS-09).
bool ShouldStart(const Pod& pod, const ObservedContainer* c) {
  if (!c) return true;
  if (c->state == ObservedState::kRunning) return false;
  if (c->state == ObservedState::kUnknown || c->state == ObservedState::kCreated) return true;
  if (pod.restart_policy == "Never") return false;
  if (pod.restart_policy == "OnFailure") return c->exit_code != 0;
  return true;
}

std::string UnknownStateMessage(bool init) {
  return std::string(init ? "Init container" : "Container") + " is in \"unknown\" state, try killing it before restart";
}

// 1.21's findNextInitContainerToRun: the failed init container's status (if one failed), the next
// init container to run, and whether initialisation is done.
struct NextInit {
  const ObservedContainer* failed = nullptr;
  std::optional<size_t> next;
  bool done = false;
};
NextInit FindNextInitContainer(const Pod& pod, const PodSnapshot& s) {
  const auto& inits = pod.init_containers;
  if (inits.empty()) return {nullptr, std::nullopt, true};
  for (const auto& c : pod.containers) {
    if (Running(s.Find(c.name))) return {nullptr, std::nullopt, true};  // initialised in the past
  }
  for (size_t i = inits.size(); i-- > 0;) {
    const ObservedContainer* c = s.Find(inits[i].name);
    if (c && InitContainerFailed(*c)) return {c, i, false};
  }
  for (size_t i = inits.size(); i-- > 0;) {
    const ObservedContainer* c = s.Find(inits[i].name);
    if (!c) continue;
    if (c->state == ObservedState::kRunning) return {nullptr, std::nullopt, false};
    if (c->state == ObservedState::kExited) {
      if (i + 1 == inits.size()) return {nullptr, std::nullopt, true};
      return {nullptr, i + 1, false};
    }
  }
  return {nullptr, 0, false};
}

// 1.35's hasAnyRegularContainerCreated.
bool AnyRegularContainerCreated(const Pod& pod, const PodSnapshot& s) {
  return std::any_of(pod.containers.begin(), pod.containers.end(), [&](const Container& c) {
    const ObservedContainer* o = s.Find(c.name);
    return o && o->state != ObservedState::kUnknown;
  });
}

// A sandbox to (re-)create: the kubelet starts over from the first init container.
void PlanNewSandbox(const Pod& pod, const PodSnapshot& s, const Profile& profile, SyncPlan& plan) {
  plan.kill_pod = true;
  plan.create_sandbox = true;
  plan.sandbox_attempt = s.sandbox == PodSnapshot::Sandbox::kNone ? 0 : s.sandbox_attempt + 1;
  if (!RestartOnFailure(pod) && plan.sandbox_attempt != 0 && !s.containers.empty()) {
    plan.create_sandbox = false;  // a finished Never pod is only killed
    return;
  }
  std::vector<size_t> to_start;
  for (size_t i = 0; i < pod.containers.size(); ++i) {
    if (pod.restart_policy == "OnFailure" && Succeeded(s.Find(pod.containers[i].name))) continue;
    to_start.push_back(i);
  }
  if (to_start.empty()) {
    const bool initialised =
        profile.sidecars ? AnyRegularContainerCreated(pod, s) : FindNextInitContainer(pod, s).done;
    if (initialised) {
      plan.create_sandbox = false;  // nothing left to run: only killed
      return;
    }
  }
  if (!pod.init_containers.empty()) {
    plan.init_containers_to_start = {0};
    return;
  }
  plan.containers_to_start = std::move(to_start);
}

// 1.21: the next init container, or the pod killed when one failed under restartPolicy Never.
// True when initialisation is done.
bool PlanInitContainers121(const Pod& pod, const PodSnapshot& s, SyncPlan& plan) {
  NextInit next = FindNextInitContainer(pod, s);
  if (next.done) return true;
  if (next.next) {
    if (next.failed && !RestartOnFailure(pod)) {
      plan.kill_pod = true;
      plan.failed_init = next.next;
    } else {
      if (next.failed && next.failed->state == ObservedState::kUnknown) {
        plan.containers_to_kill.push_back(
            {pod.init_containers[*next.next].name, true, next.failed->id, UnknownStateMessage(true)});
      }
      plan.init_containers_to_start = {*next.next};
    }
  }
  return false;
}

// The 1.35 rules for one init container that has a status (computeInitContainerActions' switch).
// Returns false when the pod is to be killed.
struct InitScan {
  bool initialised = false;              // podHasInitialized
  bool previously_initialised = false;  // isPreviouslyInitialized
};
bool PlanOneInitContainer135(const Pod& pod, size_t i, const ObservedContainer& st, const Profile& profile,
                             InitScan& scan, SyncPlan& plan) {
  const Container& c = pod.init_containers[i];
  const bool restartable = RestartableInit(c, profile);
  const bool last = i + 1 == pod.init_containers.size();
  switch (st.state) {
    case ObservedState::kCreated:
      plan.init_containers_to_start.push_back(i);  // stuck in created: start it again
      break;
    case ObservedState::kRunning:
      if (!restartable) break;  // a regular init container: wait for it
      if (last) {
        scan.initialised = true;
      } else if (!scan.previously_initialised) {
        plan.init_containers_to_start.push_back(i + 1);  // running for the first time: the next one
      }
      if (st.hash != ContainerHash(c)) {  // M7
        plan.containers_to_kill.push_back({c.name, true, st.id, "Init container " + c.name + " definition changed"});
        plan.init_containers_to_start.push_back(i);
      }
      break;
    case ObservedState::kExited:
      if (restartable) {
        plan.init_containers_to_start.push_back(i);
      } else if (InitContainerFailed(st)) {
        if (!RestartOnFailure(pod)) {  // M5: the pod has failed
          plan.kill_pod = true;
          plan.failed_init = i;
          plan.init_containers_to_start.clear();
          return false;
        }
        plan.init_containers_to_start.push_back(i);
      } else if (last) {
        scan.initialised = true;
      } else {
        plan.init_containers_to_start.push_back(i + 1);
      }
      break;
    case ObservedState::kUnknown:
      if (!restartable && !RestartOnFailure(pod)) {
        plan.kill_pod = true;
        plan.failed_init = i;
        plan.init_containers_to_start.clear();
        return false;
      }
      plan.containers_to_kill.push_back({c.name, true, st.id, UnknownStateMessage(true)});
      plan.init_containers_to_start.push_back(i);
      break;
  }
  return true;
}

// 1.35's computeInitContainerActions: true when the pod is initialised.
bool PlanInitContainers135(const Pod& pod, const PodSnapshot& s, const Profile& profile, SyncPlan& plan) {
  if (pod.init_containers.empty()) return true;
  InitScan scan;
  for (const auto& c : pod.containers) {
    const ObservedContainer* o = s.Find(c.name);
    if (o && (o->state == ObservedState::kCreated || o->state == ObservedState::kRunning)) scan.initialised = true;
  }
  scan.previously_initialised = scan.initialised;
  // Backwards: completed init containers may be gone from the runtime; the last one decides.
  for (size_t i = pod.init_containers.size(); i-- > 0;) {
    const Container& c = pod.init_containers[i];
    const ObservedContainer* st = s.Find(c.name);
    if (!st) {
      if (scan.previously_initialised && RestartableInit(c, profile)) plan.init_containers_to_start.push_back(i);
      continue;
    }
    if (scan.previously_initialised && !RestartableInit(c, profile)) continue;
    if (!PlanOneInitContainer135(pod, i, *st, profile, scan, plan)) return false;
    scan.previously_initialised = true;
  }
  if (!scan.previously_initialised) plan.init_containers_to_start.push_back(0);
  std::sort(plan.init_containers_to_start.begin(), plan.init_containers_to_start.end());
  plan.init_containers_to_start.erase(
      std::unique(plan.init_containers_to_start.begin(), plan.init_containers_to_start.end()),
      plan.init_containers_to_start.end());
  return scan.initialised;
}

// The regular containers of an initialised pod: what to kill, start and keep (SP-01, SP-06, PS-09).
void PlanRegularContainers(const Pod& pod, const PodSnapshot& s, SyncPlan& plan) {
  size_t keep = 0;
  for (size_t i = 0; i < pod.containers.size(); ++i) {
    const Container& c = pod.containers[i];
    const ObservedContainer* o = s.Find(c.name);
    if (!Running(o)) {
      if (ShouldStart(pod, o)) {
        plan.containers_to_start.push_back(i);
        if (o && o->state == ObservedState::kUnknown) {
          plan.containers_to_kill.push_back({c.name, false, o->id, UnknownStateMessage(false)});
        }
      }
      continue;
    }
    if (o->hash == ContainerHash(c)) {
      ++keep;
      continue;
    }
    // A changed spec restarts the container whatever the restart policy says.
    plan.containers_to_kill.push_back({c.name, false, o->id, "Container " + c.name + " definition changed, will be restarted"});
    plan.containers_to_start.push_back(i);
  }
  if (keep == 0 && plan.containers_to_start.empty()) {
    plan.kill_pod = true;  // M1: running sidecars do not keep a finished pod alive
    plan.init_containers_to_start.clear();
  }
}

// For kills planned by the init and regular passes: init containers first, each in spec order.
void OrderKills(const Pod& pod, SyncPlan& plan) {
  auto rank = [&](const ContainerKill& k) {
    const auto& list = k.init ? pod.init_containers : pod.containers;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].name == k.name) return (k.init ? 0 : list.size() + pod.init_containers.size()) + i;
    }
    return pod.init_containers.size() + pod.containers.size() * 2;
  };
  std::stable_sort(plan.containers_to_kill.begin(), plan.containers_to_kill.end(),
                   [&](const ContainerKill& a, const ContainerKill& b) { return rank(a) < rank(b); });
}

// The regular init container podlife's sync waits for: running, before initialisation is done.
std::optional<size_t> RunningInitContainer(const Pod& pod, const PodSnapshot& s, const Profile& profile) {
  for (size_t i = 0; i < pod.init_containers.size(); ++i) {
    const Container& c = pod.init_containers[i];
    if (!RestartableInit(c, profile) && Running(s.Find(c.name))) return i;
  }
  return std::nullopt;
}

}  // namespace

SyncPlan PlanSync(const Pod& pod, const PodSnapshot& snapshot, const Profile& profile) {
  SyncPlan plan;
  if (snapshot.sandbox != PodSnapshot::Sandbox::kReady) {
    PlanNewSandbox(pod, snapshot, profile, plan);
    plan.sandbox_changed = plan.create_sandbox && snapshot.sandbox != PodSnapshot::Sandbox::kNone;
    return plan;
  }
  const bool initialised = profile.sidecars ? PlanInitContainers135(pod, snapshot, profile, plan)
                                            : PlanInitContainers121(pod, snapshot, plan);
  if (plan.kill_pod || !initialised) {
    if (!plan.kill_pod && plan.init_containers_to_start.empty()) {
      plan.wait_for_init = RunningInitContainer(pod, snapshot, profile);
    }
    OrderKills(pod, plan);
    return plan;
  }
  PlanRegularContainers(pod, snapshot, plan);
  OrderKills(pod, plan);
  return plan;
}

std::map<std::string, std::vector<std::string>> TerminationPrerequisites(const Pod& pod,
                                                                         const std::vector<std::string>& running,
                                                                         const Profile& profile) {
  std::map<std::string, std::vector<std::string>> prerequisites;
  const bool any_sidecar = std::any_of(pod.init_containers.begin(), pod.init_containers.end(),
                                       [&](const Container& c) { return RestartableInit(c, profile); });
  if (!any_sidecar) return prerequisites;
  auto is_running = [&](const std::string& name) { return std::find(running.begin(), running.end(), name) != running.end(); };
  std::vector<std::string> mains;
  for (const auto& c : pod.containers) {
    if (is_running(c.name)) mains.push_back(c.name);
  }
  // Reverse spec order: each sidecar waits for the main containers and for the sidecar after it.
  std::string later_sidecar;
  for (size_t i = pod.init_containers.size(); i-- > 0;) {
    const Container& c = pod.init_containers[i];
    if (!RestartableInit(c, profile)) continue;
    if (is_running(c.name)) {
      std::vector<std::string>& waits = prerequisites[c.name];
      waits = mains;
      if (!later_sidecar.empty() && is_running(later_sidecar)) waits.push_back(later_sidecar);
    }
    later_sidecar = c.name;
  }
  return prerequisites;
}

std::string BackoffTable::Key(const Pod& pod, const Container& container) {
  return pod.name + "_" + pod.namespace_ + "_" + pod.uid + "_" + container.name + "_" + ContainerHash(container);
}

bool BackoffTable::Expired(const Entry& e, WallTime finished_at) const {
  return finished_at - e.last_update > 2 * kMax;  // measured from the event, not from now (M8)
}

std::optional<std::chrono::seconds> BackoffTable::InBackOff(const std::string& key, WallTime finished_at,
                                                            WallTime now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, finished_at)) return std::nullopt;
  if (now - finished_at < it->second.backoff) return it->second.backoff;
  return std::nullopt;
}

void BackoffTable::Next(const std::string& key, WallTime finished_at, WallTime now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, finished_at)) {
    entries_[key] = {now, kInitial};
    return;
  }
  it->second.backoff = std::min(2 * it->second.backoff, kMax);
  it->second.last_update = now;
}

std::string GoSeconds(std::chrono::seconds d) {
  const int64_t s = d.count();
  return s < 60 ? std::to_string(s) + "s" : std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

}  // namespace podlife
