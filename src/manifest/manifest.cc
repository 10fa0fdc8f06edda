#include "src/manifest/manifest.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string_view>
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

// The field names of each v1 object the parser reads (k8s.io/api/core/v1, as of 1.35, with
// fields that were alpha at some release included). Objects podlife does not read (resources,
// securityContext, probes, volume sources other than hostPath, ...) are not looked into.
const std::set<std::string> kPodFields = {"apiVersion", "kind", "metadata", "spec", "status"};
const std::set<std::string> kMetadataFields = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields"};
const std::set<std::string> kSpecFields = {
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName",
    "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC",
    "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity",
    "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
    "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints",
    "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources", "hostnameOverride"};
const std::set<std::string> kContainerFields = {
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
    "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe",
    "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy",
    "securityContext", "stdin", "stdinOnce", "tty"};
const std::set<std::string> kLifecycleFields = {"postStart", "preStop", "stopSignal"};
const std::set<std::string> kHandlerFields = {"exec", "httpGet", "tcpSocket", "sleep"};
const std::set<std::string> kExecFields = {"command"};
const std::set<std::string> kHttpGetFields = {"path", "port", "host", "scheme", "httpHeaders"};
const std::set<std::string> kNameValueFields = {"name", "value"};
const std::set<std::string> kEnvVarFields = {"name", "value", "valueFrom"};
const std::set<std::string> kTcpSocketFields = {"port", "host"};
const std::set<std::string> kSleepFields = {"seconds"};
const std::set<std::string> kPortFields = {"name", "hostPort", "containerPort", "protocol", "hostIP"};
// A volume is its name and exactly one source; podlife reads hostPath and leaves the others unread.
const std::set<std::string> kVolumeSources = {
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image"};
const std::set<std::string> kHostPathFields = {"path", "type"};
// The values of HostPathType (k8s.io/api/core/v1); "" means no check.
const std::set<std::string> kHostPathTypes = {"",     "DirectoryOrCreate", "Directory", "FileOrCreate", "File",
                                              "Socket", "CharDevice",        "BlockDevice"};
const std::set<std::string> kVolumeMountFields = {"name",     "readOnly",         "recursiveReadOnly", "mountPath",
                                                  "subPath", "mountPropagation", "subPathExpr"};

// k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label (63 characters) and IsDNS1123Subdomain
// (253), the rules the API server applies to a container's name, a namespace and a pod's name.
constexpr size_t kDns1123LabelMaxLength = 63;
constexpr size_t kDns1123SubdomainMaxLength = 253;
// apimachinery's TotalAnnotationSizeLimitB: keys and values together.
constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool IsDns1123LabelShape(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// "" when `name` is a DNS-1123 label (subdomain: dot-separated labels), else what is wrong.
std::string Dns1123Problem(const std::string& name, bool subdomain) {
  const size_t max = subdomain ? kDns1123SubdomainMaxLength : kDns1123LabelMaxLength;
  if (name.size() > max) {
    return "must be no more than " + std::to_string(max) + " characters, got " + std::to_string(name.size());
  }
  bool ok = true;
  for (size_t start = 0; ok;) {
    const size_t dot = subdomain ? name.find('.', start) : std::string::npos;
    ok = IsDns1123LabelShape(std::string_view(name).substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (ok) return "";
  return std::string("must be a lowercase RFC 1123 ") + (subdomain ? "subdomain" : "label") +
         ": lower case letters, digits and '-'" + (subdomain ? " in labels separated by '.'" : "") +
         ", starting and ending with a letter or digit (e.g. 'my-name'), got '" + name + "'";
}

// IsValidPortName (IANA_SVC_NAME): 1-15 characters, lower case letters, digits and '-', at least
// one letter, no '-' at either end or twice in a row.
std::string PortNameProblem(const std::string& name) {
  const bool shape = !name.empty() && name.size() <= 15 && name.front() != '-' && name.back() != '-' &&
                     name.find("--") == std::string::npos &&
                     std::all_of(name.begin(), name.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; }) &&
                     std::any_of(name.begin(), name.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (shape) return "";
  return "must be an IANA service name: at most 15 lower case letters, digits and '-', with at least one letter, "
         "no '-' at either end or twice in a row, got '" + name.substr(0, 64) + (name.size() > 64 ? "..." : "") + "'";
}

class PodParser {
 public:
  PodParser(std::string source, const ParseOptions& options) : in_(std::move(source)), options_(options) {}

  Pod Parse(const std::string& text) {
    YAML::Node root = in_.Parse(text);
    Fields(root, "", kPodFields);
    RequireValue(root, "", "apiVersion", "v1");
    RequireValue(root, "", "kind", "Pod");

    Pod pod;
    const YAML::Node metadata = root["metadata"];
    if (!metadata) in_.Fail(root, "metadata", "required");
    Fields(metadata, "metadata", kMetadataFields);
    if (!metadata["name"]) in_.Fail(metadata, "metadata.name", "required");
    pod.name = in_.String(metadata["name"], "metadata.name");
    if (pod.name.empty()) in_.Fail(metadata["name"], "metadata.name", "must not be empty");
    if (auto problem = Dns1123Problem(pod.name, true); !problem.empty()) in_.Fail(metadata["name"], "metadata.name", problem);
    if (metadata["namespace"]) {
      pod.namespace_ = in_.String(metadata["namespace"], "metadata.namespace");
      if (auto problem = Dns1123Problem(pod.namespace_, false); !problem.empty()) {
        in_.Fail(metadata["namespace"], "metadata.namespace", problem);
      }
    }
    if (metadata["uid"]) pod.uid = in_.String(metadata["uid"], "metadata.uid");
    if (metadata["labels"]) pod.labels = in_.StringMap(metadata["labels"], "metadata.labels");
    if (metadata["annotations"]) {
      pod.annotations = in_.StringMap(metadata["annotations"], "metadata.annotations");
      size_t total = 0;
      for (const auto& [key, value] : pod.annotations) total += key.size() + value.size();
      if (total > kTotalAnnotationSizeLimit) {
        in_.Fail(metadata["annotations"], "metadata.annotations",
                 "must have at most " + std::to_string(kTotalAnnotationSizeLimit) + " bytes, got " +
                     std::to_string(total));
      }
    }
    if (metadata["deletionGracePeriodSeconds"]) {
      pod.deletion_grace_period_seconds =
          in_.Int(metadata["deletionGracePeriodSeconds"], "metadata.deletionGracePeriodSeconds", 0, kInt64Max);
    }

    const YAML::Node spec = root["spec"];
    if (!spec) in_.Fail(root, "spec", "required");
    Fields(spec, "spec", kSpecFields);
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
    if (spec["volumes"]) pod.volumes = Volumes(spec["volumes"], "spec.volumes");
    volumes_ = &pod.volumes;

    if (spec["initContainers"]) pod.init_containers = Containers(spec["initContainers"], "spec.initContainers", true);
    if (!spec["containers"]) in_.Fail(spec, "spec.containers", "required");
    pod.containers = Containers(spec["containers"], "spec.containers", false);
    if (pod.containers.empty()) in_.Fail(spec["containers"], "spec.containers", "at least one container is required");
    return pod;
  }

 private:
  // The map's keys must be among `known`: an unknown one is an error naming it and the nearest
  // known name, as kubectl's strict field validation rejects it; lenient, a warning.
  void Fields(const YAML::Node& node, const std::string& path, const std::set<std::string>& known) {
    in_.ExpectMap(node, path);
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) in_.Fail(kv.first, path, "a field name must be a string");
      const auto key = kv.first.as<std::string>();
      if (known.count(key)) continue;
      const std::string nearest = yaml::NearestName(key, known);
      const std::string shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
      const std::string what = "unknown field" + (nearest.empty() ? "" : " (did you mean " + nearest + "?)");
      if (!options_.lenient) in_.Fail(kv.first, Field(path, shown), what);
      if (options_.warnings) {
        options_.warnings->push_back(in_.source() + ":" + std::to_string(kv.first.Mark().line + 1) + ": " +
                                     Field(path, shown) + ": " + what + ", ignored");
      }
    }
  }

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
    Fields(node, path, kContainerFields);
    Container c;
    if (!node["name"]) in_.Fail(node, Field(path, "name"), "required");
    c.name = in_.String(node["name"], Field(path, "name"));
    if (c.name.empty()) in_.Fail(node["name"], Field(path, "name"), "must not be empty");
    if (auto problem = Dns1123Problem(c.name, false); !problem.empty()) in_.Fail(node["name"], Field(path, "name"), problem);
    if (!node["image"]) in_.Fail(node, Field(path, "image"), "required");
    c.image = in_.String(node["image"], Field(path, "image"));
    if (c.image.empty()) in_.Fail(node["image"], Field(path, "image"), "must not be empty");
    if (node["command"]) c.command = in_.Strings(node["command"], Field(path, "command"));
    if (node["args"]) c.args = in_.Strings(node["args"], Field(path, "args"));
    if (node["env"]) c.env = Env(node["env"], Field(path, "env"));
    if (node["ports"]) c.ports = Ports(node["ports"], Field(path, "ports"));
    if (node["volumeMounts"]) c.volume_mounts = VolumeMounts(node["volumeMounts"], Field(path, "volumeMounts"));
    if (node["lifecycle"]) {
      const std::string lp = Field(path, "lifecycle");
      Fields(node["lifecycle"], lp, kLifecycleFields);
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
      Fields(list[i], at, kEnvVarFields);
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
      Fields(list[i], at, kPortFields);
      ContainerPort port;
      if (!list[i]["containerPort"]) in_.Fail(list[i], Field(at, "containerPort"), "required");
      port.container_port = static_cast<int32_t>(in_.Int(list[i]["containerPort"], Field(at, "containerPort"), 1, 65535));
      if (list[i]["name"]) {
        port.name = in_.String(list[i]["name"], Field(at, "name"));
        if (auto problem = PortNameProblem(port.name); !problem.empty()) in_.Fail(list[i]["name"], Field(at, "name"), problem);
      }
      if (list[i]["protocol"]) port.protocol = in_.String(list[i]["protocol"], Field(at, "protocol"));
      out.push_back(std::move(port));
    }
    return out;
  }

  // spec.volumes, checked as the API server checks them: a unique DNS-1123 label name and exactly
  // one source. Only a hostPath source is read (its path absolute, its type a HostPathType).
  std::vector<Volume> Volumes(const YAML::Node& list, const std::string& path) {
    if (!list.IsSequence()) in_.Fail(list, path, "expected a list of volumes");
    std::set<std::string> known = kVolumeSources;
    known.insert("name");
    std::vector<Volume> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = Index(path, i);
      Fields(list[i], at, known);
      Volume volume;
      if (!list[i]["name"]) in_.Fail(list[i], Field(at, "name"), "required");
      volume.name = in_.String(list[i]["name"], Field(at, "name"));
      if (auto problem = Dns1123Problem(volume.name, false); !problem.empty()) in_.Fail(list[i]["name"], Field(at, "name"), problem);
      for (const auto& v : out) {
        if (v.name == volume.name) in_.Fail(list[i]["name"], Field(at, "name"), "duplicate name '" + volume.name + "'");
      }
      int sources = 0;
      for (const auto& kv : list[i]) sources += kVolumeSources.count(kv.first.as<std::string>()) ? 1 : 0;
      if (sources != 1) {
        in_.Fail(list[i], at, sources == 0 ? "must specify a volume source (e.g. hostPath)"
                                           : "may not specify more than one volume source");
      }
      if (list[i]["hostPath"]) volume.host_path = HostPath(list[i]["hostPath"], Field(at, "hostPath"));
      out.push_back(std::move(volume));
    }
    return out;
  }

  HostPathVolume HostPath(const YAML::Node& node, const std::string& path) {
    Fields(node, path, kHostPathFields);
    HostPathVolume host_path;
    if (!node["path"]) in_.Fail(node, Field(path, "path"), "required");
    host_path.path = in_.String(node["path"], Field(path, "path"));
    if (host_path.path.empty() || host_path.path.front() != '/') {
      in_.Fail(node["path"], Field(path, "path"), "must be an absolute path, got '" + host_path.path + "'");
    }
    if (node["type"]) {
      host_path.type = in_.String(node["type"], Field(path, "type"));
      if (!kHostPathTypes.count(host_path.type)) {
        in_.Fail(node["type"], Field(path, "type"),
                 "must be one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice "
                 "or empty, got '" + host_path.type + "'");
      }
    }
    return host_path;
  }

  // A container's volumeMounts: each names a volume of spec.volumes (parsed before the containers)
  // and a unique absolute mountPath. A mount of a volume podlife does not provide (not hostPath)
  // is a warning: the container runs without it.
  std::vector<VolumeMount> VolumeMounts(const YAML::Node& list, const std::string& path) {
    if (!list.IsSequence()) in_.Fail(list, path, "expected a list of volume mounts");
    std::vector<VolumeMount> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = Index(path, i);
      Fields(list[i], at, kVolumeMountFields);
      VolumeMount mount;
      if (!list[i]["name"]) in_.Fail(list[i], Field(at, "name"), "required");
      mount.name = in_.String(list[i]["name"], Field(at, "name"));
      const auto volume = std::find_if(volumes_->begin(), volumes_->end(), [&](const Volume& v) { return v.name == mount.name; });
      if (volume == volumes_->end()) in_.Fail(list[i]["name"], Field(at, "name"), "not found: no volume '" + mount.name + "' in spec.volumes");
      if (!list[i]["mountPath"]) in_.Fail(list[i], Field(at, "mountPath"), "required");
      mount.mount_path = in_.String(list[i]["mountPath"], Field(at, "mountPath"));
      if (mount.mount_path.empty() || mount.mount_path.front() != '/') {
        in_.Fail(list[i]["mountPath"], Field(at, "mountPath"), "must be an absolute path, got '" + mount.mount_path + "'");
      }
      for (const auto& m : out) {
        if (m.mount_path == mount.mount_path) in_.Fail(list[i]["mountPath"], Field(at, "mountPath"), "must be unique");
      }
      for (const char* sub : {"subPath", "subPathExpr"}) {
        if (list[i][sub]) in_.Fail(list[i][sub], Field(at, sub), "not supported by podlife: it mounts the whole volume");
      }
      if (list[i]["readOnly"]) mount.read_only = in_.Bool(list[i]["readOnly"], Field(at, "readOnly"));
      if (!volume->host_path && options_.warnings) {
        options_.warnings->push_back(in_.source() + ":" + std::to_string(list[i].Mark().line + 1) + ": " + at +
                                     ": volume '" + mount.name + "' is not a hostPath volume; podlife mounts only "
                                     "hostPath volumes, so the container runs without it");
      }
      out.push_back(std::move(mount));
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
    Fields(node, path, kHandlerFields);
    if (node["exec"]) {
      const std::string p = Field(path, "exec");
      Fields(node["exec"], p, kExecFields);
      ExecAction exec;
      if (node["exec"]["command"]) exec.command = in_.Strings(node["exec"]["command"], Field(p, "command"));
      handler.exec = std::move(exec);
    }
    if (node["httpGet"]) {
      const std::string p = Field(path, "httpGet");
      const YAML::Node h = node["httpGet"];
      Fields(h, p, kHttpGetFields);
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
          Fields(header, at, kNameValueFields);
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
      Fields(node["sleep"], p, kSleepFields);
      if (!node["sleep"]["seconds"]) in_.Fail(node["sleep"], Field(p, "seconds"), "required");
      handler.sleep = SleepAction{in_.Int(node["sleep"]["seconds"], Field(p, "seconds"), 0, kInt64Max)};
    }
    if (node["tcpSocket"]) {
      const std::string p = Field(path, "tcpSocket");
      Fields(node["tcpSocket"], p, kTcpSocketFields);
      TcpSocketAction tcp;
      tcp.port = Port(node["tcpSocket"]["port"], Field(p, "port"));
      if (node["tcpSocket"]["host"]) tcp.host = in_.String(node["tcpSocket"]["host"], Field(p, "host"));
      handler.tcp_socket = std::move(tcp);
    }
    return handler;
  }

  YamlReader in_;
  const ParseOptions& options_;
  const std::vector<Volume>* volumes_ = &no_volumes_;  // the pod's, once read
  const std::vector<Volume> no_volumes_;
  std::set<std::string> used_names_;
};

}  // namespace

std::variant<Pod, ManifestError> ParsePod(const std::string& text, const std::string& source,
                                          const ParseOptions& options) {
  try {
    return PodParser(source, options).Parse(text);
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

std::variant<Pod, ManifestError> LoadPodFile(const std::string& path, const ParseOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return ManifestError{path + ": is a directory, not a pod manifest"};
  std::ifstream in(path);
  if (!in) return ManifestError{path + ": cannot read: " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePod(text.str(), path, options);
}

}  // namespace podlife::manifest
