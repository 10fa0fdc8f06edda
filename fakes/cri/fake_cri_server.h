// FakeCriServer: a real CRI runtime.v1 gRPC server (RuntimeService and ImageService) on a unix
// socket or 127.0.0.1, whose runtime is simulated, recorded and scriptable.
//
// Contract:
// - Start() listens on a unix socket created mode 0600 in a fresh private (0700) directory, or on
//   the address given; address() reads it back as `unix:///...` or `tcp://127.0.0.1:PORT`.
// - State follows RuntimeState (containerd 1.6 behaviour). Every call is recorded in calls()
//   before it is served; scripting (faults, gates, exec results, workloads, pod IPs) applies to
//   calls that arrive after it was set.
// - Blocking behaviour uses real time: StopContainer waits up to its timeout for a workload that
//   ignores SIGTERM; a scripted exec runs for its delay; a request timeout shorter than that delay
//   ends the exec with containerd's DEADLINE_EXCEEDED; a workload scripted to exit by itself
//   (WorkloadRule::exits_after) exits that long after its StartContainer, on one timer thread
//   that Shutdown() cancels and joins. Every wait also ends when the client's deadline passes,
//   the client cancels, or the server shuts down: nothing hangs the server.
// - Recording and faults are the front half, CallFront (call_front.h), which this server owns and
//   every handler goes through; the simulated runtime is the back half behind it.
// - With simulate_commands, a container's own command runs in the simulated shell
//   (simulated_exec.h) unless a WorkloadRule matches it: its output goes to the container log at
//   the time the script reaches it, and it exits by itself when its script ends (on the same
//   timer thread). The log file (log_directory/log_path, CRI log format) is created when the
//   container starts, as containerd does (a start fails, 128 StartError, if it cannot be), kept
//   open until the container is removed, and reopened by ReopenContainerLog.
// - Stats are synthetic (synthetic_stats.h), scripted with ScriptStats.
// - Strict: Unconsumed() / VerifyAllConsumed() report one-shot script items nobody used.
// - Thread-safe. Shutdown() (also run by the destructor) releases every gate and held call, stops
//   the server and removes its socket (only if it is still the one it bound) and its private
//   directories (private_dir.h).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fakes/cri/call_front.h"
#include "fakes/cri/call_log.h"
#include "fakes/cri/listen_socket.h"
#include "fakes/cri/runtime_state.h"
#include "fakes/cri/script.h"

namespace podlife::fakes {

struct FakeCriOptions {
  // "" = a unix socket in a fresh private directory; or "unix:///path", "tcp://127.0.0.1:0".
  std::string listen;
  size_t call_log_capacity = 0;  // 0 = keep every call
  // Unscripted ExecSync commands and containers' own commands are simulated (simulated_exec.h),
  // and container logs are written.
  bool simulate_commands = false;
  // Container logs go under a private directory of the server (removed at shutdown) instead of
  // at log_directory/log_path, for fakes that must not write where a kubelet's runtime would.
  bool private_logs = false;
  // Whose answers where runtimes differ (flavor.h): the CRI contract unless told otherwise; the
  // differential check against the lane's containerd uses kContainerd1_6_20.
  Flavor flavor = kDefaultFlavor;
  // The runtime's configuration and host as request validation sees them (request_validation.h).
  // An unset seccomp_profile_readable reads this machine's file system.
  RuntimeHost host = {};
};

class FakeCriServer {
 public:
  // Returns nullptr and sets *error when the server cannot listen.
  static std::unique_ptr<FakeCriServer> Start(const FakeCriOptions& options, std::string* error);
  ~FakeCriServer();
  FakeCriServer(const FakeCriServer&) = delete;
  FakeCriServer& operator=(const FakeCriServer&) = delete;

  const std::string& address() const { return address_; }  // unix:///... or tcp://host:port
  std::string grpc_target() const;
  std::shared_ptr<grpc::Channel> NewChannel() const;

  // Record (the front half, CallFront, records and applies faults; this class is its backend).
  CallLog& calls() { return front_.calls(); }
  // The front itself, for code that drives the fake and the CRI proxy alike (fakes/proxy).
  CallFront& front() { return front_; }

  // Script: faults per method (short rpc name).
  void FailNext(const std::string& method, grpc::StatusCode code, const std::string& message, int times = 1);
  void FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message);
  void AddLatency(const std::string& method, Millis latency, int times = 0);
  void HangUntilDeadline(const std::string& method, int times = 1);
  // Answers the next call(s) OK with an empty response message (e.g. a ContainerStatus with no
  // status: a runtime bug the kubelet guards against, CRI-09). State is not touched.
  void AnswerEmptyNext(const std::string& method, int times = 1);
  void AddFault(Fault fault);
  void ClearFaults(const std::string& method);
  // Holds the next call of `method` until the gate is released.
  std::shared_ptr<Gate> HoldNext(const std::string& method);
  // Script: exec results, workloads, pod IPs.
  void ScriptExec(std::vector<std::string> command, ExecResult result, int times = 0);
  void SetDefaultExecResult(ExecResult result);
  void ScriptWorkload(WorkloadRule rule);
  void ScriptStats(StatsRule rule);
  void SetPodIps(std::vector<std::string> ips);
  // Changes the flavour for calls that arrive from now on (a scenario's `flavor:`).
  void SetFlavor(Flavor flavor);
  Flavor flavor() const;
  // The runtime's configuration and host as request validation sees them, for calls that arrive
  // from now on (a scenario's `runtimeHandlers:`, `appArmorProfiles:`).
  void SetHost(RuntimeHost host);
  RuntimeHost host() const;
  // Script: what pulling these references yields (one image, shared by all of them), or an image
  // present from the start (`present`, as if imported).
  void DefineImage(ImageDefinition definition);

  // The container's workload died: PID 1 exited with `exit_code`.
  void ExitContainer(const std::string& container_id, int exit_code, const std::string& reason = "");
  // Waits until the container is no longer running (exited, removed or unknown), up to `timeout`.
  [[nodiscard]] WaitResult WaitUntilNotRunning(const std::string& container_id, Millis timeout);
  // The same, as if it had happened `ago` earlier: finished_at lies that far in the past, so a
  // case can check what is measured from a container's finish (CrashLoopBackOff) without waiting.
  void ExitContainerAgo(const std::string& container_id, int exit_code, std::chrono::nanoseconds ago);
  std::optional<ContainerRecord> Container(const std::string& container_id) const;
  std::optional<SandboxRecord> Sandbox(const std::string& sandbox_id) const;
  std::vector<ContainerRecord> Containers() const;

  std::vector<std::string> Unconsumed() const;
  WaitResult VerifyAllConsumed() const;

  void Shutdown();

 private:
  class RuntimeServiceImpl;
  class ImageServiceImpl;
  friend class RuntimeServiceImpl;
  friend class ImageServiceImpl;
  using CallScope = podlife::fakes::CallScope;

  FakeCriServer();

  // Every handler goes through the front: recorded, faulted, then served by `body`.
  template <class Req, class Body>
  grpc::Status Serve(const char* method, grpc::ServerContext* ctx, const Req& req, Body&& body,
                     const std::function<std::string()>& answered_id = nullptr) {
    return front_.Serve(method, ctx, req, std::forward<Body>(body), answered_id);
  }

  grpc::Status DoStopContainer(CallScope& scope, const cri::StopContainerRequest& req);
  grpc::Status DoExecSync(CallScope& scope, const cri::ExecSyncRequest& req, cri::ExecSyncResponse* resp);
  // The unscripted result of an exec: simulated (an error when the binary cannot start) or the default.
  grpc::Status UnscriptedExecLocked(const cri::ExecSyncRequest& req, ExecResult* result);
  grpc::Status DoStartContainer(const std::string& container_id);
  // With mu_ held, after a successful StartContainer: plans the simulated command (unless a rule
  // is scripted) and writes its first output.
  void SimulateWorkloadLocked(const std::string& container_id);
  // With mu_ held, after a successful StartContainer: arms the workload's own exit, if scripted.
  void ScheduleOwnExitLocked(const std::string& container_id);
  void RunExitTimer();
  // Container logs, with mu_ held: "" or why the file cannot be opened.
  std::string OpenLogLocked(const std::string& container_id);
  void WriteLogLocked(const std::string& container_id, const std::string& text, bool to_stderr);
  void CloseRemovedLogsLocked();

  mutable std::mutex mu_;  // guards state_ and script_
  std::condition_variable state_changed_;
  RuntimeState state_;
  Script script_;  // exec results and workloads; faults and gates live in front_
  CallFront front_{&mu_, &state_changed_};
  std::atomic<bool> shutting_down_{false};

  // Workloads that exit by themselves (WorkloadRule::exits_after), guarded by mu_; the timer thread
  // starts with the first and never after shutdown began.
  struct OwnExit {
    std::chrono::steady_clock::time_point at;
    std::string container_id;
    int exit_code;
    std::optional<WorkloadOutput> output = std::nullopt;  // set: a log write, not the exit
  };
  std::vector<OwnExit> own_exits_;
  std::thread exit_timer_;
  std::map<std::string, int> log_fds_;  // open container logs by container ID, guarded by mu_
  std::string log_dir_;                 // the private log directory, removed at shutdown

  std::unique_ptr<RuntimeServiceImpl> runtime_service_;
  std::unique_ptr<ImageServiceImpl> image_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  ListenPlan listen_plan_;  // the socket (and private directory) to remove at shutdown
};

}  // namespace podlife::fakes
