// Implements bench/drivers.h.
#include "bench/drivers.h"

#include <chrono>

namespace podlife::bench {

EngineContainerPath::EngineContainerPath(EngineStack& stack, const RunningPod& pod, Container container)
    : stack_(stack), container_(std::move(container)) {
  kill_.pod = &pod.pod();
  kill_.sandbox = pod.sandbox();
  kill_.spec = &container_;
}

std::string EngineContainerPath::Start() {
  StartResult started = stack_.containers(0).StartContainer(*kill_.pod, kill_.sandbox, container_, false, 0);
  kill_.container_id = started.container_id;
  return started.ok() ? "" : started.error_reason + ": " + started.message;
}

std::string EngineContainerPath::Kill() { return std::string(stack_.containers(0).KillContainer(kill_).message()); }

std::string EngineContainerPath::Remove() {
  stack_.JoinHooks(0);  // the kill's finished preStop thread
  return std::string(stack_.cri().RemoveContainer(kill_.container_id).message());
}

std::string EnginePodDriver::Sync(size_t worker) {
  syncs_[worker] = stack_.NewPodSync(worker);
  PodSyncResult result = syncs_[worker]->SyncPod(pods_[worker], nullptr);
  return result.ok() ? "" : "SyncPod: " + result.error;
}

std::string EnginePodDriver::Terminate(size_t worker) {
  absl::Status killed = syncs_[worker]->KillPod(pods_[worker], std::nullopt);
  absl::Status removed = syncs_[worker]->RemovePod();
  stack_.JoinHooks(worker);
  if (!killed.ok()) return "KillPod: " + std::string(killed.message());
  return removed.ok() ? "" : "RemovePod: " + std::string(removed.message());
}

std::string TimeContainerPathStep(ContainerPathDriver& driver, bool post_start, double* seconds) {
  std::string failure;
  if (!post_start && !(failure = driver.Start()).empty()) return failure;
  const auto start = std::chrono::steady_clock::now();
  failure = post_start ? driver.Start() : driver.Kill();
  *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failure.empty() && post_start) failure = driver.Kill();
  if (failure.empty()) failure = driver.Remove();
  return failure;
}

BarePodDriver::BarePodDriver(BareCriClient& client, const std::vector<Pod>& pods) {
  for (const auto& pod : pods) sequences_.push_back(std::make_unique<BarePodSequence>(client, pod));
}

}  // namespace podlife::bench
