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
//   runs until stopped; with simulated commands, the container's own command decides instead
//   (simulated_exec.h), unless a rule matches: a rule always wins. A rule with a `script` runs
//   that script in the simulated shell instead of the container's command.
// - StatsRules set the synthetic figures ContainerStats reports for a container name (empty =
//   any), matched when the stats are asked for.
// - Unconsumed() lists every one-shot item (fault, exec result, gate) nobody used: the fake is
//   strict, and reports them at teardown.
// - A fault or gate for a method the fake does not serve (a typo such as "StartContainr") could
//   never apply: AddFault, AddGate and ClearFaults throw std::invalid_argument naming it.
// The Script is not thread-safe by itself: the server guards it with its state lock.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
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
  // Run this shell script (simulated) instead of the container's command; it then decides the
  // fields above. Checked with ValidateWorkloadScript where it is written.
  std::optional<std::string> script = std::nullopt;
};

// Synthetic resource usage of a container (unset: the fake's defaults, synthetic_stats.h).
struct StatsRule {
  std::string container_name;  // metadata.name; empty = any container
  std::optional<uint64_t> cpu_nano_cores;
  std::optional<uint64_t> memory_working_set_bytes;
  std::optional<uint64_t> writable_layer_bytes;
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
  bool simulates_commands() const { return simulate_; }
  // The scripted result for this command (a rule's use is counted), or the default result.
  ExecResult TakeExecResult(const std::vector<std::string>& command);
  // The scripted result, or nullopt when no rule matches (the caller simulates or defaults).
  std::optional<ExecResult> TakeScriptedExecResult(const std::vector<std::string>& command);
  const ExecResult& default_exec_result() const { return default_exec_; }

  void AddWorkloadRule(WorkloadRule rule) { workloads_.push_back(std::move(rule)); }
  WorkloadRule WorkloadFor(const std::string& container_name) const;
  // The first rule for this container, or nullptr when none was scripted.
  const WorkloadRule* FindWorkloadRule(const std::string& container_name) const;

  void AddStatsRule(StatsRule rule) { stats_.push_back(std::move(rule)); }
  // The first stats rule for this container, or nullptr.
  const StatsRule* FindStatsRule(const std::string& container_name) const;

  std::vector<std::string> Unconsumed() const;
  std::vector<std::shared_ptr<Gate>> AllGates() const { return gates_; }

 private:
  std::vector<Fault> faults_;
  std::vector<std::shared_ptr<Gate>> gates_;  // in creation order; a gate is used once
  std::vector<ExecRule> exec_rules_;
  ExecResult default_exec_;
  bool simulate_ = false;
  std::vector<WorkloadRule> workloads_;
  std::vector<StatsRule> stats_;
};

std::string JoinCommand(const std::vector<std::string>& argv);

// The CRI rpc methods the fake serves (short names), in the order of the CRI api.
const std::vector<std::string>& ServedCriMethods();
bool IsServedCriMethod(const std::string& method);
// Throws std::invalid_argument, naming `what` and the served methods, unless `method` is served.
void CheckCriMethod(const std::string& what, const std::string& method);

}  // namespace podlife::fakes
