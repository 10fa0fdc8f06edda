#include "src/engine/pod_sync.h"

#include <algorithm>
#include <condition_variable>
#include <set>
#include <thread>

#include "src/manifest/manifest.h"

namespace podlife {

namespace {
// How often an init container's completion is checked; the kubelet's PLEG relists every second.
constexpr std::chrono::milliseconds kExitPollInterval{100};

// The sync error for an init container that ran to its end (or was cancelled); "" when it exited 0.
std::string InitContainerFailure(const ContainerOutcome& init) {
  if (!init.exit_code) return "cancelled while waiting for init container " + init.name;
  if (*init.exit_code != 0) return "init container " + init.name + " exited with " + std::to_string(*init.exit_code);
  return "";
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

PodSyncResult PodSync::SyncPod(const Pod& pod, const std::shared_ptr<Notification>& cancel) {
  bool first;
  {
    std::lock_guard lock(mu_);
    first = sandbox_.id.empty();
  }
  if (first) {
    auto adopted = Adopt(pod);
    if (!adopted.ok()) {
      PodSyncResult failed;
      failed.error = "failed to look for the pod in the runtime: " + std::string(adopted.status().message());
      return failed;
    }
    if (!*adopted) return CreateSandboxAndStart(pod, cancel, {});
  }
  return Resync(pod, cancel);
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

ContainerOutcome PodSync::Start(const Pod& pod, const SandboxRef& sandbox, const Container& c, bool init, int attempt) {
  ContainerOutcome outcome{c.name, init, runtime_.StartContainer(pod, sandbox, c, init, attempt), std::nullopt};
  if (!outcome.start.container_id.empty()) {
    std::lock_guard lock(mu_);
    started_.push_back({c, init, outcome.start.container_id, attempt, ContainerHash(c)});
  }
  return outcome;
}

PodSyncResult PodSync::CreateSandboxAndStart(const Pod& pod, const std::shared_ptr<Notification>& cancel,
                                             const std::set<std::string>& succeeded) {
  PodSyncResult result;
  SandboxRef sandbox;
  {
    std::lock_guard lock(mu_);
    sandbox.config = MakeSandboxConfig(pod, sandbox_attempt_);
  }
  auto id = cri_.RunPodSandbox(sandbox.config);
  if (!id.ok()) {
    result.error = "CreatePodSandboxError: " + std::string(id.status().message());
    events_.Record({"Warning", "FailedCreatePodSandBox", "", "Failed to create pod sandbox: " +
                                                               std::string(id.status().message()), {}});
    return result;
  }
  sandbox.id = *id;
  result.sandbox_id = *id;
  {
    std::lock_guard lock(mu_);
    sandbox_ = sandbox;
  }
  // SP-01 step 4: the kubelet reads the sandbox status (pod IPs) right after creating it.
  (void)cri_.PodSandboxStatus(sandbox.id);

  // PS-04: a container that ran before (in an earlier sandbox) starts with the next attempt.
  auto attempt = [&](const Container& c) {
    std::lock_guard lock(mu_);
    int next = 0;
    for (const auto& r : started_) {
      if (r.spec.name == c.name) next = r.attempt + 1;
    }
    return next;
  };
  for (const auto& c : pod.init_containers) {
    const bool sidecar = profile_.sidecars && IsSidecar(c);
    ContainerOutcome outcome = Start(pod, sandbox, c, true, attempt(c));
    if (!outcome.start.ok()) {
      result.containers.push_back(outcome);
      if (sidecar) continue;  // SP-03: a restartable init container's error does not abort
      result.error = "init container " + c.name + " failed to start: " + outcome.start.error_reason;
      return result;
    }
    if (!sidecar) {
      outcome.exit_code = WaitForExit(outcome.start.container_id, cancel);  // SP-08
      result.containers.push_back(outcome);
      if (result.error = InitContainerFailure(outcome); !result.error.empty()) return result;
    } else {
      result.containers.push_back(outcome);
    }
  }
  for (const auto& c : pod.containers) {
    if (succeeded.count(c.name)) continue;  // OnFailure: a container that succeeded stays done
    ContainerOutcome outcome = Start(pod, sandbox, c, false, attempt(c));
    if (!outcome.start.ok() && result.error.empty()) {
      result.error = "container " + c.name + ": " + outcome.start.error_reason;
    }
    result.containers.push_back(outcome);
  }
  return result;
}

namespace {

constexpr std::chrono::seconds kInitialBackoff{10};   // SP-04
constexpr std::chrono::seconds kMaxContainerBackoff{300};

// Go's time.Duration String() for whole seconds: "10s", "5m0s".
std::string GoSeconds(std::chrono::seconds d) {
  const int64_t s = d.count();
  return s < 60 ? std::to_string(s) + "s" : std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

std::chrono::system_clock::time_point FromNanos(int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace

bool PodSync::InBackOff(const Pod& pod, const Container& c, bool init,
                        std::chrono::system_clock::time_point finished_at, ContainerOutcome* outcome) {
  // flowcontrol.Backoff as the kubelet uses it: IsInBackOffSince(key, finishedAt), else Next().
  // Wall-clock time, because finishedAt is the runtime's wall-clock timestamp.
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  auto it = backoff_.find(c.name);
  const bool expired = it != backoff_.end() && now - it->second.last_update > 2 * kMaxContainerBackoff;
  if (it != backoff_.end() && !expired && now - finished_at < it->second.backoff) {
    const std::string duration = GoSeconds(it->second.backoff);
    events_.Record({"Warning", "BackOff", ContainerFieldPath(c.name, init),
                    profile_.backoff_event_names_container
                        ? "Back-off restarting failed container " + c.name + " in pod " + pod.FormatForMessages()
                        : "Back-off restarting failed container",
                    {}});
    outcome->start.error_reason = "CrashLoopBackOff";
    outcome->start.message =
        "back-off " + duration + " restarting failed container=" + c.name + " pod=" + pod.FormatForMessages();
    return true;
  }
  if (it == backoff_.end() || expired) {
    backoff_[c.name] = {now, kInitialBackoff};
  } else {
    it->second.backoff = std::min(2 * it->second.backoff, kMaxContainerBackoff);
    it->second.last_update = now;
  }
  return false;
}

PodSyncResult PodSync::Resync(const Pod& pod, const std::shared_ptr<Notification>& cancel) {
  SandboxRef sandbox;
  std::vector<Running> started;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
    started = started_;
  }
  auto sandbox_status = cri_.PodSandboxStatus(sandbox.id);
  if (!sandbox_status.ok() && sandbox_status.status().code() != absl::StatusCode::kNotFound) {
    PodSyncResult failed;  // a runtime that does not answer is no reason to kill the pod
    failed.sandbox_id = sandbox.id;
    failed.error = "failed to get the pod sandbox status: " + std::string(sandbox_status.status().message());
    return failed;
  }
  if (!sandbox_status.ok() || sandbox_status->state() != cri::SANDBOX_READY) {
    // computePodActions for a sandbox that has to be replaced: with restartPolicy Never and
    // containers that already ran, or OnFailure and every container succeeded, the pod is done:
    // it is killed, not re-created (and no SandboxChanged).
    std::set<std::string> succeeded;
    if (pod.restart_policy == "OnFailure") {
      std::map<std::string, std::string> latest_id;
      for (const auto& r : started) {
        if (!r.init) latest_id[r.spec.name] = r.id;
      }
      for (const auto& [name, id] : latest_id) {
        auto st = cri_.ContainerStatus(id);
        if (st.ok() && st->state() == cri::CONTAINER_EXITED && st->exit_code() == 0) succeeded.insert(name);
      }
    }
    const bool done = (pod.restart_policy == "Never" && !started.empty()) ||
                      (pod.restart_policy == "OnFailure" && succeeded.size() == pod.containers.size());
    if (done) {
      PodSyncResult result;
      result.sandbox_id = sandbox.id;
      absl::Status st = KillPod(pod, std::nullopt);
      if (!st.ok()) result.error = "killing the finished pod: " + std::string(st.message());
      return result;
    }
    // SP-07: kill what is left, purge the init containers' record, start over in a new sandbox.
    events_.Record({"Normal", "SandboxChanged", "", "Pod sandbox changed, it will be killed and re-created.", {}});
    (void)KillPod(pod, std::nullopt);
    {
      std::lock_guard lock(mu_);
      old_sandboxes_.push_back(sandbox_.id);
      sandbox_ = {};  // the old containers stay on record: their attempts count on (PS-04)
      ++sandbox_attempt_;
    }
    return CreateSandboxAndStart(pod, cancel, succeeded);
  }

  PodSyncResult result;
  result.sandbox_id = sandbox.id;
  // GetPodStatus: the latest container of each name, and what the runtime says of it.
  struct Known {
    Running record;
    std::optional<cri::ContainerStatus> status;  // nullopt: the runtime no longer knows it
  };
  std::map<std::string, Known> latest;
  for (const auto& r : started) latest[r.spec.name] = {r, std::nullopt};
  for (auto& [name, known] : latest) {
    auto status = cri_.ContainerStatus(known.record.id);
    if (status.ok()) {
      known.status = *status;
    } else if (status.status().code() != absl::StatusCode::kNotFound) {  // CRI-09: NotFound is skipped
      result.error = "failed to get the status of container " + name + ": " + std::string(status.status().message());
      return result;
    }
  }
  auto exited_with = [&](const Known& k) -> std::optional<int> {
    if (k.status && k.status->state() == cri::CONTAINER_EXITED) return k.status->exit_code();
    return std::nullopt;
  };

  // Init containers: those that exited 0 are done; the first that is not runs (again) to completion.
  for (const auto& c : pod.init_containers) {
    if (profile_.sidecars && IsSidecar(c)) continue;  // restarted below, like regular containers
    auto it = latest.find(c.name);
    if (it != latest.end() && exited_with(it->second) == 0) continue;
    if (it != latest.end() && it->second.status && !exited_with(it->second)) {
      // Still running (a sync that was cancelled, or a restart): wait for it, do not start another.
      ContainerOutcome outcome{c.name, true, {it->second.record.id, "", ""}, WaitForExit(it->second.record.id, cancel)};
      result.containers.push_back(outcome);
      if (result.error = InitContainerFailure(outcome); !result.error.empty()) return result;
      continue;
    }
    const bool never_ran = it == latest.end();
    if (!never_ran && pod.restart_policy == "Never") {
      result.error = "init container " + c.name + " failed and the restart policy is Never";
      return result;
    }
    ContainerOutcome outcome{c.name, true, {}, std::nullopt};
    if (!never_ran && it->second.status &&
        InBackOff(pod, c, true, FromNanos(it->second.status->finished_at()), &outcome)) {
      outcome.start.container_id = it->second.record.id;
      result.containers.push_back(outcome);
      result.error = "init container " + c.name + ": CrashLoopBackOff";
      return result;
    }
    outcome = Start(pod, sandbox, c, true, never_ran ? 0 : it->second.record.attempt + 1);
    if (!outcome.start.ok()) {
      result.containers.push_back(outcome);
      result.error = "init container " + c.name + " failed to start: " + outcome.start.error_reason;
      return result;
    }
    outcome.exit_code = WaitForExit(outcome.start.container_id, cancel);
    result.containers.push_back(outcome);
    if (result.error = InitContainerFailure(outcome); !result.error.empty()) return result;
  }

  // computePodActions for sidecars and regular containers, in start order.
  struct Action {
    const Container* spec;
    bool init;
    std::optional<Known> previous;
    bool changed = false;
  };
  std::vector<Action> keep, start, kill;
  auto consider = [&](const Container& c, bool init) {
    auto it = latest.find(c.name);
    if (it == latest.end()) {
      start.push_back({&c, init, std::nullopt});
      return;
    }
    const Known& k = it->second;
    if (k.status && k.status->state() == cri::CONTAINER_RUNNING) {
      if (ContainerHash(c) != k.record.hash) {
        kill.push_back({&c, init, k, true});
        start.push_back({&c, init, k, true});  // a changed spec restarts whatever the policy
      } else {
        keep.push_back({&c, init, k});
      }
      return;
    }
    // Exited (or gone): ShouldContainerBeRestarted (PS-09). Sidecars always restart.
    const std::optional<int> code = exited_with(k);
    bool restart = init || pod.restart_policy == "Always" ||
                   (pod.restart_policy == "OnFailure" && (!code || *code != 0));
    if (restart) {
      start.push_back({&c, init, k});
    } else {
      keep.push_back({&c, init, k});  // stays exited: reported as it is
    }
  };
  for (const auto& c : pod.init_containers) {
    if (profile_.sidecars && IsSidecar(c)) consider(c, true);
  }
  for (const auto& c : pod.containers) consider(c, false);

  size_t running_kept = 0;
  for (const auto& a : keep) {
    if (a.previous->status && a.previous->status->state() == cri::CONTAINER_RUNNING) ++running_kept;
  }
  // A kept container is reported as the runtime has it: its id, and its exit code if it exited.
  auto report_kept = [&](const Container& c) {
    for (const auto& a : keep) {
      if (a.spec == &c) result.containers.push_back({c.name, a.init, {a.previous->record.id, "", ""}, exited_with(*a.previous)});
    }
  };
  if (running_kept == 0 && start.empty()) {
    // Nothing runs and nothing may start: the pod is done, and the kubelet kills it (SP-01).
    for (const auto& a : keep) report_kept(*a.spec);
    absl::Status st = KillPod(pod, std::nullopt);
    if (!st.ok()) result.error = "killing the finished pod: " + std::string(st.message());
    return result;
  }

  // SP-02: unwanted containers are killed one at a time; the first error ends the sync.
  for (const auto& a : kill) {
    KillRequest request;
    request.pod = &pod;
    request.sandbox = sandbox;
    request.spec = &a.previous->record.spec;
    request.init_container = a.init;
    request.container_id = a.previous->record.id;
    request.message = "Container " + a.spec->name + " definition changed, will be restarted";  // SP-06
    absl::Status st = runtime_.KillContainer(request);
    if (!st.ok()) {
      result.error = "killing container " + a.spec->name + ": " + std::string(st.message());
      return result;
    }
  }

  auto run = [&](const Action& a) {
    ContainerOutcome outcome{a.spec->name, a.init, {}, std::nullopt};
    const bool restarting = a.previous.has_value();
    if (restarting && !a.changed && a.previous->status &&
        InBackOff(pod, *a.spec, a.init, FromNanos(a.previous->status->finished_at()), &outcome)) {
      outcome.start.container_id = a.previous->record.id;
    } else {
      outcome = Start(pod, sandbox, *a.spec, a.init, restarting ? a.previous->record.attempt + 1 : 0);
    }
    if (!outcome.start.ok() && result.error.empty()) {
      result.error = "container " + a.spec->name + ": " + outcome.start.error_reason;
    }
    result.containers.push_back(outcome);
  };
  // Sidecars first, then regular containers, each in spec order (SP-03's start loop).
  for (bool init : {true, false}) {
    for (const auto& c : init ? pod.init_containers : pod.containers) {
      if (init && !(profile_.sidecars && IsSidecar(c))) continue;
      report_kept(c);
      for (const auto& a : start) {
        if (a.spec == &c) run(a);
      }
    }
  }
  return result;
}

absl::Status PodSync::KillPod(const Pod& pod, std::optional<int64_t> grace_override) {
  bool known;
  {
    std::lock_guard lock(mu_);
    known = !sandbox_.id.empty();
  }
  if (!known) {  // a session that starts with a kill (after a restart) finds the pod first
    auto adopted = Adopt(pod);
    if (!adopted.ok()) return adopted.status();
  }
  SandboxRef sandbox;
  std::vector<Running> started;
  {
    std::lock_guard lock(mu_);
    sandbox = sandbox_;
    started = started_;
  }
  if (sandbox.id.empty()) return absl::OkStatus();
  if (grace_override && profile_.effective_grace_at_least_one && *grace_override < 1) grace_override = 1;  // PR-09

  // PR-10: only running containers are killed (and get their preStop; SL-08 for a sleep).
  std::vector<Running> running;
  for (const auto& r : started) {
    auto status = cri_.ContainerStatus(r.id);
    if (status.ok() && status->state() == cri::CONTAINER_RUNNING) running.push_back(r);
  }

  // PR-12: with sidecars, each sidecar stops after every main container and every later sidecar.
  const bool ordered = profile_.sidecars && std::any_of(running.begin(), running.end(), [](const Running& r) {
                         return r.init && IsSidecar(r.spec);
                       });
  std::mutex done_mu;
  std::condition_variable done_cv;
  std::vector<bool> done(running.size(), false);
  auto must_wait_for = [&](size_t i, size_t j) {
    const Running& me = running[i];
    const Running& other = running[j];
    if (!ordered || !(me.init && IsSidecar(me.spec)) || i == j) return false;
    if (!other.init) return true;   // main containers first
    return j > i && IsSidecar(other.spec);  // later sidecars before earlier ones
  };

  std::vector<absl::Status> results(running.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < running.size(); ++i) {
    threads.emplace_back([&, i] {
      KillRequest kill;
      kill.pod = &pod;
      kill.sandbox = sandbox;
      kill.spec = &running[i].spec;
      kill.init_container = running[i].init;
      kill.container_id = running[i].id;
      kill.grace_override = grace_override;
      if (ordered) {
        kill.wait_for_turn = [&, i](int64_t remaining) -> int64_t {
          auto start = clock_.Now();
          auto turn = std::make_shared<Notification>();
          bool abandoned = false;
          // The others' completion is a real-time condition; the bound is the remaining grace on
          // the engine's clock. A watcher turns the condition into a notification the clock waits on.
          std::thread watcher([&, turn] {
            std::unique_lock lock(done_mu);
            done_cv.wait(lock, [&] {
              if (abandoned) return true;
              for (size_t j = 0; j < running.size(); ++j) {
                if (must_wait_for(i, j) && !done[j]) return false;
              }
              return true;
            });
            turn->Notify();
          });
          clock_.WaitForNotification(turn, std::chrono::seconds(remaining));
          {
            std::lock_guard lock(done_mu);
            abandoned = true;
            done_cv.notify_all();
          }
          watcher.join();
          return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - start).count();
        };
      }
      results[i] = runtime_.KillContainer(kill);
      std::lock_guard lock(done_mu);
      done[i] = true;
      done_cv.notify_all();
    });
  }
  for (auto& t : threads) t.join();

  absl::Status first_error = absl::OkStatus();
  for (const auto& st : results) {
    if (!st.ok() && first_error.ok()) first_error = st;
  }
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
  return KillPod(pod, grace_override);
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
  return first;
}

}  // namespace podlife
