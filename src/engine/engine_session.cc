#include "src/engine/engine_session.h"

namespace podlife {

absl::StatusOr<std::unique_ptr<EngineSession>> EngineSession::Connect(const EngineSessionOptions& options,
                                                                      EventRecorder& events) {
  CriClientOptions cri_options;
  cri_options.request_timeout = options.request_timeout;
  auto client = GrpcCriClient::Connect(options.endpoint, *options.profile, cri_options);
  if (!client.ok()) return client.status();
  std::unique_ptr<EngineSession> s(new EngineSession());
  s->cri_ = std::move(*client);
  s->http_ = http::NewHttpGetter();
  s->hooks_ = std::make_unique<HandlerRunner>(*s->cri_, *s->http_, s->clock_, events, *options.profile);
  s->containers_ = std::make_unique<ContainerRuntime>(*s->cri_, *s->hooks_, s->clock_, events, *options.profile);
  s->sync_ = std::make_unique<PodSync>(*s->cri_, *s->containers_, s->clock_, events, *options.profile);
  return s;
}

EngineSession::~EngineSession() { JoinHooks(); }

absl::Status EngineSession::CheckReachable() { return cri_->Version().status(); }

PodSyncResult EngineSession::Sync(const Pod& pod, const std::shared_ptr<Notification>& cancel) {
  return sync_->SyncPod(pod, cancel);
}

absl::Status EngineSession::KillDeletedPod(const std::string& uid, std::optional<int64_t> grace_override) {
  return sync_->KillDeletedPod(uid, grace_override);
}

absl::Status EngineSession::Kill(const Pod& pod, std::optional<int64_t> grace_override) {
  return sync_->KillPod(pod, grace_override);
}

absl::Status EngineSession::Remove() { return sync_->RemovePod(); }

void EngineSession::JoinHooks() {
  // PodSync holds a reference to the container runtime; keep both until the session ends, but
  // stop and join the runtime's hook threads now.
  if (containers_) containers_->CancelAndJoinHooks();
}

}  // namespace podlife
