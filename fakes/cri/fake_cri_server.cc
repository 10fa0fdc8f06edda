#include "fakes/cri/fake_cri_server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "runtime/v1/api.grpc.pb.h"
#include "fakes/cri/listen_socket.h"
#include "src/core/endpoint.h"

namespace podlife::fakes {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr int kMaxMessageBytes = 16 * 1024 * 1024;

// Go's time.Duration formatting for whole seconds, as containerd prints timeouts: 1s, 2m0s, 1h0m0s.
std::string GoDuration(int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + std::to_string(seconds % 3600 / 60) + "m" +
         std::to_string(seconds % 60) + "s";
}

}  // namespace

// ---- RuntimeService ----

class FakeCriServer::RuntimeServiceImpl final : public cri::RuntimeService::Service {
 public:
  explicit RuntimeServiceImpl(FakeCriServer* s) : s_(s) {}

  grpc::Status Version(grpc::ServerContext* ctx, const cri::VersionRequest* req,
                       cri::VersionResponse* resp) override {
    return s_->Serve("Version", ctx, *req, [&](CallScope&) {
      resp->set_version("0.1.0");
      resp->set_runtime_name("podlife-fake-cri");
      resp->set_runtime_version("0.1.0");
      resp->set_runtime_api_version("v1");
      return grpc::Status::OK;
    });
  }

  grpc::Status Status(grpc::ServerContext* ctx, const cri::StatusRequest* req,
                      cri::StatusResponse* resp) override {
    return s_->Serve("Status", ctx, *req, [&](CallScope&) {
      for (const char* type : {"RuntimeReady", "NetworkReady"}) {
        auto* c = resp->mutable_status()->add_conditions();
        c->set_type(type);
        c->set_status(true);
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status RunPodSandbox(grpc::ServerContext* ctx, const cri::RunPodSandboxRequest* req,
                             cri::RunPodSandboxResponse* resp) override {
    return s_->Serve("RunPodSandbox", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return s_->state_.RunPodSandbox(*req, resp->mutable_pod_sandbox_id());
    });
  }

  grpc::Status StopPodSandbox(grpc::ServerContext* ctx, const cri::StopPodSandboxRequest* req,
                              cri::StopPodSandboxResponse*) override {
    return s_->Serve("StopPodSandbox", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      auto st = s_->state_.StopPodSandbox(req->pod_sandbox_id());
      s_->state_changed_.notify_all();
      return st;
    });
  }

  grpc::Status RemovePodSandbox(grpc::ServerContext* ctx, const cri::RemovePodSandboxRequest* req,
                                cri::RemovePodSandboxResponse*) override {
    return s_->Serve("RemovePodSandbox", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      auto st = s_->state_.RemovePodSandbox(req->pod_sandbox_id());
      s_->state_changed_.notify_all();
      return st;
    });
  }

  grpc::Status PodSandboxStatus(grpc::ServerContext* ctx, const cri::PodSandboxStatusRequest* req,
                                cri::PodSandboxStatusResponse* resp) override {
    return s_->Serve("PodSandboxStatus", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return s_->state_.PodSandboxStatus(req->pod_sandbox_id(), resp->mutable_status());
    });
  }

  grpc::Status ListPodSandbox(grpc::ServerContext* ctx, const cri::ListPodSandboxRequest* req,
                              cri::ListPodSandboxResponse* resp) override {
    return s_->Serve("ListPodSandbox", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      s_->state_.ListPodSandbox(req->filter(), resp);
      return grpc::Status::OK;
    });
  }

  grpc::Status CreateContainer(grpc::ServerContext* ctx, const cri::CreateContainerRequest* req,
                               cri::CreateContainerResponse* resp) override {
    return s_->Serve("CreateContainer", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return s_->state_.CreateContainer(*req, resp->mutable_container_id());
    });
  }

  grpc::Status StartContainer(grpc::ServerContext* ctx, const cri::StartContainerRequest* req,
                              cri::StartContainerResponse*) override {
    return s_->Serve("StartContainer", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      auto st = s_->state_.StartContainer(req->container_id());
      if (st.ok()) s_->ScheduleOwnExitLocked(req->container_id());
      s_->state_changed_.notify_all();
      return st;
    });
  }

  grpc::Status StopContainer(grpc::ServerContext* ctx, const cri::StopContainerRequest* req,
                             cri::StopContainerResponse*) override {
    return s_->Serve("StopContainer", ctx, *req, [&](CallScope& scope) { return s_->DoStopContainer(scope, *req); });
  }

  grpc::Status RemoveContainer(grpc::ServerContext* ctx, const cri::RemoveContainerRequest* req,
                               cri::RemoveContainerResponse*) override {
    return s_->Serve("RemoveContainer", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      auto st = s_->state_.RemoveContainer(req->container_id());
      s_->state_changed_.notify_all();
      return st;
    });
  }

  grpc::Status ListContainers(grpc::ServerContext* ctx, const cri::ListContainersRequest* req,
                              cri::ListContainersResponse* resp) override {
    return s_->Serve("ListContainers", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      s_->state_.ListContainers(req->filter(), resp);
      return grpc::Status::OK;
    });
  }

  grpc::Status ContainerStatus(grpc::ServerContext* ctx, const cri::ContainerStatusRequest* req,
                               cri::ContainerStatusResponse* resp) override {
    return s_->Serve("ContainerStatus", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return s_->state_.ContainerStatus(req->container_id(), resp->mutable_status());
    });
  }

  grpc::Status ExecSync(grpc::ServerContext* ctx, const cri::ExecSyncRequest* req,
                        cri::ExecSyncResponse* resp) override {
    return s_->Serve("ExecSync", ctx, *req, [&](CallScope& scope) { return s_->DoExecSync(scope, *req, resp); });
  }

 private:
  FakeCriServer* s_;
};

grpc::Status FakeCriServer::DoStopContainer(CallScope& scope, const cri::StopContainerRequest& req) {
  std::unique_lock lock(mu_);
  StopPlan plan;
  grpc::Status st = state_.PlanStop(req.container_id(), req.timeout(), &plan);
  if (!st.ok()) return st;
  switch (plan.action) {
    case StopPlan::Action::kNothing:
      return grpc::Status::OK;
    case StopPlan::Action::kExitNow:
      state_.ExitContainer(req.container_id(), plan.exit_code, plan.reason);
      state_changed_.notify_all();
      return grpc::Status::OK;
    case StopPlan::Action::kKillAfterGrace: {
      // SIGTERM is ignored: the workload runs until SIGKILL after the timeout, unless it exits
      // on its own (or is killed by another call) first.
      const auto kill_at = SteadyClock::now() + std::chrono::seconds(req.timeout());
      auto end = scope.WaitUntil(lock, kill_at, [&] { return !state_.IsRunning(req.container_id()); });
      if (end == CallScope::WaitEnd::kCondition) return grpc::Status::OK;
      if (end != CallScope::WaitEnd::kTimeout) {
        // As containerd: the caller's context ended first; the container keeps running.
        auto status = scope.StatusFor(end);
        return {status.error_code(), "wait container \"" + req.container_id() + "\": " + status.error_message()};
      }
      state_.ExitContainer(req.container_id(), plan.exit_code, plan.reason);
      state_changed_.notify_all();
      return grpc::Status::OK;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeCriServer::DoExecSync(CallScope& scope, const cri::ExecSyncRequest& req,
                                       cri::ExecSyncResponse* resp) {
  std::unique_lock lock(mu_);
  grpc::Status st = state_.CheckExec(req.container_id());
  if (!st.ok()) return st;
  const std::vector<std::string> command(req.cmd().begin(), req.cmd().end());
  const ExecResult result = script_.TakeExecResult(command);
  if (result.delay.count() > 0) {
    const auto start = SteadyClock::now();
    const auto finish = start + result.delay;
    const bool times_out = req.timeout() > 0 && std::chrono::seconds(req.timeout()) < result.delay;
    const auto until = times_out ? start + std::chrono::seconds(req.timeout()) : finish;
    auto end = scope.WaitUntil(lock, until, [&] { return !state_.IsRunning(req.container_id()); });
    if (end == CallScope::WaitEnd::kCondition) {
      // The container stopped under the exec: its process was killed with it.
      resp->set_exit_code(kSigkillExitCode);
      return grpc::Status::OK;
    }
    if (end != CallScope::WaitEnd::kTimeout) return scope.StatusFor(end);
    if (times_out) {
      return {grpc::StatusCode::DEADLINE_EXCEEDED,
              "failed to exec in container: timeout " + GoDuration(req.timeout()) +
                  " exceeded: context deadline exceeded"};
    }
  }
  resp->set_exit_code(result.exit_code);
  resp->set_stdout(result.stdout_text);
  resp->set_stderr(result.stderr_text);
  return grpc::Status::OK;
}

void FakeCriServer::ScheduleOwnExitLocked(const std::string& container_id) {
  auto it = state_.containers().find(container_id);
  if (it == state_.containers().end() || !it->second.workload.exits_after || shutting_down_) return;
  const WorkloadRule& w = it->second.workload;
  own_exits_.push_back({SteadyClock::now() + *w.exits_after, container_id, w.exit_code});
  if (!exit_timer_.joinable()) exit_timer_ = std::thread([this] { RunExitTimer(); });
}

// The workloads' own exits, in time order. A container already stopped (or removed) by then is
// left as it is: ExitContainer only ends a running one, so a stop before the exit wins.
void FakeCriServer::RunExitTimer() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    const auto now = SteadyClock::now();
    auto due = std::partition(own_exits_.begin(), own_exits_.end(), [&](const OwnExit& e) { return e.at > now; });
    std::vector<OwnExit> firing(due, own_exits_.end());
    own_exits_.erase(due, own_exits_.end());
    std::sort(firing.begin(), firing.end(), [](const OwnExit& a, const OwnExit& b) { return a.at < b.at; });
    for (const auto& e : firing) state_.ExitContainer(e.container_id, e.exit_code, "");
    if (!firing.empty()) state_changed_.notify_all();
    if (own_exits_.empty()) {
      state_changed_.wait(lock);
    } else {
      // A copy: the wait releases the lock, and a push_back meanwhile may move the vector.
      const auto next = std::min_element(own_exits_.begin(), own_exits_.end(),
                                         [](const OwnExit& a, const OwnExit& b) { return a.at < b.at; })->at;
      state_changed_.wait_until(lock, next);
    }
  }
}

// ---- ImageService ----

class FakeCriServer::ImageServiceImpl final : public cri::ImageService::Service {
 public:
  explicit ImageServiceImpl(FakeCriServer* s) : s_(s) {}

  grpc::Status ListImages(grpc::ServerContext* ctx, const cri::ListImagesRequest* req,
                          cri::ListImagesResponse* resp) override {
    return s_->Serve("ListImages", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      for (const auto& image : s_->state_.Images()) {
        if (req->filter().has_image() && !req->filter().image().image().empty() &&
            req->filter().image().image() != image.reference && req->filter().image().image() != image.id) {
          continue;
        }
        Fill(image, resp->add_images());
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status ImageStatus(grpc::ServerContext* ctx, const cri::ImageStatusRequest* req,
                           cri::ImageStatusResponse* resp) override {
    return s_->Serve("ImageStatus", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      // An absent image is not an error in CRI: the response simply has no image.
      if (auto image = s_->state_.FindImage(req->image().image())) Fill(*image, resp->mutable_image());
      return grpc::Status::OK;
    });
  }

  grpc::Status PullImage(grpc::ServerContext* ctx, const cri::PullImageRequest* req,
                         cri::PullImageResponse* resp) override {
    return s_->Serve("PullImage", ctx, *req, [&](CallScope&) {
      if (req->image().image().empty()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "image reference must not be empty");
      }
      std::lock_guard lock(s_->mu_);
      resp->set_image_ref(s_->state_.PullImage(req->image().image()));
      return grpc::Status::OK;
    });
  }

  grpc::Status RemoveImage(grpc::ServerContext* ctx, const cri::RemoveImageRequest* req,
                           cri::RemoveImageResponse*) override {
    return s_->Serve("RemoveImage", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      s_->state_.RemoveImage(req->image().image());  // idempotent, as in containerd
      return grpc::Status::OK;
    });
  }

  grpc::Status ImageFsInfo(grpc::ServerContext* ctx, const cri::ImageFsInfoRequest* req,
                           cri::ImageFsInfoResponse* resp) override {
    return s_->Serve("ImageFsInfo", ctx, *req, [&](CallScope&) {
      auto* usage = resp->add_image_filesystems();
      usage->set_timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
      usage->mutable_fs_id()->set_mountpoint("/var/lib/podlife-fake-cri/images");
      usage->mutable_used_bytes()->set_value(0);
      usage->mutable_inodes_used()->set_value(0);
      return grpc::Status::OK;
    });
  }

 private:
  static void Fill(const ImageRecord& image, cri::Image* out) {
    out->set_id(image.id);
    out->add_repo_tags(image.reference);
    out->mutable_spec()->set_image(image.reference);
    out->set_size(0);
  }
  FakeCriServer* s_;
};

// ---- lifecycle ----

FakeCriServer::FakeCriServer() { state_.SetScript(&script_); }

std::unique_ptr<FakeCriServer> FakeCriServer::Start(const FakeCriOptions& options, std::string* error) {
  std::unique_ptr<FakeCriServer> server(new FakeCriServer());
  server->front_.calls().SetCapacity(options.call_log_capacity);
  server->script_.SetSimulateCommands(options.simulate_commands);

  ListenPlan plan;
  if (!PrepareListen(options.listen, &plan, error)) return nullptr;
  server->private_dir_ = plan.private_dir;  // removed at shutdown, also when the start fails below
  server->socket_path_ = plan.socket_path;
  const Endpoint& endpoint = plan.endpoint;

  server->runtime_service_ = std::make_unique<RuntimeServiceImpl>(server.get());
  server->image_service_ = std::make_unique<ImageServiceImpl>(server.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(endpoint.GrpcTarget(), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(server->runtime_service_.get());
  builder.RegisterService(server->image_service_.get());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || (endpoint.kind == Endpoint::Kind::kTcp && port == 0)) {
    *error = "cannot listen on " + plan.listen;
    server->server_.reset();
    return nullptr;
  }
  server->address_ = FinishListen(plan, port);
  return server;
}

FakeCriServer::~FakeCriServer() { Shutdown(); }

void FakeCriServer::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  front_.Shutdown();  // wakes every wait (it shares mu_ and state_changed_) and every gate
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  // No timer is started once shutting_down_ is set (checked under mu_, taken above), so this
  // join sees the last one; the notify above woke it.
  if (exit_timer_.joinable()) exit_timer_.join();
  std::error_code ec;
  if (!socket_path_.empty()) fs::remove(socket_path_, ec);
  if (!private_dir_.empty()) fs::remove_all(private_dir_, ec);
}

std::string FakeCriServer::grpc_target() const {
  auto parsed = ParseEndpoint(address_);
  return std::get<Endpoint>(parsed).GrpcTarget();
}

std::shared_ptr<grpc::Channel> FakeCriServer::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(grpc_target(), grpc::InsecureChannelCredentials(), args);
}

// ---- scripting ----

void FakeCriServer::FailNext(const std::string& method, grpc::StatusCode code, const std::string& message,
                             int times) {
  front_.FailNext(method, code, message, times);
}
void FakeCriServer::AnswerEmptyNext(const std::string& method, int times) { front_.AnswerEmptyNext(method, times); }
void FakeCriServer::FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message) {
  front_.FailAlways(method, code, message);
}
void FakeCriServer::AddLatency(const std::string& method, Millis latency, int times) {
  front_.AddLatency(method, latency, times);
}
void FakeCriServer::HangUntilDeadline(const std::string& method, int times) { front_.HangUntilDeadline(method, times); }
void FakeCriServer::AddFault(Fault fault) { front_.AddFault(std::move(fault)); }
void FakeCriServer::ClearFaults(const std::string& method) { front_.ClearFaults(method); }
std::shared_ptr<Gate> FakeCriServer::HoldNext(const std::string& method) { return front_.HoldNext(method); }

void FakeCriServer::ScriptExec(std::vector<std::string> command, ExecResult result, int times) {
  std::lock_guard lock(mu_);
  script_.AddExecRule(ExecRule{std::move(command), std::move(result), times, 0});
}

void FakeCriServer::SetDefaultExecResult(ExecResult result) {
  std::lock_guard lock(mu_);
  script_.SetDefaultExecResult(std::move(result));
}

void FakeCriServer::ScriptWorkload(WorkloadRule rule) {
  std::lock_guard lock(mu_);
  script_.AddWorkloadRule(std::move(rule));
}

void FakeCriServer::SetPodIps(std::vector<std::string> ips) {
  std::lock_guard lock(mu_);
  state_.SetPodIps(std::move(ips));
}

void FakeCriServer::ExitContainer(const std::string& container_id, int exit_code, const std::string& reason) {
  std::lock_guard lock(mu_);
  state_.ExitContainer(container_id, exit_code, reason);
  state_changed_.notify_all();
}

WaitResult FakeCriServer::WaitUntilNotRunning(const std::string& container_id, Millis timeout) {
  std::unique_lock lock(mu_);
  if (state_changed_.wait_for(lock, timeout, [&] { return !state_.IsRunning(container_id); })) return WaitResult::Ok();
  return WaitResult::Failure("container " + container_id + " still running after " + std::to_string(timeout.count()) +
                             "ms\ncall log:\n" + front_.calls().Format());
}

void FakeCriServer::ExitContainerAgo(const std::string& container_id, int exit_code, std::chrono::nanoseconds ago) {
  std::lock_guard lock(mu_);
  state_.ExitContainer(container_id, exit_code, "", ago.count());
  state_changed_.notify_all();
}

std::optional<ContainerRecord> FakeCriServer::Container(const std::string& container_id) const {
  std::lock_guard lock(mu_);
  auto it = state_.containers().find(container_id);
  if (it == state_.containers().end()) return std::nullopt;
  return it->second;
}

std::optional<SandboxRecord> FakeCriServer::Sandbox(const std::string& sandbox_id) const {
  std::lock_guard lock(mu_);
  auto it = state_.sandboxes().find(sandbox_id);
  if (it == state_.sandboxes().end()) return std::nullopt;
  return it->second;
}

std::vector<ContainerRecord> FakeCriServer::Containers() const {
  std::lock_guard lock(mu_);
  std::vector<ContainerRecord> out;
  for (const auto& [id, c] : state_.containers()) out.push_back(c);
  return out;
}

std::vector<std::string> FakeCriServer::Unconsumed() const {
  std::vector<std::string> items = front_.Unconsumed();  // faults and gates
  std::lock_guard lock(mu_);
  for (auto& item : script_.Unconsumed()) items.push_back(std::move(item));  // exec results
  return items;
}

WaitResult FakeCriServer::VerifyAllConsumed() const {
  auto items = Unconsumed();
  if (items.empty()) return WaitResult::Ok();
  std::string msg = "fake CRI: scripted items nobody consumed:\n";
  for (const auto& item : items) msg += "  " + item + "\n";
  msg += "call log:\n" + front_.calls().Format();
  return WaitResult::Failure(msg);
}

}  // namespace podlife::fakes
