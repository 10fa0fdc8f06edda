// podlife-cri-smoke: runs one pod through a CRI runtime, the way a kubelet would, printing each
// call with its latency: Version, ImageStatus, PullImage (only when the image is absent, as the
// kubelet's imagePullPolicy IfNotPresent: a runtime with a local-only image works), RunPodSandbox, PodSandboxStatus, CreateContainer,
// StartContainer, ExecSync, StopContainer, ContainerStatus, RemoveContainer, StopPodSandbox,
// RemovePodSandbox. Exits 0 when every step did what CRI promises, 1 at the first one that did
// not (cleaning up what it made), 2 on bad usage.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>

#include "runtime/v1/api.grpc.pb.h"
#include "src/core/endpoint.h"

namespace cri = ::runtime::v1;

namespace {

constexpr const char* kUsage = R"(usage: podlife-cri-smoke --runtime-endpoint unix:///path/to/cri.sock [options]

Drives one pod through a CRI runtime (any runtime.v1 server: podlife-fake-cri, containerd,
CRI-O) and prints every call with its latency.

  --runtime-endpoint ADDRESS  the runtime's socket (crictl's flag name). Required.
  --image REF                 image for the container (default localhost/busybox:podlife;
                              the fake accepts any reference). Pulled only when ImageStatus
                              says it is absent (the kubelet's IfNotPresent).
  --pod-network               use the pod network instead of the host's (the default is the
                              host network, which containerd without CNI requires).
  --timeout SECONDS           deadline for each call (default 30).
  -h, --help                  this text.
)";

struct Options {
  std::string endpoint;
  std::string image = "localhost/busybox:podlife";
  bool host_network = true;
  int timeout_seconds = 30;
};

class Smoke {
 public:
  Smoke(std::shared_ptr<grpc::Channel> channel, Options options)
      : runtime_(cri::RuntimeService::NewStub(channel)),
        images_(cri::ImageService::NewStub(channel)),
        options_(std::move(options)) {}

  int Run() {
    bool ok = Step("Version", [&](grpc::ClientContext& ctx) {
      cri::VersionRequest req;
      cri::VersionResponse resp;
      auto st = runtime_->Version(&ctx, req, &resp);
      detail_ = resp.runtime_name() + " " + resp.runtime_version() + " (CRI " + resp.runtime_api_version() + ")";
      return st;
    });
    bool present = false;
    ok = ok && Step("ImageStatus", [&](grpc::ClientContext& ctx) {
      cri::ImageStatusRequest req;
      req.mutable_image()->set_image(options_.image);
      cri::ImageStatusResponse resp;
      auto st = images_->ImageStatus(&ctx, req, &resp);
      present = resp.has_image() && !resp.image().id().empty();
      detail_ = present ? "present, " + resp.image().id() : "absent";
      return st;
    });
    ok = ok && (present || Step("PullImage", [&](grpc::ClientContext& ctx) {
      cri::PullImageRequest req;
      req.mutable_image()->set_image(options_.image);
      cri::PullImageResponse resp;
      auto st = images_->PullImage(&ctx, req, &resp);
      detail_ = resp.image_ref();
      return st;
    }));
    ok = ok && Step("RunPodSandbox", [&](grpc::ClientContext& ctx) {
      cri::RunPodSandboxRequest req;
      *req.mutable_config() = SandboxConfig();
      cri::RunPodSandboxResponse resp;
      auto st = runtime_->RunPodSandbox(&ctx, req, &resp);
      sandbox_id_ = resp.pod_sandbox_id();
      detail_ = sandbox_id_;
      return st;
    });
    ok = ok && Step("PodSandboxStatus", [&](grpc::ClientContext& ctx) {
      cri::PodSandboxStatusRequest req;
      req.set_pod_sandbox_id(sandbox_id_);
      cri::PodSandboxStatusResponse resp;
      auto st = runtime_->PodSandboxStatus(&ctx, req, &resp);
      detail_ = cri::PodSandboxState_Name(resp.status().state()) + ", ip '" + resp.status().network().ip() + "'";
      return Expect(st, resp.status().state() == cri::SANDBOX_READY, "sandbox is not READY");
    });
    ok = ok && Step("CreateContainer", [&](grpc::ClientContext& ctx) {
      cri::CreateContainerRequest req;
      req.set_pod_sandbox_id(sandbox_id_);
      auto* config = req.mutable_config();
      config->mutable_metadata()->set_name("smoke");
      config->mutable_image()->set_image(options_.image);
      config->add_command("/bin/sleep");
      config->add_args("3600");
      config->set_log_path("smoke/0.log");
      config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(cri::CONTAINER);
      *req.mutable_sandbox_config() = SandboxConfig();
      cri::CreateContainerResponse resp;
      auto st = runtime_->CreateContainer(&ctx, req, &resp);
      container_id_ = resp.container_id();
      detail_ = container_id_;
      return st;
    });
    ok = ok && Step("StartContainer", [&](grpc::ClientContext& ctx) {
      cri::StartContainerRequest req;
      req.set_container_id(container_id_);
      cri::StartContainerResponse resp;
      return runtime_->StartContainer(&ctx, req, &resp);
    });
    ok = ok && Step("ExecSync", [&](grpc::ClientContext& ctx) {
      cri::ExecSyncRequest req;
      req.set_container_id(container_id_);
      req.add_cmd("echo");
      req.add_cmd("hello");
      req.set_timeout(10);
      cri::ExecSyncResponse resp;
      auto st = runtime_->ExecSync(&ctx, req, &resp);
      detail_ = "exit " + std::to_string(resp.exit_code()) + ", stdout '" + Trim(resp.stdout()) + "'";
      return Expect(st, resp.exit_code() == 0, "exec exited non-zero");
    });
    ok = ok && Step("StopContainer", [&](grpc::ClientContext& ctx) {
      cri::StopContainerRequest req;
      req.set_container_id(container_id_);
      req.set_timeout(2);
      cri::StopContainerResponse resp;
      return runtime_->StopContainer(&ctx, req, &resp);
    });
    ok = ok && Step("ContainerStatus", [&](grpc::ClientContext& ctx) {
      cri::ContainerStatusRequest req;
      req.set_container_id(container_id_);
      cri::ContainerStatusResponse resp;
      auto st = runtime_->ContainerStatus(&ctx, req, &resp);
      const auto& s = resp.status();
      detail_ = cri::ContainerState_Name(s.state()) + ", exit " + std::to_string(s.exit_code()) + ", reason " +
                s.reason();
      return Expect(st, s.state() == cri::CONTAINER_EXITED, "container did not exit after StopContainer");
    });
    const bool cleaned = Cleanup();
    return ok && cleaned ? 0 : 1;
  }

 private:
  cri::PodSandboxConfig SandboxConfig() const {
    cri::PodSandboxConfig config;
    auto* md = config.mutable_metadata();
    md->set_name("podlife-smoke");
    md->set_namespace_("default");
    md->set_uid("podlife-smoke-" + std::to_string(getpid()));
    config.set_log_directory("/tmp/podlife-smoke-logs");
    if (options_.host_network) {
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
    } else {
      config.set_hostname("podlife-smoke");
    }
    return config;
  }

  bool Cleanup() {
    bool ok = true;
    if (!container_id_.empty()) {
      ok = Step("RemoveContainer", [&](grpc::ClientContext& ctx) {
        cri::RemoveContainerRequest req;
        req.set_container_id(container_id_);
        cri::RemoveContainerResponse resp;
        return runtime_->RemoveContainer(&ctx, req, &resp);
      });
    }
    if (!sandbox_id_.empty()) {
      ok = Step("StopPodSandbox", [&](grpc::ClientContext& ctx) {
        cri::StopPodSandboxRequest req;
        req.set_pod_sandbox_id(sandbox_id_);
        cri::StopPodSandboxResponse resp;
        return runtime_->StopPodSandbox(&ctx, req, &resp);
      }) && ok;
      ok = Step("RemovePodSandbox", [&](grpc::ClientContext& ctx) {
        cri::RemovePodSandboxRequest req;
        req.set_pod_sandbox_id(sandbox_id_);
        cri::RemovePodSandboxResponse resp;
        return runtime_->RemovePodSandbox(&ctx, req, &resp);
      }) && ok;
    }
    return ok;
  }

  static grpc::Status Expect(const grpc::Status& st, bool condition, const std::string& what) {
    if (!st.ok() || condition) return st;
    return {grpc::StatusCode::FAILED_PRECONDITION, what};
  }

  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  bool Step(const char* name, const std::function<grpc::Status(grpc::ClientContext&)>& call) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(options_.timeout_seconds));
    detail_.clear();
    auto start = std::chrono::steady_clock::now();
    grpc::Status st = call(ctx);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-18s %9.2f ms  %s  %s\n", name, ms, st.ok() ? "ok  " : "FAIL",
                st.ok() ? detail_.c_str() : (std::to_string(st.error_code()) + " " + st.error_message()).c_str());
    std::fflush(stdout);
    return st.ok();
  }

  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> images_;
  Options options_;
  std::string sandbox_id_, container_id_, detail_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "podlife-cri-smoke: " << arg << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--runtime-endpoint") {
      options.endpoint = value();
    } else if (arg == "--image") {
      options.image = value();
    } else if (arg == "--pod-network") {
      options.host_network = false;
    } else if (arg == "--timeout") {
      std::string v = value();
      try {
        options.timeout_seconds = std::stoi(v);
      } catch (...) {
        options.timeout_seconds = 0;
      }
      if (options.timeout_seconds <= 0) {
        std::cerr << "podlife-cri-smoke: --timeout must be a positive number of seconds, got '" << v << "'\n";
        return 2;
      }
    } else {
      std::cerr << "podlife-cri-smoke: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  if (options.endpoint.empty()) {
    std::cerr << "podlife-cri-smoke: --runtime-endpoint is required\n" << kUsage;
    return 2;
  }
  auto parsed = podlife::ParseEndpoint(options.endpoint);
  if (auto* e = std::get_if<podlife::EndpointError>(&parsed)) {
    std::cerr << "podlife-cri-smoke: --runtime-endpoint: " << e->message << "\n";
    return 2;
  }
  auto channel = grpc::CreateChannel(std::get<podlife::Endpoint>(parsed).GrpcTarget(),
                                     grpc::InsecureChannelCredentials());
  return Smoke(channel, options).Run();
}
