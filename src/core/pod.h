// Pod model: the parts of a Kubernetes v1 Pod that the container lifecycle reads, as plain
// values. Field names follow the Kubernetes API (camelCase there, snake_case here).
//
// Contract: a Pod built by the manifest parser (src/manifest) or by hand in tests. Optional API
// fields are std::optional so "absent" and "zero" stay distinct where the kubelet distinguishes
// them (a port of 0 vs none, terminationGracePeriodSeconds 0 vs unset). No behaviour here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace podlife {

// intstr.IntOrString: a port given as a number or as a name/digit string.
struct IntOrString {
  bool is_int = true;
  int64_t int_value = 0;
  std::string str_value;

  static IntOrString Int(int64_t v) { return {true, v, ""}; }
  static IntOrString String(std::string s) { return {false, 0, std::move(s)}; }
  std::string ToString() const { return is_int ? std::to_string(int_value) : str_value; }
};

struct ExecAction {
  std::vector<std::string> command;
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpGetAction {
  std::string path;
  IntOrString port;  // an absent port is the empty string (IntOrString::String(""))
  std::string host;
  std::string scheme;  // as written; "" = HTTP
  std::vector<HttpHeader> http_headers;
};

struct SleepAction {
  int64_t seconds = 0;
};

struct TcpSocketAction {
  IntOrString port;
  std::string host;
};

// LifecycleHandler (v1.Handler in 1.21): at most one action is meant to be set; the runner's
// dispatch decides what happens when none or a tcpSocket is (HD-01, HD-02).
struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HttpGetAction> http_get;
  std::optional<SleepAction> sleep;
  std::optional<TcpSocketAction> tcp_socket;
};

struct Lifecycle {
  std::optional<LifecycleHandler> post_start;
  std::optional<LifecycleHandler> pre_stop;
};

struct ContainerPort {
  std::string name;
  int32_t container_port = 0;
  std::string protocol = "TCP";
};

struct EnvVar {
  std::string name;
  std::string value;
};

// A volumeMount: the volume (spec.volumes[].name) and where the container sees it.
struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool read_only = false;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::vector<ContainerPort> ports;
  std::vector<VolumeMount> volume_mounts;
  std::optional<Lifecycle> lifecycle;
  // Only on init containers: "Always" makes it a sidecar (restartable init container).
  std::optional<std::string> restart_policy;
};

// A hostPath volume: a file or directory of the node. `type` is kept as written ("" = no check).
struct HostPathVolume {
  std::string path;
  std::string type;
};

// A pod volume. Only hostPath is read; a volume of another source (emptyDir, configMap, ...) has
// no host_path and is not mounted.
struct Volume {
  std::string name;
  std::optional<HostPathVolume> host_path;
};

struct Pod {
  std::string name;
  std::string namespace_ = "default";
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::optional<int64_t> termination_grace_period_seconds;
  std::optional<int64_t> deletion_grace_period_seconds;
  std::string restart_policy = "Always";
  bool host_network = false;
  std::vector<Volume> volumes;

  // format.Pod: "name_namespace(uid)", as the kubelet prints a pod in messages.
  std::string FormatForMessages() const { return name + "_" + namespace_ + "(" + uid + ")"; }
};

inline bool IsSidecar(const Container& c) { return c.restart_policy && *c.restart_policy == "Always"; }

}  // namespace podlife
