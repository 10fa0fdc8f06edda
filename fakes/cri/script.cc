#include "fakes/cri/script.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "fakes/cri/status_names.h"

namespace podlife::fakes {

const std::vector<std::string>& ServedCriMethods() {
  static const std::vector<std::string> methods = {
      "Version",         "RunPodSandbox",   "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus",
      "ListPodSandbox",  "CreateContainer", "StartContainer", "StopContainer",    "RemoveContainer",
      "ListContainers",  "ContainerStatus", "ExecSync",       "Status",           "ListImages",
      "ImageStatus",     "PullImage",       "RemoveImage",    "ImageFsInfo",
      "ReopenContainerLog", "ContainerStats", "ListContainerStats", "PodSandboxStats", "ListPodSandboxStats",
      "Exec",            "Attach",          "PortForward"};  // UNIMPLEMENTED: no streaming server
  return methods;
}

bool IsServedCriMethod(const std::string& method) {
  const auto& served = ServedCriMethods();
  return std::find(served.begin(), served.end(), method) != served.end();
}

void CheckCriMethod(const std::string& what, const std::string& method) {
  if (IsServedCriMethod(method)) return;
  throw std::invalid_argument(what + ": unknown CRI method '" + method + "' (the fake serves " +
                              JoinCommand(ServedCriMethods()) + ")");
}

void Script::AddFault(Fault fault) {
  CheckCriMethod("fault", fault.method);
  faults_.push_back(std::move(fault));
}

void Script::ClearFaults(const std::string& method) {
  CheckCriMethod("ClearFaults", method);
  std::erase_if(faults_, [&](const Fault& f) { return f.method == method; });
}

std::vector<Fault> Script::TakeFaults(const std::string& method) {
  std::vector<Fault> out;
  bool have_status = false;
  for (auto& f : faults_) {
    if (f.method != method) continue;
    if (f.times > 0 && f.used >= f.times) continue;
    if (f.code && have_status) continue;  // one status per call; later ones wait their turn
    have_status = have_status || f.code.has_value();
    ++f.used;
    out.push_back(f);
  }
  return out;
}

std::shared_ptr<Gate> Script::AddGate(const std::string& method) {
  CheckCriMethod("gate", method);
  auto gate = std::make_shared<Gate>(method);
  gates_.push_back(gate);
  return gate;
}

std::shared_ptr<Gate> Script::TakeGate(const std::string& method) {
  // A gate holds exactly one call: the first call of its method that arrives after it was set.
  for (auto& g : gates_) {
    if (g->method() == method && g->TryClaim()) return g;
  }
  return nullptr;
}

std::optional<ExecResult> Script::TakeScriptedExecResult(const std::vector<std::string>& command) {
  for (auto& rule : exec_rules_) {
    if (!rule.command.empty() && rule.command != command) continue;
    if (rule.times > 0 && rule.used >= rule.times) continue;
    ++rule.used;
    return rule.result;
  }
  return std::nullopt;
}

ExecResult Script::TakeExecResult(const std::vector<std::string>& command) {
  return TakeScriptedExecResult(command).value_or(default_exec_);
}

WorkloadRule Script::WorkloadFor(const std::string& container_name) const {
  const WorkloadRule* rule = FindWorkloadRule(container_name);
  return rule ? *rule : WorkloadRule{};
}

const WorkloadRule* Script::FindWorkloadRule(const std::string& container_name) const {
  for (const auto& w : workloads_) {
    if (w.container_name.empty() || w.container_name == container_name) return &w;
  }
  return nullptr;
}

const StatsRule* Script::FindStatsRule(const std::string& container_name) const {
  for (const auto& r : stats_) {
    if (r.container_name.empty() || r.container_name == container_name) return &r;
  }
  return nullptr;
}

std::vector<std::string> Script::Unconsumed() const {
  std::vector<std::string> out;
  for (const auto& f : faults_) {
    if (f.times > 0 && f.used < f.times) {
      std::ostringstream s;
      s << "fault on " << f.method;
      if (f.code) s << " (" << StatusCodeName(*f.code) << " \"" << f.message << "\")";
      if (f.latency.count() > 0) s << " (latency " << f.latency.count() << "ms)";
      if (f.hang_until_deadline) s << " (hang until deadline)";
      s << " used " << f.used << " of " << f.times << " times";
      out.push_back(s.str());
    }
  }
  for (const auto& r : exec_rules_) {
    if (r.times > 0 && r.used < r.times) {
      out.push_back("exec result for [" + JoinCommand(r.command) + "] used " + std::to_string(r.used) + " of " +
                    std::to_string(r.times) + " times");
    }
  }
  for (const auto& g : gates_) {
    if (!g->claimed()) out.push_back("gate on " + g->method() + " never reached");
  }
  return out;
}

std::string JoinCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += " ";
    out += a;
  }
  return out;
}

}  // namespace podlife::fakes
