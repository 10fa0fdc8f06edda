#include "src/engine/container_runtime.h"

#include <cstdio>
#include <string_view>

#include "src/core/go_duration.h"
#include "src/engine/go_format.h"

namespace podlife {

namespace {
constexpr int64_t kMinimumGracePeriodSeconds = 2;  // PR-01, PR-07

std::string PortJson(const IntOrString& port) { return port.is_int ? std::to_string(port.int_value) : JsonQuote(port.str_value); }

std::string StringsJson(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}
// The container's mounts of hostPath volumes, as the kubelet's makeMounts gives them to CRI: the
// node's path at the mountPath, read-only as asked, private propagation. Mounts of other volume
// sources are left out (the manifest parser warned about them).
void AddHostPathMounts(const Pod& pod, const Container& c, cri::ContainerConfig& config) {
  for (const auto& mount : c.volume_mounts) {
    for (const auto& volume : pod.volumes) {
      if (volume.name != mount.name || !volume.host_path) continue;
      auto* m = config.add_mounts();
      m->set_container_path(mount.mount_path);
      m->set_host_path(volume.host_path->path);
      m->set_readonly(mount.read_only);
      m->set_propagation(cri::PROPAGATION_PRIVATE);
    }
  }
}
}  // namespace

std::string GrpcDescription(const absl::Status& status) {
  const std::string text(status.message());
  constexpr std::string_view kRendered = "rpc error: code = ";
  constexpr std::string_view kDescription = " desc = ";
  if (text.rfind(kRendered, 0) != 0) return text;
  const size_t at = text.find(kDescription);
  return at == std::string::npos ? text : text.substr(at + kDescription.size());
}

std::string NameForId(std::string message, const std::string& container_id, const std::string& name) {
  if (container_id.empty()) return message;
  for (size_t at = message.find(container_id); at != std::string::npos; at = message.find(container_id, at + name.size())) {
    message.replace(at, container_id.size(), name);
  }
  return message;
}

cri::PodSandboxConfig MakeSandboxConfig(const Pod& pod, uint32_t attempt) {
  cri::PodSandboxConfig config;
  auto* md = config.mutable_metadata();
  md->set_name(pod.name);
  md->set_namespace_(pod.namespace_);
  md->set_uid(pod.uid);
  md->set_attempt(attempt);
  // A host-network sandbox has no UTS namespace of its own, so no hostname (containerd-notes).
  if (!pod.host_network) config.set_hostname(pod.name);
  config.set_log_directory("/var/log/pods/" + pod.namespace_ + "_" + pod.name + "_" + pod.uid);
  for (const auto& [k, v] : pod.labels) (*config.mutable_labels())[k] = v;
  (*config.mutable_labels())["io.kubernetes.pod.name"] = pod.name;
  (*config.mutable_labels())["io.kubernetes.pod.namespace"] = pod.namespace_;
  (*config.mutable_labels())["io.kubernetes.pod.uid"] = pod.uid;
  for (const auto& [k, v] : pod.annotations) (*config.mutable_annotations())[k] = v;
  if (pod.host_network) {
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
  }
  return config;
}

std::string HandlerJson(const LifecycleHandler& h) {
  std::vector<std::string> parts;
  if (h.exec) parts.push_back("\"exec\":{\"command\":" + StringsJson(h.exec->command) + "}");
  if (h.http_get) {
    std::string get = "\"path\":" + JsonQuote(h.http_get->path);
    if (h.http_get->port.is_int || !h.http_get->port.str_value.empty()) get += ",\"port\":" + PortJson(h.http_get->port);
    if (!h.http_get->host.empty()) get += ",\"host\":" + JsonQuote(h.http_get->host);
    if (!h.http_get->scheme.empty()) get += ",\"scheme\":" + JsonQuote(h.http_get->scheme);
    if (!h.http_get->http_headers.empty()) {
      std::string headers;
      for (const auto& hd : h.http_get->http_headers) {
        headers += (headers.empty() ? "" : ",") + std::string("{\"name\":") + JsonQuote(hd.name) + ",\"value\":" + JsonQuote(hd.value) + "}";
      }
      get += ",\"httpHeaders\":[" + headers + "]";
    }
    parts.push_back("\"httpGet\":{" + get + "}");
  }
  if (h.sleep) parts.push_back("\"sleep\":{\"seconds\":" + std::to_string(h.sleep->seconds) + "}");
  if (h.tcp_socket) {
    std::string tcp = "\"port\":" + PortJson(h.tcp_socket->port);
    if (!h.tcp_socket->host.empty()) tcp += ",\"host\":" + JsonQuote(h.tcp_socket->host);
    parts.push_back("\"tcpSocket\":{" + tcp + "}");
  }
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out + "}";
}

std::string PortsJson(const std::vector<ContainerPort>& ports) {
  std::string out = "[";
  for (size_t i = 0; i < ports.size(); ++i) {
    const auto& p = ports[i];
    out += std::string(i ? "," : "") + "{" + (p.name.empty() ? "" : "\"name\":" + JsonQuote(p.name) + ",") +
           "\"containerPort\":" + std::to_string(p.container_port) + ",\"protocol\":" + JsonQuote(p.protocol) + "}";
  }
  return out + "]";
}

std::string ContainerHash(const Container& c) {
  // Over the API JSON of each field, as the kubelet hashes the container's JSON.
  std::string f = JsonQuote(c.name) + JsonQuote(c.image) + StringsJson(c.command) + StringsJson(c.args);
  for (const auto& e : c.env) f += JsonQuote(e.name) + JsonQuote(e.value);
  f += PortsJson(c.ports);
  if (c.lifecycle && c.lifecycle->post_start) f += "postStart" + HandlerJson(*c.lifecycle->post_start);
  if (c.lifecycle && c.lifecycle->pre_stop) f += "preStop" + HandlerJson(*c.lifecycle->pre_stop);
  uint32_t hash = 2166136261u;  // FNV-1a, 32 bits, as the kubelet's HashContainer
  for (unsigned char ch : f) hash = (hash ^ ch) * 16777619u;
  char hex[9];
  snprintf(hex, sizeof(hex), "%08x", hash);
  return hex;
}

cri::ContainerConfig MakeContainerConfig(const Pod& pod, const Container& c, int restart_count) {
  cri::ContainerConfig config;
  config.mutable_metadata()->set_name(c.name);
  config.mutable_metadata()->set_attempt(restart_count);  // PS-04: attempt = restart count
  config.mutable_image()->set_image(c.image);
  for (const auto& s : c.command) config.add_command(s);
  for (const auto& s : c.args) config.add_args(s);
  for (const auto& e : c.env) {
    auto* kv = config.add_envs();
    kv->set_key(e.name);
    kv->set_value(e.value);
  }
  AddHostPathMounts(pod, c, config);
  (*config.mutable_labels())["io.kubernetes.container.name"] = c.name;
  (*config.mutable_labels())["io.kubernetes.pod.name"] = pod.name;
  (*config.mutable_labels())["io.kubernetes.pod.namespace"] = pod.namespace_;
  (*config.mutable_labels())["io.kubernetes.pod.uid"] = pod.uid;
  (*config.mutable_annotations())["io.kubernetes.container.restartCount"] = std::to_string(restart_count);
  (*config.mutable_annotations())["io.kubernetes.container.hash"] = ContainerHash(c);
  // What a restarted kubelet needs to kill the container when the pod's spec is gone (PR-14).
  if (pod.termination_grace_period_seconds) {
    (*config.mutable_annotations())["io.kubernetes.pod.terminationGracePeriod"] =
        std::to_string(*pod.termination_grace_period_seconds);
  }
  if (pod.deletion_grace_period_seconds) {
    (*config.mutable_annotations())["io.kubernetes.pod.deletionGracePeriod"] = std::to_string(*pod.deletion_grace_period_seconds);
  }
  if (c.lifecycle && c.lifecycle->pre_stop) {
    (*config.mutable_annotations())["io.kubernetes.container.preStopHandler"] = HandlerJson(*c.lifecycle->pre_stop);
  }
  if (!c.ports.empty()) (*config.mutable_annotations())["io.kubernetes.container.ports"] = PortsJson(c.ports);
  config.set_log_path(c.name + "/" + std::to_string(restart_count) + ".log");
  // The kubelet gives each container its own PID namespace unless the pod shares one.
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(cri::CONTAINER);
  if (pod.host_network) {
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
  }
  return config;
}

ContainerRuntime::~ContainerRuntime() { CancelAndJoinHooks(); }

void ContainerRuntime::CancelAndJoinHooks() {
  std::unique_lock lock(hooks_mu_);
  for (auto& hook : hooks_running_) hook->Cancel();
  hooks_ended_.wait(lock, [&] { return hooks_running_.empty(); });
}

void ContainerRuntime::Event(const Container& c, bool init, const std::string& container_id, const std::string& type,
                             const std::string& reason, const std::string& message) {
  events_.Record({type, reason, ContainerFieldPath(c.name, init), NameForId(message, container_id, c.name), {}});
}

int64_t ContainerRuntime::GracePeriod(const Pod& pod) {
  // PR-01 (probe-specific overrides are not modelled: podlife has no probes).
  if (pod.deletion_grace_period_seconds) return *pod.deletion_grace_period_seconds;
  if (pod.termination_grace_period_seconds) return *pod.termination_grace_period_seconds;
  return kMinimumGracePeriodSeconds;
}

bool ContainerRuntime::EnsureImage(const Container& c, bool init, const SandboxRef& sandbox, StartResult* result) {
  // The kubelet's EnsureImageExists records its own event (InspectFailed, or Failed `Failed to
  // pull image ...` with the runtime's whole error); startContainer then records Failed `Error:
  // <reason>`, the description of an error that is no gRPC status (PS-02, EV-03).
  auto present = cri_.ImagePresent(c.image);
  if (present.ok() && *present) return true;
  if (!present.ok()) {
    result->error_reason = "ImageInspectError";
    result->message = "Failed to inspect image " + GoQuote(c.image) + ": " + std::string(present.status().message());
    Event(c, init, "", "Warning", "InspectFailed", result->message);
  } else {
    auto pulled = cri_.PullImage(c.image, sandbox.config);
    if (pulled.ok()) return true;
    result->error_reason = "ErrImagePull";
    result->message = std::string(pulled.status().message());
    Event(c, init, "", "Warning", "Failed", "Failed to pull image " + GoQuote(c.image) + ": " + result->message);
  }
  Event(c, init, "", "Warning", "Failed", "Error: " + result->error_reason);
  return false;
}

StartResult ContainerRuntime::StartContainer(const Pod& pod, const SandboxRef& sandbox, const Container& c, bool init,
                                             int restart_count) {
  StartResult result;
  // PS-01 step 2: the image.
  if (!EnsureImage(c, init, sandbox, &result)) return result;
  // Steps 5-8: config and CreateContainer. PS-02: the message is the gRPC description.
  auto created = cri_.CreateContainer(sandbox.id, MakeContainerConfig(pod, c, restart_count), sandbox.config);
  if (!created.ok()) {
    result.error_reason = "CreateContainerError";  // PS-02, EV-03
    result.message = GrpcDescription(created.status());
    Event(c, init, "", "Warning", "Failed", "Error: " + result.message);
    return result;
  }
  result.container_id = *created;
  const std::string& id = result.container_id;
  // Step 10: Created (EV-01).
  Event(c, init, id, "Normal", "Created",
        profile_.created_started_messages_generic ? "Container created" : "Created container " + c.name);
  // Step 11: StartContainer.
  if (auto st = cri_.StartContainer(id); !st.ok()) {
    result.error_reason = "RunContainerError";  // PS-02, EV-03
    result.message = GrpcDescription(st);
    Event(c, init, id, "Warning", "Failed", "Error: " + result.message);
    return result;
  }
  // Step 12: Started (EV-02).
  Event(c, init, id, "Normal", "Started",
        profile_.created_started_messages_generic ? "Container started" : "Started container " + c.name);
  // Step 14: postStart, synchronously (PS-05, PS-10), against the instance just started (HD-05).
  // No cancellation: a hung postStart blocks the start, and the next container, for ever (EX-05,
  // SL-07 for a sleep).
  if (c.lifecycle && c.lifecycle->post_start) {
    HookTarget target{&pod, sandbox.id, &c, id};
    HookOutcome hook = hooks_.Run(target, *c.lifecycle->post_start, nullptr);
    if (hook.failed) {
      // PS-06 / EV-04: the detail is withheld from the event since ≈1.26.
      Event(c, init, id, "Warning", "FailedPostStartHook",
            profile_.hook_failure_event_has_detail ? hook.message : "PostStartHook failed");
      // PS-08: the ordinary grace selection, no override, Killing says why.
      KillRequest kill;
      kill.pod = &pod;
      kill.sandbox = sandbox;
      kill.spec = &c;
      kill.init_container = init;
      kill.container_id = id;
      kill.message = "FailedPostStartHook";
      (void)KillContainer(kill);  // a kill error is only logged by the kubelet
      // PS-07: the error is the status's reason; the full hook message (HD-06) its message.
      result.error_reason = "PostStartHookError";
      if (profile_.post_start_error_has_hook_error) result.error_reason += ": " + hook.error;
      result.message = hook.message;
      return result;
    }
  }
  return result;
}

int64_t ContainerRuntime::ExecutePreStopHook(const KillRequest& request, int64_t grace) {
  const TimePoint start = clock_.Now();
  // The hook may outlive the wait (EX-06); its failure event is then recorded when it ends,
  // possibly after StopContainer (PR-06). It owns copies of what it reads. One copy of the pod
  // per pod kill, not per hook: 2,000 hooks each holding a 2,000-container Pod took 2.9 GB.
  std::shared_ptr<const Pod> pod = request.pod_for_hooks ? request.pod_for_hooks : std::make_shared<const Pod>(*request.pod);
  auto container = std::make_shared<const Container>(*request.spec);
  const HookTarget target{pod.get(), request.sandbox.id, container.get(), request.container_id};
  std::shared_ptr<RunningHook> hook = hooks_.Start(target, *container->lifecycle->pre_stop);
  {
    std::lock_guard lock(hooks_mu_);
    hooks_running_.push_back(hook);
  }
  const bool init = request.init_container;
  auto ended = [this, pod, container, target, init, hook](const HookOutcome& outcome) {
    // A hook this engine cancelled at its own shutdown did not fail: the kubelet would have let
    // it run on (it only stops waiting), so no FailedPreStopHook is recorded for it.
    if (outcome.failed && !hook->cancelled()) {
      Event(*container, init, target.container_id, "Warning", "FailedPreStopHook",  // EV-05
            profile_.hook_failure_event_has_detail ? outcome.message : "PreStopHook failed");
    }
    std::lock_guard lock(hooks_mu_);
    std::erase(hooks_running_, hook);
    if (hooks_running_.empty()) hooks_ended_.notify_all();
  };
  // PR-05; SL-06 for a sleep. Go's time.Duration(grace) * time.Second: a grace past 9223372036 s
  // wraps there and the kubelet's timer fires at once; below it a far deadline waits for the hook.
  if (hook->Wait(clock_, GoSeconds(grace))) {
    ended(hook->outcome());
  } else {
    hook->Detach(std::move(ended));
  }
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - start).count();
}

absl::Status ContainerRuntime::KillContainer(const KillRequest& request) {
  const Container& c = *request.spec;
  int64_t grace = GracePeriod(*request.pod);
  if (profile_.grace_override_before_prestop && request.grace_override) grace = *request.grace_override;  // PR-03
  // PR-02, EV-06: Killing before the hook.
  Event(c, request.init_container, request.container_id, "Normal", "Killing",
        request.message.empty() ? "Stopping container " + c.name : request.message);
  // PR-04: the hook runs only with time to run it.
  if (c.lifecycle && c.lifecycle->pre_stop && grace > 0) grace -= ExecutePreStopHook(request, grace);
  // PR-12: sidecars wait for their turn within what is left.
  if (request.ordering && grace > 0) grace -= request.ordering->WaitForTurn(c.name, grace, clock_);
  if (grace < kMinimumGracePeriodSeconds) grace = kMinimumGracePeriodSeconds;  // PR-07
  if (!profile_.grace_override_before_prestop && request.grace_override) grace = *request.grace_override;  // PR-03 Δ21
  absl::Status st = cri_.StopContainer(request.container_id, grace);
  if (!st.ok() && profile_.stop_not_found_is_success && absl::IsNotFound(st)) st = absl::OkStatus();  // PR-13
  if (st.ok() && request.ordering) request.ordering->Terminated(c.name);
  return st;
}

}  // namespace podlife
