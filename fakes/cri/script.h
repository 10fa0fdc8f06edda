// Script: what a fake CRI server does instead of its faithful default, as a test or a scenario
// file scripts it.
//
// Contract:
// - Faults are per rpc method (short name, e.g. "StartContainer"). A fault may return a gRPC
//   status (one-shot for `times` calls, or sticky), add latency, hold the call at a Gate until the
//   test releases it, or hang until the client's deadline. A faulted call does not touch state.
// - ExecRules match ExecSync on the exact command (argv); an empty command matches any. Rules are
//   tried in order; a rule with `times` is used that many times, then passed over.
// - WorkloadRules say how a container's PID 1 behaves on SIGTERM, and whether it exits by itself
//   some time after StartContainer (a Job's container), matched on the container name at
//   CreateContainer (empty = any). Default: it handles TERM and exits 0 promptly, and otherwise
//   runs until stopped.
// - Unconsumed() lists every one-shot item (fault, exec result, gate) nobody used: the fake is
//   strict, and reports them at teardown.
// - A fault or gate for a method the fake does not serve (a typo such as "StartContainr") could
//   never apply: AddFault, AddGate and ClearFaults throw std::invalid_argument naming it.
// The Script is not thread-safe by itself: the server guards it with its state lock.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fakes/common/gate.h"
#include "fakes/common/wait_result.h"

namespace podlife::fakes {

using Millis = std::chrono::milliseconds;

struct Fault {
  std::string method;
  std::optional<grpc::StatusCode> code;  // status to return instead of serving the call
  std::string message;
  Millis latency{0};               // added before the call is served
  bool hang_until_deadline = false;  // never answer; the client's deadline (or cancel) ends it
  bool empty_response = false;     // answer OK with an empty message, without serving the call
  int times = 0;                   // 0 = sticky; n = the next n calls
  int used = 0;
};

struct ExecResult {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
  Millis delay{0};  // how long the command runs
};

struct ExecRule {
  std::vector<std::string> command;  // exact argv; empty = any command
  ExecResult result;
  int times = 0;  // 0 = every time; n = the next n matching calls
  int used = 0;
};

struct WorkloadRule {
  std::string container_name;  // metadata.name; empty = any container
  bool ignores_sigterm = false;   // true: only SIGKILL after the stop timeout ends it (exit 137)
  int exit_code_on_term = 0;      // exit code when it handles SIGTERM
  // PID 1 exits by itself this long after StartContainer with `exit_code` (real time); a stop,
  // a kill or the sandbox's stop before then wins. nullopt: it runs until stopped.
  std::optional<Millis> exits_after = std::nullopt;
  int exit_code = 0;
};

class Script {
 public:
  void AddFault(Fault fault);
  void ClearFaults(const std::string& method);
  // The faults that apply to this call of `method`, consumed in order: latency and hangs of every
  // matching fault, and the first status.
  std::vector<Fault> TakeFaults(const std::string& method);

  std::shared_ptr<Gate> AddGate(const std::string& method);
  std::shared_ptr<Gate> TakeGate(const std::string& method);

  void AddExecRule(ExecRule rule) { exec_rules_.push_back(std::move(rule)); }
  void SetDefaultExecResult(ExecResult result) { default_exec_ = std::move(result); }
  // Unscripted commands are simulated (see simulated_exec.h) instead of getting the default.
  void SetSimulateCommands(bool on) { simulate_ = on; }
  ExecResult TakeExecResult(const std::vector<std::string>& command);

  void AddWorkloadRule(WorkloadRule rule) { workloads_.push_back(std::move(rule)); }
  WorkloadRule WorkloadFor(const std::string& container_name) const;

  std::vector<std::string> Unconsumed() const;
  std::vector<std::shared_ptr<Gate>> AllGates() const { return gates_; }

 private:
  std::vector<Fault> faults_;
  std::vector<std::shared_ptr<Gate>> gates_;  // in creation order; a gate is used once
  std::vector<ExecRule> exec_rules_;
  ExecResult default_exec_;
  bool simulate_ = false;
  std::vector<WorkloadRule> workloads_;
};

std::string JoinCommand(const std::vector<std::string>& argv);

// The CRI rpc methods the fake serves (short names), in the order of the CRI api.
const std::vector<std::string>& ServedCriMethods();
bool IsServedCriMethod(const std::string& method);
// Throws std::invalid_argument, naming `what` and the served methods, unless `method` is served.
void CheckCriMethod(const std::string& what, const std::string& method);

}  // namespace podlife::fakes
