#include "src/engine/pod_sync.h"

#include <algorithm>
#include <condition_variable>
#include <thread>

namespace podlife {

namespace {
// How often an init container's completion is checked; the kubelet's PLEG relists every second.
constexpr std::chrono::milliseconds kExitPollInterval{100};
}  // namespace

std::optional<int> PodSync::WaitForExit(const std::string& container_id, const std::shared_ptr<Notification>& cancel) {
  auto stop = cancel ? cancel : std::make_shared<Notification>();
  while (true) {
    auto status = cri_.ContainerStatus(container_id);
    if (status.ok() && status->state() == cri::CONTAINER_EXITED) return status->exit_code();
    if (!status.ok()) return std::nullopt;
    if (clock_.WaitForNotification(stop, kExitPollInterval)) return std::nullopt;
  }
}

PodSyncResult PodSync::SyncPod(const Pod& pod, const std::shared_ptr<Notification>& cancel) {
  PodSyncResult result;
  SandboxRef sandbox;
  sandbox.config = MakeSandboxConfig(pod);
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

  auto remember = [&](const Container& c, bool init, const std::string& container_id) {
    std::lock_guard lock(mu_);
    started_.push_back({&c, init, container_id});
  };

  for (const auto& c : pod.init_containers) {
    const bool sidecar = profile_.sidecars && IsSidecar(c);
    ContainerOutcome outcome{c.name, true, runtime_.StartContainer(pod, sandbox, c, true, 0), std::nullopt};
    if (!outcome.start.container_id.empty()) remember(c, true, outcome.start.container_id);
    if (!outcome.start.ok()) {
      result.containers.push_back(outcome);
      if (sidecar) continue;  // SP-03: a restartable init container's error does not abort
      result.error = "init container " + c.name + " failed to start: " + outcome.start.error_reason;
      return result;
    }
    if (!sidecar) {
      outcome.exit_code = WaitForExit(outcome.start.container_id, cancel);  // SP-08
      result.containers.push_back(outcome);
      if (!outcome.exit_code) {
        result.error = "cancelled while waiting for init container " + c.name;
        return result;
      }
      if (*outcome.exit_code != 0) {
        result.error = "init container " + c.name + " exited with " + std::to_string(*outcome.exit_code);
        return result;
      }
    } else {
      result.containers.push_back(outcome);
    }
  }
  for (const auto& c : pod.containers) {
    ContainerOutcome outcome{c.name, false, runtime_.StartContainer(pod, sandbox, c, false, 0), std::nullopt};
    if (!outcome.start.container_id.empty()) remember(c, false, outcome.start.container_id);
    if (!outcome.start.ok() && result.error.empty()) {
      result.error = "container " + c.name + ": " + outcome.start.error_reason;
    }
    result.containers.push_back(outcome);
  }
  return result;
}

absl::Status PodSync::KillPod(const Pod& pod, std::optional<int64_t> grace_override) {
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
                         return r.init && IsSidecar(*r.spec);
                       });
  std::mutex done_mu;
  std::condition_variable done_cv;
  std::vector<bool> done(running.size(), false);
  auto must_wait_for = [&](size_t i, size_t j) {
    const Running& me = running[i];
    const Running& other = running[j];
    if (!ordered || !(me.init && IsSidecar(*me.spec)) || i == j) return false;
    if (!other.init) return true;   // main containers first
    return j > i && IsSidecar(*other.spec);  // later sidecars before earlier ones
  };

  std::vector<absl::Status> results(running.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < running.size(); ++i) {
    threads.emplace_back([&, i] {
      KillRequest kill;
      kill.pod = &pod;
      kill.sandbox = sandbox;
      kill.spec = running[i].spec;
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

absl::Status PodSync::RemovePod() {
  std::string id;
  {
    std::lock_guard lock(mu_);
    id = sandbox_.id;
  }
  if (id.empty()) return absl::OkStatus();
  return cri_.RemovePodSandbox(id);
}

}  // namespace podlife
