// Scenario: a YAML file that scripts a standalone fake CRI server the way a test scripts one
// in-process (pod IPs, exec results, faults, workloads and their scripts, images, stats, call-log
// bound).
//
// Contract: ParseScenario never throws; a malformed document gives an error of the form
// `FILE:LINE: field.path: what is wrong`. Unknown keys are errors (a typo must not silently
// script nothing). ApplyScenario scripts a running server. The format is documented in
// fakes/cri/README.md, with an example in fakes/cri/scenario-example.yaml.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fakes/cri/flavor.h"
#include "fakes/cri/runtime_state.h"
#include "fakes/cri/script.h"

namespace podlife::fakes {

class FakeCriServer;

struct Scenario {
  std::optional<std::vector<std::string>> pod_ips;
  std::vector<ExecRule> exec_rules;
  std::optional<ExecResult> default_exec;
  std::vector<Fault> faults;
  std::vector<WorkloadRule> workloads;
  std::vector<ImageDefinition> images;
  std::vector<StatsRule> stats;
  size_t call_log_capacity = 0;
  std::optional<Flavor> flavor;
  std::optional<std::vector<std::string>> runtime_handlers;  // RuntimeHost::runtime_handlers
  std::optional<std::vector<std::string>> apparmor_profiles;  // present: AppArmor on, these loaded
};

struct ScenarioError {
  std::string message;
};

std::variant<Scenario, ScenarioError> ParseScenario(const std::string& yaml_text, const std::string& source_name);
std::variant<Scenario, ScenarioError> LoadScenarioFile(const std::string& path);
void ApplyScenario(const Scenario& scenario, FakeCriServer& server);

}  // namespace podlife::fakes
