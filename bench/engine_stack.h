// EngineStack: the reference engine wired as a node agent runs it for many pods at once: one CRI
// client (one channel) and one HTTP client shared by every pod, and per concurrent worker its own
// handler runner and container runtime, so each worker joins only its own preStop threads.
// A PodSync is made per pod, as the engine models one pod per PodSync. (EngineSession wires the
// same pieces for a single pod and its own channel; the benchmarks need many pods per channel.)
//
// Contract:
// - Connect() builds the client for `endpoint` and calls Version once, so the connection is up
//   before anything is timed; it fails with the runtime's error when it is unreachable.
// - hooks(w), containers(w), NewPodSync(w) belong to worker w < workers; JoinHooks(w) joins the
//   worker's finished preStop threads (call it once the worker's pods are terminated).
// - Events are counted, not kept, so a long run's memory stays flat.
// RunningPod: a pod synced through an EngineStack for the length of a scope, terminated and
// removed when it ends; for benchmarks that need a live sandbox or container to aim at.
#pragma once

#include <absl/status/statusor.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "src/core/clock.h"
#include "src/core/events.h"
#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/cri/cri_client.h"
#include "src/engine/container_runtime.h"
#include "src/engine/handler_runner.h"
#include "src/engine/pod_sync.h"
#include "src/http/http_getter.h"

namespace podlife::bench {

class CountingEventRecorder final : public EventRecorder {
 public:
  void Record(Event) override { recorded_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t recorded() const { return recorded_.load(); }

 private:
  std::atomic<uint64_t> recorded_{0};
};

class EngineStack {
 public:
  static absl::StatusOr<std::unique_ptr<EngineStack>> Connect(const std::string& endpoint, const Profile& profile,
                                                              size_t workers);
  ~EngineStack();

  CriClient& cri() { return *cri_; }
  HandlerRunner& hooks(size_t worker) { return *workers_[worker]->hooks; }
  ContainerRuntime& containers(size_t worker) { return *workers_[worker]->containers; }
  std::unique_ptr<PodSync> NewPodSync(size_t worker);
  void JoinHooks(size_t worker) { workers_[worker]->containers->CancelAndJoinHooks(); }
  const Profile& profile() const { return profile_; }

 private:
  struct Worker {
    std::unique_ptr<HandlerRunner> hooks;
    std::unique_ptr<ContainerRuntime> containers;
  };
  explicit EngineStack(const Profile& profile) : profile_(profile) {}

  const Profile& profile_;
  RealClock clock_;
  CountingEventRecorder events_;
  std::unique_ptr<GrpcCriClient> cri_;
  std::unique_ptr<http::HttpGetter> http_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

class RunningPod {
 public:
  // Syncs `pod` on worker `worker`; fails with the sync's error.
  static absl::StatusOr<std::unique_ptr<RunningPod>> Start(EngineStack& stack, size_t worker, Pod pod);
  ~RunningPod();

  const Pod& pod() const { return pod_; }
  SandboxRef sandbox() const { return {result_.sandbox_id, MakeSandboxConfig(pod_)}; }
  const std::string& container_id(size_t i) const { return result_.containers[i].start.container_id; }

 private:
  RunningPod(EngineStack& stack, size_t worker, Pod pod);

  EngineStack& stack_;
  size_t worker_;
  Pod pod_;
  std::unique_ptr<PodSync> sync_;
  PodSyncResult result_;
};

}  // namespace podlife::bench
