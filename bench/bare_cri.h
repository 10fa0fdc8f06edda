// The floors' CRI side: what the engine's RPCs cost with no engine around them.
//
// Contract:
// - BareCriClient: the generated runtime.v1 stubs on one channel of their own (own connection,
//   the same 16 MiB message limit as the engine's client), no deadlines, no error translation.
//   Connect() fails on a malformed endpoint; it does not call the runtime.
// - BareContainerPath: one container's start and kill as the engine's StartContainer and
//   KillContainer issue them, back to back, from requests built once with the engine's own
//   request builders (so the floor serialises the same bytes), with the hook done bare: ExecSync
//   for exec, a BareHttpGet for httpGet (sleep and none: nothing). Start(sandbox):
//   ImageStatus (PullImage only when absent), CreateContainer, StartContainer, the postStart
//   hook. Kill(): the preStop hook, then StopContainer with the pod's grace. Remove():
//   RemoveContainer of the last started container.
// - BarePodSequence: the RPCs the engine issues to sync and terminate one pod. Sync():
//   RunPodSandbox, PodSandboxStatus, then Start() of each container in order. Terminate(): per
//   container ContainerStatus then Kill(); then StopPodSandbox and RemovePodSandbox.
// Every step returns "" or the first failure ("CreateContainer: <message>").
#pragma once

#include <absl/status/statusor.h>
#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/v1/api.grpc.pb.h"
#include "src/core/pod.h"

namespace podlife::bench {

namespace cri = ::runtime::v1;

class BareCriClient {
 public:
  static absl::StatusOr<std::unique_ptr<BareCriClient>> Connect(const std::string& endpoint);

  cri::RuntimeService::Stub& runtime() { return *runtime_; }
  cri::ImageService::Stub& images() { return *images_; }
  // One Version round trip.
  std::string Version();
  // One ExecSync round trip with no deadline; a non-zero exit is a failure too.
  std::string ExecSync(const cri::ExecSyncRequest& request);

 private:
  explicit BareCriClient(std::shared_ptr<grpc::Channel> channel);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> images_;
};

class BareContainerPath {
 public:
  BareContainerPath(BareCriClient& client, const Pod& pod, const Container& container);

  std::string Start(const std::string& sandbox_id);
  std::string Kill();
  std::string Remove();
  const std::string& container_id() const { return container_id_; }

 private:
  // Runs `handler` bare; "" for none and sleep.
  std::string RunHook(const std::optional<LifecycleHandler>& handler);

  BareCriClient& client_;
  std::string image_;
  cri::PullImageRequest pull_request_;
  cri::CreateContainerRequest create_request_;
  std::optional<LifecycleHandler> post_start_;
  std::optional<LifecycleHandler> pre_stop_;
  int64_t grace_seconds_ = 0;
  std::string container_id_;
};

class BarePodSequence {
 public:
  BarePodSequence(BareCriClient& client, const Pod& pod);

  std::string Sync();
  std::string Terminate();

 private:
  BareCriClient& client_;
  cri::RunPodSandboxRequest sandbox_request_;
  std::vector<BareContainerPath> containers_;
  std::string sandbox_id_;
  size_t started_ = 0;
};

}  // namespace podlife::bench
