#include "src/manifest/manifest.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "src/manifest/yaml_reader.h"

namespace podlife::manifest {

namespace {

using yaml::Field;
using yaml::Index;
using yaml::YamlReader;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

class PodParser {
 public:
  explicit PodParser(std::string source) : in_(std::move(source)) {}

  Pod Parse(const std::string& text) {
    YAML::Node root = in_.Parse(text);
    in_.ExpectMap(root, "");
    RequireValue(root, "", "apiVersion", "v1");
    RequireValue(root, "", "kind", "Pod");

    Pod pod;
    const YAML::Node metadata = root["metadata"];
    if (!metadata) in_.Fail(root, "metadata", "required");
    in_.ExpectMap(metadata, "metadata");
    if (!metadata["name"]) in_.Fail(metadata, "metadata.name", "required");
    pod.name = in_.String(metadata["name"], "metadata.name");
    if (pod.name.empty()) in_.Fail(metadata["name"], "metadata.name", "must not be empty");
    if (metadata["namespace"]) pod.namespace_ = in_.String(metadata["namespace"], "metadata.namespace");
    if (metadata["uid"]) pod.uid = in_.String(metadata["uid"], "metadata.uid");
    if (metadata["labels"]) pod.labels = in_.StringMap(metadata["labels"], "metadata.labels");
    if (metadata["annotations"]) pod.annotations = in_.StringMap(metadata["annotations"], "metadata.annotations");
    if (metadata["deletionGracePeriodSeconds"]) {
      pod.deletion_grace_period_seconds =
          in_.Int(metadata["deletionGracePeriodSeconds"], "metadata.deletionGracePeriodSeconds", 0, kInt64Max);
    }

    const YAML::Node spec = root["spec"];
    if (!spec) in_.Fail(root, "spec", "required");
    in_.ExpectMap(spec, "spec");
    if (spec["terminationGracePeriodSeconds"]) {
      pod.termination_grace_period_seconds =
          in_.Int(spec["terminationGracePeriodSeconds"], "spec.terminationGracePeriodSeconds", 0, kInt64Max);
    }
    if (spec["restartPolicy"]) {
      pod.restart_policy = in_.String(spec["restartPolicy"], "spec.restartPolicy");
      if (pod.restart_policy != "Always" && pod.restart_policy != "OnFailure" && pod.restart_policy != "Never") {
        in_.Fail(spec["restartPolicy"], "spec.restartPolicy",
                 "must be Always, OnFailure or Never, got '" + pod.restart_policy + "'");
      }
    }
    if (spec["hostNetwork"]) pod.host_network = in_.Bool(spec["hostNetwork"], "spec.hostNetwork");

    if (spec["initContainers"]) pod.init_containers = Containers(spec["initContainers"], "spec.initContainers", true);
    if (!spec["containers"]) in_.Fail(spec, "spec.containers", "required");
    pod.containers = Containers(spec["containers"], "spec.containers", false);
    if (pod.containers.empty()) in_.Fail(spec["containers"], "spec.containers", "at least one container is required");
    return pod;
  }

 private:
  void RequireValue(const YAML::Node& map, const std::string& path, const std::string& key, const std::string& want) {
    const std::string field = Field(path, key);
    if (!map[key]) in_.Fail(map, field, "required (want '" + want + "')");
    const std::string got = in_.String(map[key], field);
    if (got != want) in_.Fail(map[key], field, "must be '" + want + "', got '" + got + "'");
  }

  std::vector<Container> Containers(const YAML::Node& list, const std::string& path, bool init) {
    if (!list.IsSequence()) in_.Fail(list, path, "expected a list of containers");
    std::vector<Container> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = Index(path, i);
      Container c = ParseContainer(list[i], at, init);
      // Names are unique across init containers and containers.
      if (!used_names_.insert(c.name).second) in_.Fail(list[i]["name"], Field(at, "name"), "duplicate name '" + c.name + "'");
      out.push_back(std::move(c));
    }
    return out;
  }

  Container ParseContainer(const YAML::Node& node, const std::string& path, bool init) {
    in_.ExpectMap(node, path);
    Container c;
    if (!node["name"]) in_.Fail(node, Field(path, "name"), "required");
    c.name = in_.String(node["name"], Field(path, "name"));
    if (c.name.empty()) in_.Fail(node["name"], Field(path, "name"), "must not be empty");
    if (!node["image"]) in_.Fail(node, Field(path, "image"), "required");
    c.image = in_.String(node["image"], Field(path, "image"));
    if (c.image.empty()) in_.Fail(node["image"], Field(path, "image"), "must not be empty");
    if (node["command"]) c.command = in_.Strings(node["command"], Field(path, "command"));
    if (node["args"]) c.args = in_.Strings(node["args"], Field(path, "args"));
    if (node["env"]) c.env = Env(node["env"], Field(path, "env"));
    if (node["ports"]) c.ports = Ports(node["ports"], Field(path, "ports"));
    if (node["lifecycle"]) {
      const std::string lp = Field(path, "lifecycle");
      in_.ExpectMap(node["lifecycle"], lp);
      Lifecycle lifecycle;
      if (node["lifecycle"]["postStart"]) {
        lifecycle.post_start = Handler(node["lifecycle"]["postStart"], Field(lp, "postStart"));
      }
      if (node["lifecycle"]["preStop"]) {
        lifecycle.pre_stop = Handler(node["lifecycle"]["preStop"], Field(lp, "preStop"));
      }
      c.lifecycle = std::move(lifecycle);
    }
    if (node["restartPolicy"]) {
      const std::string rp = Field(path, "restartPolicy");
      if (!init) in_.Fail(node["restartPolicy"], rp, "only init containers may set restartPolicy");
      c.restart_policy = in_.String(node["restartPolicy"], rp);
      if (*c.restart_policy != "Always") {
        in_.Fail(node["restartPolicy"], rp, "must be 'Always' (a sidecar), got '" + *c.restart_policy + "'");
      }
    }
    return c;
  }

  std::vector<EnvVar> Env(const YAML::Node& list, const std::string& path) {
    if (!list.IsSequence()) in_.Fail(list, path, "expected a list of name/value pairs");
    std::vector<EnvVar> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = Index(path, i);
      in_.ExpectMap(list[i], at);
      if (!list[i]["name"]) in_.Fail(list[i], Field(at, "name"), "required");
      EnvVar var{in_.String(list[i]["name"], Field(at, "name")), ""};
      if (list[i]["value"]) var.value = in_.String(list[i]["value"], Field(at, "value"));
      out.push_back(std::move(var));
    }
    return out;
  }

  std::vector<ContainerPort> Ports(const YAML::Node& list, const std::string& path) {
    if (!list.IsSequence()) in_.Fail(list, path, "expected a list of ports");
    std::vector<ContainerPort> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = Index(path, i);
      in_.ExpectMap(list[i], at);
      ContainerPort port;
      if (!list[i]["containerPort"]) in_.Fail(list[i], Field(at, "containerPort"), "required");
      port.container_port = static_cast<int32_t>(in_.Int(list[i]["containerPort"], Field(at, "containerPort"), 1, 65535));
      if (list[i]["name"]) port.name = in_.String(list[i]["name"], Field(at, "name"));
      if (list[i]["protocol"]) port.protocol = in_.String(list[i]["protocol"], Field(at, "protocol"));
      out.push_back(std::move(port));
    }
    return out;
  }

  // A port as the API decodes intstr: a plain number is an int, anything quoted or non-numeric
  // is a string. The range is left to the kubelet (HT-06), so any int32 is accepted here.
  IntOrString Port(const YAML::Node& node, const std::string& path) {
    if (!node) return IntOrString::String("");
    if (!node.IsScalar()) in_.Fail(node, path, "expected a port number or name");
    const bool quoted = node.Tag() == "!";
    if (!quoted) {
      int64_t value = 0;
      if (YAML::convert<int64_t>::decode(node, value)) {
        if (value < kInt32Min || value > kInt32Max) in_.Fail(node, path, "port number does not fit in 32 bits");
        return IntOrString::Int(value);
      }
    }
    return IntOrString::String(node.as<std::string>());
  }

  LifecycleHandler Handler(const YAML::Node& node, const std::string& path) {
    LifecycleHandler handler;
    if (node.IsNull()) return handler;  // `postStart:` with nothing: an empty handler (HD-01)
    in_.ExpectMap(node, path);
    if (node["exec"]) {
      const std::string p = Field(path, "exec");
      in_.ExpectMap(node["exec"], p);
      ExecAction exec;
      if (node["exec"]["command"]) exec.command = in_.Strings(node["exec"]["command"], Field(p, "command"));
      handler.exec = std::move(exec);
    }
    if (node["httpGet"]) {
      const std::string p = Field(path, "httpGet");
      const YAML::Node h = node["httpGet"];
      in_.ExpectMap(h, p);
      HttpGetAction get;
      if (h["path"]) get.path = in_.String(h["path"], Field(p, "path"));
      get.port = Port(h["port"], Field(p, "port"));
      if (h["host"]) get.host = in_.String(h["host"], Field(p, "host"));
      if (h["scheme"]) get.scheme = in_.String(h["scheme"], Field(p, "scheme"));
      if (h["httpHeaders"]) {
        const std::string hp = Field(p, "httpHeaders");
        if (!h["httpHeaders"].IsSequence()) in_.Fail(h["httpHeaders"], hp, "expected a list of name/value pairs");
        for (size_t i = 0; i < h["httpHeaders"].size(); ++i) {
          const YAML::Node header = h["httpHeaders"][i];
          const std::string at = Index(hp, i);
          in_.ExpectMap(header, at);
          if (!header["name"]) in_.Fail(header, Field(at, "name"), "required");
          HttpHeader out{in_.String(header["name"], Field(at, "name")), ""};
          if (header["value"]) out.value = in_.String(header["value"], Field(at, "value"));
          get.http_headers.push_back(std::move(out));
        }
      }
      handler.http_get = std::move(get);
    }
    if (node["sleep"]) {
      const std::string p = Field(path, "sleep");
      in_.ExpectMap(node["sleep"], p);
      if (!node["sleep"]["seconds"]) in_.Fail(node["sleep"], Field(p, "seconds"), "required");
      handler.sleep = SleepAction{in_.Int(node["sleep"]["seconds"], Field(p, "seconds"), 0, kInt64Max)};
    }
    if (node["tcpSocket"]) {
      const std::string p = Field(path, "tcpSocket");
      in_.ExpectMap(node["tcpSocket"], p);
      TcpSocketAction tcp;
      tcp.port = Port(node["tcpSocket"]["port"], Field(p, "port"));
      if (node["tcpSocket"]["host"]) tcp.host = in_.String(node["tcpSocket"]["host"], Field(p, "host"));
      handler.tcp_socket = std::move(tcp);
    }
    return handler;
  }

  YamlReader in_;
  std::set<std::string> used_names_;
};

}  // namespace

std::variant<Pod, ManifestError> ParsePod(const std::string& text, const std::string& source) {
  try {
    return PodParser(source).Parse(text);
  } catch (const yaml::YamlError& e) {
    return ManifestError{e.message};
  } catch (const YAML::Exception& e) {
    // A conversion the reader did not anticipate; still a clean error, never a crash.
    return ManifestError{source + ": " + e.what()};
  }
}

void ApplyApiServerDefaults(Pod& pod) {
  if (pod.uid.empty()) {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
    const char* hex = "0123456789abcdef";
    std::string uid = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";  // a version-4 UUID, as the API server makes
    for (char& c : uid) {
      if (c == 'x') c = hex[gen() % 16];
    }
    pod.uid = uid;
  }
  if (!pod.termination_grace_period_seconds) pod.termination_grace_period_seconds = 30;
}

std::variant<Pod, ManifestError> LoadPodFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ManifestError{path + ": cannot read: " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePod(text.str(), path);
}

}  // namespace podlife::manifest
