// Implements bench/bare_cri.h: bare unary calls, one fresh context each, no deadlines.
#include "bench/bare_cri.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <variant>

#include "bench/local_http_server.h"
#include "src/core/endpoint.h"
#include "src/engine/container_runtime.h"

namespace podlife::bench {

namespace {

constexpr int kMaxMessageBytes = 16 * 1024 * 1024;  // as the engine's client (CRI-06)

using Runtime = cri::RuntimeService::Stub;
using Images = cri::ImageService::Stub;

// One unary call with a fresh context and no deadline; "" or "<rpc>: <message>".
template <class Stub, class Request, class Response>
std::string Call(const char* rpc, Stub& stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                 const Request& request, Response* response) {
  grpc::ClientContext context;
  grpc::Status status = (stub.*method)(&context, request, response);
  return status.ok() ? "" : std::string(rpc) + ": " + status.error_message();
}

}  // namespace

BareCriClient::BareCriClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)),
      runtime_(cri::RuntimeService::NewStub(channel_)),
      images_(cri::ImageService::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<BareCriClient>> BareCriClient::Connect(const std::string& endpoint) {
  auto parsed = ParseEndpoint(endpoint);
  if (auto* e = std::get_if<EndpointError>(&parsed)) return absl::InvalidArgumentError(e->message);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own, not a shared one
  auto channel =
      grpc::CreateCustomChannel(std::get<Endpoint>(parsed).GrpcTarget(), grpc::InsecureChannelCredentials(), args);
  return std::unique_ptr<BareCriClient>(new BareCriClient(std::move(channel)));
}

std::string BareCriClient::Version() {
  cri::VersionRequest request;
  cri::VersionResponse response;
  return Call("Version", *runtime_, &Runtime::Version, request, &response);
}

std::string BareCriClient::ExecSync(const cri::ExecSyncRequest& request) {
  cri::ExecSyncResponse response;
  if (auto failed = Call("ExecSync", *runtime_, &Runtime::ExecSync, request, &response); !failed.empty()) {
    return failed;
  }
  return response.exit_code() == 0 ? "" : "ExecSync: exit code " + std::to_string(response.exit_code());
}

BareContainerPath::BareContainerPath(BareCriClient& client, const Pod& pod, const Container& container)
    : client_(client), image_(container.image), grace_seconds_(ContainerRuntime::GracePeriod(pod)) {
  const cri::PodSandboxConfig sandbox_config = MakeSandboxConfig(pod);
  pull_request_.mutable_image()->set_image(image_);
  *pull_request_.mutable_sandbox_config() = sandbox_config;
  *create_request_.mutable_config() = MakeContainerConfig(pod, container, 0);
  *create_request_.mutable_sandbox_config() = sandbox_config;
  if (container.lifecycle) {
    post_start_ = container.lifecycle->post_start;
    pre_stop_ = container.lifecycle->pre_stop;
  }
}

std::string BareContainerPath::RunHook(const std::optional<LifecycleHandler>& handler) {
  if (!handler) return "";
  if (handler->exec) {
    cri::ExecSyncRequest request;
    request.set_container_id(container_id_);
    for (const auto& arg : handler->exec->command) request.add_cmd(arg);
    return client_.ExecSync(request);
  }
  if (handler->http_get) return BareHttpGet(static_cast<int>(handler->http_get->port.int_value), handler->http_get->path);
  return "";
}

std::string BareContainerPath::Start(const std::string& sandbox_id) {
  cri::ImageStatusRequest image_request;
  image_request.mutable_image()->set_image(image_);
  cri::ImageStatusResponse image;
  if (auto failed = Call("ImageStatus", client_.images(), &Images::ImageStatus, image_request, &image);
      !failed.empty()) {
    return failed;
  }
  if (!image.has_image() || image.image().id().empty()) {
    cri::PullImageResponse pulled;
    if (auto failed = Call("PullImage", client_.images(), &Images::PullImage, pull_request_, &pulled);
        !failed.empty()) {
      return failed;
    }
  }
  create_request_.set_pod_sandbox_id(sandbox_id);
  cri::CreateContainerResponse created;
  if (auto failed = Call("CreateContainer", client_.runtime(), &Runtime::CreateContainer, create_request_, &created);
      !failed.empty()) {
    return failed;
  }
  container_id_ = created.container_id();
  cri::StartContainerRequest start_request;
  start_request.set_container_id(container_id_);
  cri::StartContainerResponse started;
  if (auto failed = Call("StartContainer", client_.runtime(), &Runtime::StartContainer, start_request, &started);
      !failed.empty()) {
    return failed;
  }
  return RunHook(post_start_);
}

std::string BareContainerPath::Kill() {
  if (auto failed = RunHook(pre_stop_); !failed.empty()) return failed;
  cri::StopContainerRequest request;
  request.set_container_id(container_id_);
  request.set_timeout(grace_seconds_);
  cri::StopContainerResponse response;
  return Call("StopContainer", client_.runtime(), &Runtime::StopContainer, request, &response);
}

std::string BareContainerPath::Remove() {
  cri::RemoveContainerRequest request;
  request.set_container_id(container_id_);
  cri::RemoveContainerResponse response;
  return Call("RemoveContainer", client_.runtime(), &Runtime::RemoveContainer, request, &response);
}

BarePodSequence::BarePodSequence(BareCriClient& client, const Pod& pod) : client_(client) {
  *sandbox_request_.mutable_config() = MakeSandboxConfig(pod);
  for (const auto& c : pod.containers) containers_.emplace_back(client, pod, c);
}

std::string BarePodSequence::Sync() {
  started_ = 0;
  // The engine first looks for the pod in the runtime (a restarted kubelet's adoption), so the
  // floor does too.
  cri::ListPodSandboxRequest list_request;
  (*list_request.mutable_filter()->mutable_label_selector())["io.kubernetes.pod.uid"] =
      sandbox_request_.config().metadata().uid();
  cri::ListPodSandboxResponse listed;
  if (auto failed = Call("ListPodSandbox", client_.runtime(), &Runtime::ListPodSandbox, list_request, &listed);
      !failed.empty()) {
    return failed;
  }
  cri::RunPodSandboxResponse sandbox;
  if (auto failed = Call("RunPodSandbox", client_.runtime(), &Runtime::RunPodSandbox, sandbox_request_, &sandbox);
      !failed.empty()) {
    return failed;
  }
  sandbox_id_ = sandbox.pod_sandbox_id();
  cri::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(sandbox_id_);
  cri::PodSandboxStatusResponse status;
  if (auto failed =
          Call("PodSandboxStatus", client_.runtime(), &Runtime::PodSandboxStatus, status_request, &status);
      !failed.empty()) {
    return failed;
  }
  for (auto& c : containers_) {
    if (auto failed = c.Start(sandbox_id_); !failed.empty()) return failed;
    ++started_;
  }
  return "";
}

std::string BarePodSequence::Terminate() {
  for (size_t i = 0; i < started_; ++i) {
    cri::ContainerStatusRequest status_request;
    status_request.set_container_id(containers_[i].container_id());
    cri::ContainerStatusResponse status;
    if (auto failed =
            Call("ContainerStatus", client_.runtime(), &Runtime::ContainerStatus, status_request, &status);
        !failed.empty()) {
      return failed;
    }
    if (auto failed = containers_[i].Kill(); !failed.empty()) return failed;
  }
  started_ = 0;
  cri::StopPodSandboxRequest stop_request;
  stop_request.set_pod_sandbox_id(sandbox_id_);
  cri::StopPodSandboxResponse stopped;
  if (auto failed = Call("StopPodSandbox", client_.runtime(), &Runtime::StopPodSandbox, stop_request, &stopped);
      !failed.empty()) {
    return failed;
  }
  cri::RemovePodSandboxRequest remove_request;
  remove_request.set_pod_sandbox_id(sandbox_id_);
  cri::RemovePodSandboxResponse removed;
  return Call("RemovePodSandbox", client_.runtime(), &Runtime::RemovePodSandbox, remove_request, &removed);
}

}  // namespace podlife::bench
