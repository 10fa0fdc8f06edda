// Implements bench/engine_stack.h: the engine wired per worker around one CRI and one HTTP client.
#include "bench/engine_stack.h"

namespace podlife::bench {

absl::StatusOr<std::unique_ptr<EngineStack>> EngineStack::Connect(const std::string& endpoint,
                                                                  const Profile& profile, size_t workers) {
  auto client = GrpcCriClient::Connect(endpoint, profile);
  if (!client.ok()) return client.status();
  if (auto version = (*client)->Version(); !version.ok()) return version.status();
  std::unique_ptr<EngineStack> stack(new EngineStack(profile));
  stack->cri_ = std::move(*client);
  stack->http_ = http::NewHttpGetter();
  for (size_t i = 0; i < workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->hooks = std::make_unique<HandlerRunner>(*stack->cri_, *stack->http_, stack->clock_, stack->events_, profile);
    w->containers = std::make_unique<ContainerRuntime>(*stack->cri_, *w->hooks, stack->clock_, stack->events_, profile);
    stack->workers_.push_back(std::move(w));
  }
  return stack;
}

EngineStack::~EngineStack() {
  for (size_t i = 0; i < workers_.size(); ++i) JoinHooks(i);
}

std::unique_ptr<PodSync> EngineStack::NewPodSync(size_t worker) {
  return std::make_unique<PodSync>(*cri_, containers(worker), clock_, events_, profile_);
}

RunningPod::RunningPod(EngineStack& stack, size_t worker, Pod pod)
    : stack_(stack), worker_(worker), pod_(std::move(pod)), sync_(stack.NewPodSync(worker)) {}

absl::StatusOr<std::unique_ptr<RunningPod>> RunningPod::Start(EngineStack& stack, size_t worker, Pod pod) {
  std::unique_ptr<RunningPod> running(new RunningPod(stack, worker, std::move(pod)));
  running->result_ = running->sync_->SyncPod(running->pod_, nullptr);
  if (!running->result_.ok()) return absl::UnavailableError("pod " + running->pod_.name + ": " + running->result_.error);
  return running;
}

RunningPod::~RunningPod() {
  (void)sync_->KillPod(pod_, std::nullopt);
  (void)sync_->RemovePod();
  stack_.JoinHooks(worker_);
}

}  // namespace podlife::bench
