// CriTestClient: a thin CRI client for the fake's own tests, over a real gRPC channel.
//
// Contract: each helper makes one call with a deadline (default 10 s) and returns the status;
// Pod() and Started() make a sandbox / a running container and fail the test if they cannot.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fakes/cri/fake_cri_server.h"
#include "runtime/v1/api.grpc.pb.h"

namespace podlife::fakes::testing {

namespace cri = ::runtime::v1;

class CriTestClient {
 public:
  explicit CriTestClient(std::shared_ptr<grpc::Channel> channel)
      : runtime(cri::RuntimeService::NewStub(channel)), images(cri::ImageService::NewStub(channel)) {}

  static std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (deadline.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    return ctx;
  }

  static cri::PodSandboxConfig SandboxConfig(const std::string& name) {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-uid");
    config.set_log_directory("/var/log/pods/default_" + name);
    return config;
  }

  std::string Pod(const std::string& name = "pod") {
    cri::RunPodSandboxRequest req;
    *req.mutable_config() = SandboxConfig(name);
    cri::RunPodSandboxResponse resp;
    auto st = runtime->RunPodSandbox(Context().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.pod_sandbox_id();
  }

  grpc::Status Create(const std::string& sandbox, const std::string& name, std::string* id,
                      const std::string& image = "busybox") {
    cri::PullImageRequest pull;
    pull.mutable_image()->set_image(image);
    cri::PullImageResponse pulled;
    auto st = images->PullImage(Context().get(), pull, &pulled);
    if (!st.ok()) return st;
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    req.mutable_config()->mutable_metadata()->set_name(name);
    req.mutable_config()->mutable_image()->set_image(image);
    req.mutable_config()->set_log_path(name + "/0.log");
    *req.mutable_sandbox_config() = SandboxConfig("pod");
    cri::CreateContainerResponse resp;
    st = runtime->CreateContainer(Context().get(), req, &resp);
    *id = resp.container_id();
    return st;
  }

  grpc::Status Start(const std::string& id) {
    cri::StartContainerRequest req;
    req.set_container_id(id);
    cri::StartContainerResponse resp;
    return runtime->StartContainer(Context().get(), req, &resp);
  }

  std::string Started(const std::string& sandbox, const std::string& name) {
    std::string id;
    auto st = Create(sandbox, name, &id);
    EXPECT_TRUE(st.ok()) << st.error_message();
    st = Start(id);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return id;
  }

  grpc::Status Stop(const std::string& id, int64_t timeout,
                    std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
    cri::StopContainerRequest req;
    req.set_container_id(id);
    req.set_timeout(timeout);
    cri::StopContainerResponse resp;
    return runtime->StopContainer(Context(deadline).get(), req, &resp);
  }

  grpc::Status Status(const std::string& id, cri::ContainerStatus* out) {
    cri::ContainerStatusRequest req;
    req.set_container_id(id);
    cri::ContainerStatusResponse resp;
    auto st = runtime->ContainerStatus(Context().get(), req, &resp);
    *out = resp.status();
    return st;
  }

  cri::ContainerStatus StatusOf(const std::string& id) {
    cri::ContainerStatus s;
    auto st = Status(id, &s);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return s;
  }

  grpc::Status Exec(const std::string& id, std::vector<std::string> cmd, int64_t timeout, cri::ExecSyncResponse* out,
                    std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
    cri::ExecSyncRequest req;
    req.set_container_id(id);
    for (auto& c : cmd) req.add_cmd(c);
    req.set_timeout(timeout);
    return runtime->ExecSync(Context(deadline).get(), req, out);
  }

  std::unique_ptr<cri::RuntimeService::Stub> runtime;
  std::unique_ptr<cri::ImageService::Stub> images;
};

}  // namespace podlife::fakes::testing
