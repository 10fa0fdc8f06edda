#include "fakes/proxy/cri_proxy.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/channel_arguments.h>

#include <variant>

#include "runtime/v1/api.grpc.pb.h"
#include "src/core/endpoint.h"

namespace podlife::fakes {

namespace cri = ::runtime::v1;

namespace {

constexpr int kMaxMessageBytes = 16 * 1024 * 1024;  // the kubelet's limit, both ways

// Client metadata worth passing on: what the node agent itself set. gRPC's own transport headers
// (pseudo-headers, grpc-*, te, content-type, user-agent) are made afresh by the upstream call.
bool ForwardsMetadata(const std::string& key) {
  if (key.empty() || key[0] == ':') return false;
  if (key.rfind("grpc-", 0) == 0) return false;
  return key != "te" && key != "content-type" && key != "user-agent" && key != "host";
}

// The id a creating call answered (CallRecord::answered_id); nothing for other calls.
std::function<std::string()> AnsweredId(const cri::RunPodSandboxResponse* resp) {
  return [resp] { return resp->pod_sandbox_id(); };
}
std::function<std::string()> AnsweredId(const cri::CreateContainerResponse* resp) {
  return [resp] { return resp->container_id(); };
}
std::function<std::string()> AnsweredId(const void*) { return nullptr; }

}  // namespace

template <class Stub, class Req, class Resp>
grpc::Status CriProxy::Forward(const char* method, grpc::ServerContext* ctx, const Req& req, Resp* resp, Stub* stub,
                               grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*)) {
  return front_.Serve(method, ctx, req, [&](CallScope&) {
    // Carries the client's deadline and cancels the upstream call when the client cancels.
    std::unique_ptr<grpc::ClientContext> upstream = grpc::ClientContext::FromServerContext(*ctx);
    for (const auto& [k, v] : ctx->client_metadata()) {
      std::string key(k.data(), k.size());
      if (ForwardsMetadata(key)) upstream->AddMetadata(key, std::string(v.data(), v.size()));
    }
    return (stub->*call)(upstream.get(), req, resp);
  }, AnsweredId(resp));
}

// One line per forwarded method: a method added to the proto is forwarded by adding its line.
#define PODLIFE_FORWARD(Service, Method)                                                             \
  grpc::Status Method(grpc::ServerContext* ctx, const cri::Method##Request* req, cri::Method##Response* resp) \
      override {                                                                                     \
    return proxy_->Forward(#Method, ctx, *req, resp, stub_.get(), &cri::Service::Stub::Method);      \
  }

class CriProxy::RuntimeForwarder final : public cri::RuntimeService::Service {
 public:
  RuntimeForwarder(CriProxy* proxy, std::shared_ptr<grpc::Channel> channel)
      : proxy_(proxy), stub_(cri::RuntimeService::NewStub(std::move(channel))) {}

  PODLIFE_FORWARD(RuntimeService, Version)
  PODLIFE_FORWARD(RuntimeService, RunPodSandbox)
  PODLIFE_FORWARD(RuntimeService, StopPodSandbox)
  PODLIFE_FORWARD(RuntimeService, RemovePodSandbox)
  PODLIFE_FORWARD(RuntimeService, PodSandboxStatus)
  PODLIFE_FORWARD(RuntimeService, ListPodSandbox)
  PODLIFE_FORWARD(RuntimeService, CreateContainer)
  PODLIFE_FORWARD(RuntimeService, StartContainer)
  PODLIFE_FORWARD(RuntimeService, StopContainer)
  PODLIFE_FORWARD(RuntimeService, RemoveContainer)
  PODLIFE_FORWARD(RuntimeService, ListContainers)
  PODLIFE_FORWARD(RuntimeService, ContainerStatus)
  PODLIFE_FORWARD(RuntimeService, ReopenContainerLog)
  PODLIFE_FORWARD(RuntimeService, ExecSync)
  PODLIFE_FORWARD(RuntimeService, Exec)
  PODLIFE_FORWARD(RuntimeService, Attach)
  PODLIFE_FORWARD(RuntimeService, PortForward)
  PODLIFE_FORWARD(RuntimeService, Status)
  PODLIFE_FORWARD(RuntimeService, ContainerStats)
  PODLIFE_FORWARD(RuntimeService, ListContainerStats)
  PODLIFE_FORWARD(RuntimeService, PodSandboxStats)
  PODLIFE_FORWARD(RuntimeService, ListPodSandboxStats)

 private:
  CriProxy* proxy_;
  std::unique_ptr<cri::RuntimeService::Stub> stub_;
};

class CriProxy::ImageForwarder final : public cri::ImageService::Service {
 public:
  ImageForwarder(CriProxy* proxy, std::shared_ptr<grpc::Channel> channel)
      : proxy_(proxy), stub_(cri::ImageService::NewStub(std::move(channel))) {}

  PODLIFE_FORWARD(ImageService, ListImages)
  PODLIFE_FORWARD(ImageService, ImageStatus)
  PODLIFE_FORWARD(ImageService, PullImage)
  PODLIFE_FORWARD(ImageService, RemoveImage)
  PODLIFE_FORWARD(ImageService, ImageFsInfo)

 private:
  CriProxy* proxy_;
  std::unique_ptr<cri::ImageService::Stub> stub_;
};

#undef PODLIFE_FORWARD

CriProxy::CriProxy() = default;

std::unique_ptr<CriProxy> CriProxy::Start(const CriProxyOptions& options, std::string* error) {
  if (options.upstream.empty()) {
    *error = "--upstream: the runtime's address is required (e.g. unix:///run/containerd/containerd.sock)";
    return nullptr;
  }
  auto upstream = ParseEndpoint(options.upstream);
  if (auto* e = std::get_if<EndpointError>(&upstream)) {
    *error = "--upstream: " + e->message;
    return nullptr;
  }
  std::unique_ptr<CriProxy> proxy(new CriProxy());
  proxy->upstream_ = std::get<Endpoint>(upstream).ToString();
  if (!options.listen.empty() && options.listen == options.upstream) {
    *error = "--listen and --upstream are the same address (" + options.listen + "): the proxy would call itself";
    return nullptr;
  }
  proxy->front_.calls().SetCapacity(options.call_log_capacity);
  if (!PrepareListen(options.listen, &proxy->plan_, error)) return nullptr;

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // An upstream that restarts is reached again within a second, not after gRPC's default backoff
  // of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  proxy->upstream_channel_ = grpc::CreateCustomChannel(std::get<Endpoint>(upstream).GrpcTarget(),
                                                       grpc::InsecureChannelCredentials(), args);

  proxy->runtime_service_ = std::make_unique<RuntimeForwarder>(proxy.get(), proxy->upstream_channel_);
  proxy->image_service_ = std::make_unique<ImageForwarder>(proxy.get(), proxy->upstream_channel_);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(proxy->plan_.bind_target, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(proxy->runtime_service_.get());
  builder.RegisterService(proxy->image_service_.get());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  proxy->server_ = builder.BuildAndStart();
  if (!proxy->server_ || (proxy->plan_.endpoint.kind == Endpoint::Kind::kTcp && port == 0)) {
    *error = "cannot listen on " + proxy->plan_.listen;
    proxy->server_.reset();
    return nullptr;  // the destructor removes what PrepareListen made
  }
  proxy->address_ = FinishListen(&proxy->plan_, port, error);
  if (proxy->address_.empty()) return nullptr;  // the destructor stops the server
  return proxy;
}

CriProxy::~CriProxy() { Shutdown(); }

void CriProxy::Shutdown() {
  if (shut_down_.exchange(true)) return;
  front_.Shutdown();  // held and delayed calls end now; forwarded ones are cancelled below
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  RemoveListen(plan_);
}

std::string CriProxy::grpc_target() const { return std::get<Endpoint>(ParseEndpoint(address_)).GrpcTarget(); }

std::shared_ptr<grpc::Channel> CriProxy::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(grpc_target(), grpc::InsecureChannelCredentials(), args);
}

WaitResult CriProxy::WaitForUpstream(Millis timeout) const {
  if (upstream_channel_->WaitForConnected(std::chrono::system_clock::now() + timeout)) return WaitResult::Ok();
  return WaitResult::Failure("the upstream runtime " + upstream_ + " is not reachable after " +
                             std::to_string(timeout.count()) + "ms");
}

WaitResult CriProxy::VerifyAllConsumed() const {
  auto items = Unconsumed();
  if (items.empty()) return WaitResult::Ok();
  std::string msg = "CRI proxy: scripted items nobody consumed:\n";
  for (const auto& item : items) msg += "  " + item + "\n";
  msg += "call log:\n" + front_.calls().Format();
  return WaitResult::Failure(msg);
}

std::string CheckProxyScenario(const Scenario& scenario, const std::string& source_name) {
  auto refuse = [&](const std::string& key, const std::string& why) {
    return source_name + ": " + key + ": not for the proxy: " + why +
           " (a proxy scenario may hold faults and callLogCapacity)";
  };
  if (scenario.pod_ips) return refuse("podIPs", "the upstream runtime assigns real pod IPs");
  if (!scenario.exec_rules.empty()) return refuse("exec", "the upstream runtime runs the real commands");
  if (scenario.default_exec) return refuse("defaultExec", "the upstream runtime runs the real commands");
  if (!scenario.workloads.empty()) return refuse("workloads", "the upstream runtime runs the real workloads");
  return "";
}

void ApplyProxyScenario(const Scenario& scenario, CriProxy& proxy) {
  for (const auto& fault : scenario.faults) proxy.front().AddFault(fault);
  if (scenario.call_log_capacity > 0) proxy.calls().SetCapacity(scenario.call_log_capacity);
}

}  // namespace podlife::fakes
