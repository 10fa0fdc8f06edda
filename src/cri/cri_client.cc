#include "src/cri/cri_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "src/core/endpoint.h"
#include "src/core/go_duration.h"

namespace podlife {

namespace {

constexpr int kMaxMessageBytes = 16 * 1024 * 1024;  // CRI-06
using std::chrono::milliseconds;
constexpr milliseconds kNoDeadline{0};

const char* GoCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "Canceled";
    case grpc::StatusCode::UNKNOWN: return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND: return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::StatusCode::ABORTED: return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE: return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED: return "Unimplemented";
    case grpc::StatusCode::INTERNAL: return "Internal";
    case grpc::StatusCode::UNAVAILABLE: return "Unavailable";
    case grpc::StatusCode::DATA_LOSS: return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED: return "Unauthenticated";
    default: return "Unknown";
  }
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      std::string("rpc error: code = ") + GoCodeName(status.error_code()) +
                          " desc = " + status.error_message());
}

std::string GoDurationSeconds(int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + std::to_string(seconds % 3600 / 60) + "m" +
         std::to_string(seconds % 60) + "s";
}

std::string ExecExitErrorText(const std::vector<std::string>& cmd, int exit_code, const std::string& stderr_text) {
  return "command '" + Join(cmd) + "' exited with " + std::to_string(exit_code) + ": " + stderr_text;  // CRI-04
}

std::string ExecTimeoutErrorText(const Profile& profile, const std::vector<std::string>& cmd,
                                 std::chrono::seconds timeout) {
  // CRI-03: the quoting is Go's %q of the joined command.
  std::string quoted = "\"" + Join(cmd) + "\"";
  if (profile.exec_timeout_message_has_duration) {
    return "command timed out: " + quoted + " timed out after " + GoDurationSeconds(timeout.count());
  }
  return "command " + quoted + " timed out";
}

absl::StatusOr<std::unique_ptr<GrpcCriClient>> GrpcCriClient::Connect(const std::string& endpoint,
                                                                      const Profile& profile,
                                                                      const CriClientOptions& options) {
  if (options.request_timeout.count() <= 0) {
    return absl::InvalidArgumentError("runtime request timeout must be positive");  // CRI-07
  }
  auto parsed = ParseEndpoint(endpoint);
  if (auto* e = std::get_if<EndpointError>(&parsed)) return absl::InvalidArgumentError(e->message);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // CRI-07: the kubelet's connect parameters (cri-client NewRemoteRuntimeService): reconnect
  // backoff from 100 ms to at most 3 s, 5 s minimum connect timeout. gRPC C++'s own defaults
  // (1 s to 120 s, 20 s) would leave a restarted runtime unreached for up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 3000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  auto channel = grpc::CreateCustomChannel(std::get<Endpoint>(parsed).GrpcTarget(),
                                           grpc::InsecureChannelCredentials(), args);
  return std::unique_ptr<GrpcCriClient>(new GrpcCriClient(std::move(channel), profile, options));
}

GrpcCriClient::GrpcCriClient(std::shared_ptr<grpc::Channel> channel, const Profile& profile,
                             CriClientOptions options)
    : channel_(std::move(channel)),
      runtime_(cri::RuntimeService::NewStub(channel_)),
      images_(cri::ImageService::NewStub(channel_)),
      profile_(profile),
      options_(options) {}

std::unique_ptr<grpc::ClientContext> GrpcCriClient::Context(milliseconds deadline) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  // A deadline past the clock's end is none (gRPC reads time_point::max() as infinite), not a
  // wrapped one in the past.
  if (deadline.count() > 0) ctx->set_deadline(DeadlineAfter(std::chrono::system_clock::now(), deadline));
  return ctx;
}

absl::StatusOr<std::string> GrpcCriClient::Version() {
  cri::VersionRequest req;
  cri::VersionResponse resp;
  auto st = runtime_->Version(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.runtime_name() + " " + resp.runtime_version();
}

absl::StatusOr<std::string> GrpcCriClient::RunPodSandbox(const cri::PodSandboxConfig& config) {
  cri::RunPodSandboxRequest req;
  *req.mutable_config() = config;
  cri::RunPodSandboxResponse resp;
  // CRI-05: "4 mins by default" — twice the request timeout.
  auto st = runtime_->RunPodSandbox(Context(2 * options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.pod_sandbox_id();
}

absl::Status GrpcCriClient::StopPodSandbox(const std::string& sandbox_id) {
  cri::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  cri::StopPodSandboxResponse resp;
  return FromGrpc(runtime_->StopPodSandbox(Context(options_.request_timeout).get(), req, &resp));
}

absl::Status GrpcCriClient::RemovePodSandbox(const std::string& sandbox_id) {
  cri::RemovePodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  cri::RemovePodSandboxResponse resp;
  return FromGrpc(runtime_->RemovePodSandbox(Context(options_.request_timeout).get(), req, &resp));
}

absl::StatusOr<cri::PodSandboxStatus> GrpcCriClient::PodSandboxStatus(const std::string& sandbox_id) {
  cri::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  cri::PodSandboxStatusResponse resp;
  auto st = runtime_->PodSandboxStatus(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.status();
}

absl::StatusOr<bool> GrpcCriClient::ImagePresent(const std::string& image) {
  cri::ImageStatusRequest req;
  req.mutable_image()->set_image(image);
  cri::ImageStatusResponse resp;
  auto st = images_->ImageStatus(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.has_image() && !resp.image().id().empty();
}

absl::StatusOr<std::string> GrpcCriClient::PullImage(const std::string& image, const cri::PodSandboxConfig& config) {
  cri::PullImageRequest req;
  req.mutable_image()->set_image(image);
  *req.mutable_sandbox_config() = config;
  cri::PullImageResponse resp;
  auto st = images_->PullImage(Context(kNoDeadline).get(), req, &resp);  // CRI-05: no deadline
  if (!st.ok()) return FromGrpc(st);
  return resp.image_ref();
}

absl::StatusOr<std::string> GrpcCriClient::CreateContainer(const std::string& sandbox_id,
                                                           const cri::ContainerConfig& config,
                                                           const cri::PodSandboxConfig& sandbox_config) {
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  *req.mutable_config() = config;
  *req.mutable_sandbox_config() = sandbox_config;
  cri::CreateContainerResponse resp;
  auto st = runtime_->CreateContainer(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp.container_id();
}

absl::Status GrpcCriClient::StartContainer(const std::string& container_id) {
  cri::StartContainerRequest req;
  req.set_container_id(container_id);
  cri::StartContainerResponse resp;
  return FromGrpc(runtime_->StartContainer(Context(options_.request_timeout).get(), req, &resp));
}

absl::Status GrpcCriClient::StopContainer(const std::string& container_id, int64_t timeout_seconds) {
  cri::StopContainerRequest req;
  req.set_container_id(container_id);
  req.set_timeout(timeout_seconds);
  cri::StopContainerResponse resp;
  // CRI-05: the request timeout plus the grace period, in Go's wrapping Duration arithmetic: past
  // about 9223371916 s the sum is negative, the context is done before the call and grpc-go fails
  // it without sending anything.
  const auto deadline = GoAdd(options_.request_timeout, GoSeconds(timeout_seconds));
  if (deadline.count() <= 0) {
    return absl::DeadlineExceededError("rpc error: code = DeadlineExceeded desc = context deadline exceeded");
  }
  return FromGrpc(runtime_->StopContainer(
      Context(std::chrono::ceil<milliseconds>(deadline)).get(), req, &resp));
}

absl::Status GrpcCriClient::RemoveContainer(const std::string& container_id) {
  cri::RemoveContainerRequest req;
  req.set_container_id(container_id);
  cri::RemoveContainerResponse resp;
  return FromGrpc(runtime_->RemoveContainer(Context(options_.request_timeout).get(), req, &resp));
}

absl::StatusOr<cri::ContainerStatus> GrpcCriClient::ContainerStatus(const std::string& container_id) {
  cri::ContainerStatusRequest req;
  req.set_container_id(container_id);
  cri::ContainerStatusResponse resp;
  auto st = runtime_->ContainerStatus(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  if (!resp.has_status()) return absl::UnknownError("container status is nil");  // CRI-09
  return resp.status();
}

absl::StatusOr<std::vector<cri::PodSandbox>> GrpcCriClient::ListPodSandbox(
    const std::map<std::string, std::string>& labels) {
  cri::ListPodSandboxRequest req;
  for (const auto& [k, v] : labels) (*req.mutable_filter()->mutable_label_selector())[k] = v;
  cri::ListPodSandboxResponse resp;
  auto st = runtime_->ListPodSandbox(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return std::vector<cri::PodSandbox>(resp.items().begin(), resp.items().end());
}

absl::StatusOr<std::vector<cri::Container>> GrpcCriClient::ListContainers(const std::string& sandbox_id) {
  cri::ListContainersRequest req;
  req.mutable_filter()->set_pod_sandbox_id(sandbox_id);
  cri::ListContainersResponse resp;
  auto st = runtime_->ListContainers(Context(options_.request_timeout).get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return std::vector<cri::Container>(resp.containers().begin(), resp.containers().end());
}

cri::ExecSyncRequest GrpcCriClient::ExecRequest(const std::string& container_id, const std::vector<std::string>& cmd,
                                                std::chrono::seconds timeout) {
  cri::ExecSyncRequest req;
  req.set_container_id(container_id);
  for (const auto& c : cmd) req.add_cmd(c);
  req.set_timeout(timeout.count());  // CRI-02: whole seconds; 0 for hooks
  return req;
}

milliseconds GrpcCriClient::ExecDeadline(std::chrono::seconds timeout) const {
  // CRI-01: request timeout + exec timeout; no deadline at all when the exec timeout is 0.
  return timeout.count() == 0 ? kNoDeadline : options_.request_timeout + timeout;
}

ExecResult GrpcCriClient::ExecResultFrom(const grpc::Status& st, const cri::ExecSyncResponse& resp,
                                         const std::vector<std::string>& cmd, std::chrono::seconds timeout) const {
  ExecResult result;
  if (!st.ok()) {
    if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      result.error = absl::DeadlineExceededError(ExecTimeoutErrorText(profile_, cmd, timeout));  // CRI-03
    } else {
      result.error = FromGrpc(st);
    }
    return result;
  }
  result.stdout_text = resp.stdout();
  result.stderr_text = resp.stderr();
  result.exit_code = resp.exit_code();
  if (resp.exit_code() != 0) {
    result.error = absl::UnknownError(ExecExitErrorText(cmd, resp.exit_code(), resp.stderr()));  // CRI-04
  }
  return result;
}

ExecResult GrpcCriClient::ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                   std::chrono::seconds timeout) {
  cri::ExecSyncResponse resp;
  auto st = runtime_->ExecSync(Context(ExecDeadline(timeout)).get(), ExecRequest(container_id, cmd, timeout), &resp);
  return ExecResultFrom(st, resp, cmd, timeout);
}

std::shared_ptr<ExecCall> GrpcCriClient::StartExecSync(const std::string& container_id,
                                                       const std::vector<std::string>& cmd,
                                                       std::chrono::seconds timeout) {
  return StartGrpcExecCall(*runtime_, ExecRequest(container_id, cmd, timeout), ExecDeadline(timeout),
                           [this, cmd, timeout](const grpc::Status& st, const cri::ExecSyncResponse& resp) {
                             return ExecResultFrom(st, resp, cmd, timeout);
                           });
}

std::shared_ptr<ExecCall> CriClient::StartExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                                   std::chrono::seconds timeout) {
  return StartPooledExecCall([this, container_id, cmd, timeout] { return ExecSync(container_id, cmd, timeout); });
}

}  // namespace podlife
