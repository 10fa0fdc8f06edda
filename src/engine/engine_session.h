// EngineSession: the reference engine wired up for one pod against one CRI endpoint: the CRI
// client, the HTTP client, the handler runner, the container runtime and the pod sync, sharing
// one clock, one event recorder and one profile. `podlife run`, `podlife implement`, the
// conformance suite's builtin implementation and the benchmarks all drive the engine through it.
//
// Contract:
// - Connect() builds the client (failing on a malformed endpoint or timeout) without calling the
//   runtime; CheckReachable() calls Version once.
// - Sync(), Kill(), KillDeletedPod(), Remove() are PodSync's, for the one pod.
// - JoinHooks() waits for preStop hooks that outlived their wait (EX-06), cancelling them; the
//   destructor does it too. Events go to the recorder given at Connect(), from any thread.
#pragma once

#include <absl/status/statusor.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "src/core/clock.h"
#include "src/core/events.h"
#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/cri/cri_client.h"
#include "src/engine/container_runtime.h"
#include "src/engine/handler_runner.h"
#include "src/engine/pod_sync.h"
#include "src/http/http_getter.h"

namespace podlife {

struct EngineSessionOptions {
  std::string endpoint;  // unix:///... or tcp://host:port
  const Profile* profile = &Profile135();
  std::chrono::milliseconds request_timeout = std::chrono::minutes(2);
};

class EngineSession {
 public:
  static absl::StatusOr<std::unique_ptr<EngineSession>> Connect(const EngineSessionOptions& options,
                                                                EventRecorder& events);
  ~EngineSession();

  absl::Status CheckReachable();
  PodSyncResult Sync(const Pod& pod, const std::shared_ptr<Notification>& cancel);
  absl::Status Kill(const Pod& pod, std::optional<int64_t> grace_override);
  absl::Status KillDeletedPod(const std::string& uid, std::optional<int64_t> grace_override);
  absl::Status Remove();
  void JoinHooks();

  CriClient& cri() { return *cri_; }
  Clock& clock() { return clock_; }

 private:
  EngineSession() = default;

  RealClock clock_;
  std::unique_ptr<GrpcCriClient> cri_;
  std::unique_ptr<http::HttpGetter> http_;
  std::unique_ptr<HandlerRunner> hooks_;
  std::unique_ptr<ContainerRuntime> containers_;
  std::unique_ptr<PodSync> sync_;
};

}  // namespace podlife
