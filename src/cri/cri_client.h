// CriClient: the engine's view of a CRI runtime (runtime.v1), and GrpcCriClient, its gRPC
// implementation with the kubelet's deadline rules.
//
// Contract (GrpcCriClient; IDs CRI-01..CRI-07 in docs/behaviours.md):
// - Every call carries a deadline of the runtime request timeout (default 2 minutes), except:
//   RunPodSandbox 2x the request timeout; StopContainer the request timeout + the grace seconds
//   (request `timeout` = grace); PullImage none; ExecSync the request timeout + the exec timeout,
//   or none when the exec timeout is 0 (every hook), with the request `timeout` = whole seconds.
// - ExecSync: exit code 0 is success; a non-zero exit is an error
//   `command '<cmd>' exited with <code>: <stderr>` (stdout/stderr still returned);
//   DEADLINE_EXCEEDED becomes the profile's timeout error; other gRPC errors are returned as
//   `rpc error: code = <Code> desc = <message>`, the way Go prints them.
// - Max received message 16 MiB. Request timeout must be positive (Connect fails otherwise).
// - Reconnects as the kubelet's channel does (backoff 100 ms to 3 s), so a runtime that restarts
//   on the same socket is reached again within seconds; while it is down calls fail UNAVAILABLE.
// - Deadlines use Go's Duration arithmetic (go_duration.h): a deadline past the clock's end is
//   none, and a StopContainer grace whose deadline wraps negative in Go fails at once with
//   `context deadline exceeded`, nothing sent, as grpc-go does.
// The interface exists so gmock can stand in for the runtime in unit tests of decision logic.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <grpcpp/channel.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/v1/api.grpc.pb.h"
#include "src/core/profile.h"
#include "src/cri/exec_call.h"

namespace podlife {

namespace cri = ::runtime::v1;

class CriClient {
 public:
  virtual ~CriClient() = default;
  // "<runtime name> <version>", or the error that shows the runtime cannot be reached.
  virtual absl::StatusOr<std::string> Version() = 0;
  virtual absl::StatusOr<std::string> RunPodSandbox(const cri::PodSandboxConfig& config) = 0;
  virtual absl::Status StopPodSandbox(const std::string& sandbox_id) = 0;
  virtual absl::Status RemovePodSandbox(const std::string& sandbox_id) = 0;
  virtual absl::StatusOr<cri::PodSandboxStatus> PodSandboxStatus(const std::string& sandbox_id) = 0;
  virtual absl::StatusOr<bool> ImagePresent(const std::string& image) = 0;
  virtual absl::StatusOr<std::string> PullImage(const std::string& image, const cri::PodSandboxConfig& config) = 0;
  virtual absl::StatusOr<std::string> CreateContainer(const std::string& sandbox_id, const cri::ContainerConfig& config,
                                                      const cri::PodSandboxConfig& sandbox_config) = 0;
  virtual absl::Status StartContainer(const std::string& container_id) = 0;
  virtual absl::Status StopContainer(const std::string& container_id, int64_t timeout_seconds) = 0;
  virtual absl::Status RemoveContainer(const std::string& container_id) = 0;
  virtual absl::StatusOr<cri::ContainerStatus> ContainerStatus(const std::string& container_id) = 0;
  // The pod's sandboxes and a sandbox's containers, as the kubelet finds them after a restart.
  virtual absl::StatusOr<std::vector<cri::PodSandbox>> ListPodSandbox(const std::map<std::string, std::string>& labels) = 0;
  virtual absl::StatusOr<std::vector<cri::Container>> ListContainers(const std::string& sandbox_id) = 0;
  virtual ExecResult ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                              std::chrono::seconds timeout) = 0;
  // The same exec for a caller that may stop waiting for it (exec_call.h). This default runs
  // ExecSync on the engine's TaskPool; GrpcCriClient's is driven by the thread that waits.
  virtual std::shared_ptr<ExecCall> StartExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                                  std::chrono::seconds timeout);
};

struct CriClientOptions {
  std::chrono::milliseconds request_timeout = std::chrono::minutes(2);  // --runtime-request-timeout
};

class GrpcCriClient final : public CriClient {
 public:
  // `endpoint` as users write it (unix:///path, tcp://host:port). Errors name what is wrong.
  static absl::StatusOr<std::unique_ptr<GrpcCriClient>> Connect(const std::string& endpoint, const Profile& profile,
                                                                const CriClientOptions& options = {});

  absl::StatusOr<std::string> Version() override;
  absl::StatusOr<std::string> RunPodSandbox(const cri::PodSandboxConfig& config) override;
  absl::Status StopPodSandbox(const std::string& sandbox_id) override;
  absl::Status RemovePodSandbox(const std::string& sandbox_id) override;
  absl::StatusOr<cri::PodSandboxStatus> PodSandboxStatus(const std::string& sandbox_id) override;
  absl::StatusOr<bool> ImagePresent(const std::string& image) override;
  absl::StatusOr<std::string> PullImage(const std::string& image, const cri::PodSandboxConfig& config) override;
  absl::StatusOr<std::string> CreateContainer(const std::string& sandbox_id, const cri::ContainerConfig& config,
                                              const cri::PodSandboxConfig& sandbox_config) override;
  absl::Status StartContainer(const std::string& container_id) override;
  absl::Status StopContainer(const std::string& container_id, int64_t timeout_seconds) override;
  absl::Status RemoveContainer(const std::string& container_id) override;
  absl::StatusOr<cri::ContainerStatus> ContainerStatus(const std::string& container_id) override;
  absl::StatusOr<std::vector<cri::PodSandbox>> ListPodSandbox(const std::map<std::string, std::string>& labels) override;
  absl::StatusOr<std::vector<cri::Container>> ListContainers(const std::string& sandbox_id) override;
  ExecResult ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                      std::chrono::seconds timeout) override;
  std::shared_ptr<ExecCall> StartExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                          std::chrono::seconds timeout) override;

 private:
  GrpcCriClient(std::shared_ptr<grpc::Channel> channel, const Profile& profile, CriClientOptions options);
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds deadline) const;
  // ExecSync's parts, shared by the blocking call and StartExecSync: the request, the deadline
  // (CRI-01, CRI-02) and the result from the RPC's status and response (CRI-03, CRI-04).
  static cri::ExecSyncRequest ExecRequest(const std::string& container_id, const std::vector<std::string>& cmd,
                                          std::chrono::seconds timeout);
  std::chrono::milliseconds ExecDeadline(std::chrono::seconds timeout) const;
  ExecResult ExecResultFrom(const grpc::Status& status, const cri::ExecSyncResponse& response,
                            const std::vector<std::string>& cmd, std::chrono::seconds timeout) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> images_;
  const Profile& profile_;
  CriClientOptions options_;
};

// Go's rendering of a gRPC error: "rpc error: code = NotFound desc = ...".
absl::Status FromGrpc(const grpc::Status& status);
// The exec error texts (CRI-03, CRI-04).
std::string ExecExitErrorText(const std::vector<std::string>& cmd, int exit_code, const std::string& stderr_text);
std::string ExecTimeoutErrorText(const Profile& profile, const std::vector<std::string>& cmd,
                                 std::chrono::seconds timeout);
// Go's time.Duration String() for whole seconds: 1s, 2m0s, 1h0m0s.
std::string GoDurationSeconds(int64_t seconds);

}  // namespace podlife
