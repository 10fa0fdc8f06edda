#include "fakes/cri/fake_cri_server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "fakes/cri/synthetic_stats.h"
#include "runtime/v1/api.grpc.pb.h"
#include "fakes/common/private_dir.h"
#include "fakes/cri/listen_socket.h"
#include "fakes/cri/simulated_exec.h"
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

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

grpc::Status NoStreamingServer(const std::string& method) {
  return {grpc::StatusCode::UNIMPLEMENTED,
          method + " is not supported by podlife-fake-cri: the fake has no streaming server (use ExecSync)"};
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
    }, [resp] { return resp->pod_sandbox_id(); });
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
      s_->CloseRemovedLogsLocked();
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
    }, [resp] { return resp->container_id(); });
  }

  grpc::Status StartContainer(grpc::ServerContext* ctx, const cri::StartContainerRequest* req,
                              cri::StartContainerResponse*) override {
    return s_->Serve("StartContainer", ctx, *req, [&](CallScope&) { return s_->DoStartContainer(req->container_id()); });
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
      s_->CloseRemovedLogsLocked();
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

  grpc::Status ReopenContainerLog(grpc::ServerContext* ctx, const cri::ReopenContainerLogRequest* req,
                                  cri::ReopenContainerLogResponse*) override {
    return s_->Serve("ReopenContainerLog", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      grpc::Status st = s_->state_.CheckReopenLog(req->container_id());
      if (!st.ok() || !s_->log_fds_.count(req->container_id())) return st;
      // As containerd: a new file at the log path (the old one was rotated away); the old is closed.
      if (std::string error = s_->OpenLogLocked(req->container_id()); !error.empty()) {
        return grpc::Status(grpc::StatusCode::UNKNOWN, "failed to create and open log file: " + error);
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status ContainerStats(grpc::ServerContext* ctx, const cri::ContainerStatsRequest* req,
                              cri::ContainerStatsResponse* resp) override {
    return s_->Serve("ContainerStats", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return ContainerStatsOf(s_->state_, s_->script_, req->container_id(), NowNanos(), resp->mutable_stats());
    });
  }

  grpc::Status ListContainerStats(grpc::ServerContext* ctx, const cri::ListContainerStatsRequest* req,
                                  cri::ListContainerStatsResponse* resp) override {
    return s_->Serve("ListContainerStats", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      ListContainerStatsOf(s_->state_, s_->script_, req->filter(), NowNanos(), resp);
      return grpc::Status::OK;
    });
  }

  grpc::Status PodSandboxStats(grpc::ServerContext* ctx, const cri::PodSandboxStatsRequest* req,
                               cri::PodSandboxStatsResponse* resp) override {
    return s_->Serve("PodSandboxStats", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return PodSandboxStatsOf(s_->state_, s_->script_, req->pod_sandbox_id(), NowNanos(), resp->mutable_stats());
    });
  }

  grpc::Status ListPodSandboxStats(grpc::ServerContext* ctx, const cri::ListPodSandboxStatsRequest* req,
                                   cri::ListPodSandboxStatsResponse* resp) override {
    return s_->Serve("ListPodSandboxStats", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      ListPodSandboxStatsOf(s_->state_, s_->script_, req->filter(), NowNanos(), resp);
      return grpc::Status::OK;
    });
  }

  // Streaming calls answer a URL of the runtime's streaming server; the fake has none.
  grpc::Status Exec(grpc::ServerContext* ctx, const cri::ExecRequest* req, cri::ExecResponse*) override {
    return s_->Serve("Exec", ctx, *req, [](CallScope&) { return NoStreamingServer("Exec"); });
  }
  grpc::Status Attach(grpc::ServerContext* ctx, const cri::AttachRequest* req, cri::AttachResponse*) override {
    return s_->Serve("Attach", ctx, *req, [](CallScope&) { return NoStreamingServer("Attach"); });
  }
  grpc::Status PortForward(grpc::ServerContext* ctx, const cri::PortForwardRequest* req,
                           cri::PortForwardResponse*) override {
    return s_->Serve("PortForward", ctx, *req, [](CallScope&) { return NoStreamingServer("PortForward"); });
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
      if (req.timeout() > 0) {  // SIGTERM: the simulated trap's action writes its output first
        const ContainerRecord* c = state_.MutableContainer(req.container_id());
        if (c && !c->term_output.empty()) WriteLogLocked(req.container_id(), c->term_output, false);
      }
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
  ExecResult result;
  if (auto scripted = script_.TakeScriptedExecResult(command)) {
    result = *scripted;
  } else if (grpc::Status unscripted = UnscriptedExecLocked(req, &result); !unscripted.ok()) {
    return unscripted;
  }
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
  // containerd keeps the first 16 MiB of each stream (a scripted result is cut the same way); an
  // answer larger than the 16 MiB message limit then fails to send, RESOURCE_EXHAUSTED, as there.
  resp->set_stdout(result.stdout_text.substr(0, kMaxExecStreamBytes));
  resp->set_stderr(result.stderr_text.substr(0, kMaxExecStreamBytes));
  return grpc::Status::OK;
}

grpc::Status FakeCriServer::UnscriptedExecLocked(const cri::ExecSyncRequest& req, ExecResult* result) {
  ContainerRecord* c = state_.MutableContainer(req.container_id());
  if (!script_.simulates_commands() || !c) {
    *result = script_.default_exec_result();
    return grpc::Status::OK;
  }
  ShellContext shell{&c->fs, c->hostname, c->identity};
  SimulatedExec exec = SimulateCommand({req.cmd().begin(), req.cmd().end()}, shell);
  if (!exec.start_error.empty()) {
    // The binary of a plain argv does not exist: runc cannot start it (containerd 1.6's text).
    return {grpc::StatusCode::UNKNOWN, "failed to exec in container: failed to start exec \"" + c->id.substr(0, 12) +
                                           "-exec\": OCI runtime exec failed: exec failed: unable to start container "
                                           "process: " + exec.start_error + ": unknown"};
  }
  *result = exec.result;
  return grpc::Status::OK;
}

grpc::Status FakeCriServer::DoStartContainer(const std::string& container_id) {
  std::lock_guard lock(mu_);
  grpc::Status st = state_.StartContainer(container_id);
  if (st.ok() && script_.simulates_commands()) {
    if (std::string error = OpenLogLocked(container_id); !error.empty()) {
      st = state_.FailStart(container_id, "failed to create containerd task: failed to create container loggers: "
                                          "failed to create and open log file: " + error);
    }
  }
  if (st.ok()) {
    SimulateWorkloadLocked(container_id);
    ScheduleOwnExitLocked(container_id);
  }
  state_changed_.notify_all();
  return st;
}

void FakeCriServer::SimulateWorkloadLocked(const std::string& container_id) {
  ContainerRecord* c = state_.MutableContainer(container_id);
  if (!c) return;
  const bool has_script = c->workload.script.has_value();
  if ((c->workload_scripted && !has_script) || (!script_.simulates_commands() && !has_script)) return;
  std::vector<std::string> argv;
  if (has_script) {
    argv = {"sh", "-c", *c->workload.script};
  } else {
    argv.assign(c->config.command().begin(), c->config.command().end());
    argv.insert(argv.end(), c->config.args().begin(), c->config.args().end());
  }
  ShellContext shell{&c->fs, c->hostname, c->identity};
  const WorkloadPlan plan = PlanWorkload(argv, shell);
  c->workload.ignores_sigterm = plan.ignores_sigterm;
  c->workload.exit_code_on_term = plan.exit_code_on_term;
  c->workload.exits_after = plan.exits_after;
  c->workload.exit_code = plan.exit_code;
  c->term_output = plan.term_output;
  const auto start = SteadyClock::now();
  bool timed = false;
  for (const auto& out : plan.output) {
    if (out.at.count() == 0) {
      WriteLogLocked(container_id, out.text, out.to_stderr);
    } else if (!shutting_down_) {
      own_exits_.push_back({start + out.at, container_id, 0, out});
      timed = true;
    }
  }
  if (timed && !exit_timer_.joinable()) exit_timer_ = std::thread([this] { RunExitTimer(); });
}

std::string FakeCriServer::OpenLogLocked(const std::string& container_id) {
  ContainerRecord* c = state_.MutableContainer(container_id);
  if (!c || c->log_path.empty()) return "";
  std::error_code ec;
  fs::create_directories(fs::path(c->log_path).parent_path(), ec);
  if (ec) return "mkdir " + fs::path(c->log_path).parent_path().string() + ": " + ec.message();
  const int fd = open(c->log_path.c_str(), O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0640);
  if (fd < 0) return "open " + c->log_path + ": " + std::strerror(errno);
  auto [it, fresh] = log_fds_.emplace(container_id, fd);
  if (!fresh) {
    close(it->second);
    it->second = fd;
  }
  return "";
}

void FakeCriServer::WriteLogLocked(const std::string& container_id, const std::string& text, bool to_stderr) {
  auto it = log_fds_.find(container_id);
  if (it == log_fds_.end() || text.empty()) return;
  const std::string lines = FormatCriLogLines(text, to_stderr, NowNanos());
  size_t done = 0;
  while (done < lines.size()) {
    const ssize_t n = write(it->second, lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses the line, as a runtime's logger would
    done += static_cast<size_t>(n);
  }
}

void FakeCriServer::CloseRemovedLogsLocked() {
  for (auto it = log_fds_.begin(); it != log_fds_.end();) {
    if (state_.containers().count(it->first)) {
      ++it;
      continue;
    }
    close(it->second);
    it = log_fds_.erase(it);
  }
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
    auto due = std::stable_partition(own_exits_.begin(), own_exits_.end(), [&](const OwnExit& e) { return e.at > now; });
    std::vector<OwnExit> firing(due, own_exits_.end());
    own_exits_.erase(due, own_exits_.end());
    // Stable: a line written at the moment of the exit comes before it.
    std::stable_sort(firing.begin(), firing.end(), [](const OwnExit& a, const OwnExit& b) { return a.at < b.at; });
    for (const auto& e : firing) {
      if (!e.output) {
        state_.ExitContainer(e.container_id, e.exit_code, "");
      } else if (state_.IsRunning(e.container_id)) {
        WriteLogLocked(e.container_id, e.output->text, e.output->to_stderr);
      }
    }
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

  // containerd ignores the filter (its ListImages lists every image); the fake applies it as the
  // CRI contract describes, resolving the filter's image like ImageStatus does.
  grpc::Status ListImages(grpc::ServerContext* ctx, const cri::ListImagesRequest* req,
                          cri::ListImagesResponse* resp) override {
    return s_->Serve("ListImages", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      const std::string& wanted = req->filter().image().image();
      std::optional<ImageRecord> only;
      if (!wanted.empty()) {
        only = s_->state_.FindImage(wanted);
        if (!only) return grpc::Status::OK;
      }
      for (const auto& image : s_->state_.Images()) {
        if (!only || only->id == image.id) Fill(image, resp->add_images());
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status ImageStatus(grpc::ServerContext* ctx, const cri::ImageStatusRequest* req,
                           cri::ImageStatusResponse* resp) override {
    return s_->Serve("ImageStatus", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      ImageRecord image;
      auto st = s_->state_.ResolveImage(req->image().image(), &image);
      // An absent image is not an error in CRI: the response simply has no image.
      if (st.error_code() == grpc::StatusCode::NOT_FOUND) return grpc::Status::OK;
      if (!st.ok()) {
        return grpc::Status(st.error_code(),
                            "can not resolve \"" + req->image().image() + "\" locally: " + st.error_message());
      }
      Fill(image, resp->mutable_image());
      if (req->verbose()) (*resp->mutable_info())["info"] = VerboseInfo(image);
      return grpc::Status::OK;
    });
  }

  grpc::Status PullImage(grpc::ServerContext* ctx, const cri::PullImageRequest* req,
                         cri::PullImageResponse* resp) override {
    return s_->Serve("PullImage", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      std::string id;
      auto st = s_->state_.PullImage(req->image().image(), &id);
      resp->set_image_ref(id);
      return st;
    });
  }

  grpc::Status RemoveImage(grpc::ServerContext* ctx, const cri::RemoveImageRequest* req,
                           cri::RemoveImageResponse*) override {
    return s_->Serve("RemoveImage", ctx, *req, [&](CallScope&) {
      std::lock_guard lock(s_->mu_);
      return s_->state_.RemoveImage(req->image().image());  // idempotent, as in containerd
    });
  }

  grpc::Status ImageFsInfo(grpc::ServerContext* ctx, const cri::ImageFsInfoRequest* req,
                           cri::ImageFsInfoResponse* resp) override {
    return s_->Serve("ImageFsInfo", ctx, *req, [&](CallScope&) {
      RuntimeState::ImageFsUsage used;
      {
        std::lock_guard lock(s_->mu_);
        used = s_->state_.ImageFs();
      }
      auto* usage = resp->add_image_filesystems();
      usage->set_timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
      usage->mutable_fs_id()->set_mountpoint("/var/lib/podlife-fake-cri/images");
      usage->mutable_used_bytes()->set_value(used.used_bytes);
      usage->mutable_inodes_used()->set_value(used.inodes_used);
      return grpc::Status::OK;
    });
  }

 private:
  // As containerd 1.6's toCRIImage: no spec; uid for a numeric User, username otherwise, neither
  // when the image has no User (its process then runs as root).
  static void Fill(const ImageRecord& image, cri::Image* out) {
    out->set_id(image.id);
    for (const auto& tag : image.repo_tags) out->add_repo_tags(tag);
    for (const auto& digest : image.repo_digests) out->add_repo_digests(digest);
    out->set_size(image.size);
    if (image.user.empty()) return;
    const std::string user = image.user.substr(0, image.user.find(':'));
    char* end = nullptr;
    errno = 0;
    const long long uid = std::strtoll(user.c_str(), &end, 10);
    if (!user.empty() && *end == '\0' && errno == 0) {
      out->mutable_uid()->set_value(uid);
    } else {
      out->set_username(user);
    }
  }
  // ImageStatus's verbose `info`: containerd's JSON shape (chainID, imageSpec); the chain ID is a
  // stand-in (there are no layers). Scenario users are plain names or numbers (checked), so
  // nothing needs escaping.
  static std::string VerboseInfo(const ImageRecord& image) {
    const std::string user = image.user.empty() ? "" : "\"User\":\"" + image.user + "\"";
    return "{\"chainID\":\"" + image.manifest_digest + "\",\"imageSpec\":{\"architecture\":\"amd64\",\"os\":\"linux\","
           "\"config\":{" + user + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}}";
  }
  FakeCriServer* s_;
};

// ---- lifecycle ----

FakeCriServer::FakeCriServer() { state_.SetScript(&script_); }

std::unique_ptr<FakeCriServer> FakeCriServer::Start(const FakeCriOptions& options, std::string* error) {
  std::unique_ptr<FakeCriServer> server(new FakeCriServer());
  server->front_.calls().SetCapacity(options.call_log_capacity);
  server->script_.SetSimulateCommands(options.simulate_commands);
  if (options.private_logs) {
    std::string why;
    server->log_dir_ = MakePrivateDir(kLogDirPrefix, &why);
    if (server->log_dir_.empty()) {
      *error = "cannot create a private log directory: " + why;
      return nullptr;
    }
    server->state_.SetLogRoot(server->log_dir_);
  }
  server->state_.SetFlavor(options.flavor);
  RuntimeHost host = options.host;
  if (!host.seccomp_profile_readable) {
    host.seccomp_profile_readable = [](const std::string& path) { return std::ifstream(path).good(); };
  }
  server->state_.SetHost(std::move(host));

  ListenPlan& plan = server->listen_plan_;  // undone at shutdown, also when the start fails below
  if (!PrepareListen(options.listen, &plan, error)) return nullptr;
  const Endpoint& endpoint = plan.endpoint;

  server->runtime_service_ = std::make_unique<RuntimeServiceImpl>(server.get());
  server->image_service_ = std::make_unique<ImageServiceImpl>(server.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(plan.bind_target, grpc::InsecureServerCredentials(), &port);
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
  server->address_ = FinishListen(&plan, port, error);
  if (server->address_.empty()) return nullptr;  // the destructor stops the server
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
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, fd] : log_fds_) close(fd);
    log_fds_.clear();
  }
  RemovePrivateDir(log_dir_);
  RemoveListen(listen_plan_);
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

void FakeCriServer::ScriptStats(StatsRule rule) {
  std::lock_guard lock(mu_);
  script_.AddStatsRule(std::move(rule));
}

void FakeCriServer::SetPodIps(std::vector<std::string> ips) {
  std::lock_guard lock(mu_);
  state_.SetPodIps(std::move(ips));
}

void FakeCriServer::SetFlavor(Flavor flavor) {
  std::lock_guard lock(mu_);
  state_.SetFlavor(flavor);
}

Flavor FakeCriServer::flavor() const {
  std::lock_guard lock(mu_);
  return state_.flavor();
}

void FakeCriServer::SetHost(RuntimeHost host) {
  std::lock_guard lock(mu_);
  if (!host.seccomp_profile_readable) host.seccomp_profile_readable = state_.host().seccomp_profile_readable;
  state_.SetHost(std::move(host));
}

RuntimeHost FakeCriServer::host() const {
  std::lock_guard lock(mu_);
  return state_.host();
}

void FakeCriServer::DefineImage(ImageDefinition definition) {
  std::lock_guard lock(mu_);
  state_.DefineImage(definition);
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
