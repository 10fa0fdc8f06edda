// Drivers: one container's start/kill path and one pod's sync/terminate, done by the engine or as
// the bare RPC sequence, behind one interface, so a benchmark times the engine and its floor with
// the same loop (hook_benchmarks.cc, sync_benchmarks.cc, overhead_benchmarks.cc).
//
// Contract:
// - ContainerPathDriver: Start() creates and starts the container (its postStart hook included),
//   Kill() stops it (its preStop hook included), Remove() removes the killed container. Each
//   returns "" or what failed. EngineContainerPath drives ContainerRuntime on worker 0 of an
//   EngineStack; BareContainerPathDriver drives BareContainerPath. Both aim at a live sandbox
//   (RunningPod) that outlives them.
// - PodDriver: one pod per worker; Sync(w) runs worker w's pod, Terminate(w) kills and removes it.
//   EnginePodDriver uses a fresh PodSync per sync, as the engine models one pod per PodSync;
//   BarePodDriver uses BarePodSequence. Each returns "" or what failed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/bare_cri.h"
#include "bench/engine_stack.h"

namespace podlife::bench {

class ContainerPathDriver {
 public:
  virtual ~ContainerPathDriver() = default;
  virtual std::string Start() = 0;   // the postStart hook included
  virtual std::string Kill() = 0;    // the preStop hook included
  virtual std::string Remove() = 0;  // of a killed container
};

class EngineContainerPath final : public ContainerPathDriver {
 public:
  EngineContainerPath(EngineStack& stack, const RunningPod& pod, Container container);
  std::string Start() override;
  std::string Kill() override;
  std::string Remove() override;

 private:
  EngineStack& stack_;
  Container container_;
  KillRequest kill_;
};

class BareContainerPathDriver final : public ContainerPathDriver {
 public:
  BareContainerPathDriver(BareCriClient& client, const RunningPod& pod, const Container& container)
      : path_(client, pod.pod(), container), sandbox_id_(pod.sandbox().id) {}
  std::string Start() override { return path_.Start(sandbox_id_); }
  std::string Kill() override { return path_.Kill(); }
  std::string Remove() override { return path_.Remove(); }

 private:
  BareContainerPath path_;
  std::string sandbox_id_;
};

// Times one container path's step: Start() for postStart, Kill() for preStop (the container
// started untimed first); the rest of its life is untimed. Adds the step's seconds to *seconds.
std::string TimeContainerPathStep(ContainerPathDriver& driver, bool post_start, double* seconds);

class PodDriver {
 public:
  virtual ~PodDriver() = default;
  virtual std::string Sync(size_t worker) = 0;
  virtual std::string Terminate(size_t worker) = 0;
};

class EnginePodDriver final : public PodDriver {
 public:
  EnginePodDriver(EngineStack& stack, std::vector<Pod> pods)
      : stack_(stack), pods_(std::move(pods)), syncs_(pods_.size()) {}
  std::string Sync(size_t worker) override;
  std::string Terminate(size_t worker) override;

 private:
  EngineStack& stack_;
  std::vector<Pod> pods_;
  std::vector<std::unique_ptr<PodSync>> syncs_;
};

class BarePodDriver final : public PodDriver {
 public:
  BarePodDriver(BareCriClient& client, const std::vector<Pod>& pods);
  std::string Sync(size_t worker) override { return sequences_[worker]->Sync(); }
  std::string Terminate(size_t worker) override { return sequences_[worker]->Terminate(); }

 private:
  std::vector<std::unique_ptr<BarePodSequence>> sequences_;
};

}  // namespace podlife::bench
