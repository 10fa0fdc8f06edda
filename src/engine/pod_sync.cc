#include "src/engine/pod_sync.h"

#include <algorithm>
#include <set>
#include <thread>

#include "src/core/task_pool.h"
#include "src/manifest/manifest.h"

namespace podlife {

namespace {
// How often an init container's completion is checked; the kubelet's PLEG relists every second.
constexpr std::chrono::milliseconds kExitPollInterval{100};

// The most syncs one SyncPod call runs: each starts an init container or ends the call.
constexpr int kMaxSyncsPerCall = 64;

std::chrono::system_clock::time_point FromNanos(int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

ObservedState StateOf(const cri::ContainerStatus& status) {
  switch (status.state()) {
    case cri::CONTAINER_CREATED: return ObservedState::kCreated;
    case cri::CONTAINER_RUNNING: return ObservedState::kRunning;
    case cri::CONTAINER_EXITED: return ObservedState::kExited;
    default: return ObservedState::kUnknown;
  }
}
}  // namespace

std::optional<int> PodSync::WaitForExit(const std::string& container_id, const std::shared_ptr<Notification>& cancel) {
  auto stop = cancel ? cancel : std::make_shared<Notification>();
  while (true) {
    auto status = cri_.ContainerStatus(container_id);
    // A cancelled sync goes no further, even when the exit arrived with the cancel.
    if (stop->HasBeenNotified()) return std::nullopt;
    if (status.ok() && status->state() == cri::CONTAINER_EXITED) return status->exit_code();
    if (!status.ok()) return std::nullopt;
    if (clock_.WaitForNotification(stop, kExitPollInterval)) return std::nullopt;
  }
}

absl::StatusOr<PodSync::RuntimePod> PodSync::ListPod(const std::string& uid) {
  RuntimePod found;
  auto sandboxes = cri_.ListPodSandbox({{"io.kubernetes.pod.uid", uid}});
  if (!sandboxes.ok()) return sandboxes.status();
  found.sandboxes = std::move(*sandboxes);
  for (const auto& s : found.sandboxes) {
    auto listed = cri_.ListContainers(s.id());
    if (!listed.ok()) return listed.status();  // half a pod would have its containers started again
    found.containers.insert(found.containers.end(), listed->begin(), listed->end());
  }
  std::sort(found.containers.begin(), found.containers.end(),
            [](const cri::Container& a, const cri::Container& b) { return a.created_at() < b.created_at(); });
  return found;
}

absl::StatusOr<bool> PodSync::Adopt(const Pod& pod) {
  auto found = ListPod(pod.uid);
  if (!found.ok()) return found.status();
  return Adopt(pod, *found);
}

bool PodSync::Adopt(const Pod& pod, const RuntimePod& found) {
  if (found.sandboxes.empty()) return false;
  const cri::PodSandbox* newest = &found.sandboxes.front();
  for (const auto& s : found.sandboxes) {
    if (s.metadata().attempt() > newest->metadata().attempt() ||
        (s.metadata().attempt() == newest->metadata().attempt() && s.created_at() > newest->created_at())) {
      newest = &s;
    }
  }
  std::lock_guard lock(mu_);
  for (const auto& c : found.containers) {  // oldest first: the last of a name is its latest (PS-04)
    auto name = c.labels().find("io.kubernetes.container.name");
    if (name == c.labels().end()) continue;
    auto hash = c.annotations().find("io.kubernetes.container.hash");
    for (bool init : {true, false}) {
      for (const auto& spec : init ? pod.init_containers : pod.containers) {
        if (spec.name != name->second) continue;
        started_.push_back({spec, init, c.id(), static_cast<int>(c.metadata().attempt()),
                            hash == c.annotations().end() ? "" : hash->second});
      }
    }
  }
  // A sandbox no longer ready is taken too: Resync then reports SandboxChanged and replaces it.
  for (const auto& s : found.sandboxes) {
    if (s.id() != newest->id()) old_sandboxes_.push_back(s.id());
  }
  sandbox_.id = newest->id();
  sandbox_attempt_ = newest->metadata().attempt();
  sandbox_.config = MakeSandboxConfig(pod, sandbox_attempt_);
  return true;
}

PodSyncResult PodSync::SyncPod(const Pod& pod, const std::shared_ptr<Notification>& cancel) {
  bool first;
  {
    std::lock_guard lock(mu_);
    first = sandbox_.id.empty() && old_sandboxes_.empty() && started_.empty();
  }
  if (first) {
    auto adopted = Adopt(pod);
    if (!adopted.ok()) {
      PodSyncResult failed;
      failed.error = "failed to look for the pod in the runtime: " + std::string(adopted.status().message());
      return failed;
    }
  }
  Progress progress;
  PodSnapshot snapshot;
  for (int sync = 0; sync < kMaxSyncsPerCall; ++sync) {
    auto observed = Snapshot();
    if (!observed.ok()) {
      progress.Fail(std::string(observed.status().message()));
      break;
    }
    snapshot = std::move(*observed);
    const SyncPlan plan = PlanSync(pod, snapshot, profile_);
    // A cancelled sync acts on nothing it observed after the cancel: the snapshot may already
    // show what happened next (an init container's exit), which belongs to whoever took over.
    if (cancel && cancel->HasBeenNotified()) {
      progress.Fail(plan.wait_for_init ? "cancelled while waiting for init container " +
                                             pod.init_containers[*plan.wait_for_init].name
                                       : "cancelled before acting on what it observed");
      break;
    }
    if (plan.wait_for_init) {
      if (!AwaitInitContainer(pod, *plan.wait_for_init, cancel, progress)) break;
      continue;
    }
    if (InitContainerExitedSinceItsStart(pod, plan, snapshot, progress)) break;
    if (plan.Empty() || !Execute(pod, plan, snapshot, progress)) break;
  }
  return Report(pod, snapshot, progress);
}

bool PodSync::AwaitInitContainer(const Pod& pod, size_t index, const std::shared_ptr<Notification>& cancel,
                                 Progress& progress) {
  const Container& c = pod.init_containers[index];
  std::string id;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : started_) {
      if (r.spec.name == c.name && r.init && !r.purged) id = r.id;
    }
  }
  const std::optional<int> exit_code = WaitForExit(id, cancel);
  ContainerOutcome& outcome = progress.outcomes[c.name];
  outcome.name = c.name;
  outcome.init_container = true;
  outcome.start.container_id = id;
  outcome.exit_code = exit_code;
  if (!exit_code) {
    progress.Fail("cancelled while waiting for init container " + c.name);
    return false;
  }
  if (*exit_code == 0) return true;
  // SP-08: the failure ends this call. The kubelet's next sync, under restartPolicy Never, kills
  // the pod (M5); podlife runs that sync at once, as nothing else could happen first.
  progress.Fail("init container " + c.name + " exited with " + std::to_string(*exit_code));
  auto after = Snapshot();
  if (!after.ok()) return false;
  const SyncPlan plan = PlanSync(pod, *after, profile_);
  if (plan.kill_pod && plan.failed_init) (void)Execute(pod, plan, *after, progress);
  return false;
}

bool PodSync::InitContainerExitedSinceItsStart(const Pod& pod, const SyncPlan& plan, const PodSnapshot& snapshot,
                                               Progress& progress) {
  for (size_t index : plan.init_containers_to_start) {
    const Container& c = pod.init_containers[index];
    const ObservedContainer* now = snapshot.Find(c.name);
    auto mine = progress.outcomes.find(c.name);
    if (!now || now->state != ObservedState::kExited || mine == progress.outcomes.end() ||
        mine->second.start.container_id != now->id) {
      continue;
    }
    mine->second.exit_code = now->exit_code;
    progress.Fail("init container " + c.name + " exited with " + std::to_string(now->exit_code));
    return true;
  }
  return false;
}

absl::StatusOr<PodSnapshot> PodSync::Snapshot() {
  SandboxRef sandbox;
  std::vector<Running> started;
  bool replaced;
  PodSnapshot snapshot;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
    started = started_;
    replaced = !old_sandboxes_.empty();
    snapshot.sandbox_attempt = sandbox_attempt_;
  }
  if (sandbox.id.empty()) {
    // No sandbox (a first sync), or one that failed to be re-created after SandboxChanged.
    snapshot.sandbox = replaced ? PodSnapshot::Sandbox::kNotReady : PodSnapshot::Sandbox::kNone;
  } else {
    auto status = cri_.PodSandboxStatus(sandbox.id);
    if (!status.ok() && status.status().code() != absl::StatusCode::kNotFound) {
      // A runtime that does not answer is no reason to kill the pod.
      return absl::UnavailableError("failed to get the pod sandbox status: " + std::string(status.status().message()));
    }
    snapshot.sandbox = status.ok() && status->state() == cri::SANDBOX_READY ? PodSnapshot::Sandbox::kReady
                                                                          : PodSnapshot::Sandbox::kNotReady;
  }
  std::map<std::string, const Running*> newest;
  for (const auto& r : started) {
    if (!r.purged) newest[r.spec.name] = &r;
  }
  for (const auto& [name, r] : newest) {
    auto status = cri_.ContainerStatus(r->id);
    if (!status.ok()) {
      if (status.status().code() == absl::StatusCode::kNotFound) continue;  // CRI-09: gone, skipped
      return absl::UnavailableError("failed to get the status of container " + name + ": " +
                                    std::string(status.status().message()));
    }
    snapshot.containers[name] = {r->id,          r->init,           r->attempt, r->hash, StateOf(*status),
                                 status->exit_code(), FromNanos(status->finished_at())};
  }
  return snapshot;
}

bool PodSync::Execute(const Pod& pod, const SyncPlan& plan, const PodSnapshot& snapshot, Progress& progress) {
  if (plan.sandbox_changed) {  // SP-07, EV-09
    events_.Record({"Normal", "SandboxChanged", "", "Pod sandbox changed, it will be killed and re-created.", {}});
  }
  if (plan.kill_pod) {
    absl::Status killed = KillRunning(pod, std::nullopt);
    if (!killed.ok()) {
      progress.Fail("killing the pod: " + std::string(killed.message()));
      return false;
    }
    if (plan.failed_init) {
      progress.Fail("init container " + pod.init_containers[*plan.failed_init].name +
                    " failed and the restart policy is Never: the pod is killed");
    }
    if (!plan.create_sandbox) {  // the pod is done
      progress.pod_finished = true;
      return false;
    }
    std::lock_guard lock(mu_);
    for (auto& r : started_) r.purged = r.purged || r.init;  // purgeInitContainers: start over
  } else if (!KillPlannedContainers(pod, plan, progress)) {
    return false;
  }
  if (plan.create_sandbox && !CreateSandbox(pod, plan.sandbox_attempt, progress)) return false;

  bool init_started = !plan.init_containers_to_start.empty();
  for (size_t index : plan.init_containers_to_start) {
    const Container& c = pod.init_containers[index];
    ContainerOutcome outcome = StartWithBackOff(pod, c, true, snapshot.Find(c.name));
    progress.outcomes[c.name] = outcome;
    if (outcome.start.ok()) continue;
    init_started = false;
    progress.Fail("init container " + c.name + ": " + outcome.start.error_reason);
    if (!(profile_.sidecars && IsSidecar(c))) return false;  // a failed sidecar does not stop the others (M2)
  }
  for (size_t index : plan.containers_to_start) {
    const Container& c = pod.containers[index];
    ContainerOutcome outcome = StartWithBackOff(pod, c, false, snapshot.Find(c.name));
    if (!outcome.start.ok()) progress.Fail("container " + c.name + ": " + outcome.start.error_reason);
    progress.outcomes[c.name] = outcome;
  }
  return init_started && plan.containers_to_start.empty();
}

bool PodSync::KillPlannedContainers(const Pod& pod, const SyncPlan& plan, Progress& progress) {
  SandboxRef sandbox;
  std::vector<Running> started;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
    started = started_;
  }
  for (const ContainerKill& kill : plan.containers_to_kill) {
    const Running* record = nullptr;
    for (const auto& r : started) {
      if (r.id == kill.container_id) record = &r;
    }
    if (!record) continue;
    KillRequest request;
    request.pod = &pod;
    request.sandbox = sandbox;
    request.spec = &record->spec;  // the preStop of the spec it runs, not of the changed one
    request.init_container = kill.init;
    request.container_id = kill.container_id;
    request.message = kill.message;  // SP-06
    if (absl::Status st = runtime_.KillContainer(request); !st.ok()) {
      progress.Fail("killing container " + kill.name + ": " + std::string(st.message()));
      return false;  // SP-02: the first error ends the sync
    }
  }
  return true;
}

bool PodSync::CreateSandbox(const Pod& pod, uint32_t attempt, Progress& progress) {
  SandboxRef sandbox;
  sandbox.config = MakeSandboxConfig(pod, attempt);
  auto id = cri_.RunPodSandbox(sandbox.config);
  {
    std::lock_guard lock(mu_);
    if (!sandbox_.id.empty()) old_sandboxes_.push_back(sandbox_.id);
    sandbox_ = {};
    sandbox_attempt_ = attempt;
  }
  if (!id.ok()) {
    progress.Fail("CreatePodSandboxError: " + std::string(id.status().message()));
    events_.Record({"Warning", "FailedCreatePodSandBox", "",
                    "Failed to create pod sandbox: " + std::string(id.status().message()), {}});
    return false;
  }
  sandbox.id = *id;
  {
    std::lock_guard lock(mu_);
    sandbox_ = sandbox;
  }
  // SP-01 step 4: the kubelet reads the sandbox status (pod IPs) right after creating it.
  (void)cri_.PodSandboxStatus(sandbox.id);
  return true;
}

int PodSync::NextAttempt(const std::string& name) {
  std::lock_guard lock(mu_);
  int next = 0;  // PS-04: a container that ran before (in any sandbox) starts with the next attempt
  for (const auto& r : started_) {
    if (r.spec.name == name) next = r.attempt + 1;
  }
  return next;
}

ContainerOutcome PodSync::StartWithBackOff(const Pod& pod, const Container& c, bool init, const ObservedContainer* last) {
  ContainerOutcome outcome{c.name, init, {}, std::nullopt};
  if (last && last->state == ObservedState::kExited) {
    // doBackOff: since the container's finish, keyed by its spec (SP-04, M8).
    const std::string key = BackoffTable::Key(pod, c);
    const auto now = clock_.WallNow();
    std::lock_guard lock(mu_);
    if (auto backoff = backoff_.InBackOff(key, last->finished_at, now)) {
      events_.Record({"Warning", "BackOff", ContainerFieldPath(c.name, init),
                      profile_.backoff_event_names_container
                          ? "Back-off restarting failed container " + c.name + " in pod " + pod.FormatForMessages()
                          : "Back-off restarting failed container",
                      {}});
      outcome.start = {last->id, "CrashLoopBackOff",
                       "back-off " + GoSeconds(*backoff) + " restarting failed container=" + c.name +
                           " pod=" + pod.FormatForMessages()};
      return outcome;
    }
    backoff_.Next(key, last->finished_at, now);
  }
  SandboxRef sandbox;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
  }
  const int attempt = NextAttempt(c.name);
  outcome.start = runtime_.StartContainer(pod, sandbox, c, init, attempt);
  if (!outcome.start.container_id.empty()) {
    std::lock_guard lock(mu_);
    started_.push_back({c, init, outcome.start.container_id, attempt, ContainerHash(c)});
  }
  return outcome;
}

PodSyncResult PodSync::Report(const Pod& pod, const PodSnapshot& last, Progress& progress) {
  PodSyncResult result;
  {
    std::lock_guard lock(mu_);
    result.sandbox_id = sandbox_.id;
  }
  result.error = progress.error;
  result.pod_finished = progress.pod_finished;
  for (bool init : {true, false}) {
    for (const auto& c : init ? pod.init_containers : pod.containers) {
      if (auto it = progress.outcomes.find(c.name); it != progress.outcomes.end()) {
        result.containers.push_back(it->second);
      } else if (const ObservedContainer* o = last.Find(c.name)) {
        // Kept as it was: reported as the runtime has it, with its exit code if it exited.
        std::optional<int> code;
        if (o->state == ObservedState::kExited) code = o->exit_code;
        result.containers.push_back({c.name, init, {o->id, "", ""}, code});
      }
    }
  }
  return result;
}

absl::Status PodSync::KillPod(const Pod& pod, std::optional<int64_t> grace_override) {
  bool known;
  {
    std::lock_guard lock(mu_);
    known = !sandbox_.id.empty() || !started_.empty();
  }
  if (!known) {  // a session that starts with a kill (after a restart) finds the pod first
    auto adopted = Adopt(pod);
    if (!adopted.ok()) return adopted.status();
  }
  return KillRunning(pod, grace_override);
}

absl::Status PodSync::KillRunning(const Pod& pod, std::optional<int64_t> grace_override) {
  SandboxRef sandbox;
  std::vector<Running> started;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
    started = started_;
  }
  if (grace_override && profile_.effective_grace_at_least_one && *grace_override < 1) grace_override = 1;  // PR-09

  // PR-10: only running containers are killed (and get their preStop; SL-08 for a sleep).
  std::vector<Running> running;
  std::vector<std::string> running_names;
  for (const auto& r : started) {
    if (r.purged) continue;
    auto status = cri_.ContainerStatus(r.id);
    if (status.ok() && status->state() == cri::CONTAINER_RUNNING) {
      running.push_back(r);
      running_names.push_back(r.spec.name);
    }
  }
  // PR-12, M6: the order is the spec's, as data; a container's turn ends when its stop succeeded.
  auto ordering = std::make_shared<const TerminationOrdering>(TerminationPrerequisites(pod, running_names, profile_));
  std::vector<absl::Status> results(running.size());
  // preStop hooks may outlive the kill (EX-06): they share one copy of the pod, made only when a
  // running container has one.
  const bool any_pre_stop = std::any_of(running.begin(), running.end(), [](const Running& r) {
    return r.spec.lifecycle && r.spec.lifecycle->pre_stop;
  });
  const auto pod_for_hooks = any_pre_stop ? std::make_shared<const Pod>(pod) : nullptr;
  auto kill = [&](size_t i) {
    KillRequest request;
    request.pod = &pod;
    request.pod_for_hooks = pod_for_hooks;
    request.sandbox = sandbox;
    request.spec = &running[i].spec;
    request.init_container = running[i].init;
    request.container_id = running[i].id;
    request.grace_override = grace_override;
    request.ordering = ordering;
    results[i] = runtime_.KillContainer(request);
  };
  // Every container's kill at once, as the kubelet's goroutines do: all but the last on the
  // engine's pool, the last on this thread, which waits for them anyway (a pod of one container
  // is killed with no hand-off at all).
  // One countdown for the pool's kills: this thread wakes once, when the last has ended.
  const size_t pooled = running.empty() ? 0 : running.size() - 1;
  auto killed = std::make_shared<Notification>(static_cast<int>(pooled));
  for (size_t i = 0; i < pooled; ++i) TaskPool::Shared().Submit([&kill, i] { kill(i); }, killed);
  if (!running.empty()) kill(running.size() - 1);
  killed->Wait();  // a countdown of 0 (one container) is notified from the start

  absl::Status first_error = absl::OkStatus();
  for (const auto& st : results) {
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  if (sandbox.id.empty()) return first_error;
  // SP-09: then the sandbox.
  absl::Status stop = cri_.StopPodSandbox(sandbox.id);
  return first_error.ok() ? stop : first_error;
}

absl::Status PodSync::KillDeletedPod(const std::string& uid, std::optional<int64_t> grace_override) {
  auto found = ListPod(uid);
  if (!found.ok()) return found.status();
  if (found->sandboxes.empty()) return absl::OkStatus();  // nothing of the pod is left
  // PR-14: the pod as its containers' labels and annotations describe it, in manifest form, so
  // the one parser reads (and checks) it.
  const auto& md = found->sandboxes.front().metadata();
  std::string grace, deletion_grace, containers;
  std::set<std::string> seen;
  for (const auto& c : found->containers) {
    auto name = c.labels().find("io.kubernetes.container.name");
    if (name == c.labels().end() || !seen.insert(name->second).second) continue;
    auto annotation = [&](const std::string& key) {
      auto it = c.annotations().find(key);
      return it == c.annotations().end() ? std::string() : it->second;
    };
    if (grace.empty()) grace = annotation("io.kubernetes.pod.terminationGracePeriod");
    if (deletion_grace.empty()) deletion_grace = annotation("io.kubernetes.pod.deletionGracePeriod");
    containers += "  - name: " + JsonQuote(name->second) + "\n    image: restored\n";
    if (auto ports = annotation("io.kubernetes.container.ports"); !ports.empty()) containers += "    ports: " + ports + "\n";
    if (auto pre_stop = annotation("io.kubernetes.container.preStopHandler"); !pre_stop.empty()) {
      containers += "    lifecycle: {\"preStop\": " + pre_stop + "}\n";
    }
  }
  if (containers.empty()) return absl::OkStatus();
  std::string manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + JsonQuote(md.name()) +
                         "\n  namespace: " + JsonQuote(md.namespace_()) + "\n  uid: " + JsonQuote(uid) + "\n";
  if (!deletion_grace.empty()) manifest += "  deletionGracePeriodSeconds: " + deletion_grace + "\n";
  manifest += "spec:\n";
  if (!grace.empty()) manifest += "  terminationGracePeriodSeconds: " + grace + "\n";
  manifest += "  containers:\n" + containers;
  auto parsed = manifest::ParsePod(manifest, "the annotations of pod " + uid + "'s containers");
  if (auto* e = std::get_if<manifest::ManifestError>(&parsed)) {
    return absl::InternalError("cannot restore the pod from its containers: " + e->message);
  }
  auto restored = std::make_unique<Pod>(std::get<Pod>(parsed));
  const Pod& pod = *restored;
  {
    std::lock_guard lock(mu_);
    restored_pods_.push_back(std::move(restored));  // kill requests and late preStop hooks point into it
  }
  (void)Adopt(pod, *found);  // from the listing above: KillPod does not list the pod again
  return KillRunning(pod, grace_override);
}

absl::Status PodSync::RemovePod() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    ids = old_sandboxes_;  // sandboxes replaced after SandboxChanged go too
    if (!sandbox_.id.empty()) ids.push_back(sandbox_.id);
  }
  absl::Status first = absl::OkStatus();
  for (const auto& id : ids) {
    absl::Status st = cri_.RemovePodSandbox(id);
    if (!st.ok() && first.ok()) first = st;
  }
  if (first.ok()) {
    // The runtime has nothing of the pod left: forget it, so that a later sync starts afresh
    // (and kills and removals stop visiting every container and sandbox the pod ever had).
    std::lock_guard lock(mu_);
    sandbox_ = {};
    old_sandboxes_.clear();
    started_.clear();
    sandbox_attempt_ = 0;
  }
  return first;
}

}  // namespace podlife
