#include "fakes/cri/scenario.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <fstream>
#include <set>
#include <sstream>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/image_reference.h"
#include "fakes/cri/simulated_exec.h"
#include "fakes/cri/status_names.h"
#include "src/manifest/yaml_reader.h"

namespace podlife::fakes {

namespace {

bool IsIpAddress(const std::string& text) {
  in6_addr storage;
  return inet_pton(AF_INET, text.c_str(), &storage) == 1 || inet_pton(AF_INET6, text.c_str(), &storage) == 1;
}

}  // namespace

namespace {

class Parser : public yaml::YamlReader {
 public:
  using YamlReader::YamlReader;

  ExecResult Result(const YAML::Node& node, const std::string& path) const {
    ExecResult r;
    if (node["exitCode"]) r.exit_code = static_cast<int>(Int(node["exitCode"], path + ".exitCode", 0, 255));
    if (node["stdout"]) r.stdout_text = String(node["stdout"], path + ".stdout");
    if (node["stderr"]) r.stderr_text = String(node["stderr"], path + ".stderr");
    if (node["delayMs"]) r.delay = Millis(Int(node["delayMs"], path + ".delayMs", 0, 24LL * 3600 * 1000));
    return r;
  }

  // A duration in seconds, fractions allowed (0.5), kept to the millisecond.
  Millis Seconds(const YAML::Node& node, const std::string& path) const {
    constexpr double kMaxSeconds = 24.0 * 3600;
    if (!node.IsScalar()) Fail(node, path, "expected a number of seconds");
    const std::string text = node.as<std::string>();
    double seconds = -1;
    size_t used = 0;
    try {
      seconds = std::stod(text, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(seconds)) {
      Fail(node, path, "expected a number of seconds such as 1 or 0.5, got '" + text + "'");
    }
    if (seconds < 0 || seconds > kMaxSeconds) Fail(node, path, "must be between 0 and 86400 seconds, got " + text);
    return Millis(std::llround(seconds * 1000));
  }

  // Whose answers, and the runtime's configuration as request validation sees it.
  void ParseRuntime(const YAML::Node& root, Scenario* s) const {
    if (root["flavor"]) {
      const std::string name = String(root["flavor"], "flavor");
      s->flavor = ParseFlavor(name);
      if (!s->flavor) Fail(root["flavor"], "flavor", "unknown flavour '" + name + "' (expected one of " + FlavorChoices() + ")");
    }
    if (root["runtimeHandlers"]) {
      s->runtime_handlers = Strings(root["runtimeHandlers"], "runtimeHandlers");
      if (s->runtime_handlers->empty()) {
        Fail(root["runtimeHandlers"], "runtimeHandlers", "needs at least one handler (the first is the default)");
      }
      for (const auto& h : *s->runtime_handlers) {
        if (h.empty()) Fail(root["runtimeHandlers"], "runtimeHandlers", "a handler name must not be empty");
      }
    }
    if (root["appArmorProfiles"]) s->apparmor_profiles = Strings(root["appArmorProfiles"], "appArmorProfiles");
  }

  Scenario ParseDocument(const YAML::Node& root) const {
    Scenario s;
    if (root.IsNull()) return s;
    ExpectKeys(root, "", {"podIPs", "exec", "defaultExec", "faults", "workloads", "images", "stats", "callLogCapacity",
                          "flavor", "runtimeHandlers", "appArmorProfiles"});
    ParseRuntime(root, &s);
    if (root["podIPs"]) {
      s.pod_ips = Strings(root["podIPs"], "podIPs");
      for (size_t i = 0; i < s.pod_ips->size(); ++i) {
        // The pod IPs reach clients as PodSandboxStatus and become hook URLs: each must be an IP.
        if (!IsIpAddress((*s.pod_ips)[i])) {
          Fail(root["podIPs"][i], yaml::Index("podIPs", i),
               "not an IPv4 or IPv6 address: '" + (*s.pod_ips)[i].substr(0, 64) + "'");
        }
      }
    }
    if (root["callLogCapacity"]) {
      s.call_log_capacity = static_cast<size_t>(Int(root["callLogCapacity"], "callLogCapacity", 0, 100000000));
    }
    if (root["defaultExec"]) {
      ExpectKeys(root["defaultExec"], "defaultExec", {"exitCode", "stdout", "stderr", "delayMs"});
      s.default_exec = Result(root["defaultExec"], "defaultExec");
    }
    if (const auto exec = root["exec"]) {
      if (!exec.IsSequence()) Fail(exec, "exec", "expected a list");
      for (size_t i = 0; i < exec.size(); ++i) {
        const std::string path = "exec[" + std::to_string(i) + "]";
        const auto& n = exec[i];
        ExpectKeys(n, path, {"command", "exitCode", "stdout", "stderr", "delayMs", "times"});
        ExecRule rule;
        if (n["command"]) rule.command = Strings(n["command"], path + ".command");
        rule.result = Result(n, path);
        if (n["times"]) rule.times = static_cast<int>(Int(n["times"], path + ".times", 1, 1000000));
        s.exec_rules.push_back(std::move(rule));
      }
    }
    if (const auto faults = root["faults"]) {
      if (!faults.IsSequence()) Fail(faults, "faults", "expected a list");
      for (size_t i = 0; i < faults.size(); ++i) {
        const std::string path = "faults[" + std::to_string(i) + "]";
        const auto& n = faults[i];
        ExpectKeys(n, path, {"method", "code", "message", "latencyMs", "hangUntilDeadline", "times"});
        Fault f;
        if (!n["method"]) Fail(n, path + ".method", "required (an rpc name such as StartContainer)");
        f.method = String(n["method"], path + ".method");
        if (!kMethods.count(f.method)) Fail(n["method"], path + ".method", "unknown CRI method '" + f.method + "'");
        if (n["code"]) {
          auto code = ParseStatusCode(String(n["code"], path + ".code"));
          if (!code || *code == grpc::StatusCode::OK) {
            Fail(n["code"], path + ".code",
                 "unknown gRPC status code '" + n["code"].as<std::string>() +
                     "' (expected a name such as UNAVAILABLE, NOT_FOUND, DEADLINE_EXCEEDED)");
          }
          f.code = code;
        }
        if (n["message"]) f.message = String(n["message"], path + ".message");
        if (n["latencyMs"]) f.latency = Millis(Int(n["latencyMs"], path + ".latencyMs", 0, 3600 * 1000));
        if (n["hangUntilDeadline"]) f.hang_until_deadline = Bool(n["hangUntilDeadline"], path + ".hangUntilDeadline");
        if (n["times"]) f.times = static_cast<int>(Int(n["times"], path + ".times", 1, 1000000));
        if (!f.code && f.latency.count() == 0 && !f.hang_until_deadline) {
          Fail(n, path, "a fault needs at least one of code, latencyMs, hangUntilDeadline");
        }
        s.faults.push_back(std::move(f));
      }
    }
    if (const auto workloads = root["workloads"]) {
      if (!workloads.IsSequence()) Fail(workloads, "workloads", "expected a list");
      for (size_t i = 0; i < workloads.size(); ++i) {
        const std::string path = "workloads[" + std::to_string(i) + "]";
        const auto& n = workloads[i];
        ExpectKeys(n, path, {"container", "ignoresSigterm", "exitCodeOnTerm", "exitsAfterSeconds", "exitCode", "script"});
        WorkloadRule w;
        if (n["script"]) {
          for (const char* other : {"ignoresSigterm", "exitCodeOnTerm", "exitsAfterSeconds", "exitCode"}) {
            if (n[other]) {
              Fail(n[other], path + "." + other,
                   "cannot be combined with script (the script decides how the workload ends and what TERM does)");
            }
          }
          if (n["container"]) w.container_name = String(n["container"], path + ".container");
          w.script = WorkloadScript(n, path);
          s.workloads.push_back(std::move(w));
          continue;
        }
        if (n["container"]) w.container_name = String(n["container"], path + ".container");
        if (n["ignoresSigterm"]) w.ignores_sigterm = Bool(n["ignoresSigterm"], path + ".ignoresSigterm");
        if (n["exitCodeOnTerm"]) {
          w.exit_code_on_term = static_cast<int>(Int(n["exitCodeOnTerm"], path + ".exitCodeOnTerm", 0, 255));
        }
        if (n["exitsAfterSeconds"]) w.exits_after = Seconds(n["exitsAfterSeconds"], path + ".exitsAfterSeconds");
        if (n["exitCode"]) {
          if (!w.exits_after) Fail(n["exitCode"], path + ".exitCode", "needs exitsAfterSeconds (when the workload exits by itself)");
          w.exit_code = static_cast<int>(Int(n["exitCode"], path + ".exitCode", 0, 255));
        }
        s.workloads.push_back(std::move(w));
      }
    }
    if (root["images"]) s.images = Images(root["images"]);
    if (const auto stats = root["stats"]) {
      if (!stats.IsSequence()) Fail(stats, "stats", "expected a list");
      for (size_t i = 0; i < stats.size(); ++i) s.stats.push_back(Stats(stats[i], "stats[" + std::to_string(i) + "]"));
    }
    return s;
  }

  // A workload's shell script: every command one the simulated shell knows, every sleep valid.
  std::string WorkloadScript(const YAML::Node& n, const std::string& path) const {
    const std::string script = String(n["script"], path + ".script");
    if (std::string problem = ValidateWorkloadScript(script); !problem.empty()) Fail(n["script"], path + ".script", problem);
    return script;
  }

  StatsRule Stats(const YAML::Node& n, const std::string& path) const {
    constexpr int64_t kMaxBytes = 1LL << 50, kMaxNanoCores = 1024LL * 1000000000;
    ExpectKeys(n, path, {"container", "cpuNanoCores", "memoryWorkingSetBytes", "writableLayerBytes"});
    StatsRule rule;
    if (n["container"]) rule.container_name = String(n["container"], path + ".container");
    if (n["cpuNanoCores"]) rule.cpu_nano_cores = Int(n["cpuNanoCores"], path + ".cpuNanoCores", 0, kMaxNanoCores);
    if (n["memoryWorkingSetBytes"]) {
      rule.memory_working_set_bytes = Int(n["memoryWorkingSetBytes"], path + ".memoryWorkingSetBytes", 1, kMaxBytes);
    }
    if (n["writableLayerBytes"]) {
      rule.writable_layer_bytes = Int(n["writableLayerBytes"], path + ".writableLayerBytes", 1, kMaxBytes);
    }
    if (!rule.cpu_nano_cores && !rule.memory_working_set_bytes && !rule.writable_layer_bytes) {
      Fail(n, path, "a stats rule needs at least one of cpuNanoCores, memoryWorkingSetBytes, writableLayerBytes");
    }
    return rule;
  }

 private:
  // images: [{reference | references, size, user, id, present}]; every reference must be one
  // containerd accepts, and no reference or ID may name two images.
  std::vector<ImageDefinition> Images(const YAML::Node& images) const {
    if (!images.IsSequence()) Fail(images, "images", "expected a list");
    std::vector<ImageDefinition> out;
    std::map<std::string, std::string> defined_by;  // normalised reference or ID -> images[i]
    for (size_t i = 0; i < images.size(); ++i) {
      const std::string path = "images[" + std::to_string(i) + "]";
      const auto& n = images[i];
      ExpectKeys(n, path, {"reference", "references", "size", "user", "id", "present"});
      if (n["reference"] && n["references"]) Fail(n, path, "give either reference or references, not both");
      if (!n["reference"] && !n["references"]) {
        Fail(n, path + ".references", "required (the image references that name this image, such as [alpine:3.19])");
      }
      ImageDefinition image;
      const std::string refs_path = path + (n["reference"] ? ".reference" : ".references");
      const YAML::Node refs = n["reference"] ? n["reference"] : n["references"];
      if (n["reference"]) {
        image.references.push_back(String(refs, refs_path));
      } else {
        image.references = Strings(refs, refs_path);
        if (image.references.empty()) Fail(refs, refs_path, "must name at least one reference");
      }
      for (size_t j = 0; j < image.references.size(); ++j) {
        const YAML::Node at = refs.IsSequence() ? refs[j] : refs;
        const std::string at_path = refs.IsSequence() ? refs_path + "[" + std::to_string(j) + "]" : refs_path;
        auto parsed = ParseDockerRef(image.references[j]);
        if (auto* e = std::get_if<ImageReferenceError>(&parsed)) {
          Fail(at, at_path, "invalid image reference '" + image.references[j] + "': " + e->message);
        }
        const std::string normalised = std::get<ImageReference>(parsed).String();
        if (auto [it, added] = defined_by.emplace(normalised, path); !added && it->second != path) {
          Fail(at, at_path, "'" + image.references[j] + "' (" + normalised + ") already names " + it->second);
        }
      }
      if (n["size"]) image.size = static_cast<uint64_t>(Int(n["size"], path + ".size", 1, int64_t{1} << 40));
      if (n["user"]) image.user = User(n["user"], path + ".user");
      if (n["id"]) {
        image.id = String(n["id"], path + ".id");
        const DigestCheck check = CheckDigest(image.id);
        if (check != DigestCheck::kValid || image.id.rfind("sha256:", 0) != 0) {
          Fail(n["id"], path + ".id", "expected sha256:<64 lower-case hex digits>, got '" + image.id + "'" +
                                          (check == DigestCheck::kValid ? "" : std::string(" (") + DigestCheckMessage(check) + ")"));
        }
        if (auto [it, added] = defined_by.emplace(image.id, path); !added) {
          Fail(n["id"], path + ".id", image.id + " is already the ID of " + it->second);
        }
      }
      if (n["present"]) image.present = Bool(n["present"], path + ".present");
      out.push_back(std::move(image));
    }
    return out;
  }

  // The image config's User: a name or uid, optionally `:group`.
  std::string User(const YAML::Node& node, const std::string& path) const {
    const std::string user = String(node, path);
    auto plain = [](const std::string& part) {
      return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
    };
    const size_t colon = user.find(':');
    const bool ok = colon == std::string::npos ? plain(user) : plain(user.substr(0, colon)) && plain(user.substr(colon + 1));
    if (!ok) {
      Fail(node, path, "expected a user name or uid, optionally with :group (such as 1000, nobody, 1000:1000), got '" +
                           user + "'");
    }
    return user;
  }

  inline static const std::set<std::string> kMethods = {
      "Version", "Status", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus",
      "ListPodSandbox", "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer",
      "ListContainers", "ContainerStatus", "ExecSync", "ListImages", "ImageStatus", "PullImage",
      "RemoveImage", "ImageFsInfo",
      "ReopenContainerLog", "ContainerStats", "ListContainerStats", "PodSandboxStats", "ListPodSandboxStats",
      "Exec", "Attach", "PortForward"};
};

}  // namespace

std::variant<Scenario, ScenarioError> ParseScenario(const std::string& yaml_text, const std::string& source_name) {
  try {
    Parser parser(source_name);
    return parser.ParseDocument(parser.Parse(yaml_text));
  } catch (const yaml::YamlError& e) {
    return ScenarioError{e.message};
  } catch (const YAML::Exception& e) {
    return ScenarioError{source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

std::variant<Scenario, ScenarioError> LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return ScenarioError{path + ": is a directory, not a scenario file"};
  std::ifstream in(path);
  if (!in) return ScenarioError{path + ": cannot read the scenario file"};
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path);
}

void ApplyScenario(const Scenario& scenario, FakeCriServer& server) {
  if (scenario.flavor) server.SetFlavor(*scenario.flavor);
  if (scenario.runtime_handlers || scenario.apparmor_profiles) {
    RuntimeHost host = server.host();
    if (scenario.runtime_handlers) host.runtime_handlers = *scenario.runtime_handlers;
    if (scenario.apparmor_profiles) {
      host.apparmor_enabled = true;
      host.apparmor_profiles = *scenario.apparmor_profiles;
    }
    server.SetHost(std::move(host));
  }
  if (scenario.pod_ips) server.SetPodIps(*scenario.pod_ips);
  if (scenario.default_exec) server.SetDefaultExecResult(*scenario.default_exec);
  for (const auto& rule : scenario.exec_rules) server.ScriptExec(rule.command, rule.result, rule.times);
  for (const auto& fault : scenario.faults) server.AddFault(fault);
  for (const auto& w : scenario.workloads) server.ScriptWorkload(w);
  for (const auto& image : scenario.images) server.DefineImage(image);
  for (const auto& rule : scenario.stats) server.ScriptStats(rule);
  if (scenario.call_log_capacity > 0) server.calls().SetCapacity(scenario.call_log_capacity);
}

}  // namespace podlife::fakes
