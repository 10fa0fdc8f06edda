#include "fakes/cri/request_validation.h"

#include <algorithm>

// containerd still reads the deprecated string fields (apparmor_profile, seccomp_profile_path)
// when the structured profile is absent, so the fake must too.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace podlife::fakes {

namespace {

using Profile = cri::SecurityProfile;

grpc::Status Unknown(const std::string& message) { return {grpc::StatusCode::UNKNOWN, message}; }
std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// A rule's verdict before containerd's wrappers are added: "" = the request passes.
using Verdict = std::string;

constexpr const char* kUntrustedAnnotation = "io.kubernetes.cri.untrusted-workload";
constexpr const char* kUntrustedHandler = "untrusted";
constexpr const char* kLocalhostPrefix = "localhost/";

// containerd's generateUserString: a group needs a user (uid or name).
Verdict UserRule(const std::string& username, bool has_uid, const cri::Int64Value* gid) {
  if (gid && !has_uid && username.empty()) {
    return "user group " + Quote(std::to_string(gid->value())) + " is specified without user";
  }
  return "";
}

// containerd's generateSecurityProfile: the deprecated string fields accept runtime/default,
// docker/default, unconfined and localhost/<name>; anything else is refused.
Verdict ProfileFromPath(const std::string& path, Profile* out) {
  if (path.empty() || path == "runtime/default" || path == "docker/default") {
    out->set_profile_type(Profile::RuntimeDefault);
  } else if (path == "unconfined") {
    out->set_profile_type(Profile::Unconfined);
  } else if (path.rfind(kLocalhostPrefix, 0) == 0) {
    out->set_profile_type(Profile::Localhost);
    out->set_localhost_ref(path.substr(std::string(kLocalhostPrefix).size()));
  } else {
    return "invalid profile " + Quote(path);
  }
  return "";
}

std::string TrimLocalhostPrefix(const std::string& ref) {
  return ref.rfind(kLocalhostPrefix, 0) == 0 ? ref.substr(std::string(kLocalhostPrefix).size()) : ref;
}

bool IsKnownProfileType(Profile::ProfileType type) {
  return type == Profile::RuntimeDefault || type == Profile::Unconfined || type == Profile::Localhost;
}

// The seccomp profile a security context asks for: the structured field, else the deprecated
// path. `*profile` stays unset (nullopt) when neither is given.
Verdict SeccompProfile(const Profile* structured, const std::string& path, std::optional<Profile>* profile) {
  if (structured) {
    *profile = *structured;
    return "";
  }
  if (path.empty()) return "";
  Profile p;
  if (Verdict v = ProfileFromPath(path, &p); !v.empty()) return v;
  *profile = p;
  return "";
}

// containerd's generateSeccompSpecOpts on a host with seccomp (every kernel the fake models).
Verdict SeccompSpecRule(const std::optional<Profile>& profile, bool privileged) {
  if (privileged || !profile) return "";  // privileged containers get no seccomp profile at all
  if (profile->profile_type() != Profile::Localhost && !profile->localhost_ref().empty()) {
    return "seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost";
  }
  if (!IsKnownProfileType(profile->profile_type())) return "seccomp unknown ProfileType";
  return "";
}

// The Localhost profile file is read when containerd creates its container record.
Verdict SeccompFileRule(const std::optional<Profile>& profile, bool privileged, const RuntimeHost& host) {
  if (privileged || !profile || profile->profile_type() != Profile::Localhost) return "";
  const std::string path = TrimLocalhostPrefix(profile->localhost_ref());
  if (host.seccomp_profile_readable && host.seccomp_profile_readable(path)) return "";
  return "cannot load seccomp profile " + Quote(path) + ": open " + path + ": no such file or directory";
}

// containerd's generateApparmorSpecOpts.
// A privileged container skips only the default profile, which never fails: privilege changes no
// verdict here.
Verdict ApparmorSpecRule(const Profile& profile, const RuntimeHost& host) {
  if (!host.apparmor_enabled) {
    return profile.profile_type() == Profile::Unconfined ? "" : "apparmor is not supported";
  }
  if (profile.profile_type() != Profile::Localhost && !profile.localhost_ref().empty()) {
    return "apparmor config invalid LocalhostRef must only be set if ProfileType is Localhost";
  }
  if (!IsKnownProfileType(profile.profile_type())) return "apparmor unknown ProfileType";
  if (profile.profile_type() != Profile::Localhost) return "";
  const std::string name = TrimLocalhostPrefix(profile.localhost_ref());
  if (name.empty()) return "failed to generate apparmor spec opts: nil apparmor profile is not supported";
  const auto& loaded = host.apparmor_profiles;
  if (std::find(loaded.begin(), loaded.end(), name) == loaded.end()) return "apparmor profile not found " + name;
  return "";
}

// The AppArmor part of containerSpecOpts: the deprecated string first, then the profile.
Verdict ApparmorRule(const cri::LinuxContainerSecurityContext& sc, const RuntimeHost& host) {
  if (sc.has_apparmor()) return ApparmorSpecRule(sc.apparmor(), host);
  Profile p;  // no profile at all means the runtime default
  if (!sc.apparmor_profile().empty()) {
    if (Verdict v = ProfileFromPath(sc.apparmor_profile(), &p); !v.empty()) return v;
  } else if (!host.apparmor_enabled) {
    return "";  // nothing asked for on a host without AppArmor
  }
  return ApparmorSpecRule(p, host);
}

Verdict TargetContainerRule(const std::string& target_id, const std::string& sandbox_id,
                            const TargetLookup& find_container, grpc::StatusCode* code) {
  const std::string quoted = Quote(target_id);
  if (target_id.empty()) return "container " + quoted + " does not exist: Prefix can't be empty";
  const auto target = find_container ? find_container(target_id) : std::nullopt;
  if (!target) {
    *code = grpc::StatusCode::NOT_FOUND;  // containerd wraps its store's not-found error
    return "container " + quoted + " does not exist: not found";
  }
  if (target->sandbox_id != sandbox_id) {
    return "container " + quoted + " (sandbox " + target->sandbox_id + ") does not belong to sandbox " + sandbox_id;
  }
  if (target->state != cri::CONTAINER_RUNNING) {
    return "container " + quoted + " is not running - in state " + cri::ContainerState_Name(target->state);
  }
  return "";
}

// containerd's getSandboxRuntime.
Verdict RuntimeHandlerRule(const cri::RunPodSandboxRequest& req, const RuntimeHost& host) {
  const auto& config = req.config();
  std::string handler = req.runtime_handler();
  auto untrusted = config.annotations().find(kUntrustedAnnotation);
  if (untrusted != config.annotations().end() && untrusted->second == "true") {
    if (!handler.empty() && handler != kUntrustedHandler) {
      return "untrusted workload with explicit runtime handler is not allowed";
    }
    const auto& ns = config.linux().security_context().namespace_options();
    if (ns.network() == cri::NODE || ns.pid() == cri::NODE || ns.ipc() == cri::NODE) {
      return "untrusted workload with host access is not allowed";
    }
    handler = kUntrustedHandler;
  }
  if (handler.empty() && !host.runtime_handlers.empty()) handler = host.runtime_handlers.front();
  const auto& known = host.runtime_handlers;
  if (std::find(known.begin(), known.end(), handler) == known.end()) {
    return "no runtime for " + Quote(handler) + " is configured";
  }
  return "";
}

}  // namespace

grpc::Status CheckSandboxMetadata(const cri::PodSandboxConfig& config) {
  if (!config.has_metadata()) return Unknown("sandbox config must include metadata");
  return grpc::Status::OK;
}

grpc::Status CheckContainerMetadata(const cri::ContainerConfig& config) {
  if (!config.has_metadata()) return Unknown("container config must include metadata");
  return grpc::Status::OK;
}

grpc::Status ValidateRunPodSandbox(const cri::RunPodSandboxRequest& req, const RuntimeHost& host, Flavor flavor) {
  if (Verdict v = RuntimeHandlerRule(req, host); !v.empty()) return Unknown("failed to get sandbox runtime: " + v);
  const auto& sc = req.config().linux().security_context();
  // containerd 1.6 misspells "sandbox" in this wrapper; 1.7 and later spell it right.
  const std::string spec_options = flavor == Flavor::kContainerd1_6_20
                                       ? "failed to generate sanbdox container spec options: "
                                       : "failed to generate sandbox container spec options: ";
  std::optional<Profile> seccomp;
  Verdict v = SeccompProfile(sc.has_seccomp() ? &sc.seccomp() : nullptr, sc.seccomp_profile_path(), &seccomp);
  if (v.empty()) v = SeccompSpecRule(seccomp, sc.privileged());
  if (!v.empty()) return Unknown(spec_options + "failed to generate seccomp spec opts: " + v);
  if (Verdict u = UserRule("", sc.has_run_as_user(), sc.has_run_as_group() ? &sc.run_as_group() : nullptr); !u.empty()) {
    return Unknown(spec_options + "failed to generate user string: " + u);
  }
  if (Verdict f = SeccompFileRule(seccomp, sc.privileged(), host); !f.empty()) {
    return Unknown("failed to create containerd container: " + f);
  }
  return grpc::Status::OK;
}

grpc::Status ValidateCreateContainer(const cri::CreateContainerRequest& req, const std::string& container_id,
                                     const RuntimeHost& host, const TargetLookup& find_container) {
  const auto& sc = req.config().linux().security_context();
  const std::string spec = "failed to generate container " + Quote(container_id) + " spec: ";
  // The privileged check reads the sandbox config sent with the request, as containerd does.
  if (sc.privileged() && !req.sandbox_config().linux().security_context().privileged()) {
    return Unknown(spec + "no privileged container allowed in sandbox");
  }
  if (sc.namespace_options().pid() == cri::TARGET) {
    grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
    Verdict v = TargetContainerRule(sc.namespace_options().target_id(), req.pod_sandbox_id(), find_container, &code);
    if (!v.empty()) return {code, spec + "invalid target container: " + v};
  }
  const std::string opts = "failed to get container spec opts: ";
  Verdict user = UserRule(sc.run_as_username(), sc.has_run_as_user(), sc.has_run_as_group() ? &sc.run_as_group() : nullptr);
  if (!user.empty()) return Unknown(opts + "failed to generate user string: " + user);
  if (Verdict v = ApparmorRule(sc, host); !v.empty()) return Unknown(opts + "failed to generate apparmor spec opts: " + v);
  std::optional<Profile> seccomp;
  Verdict v = SeccompProfile(sc.has_seccomp() ? &sc.seccomp() : nullptr, sc.seccomp_profile_path(), &seccomp);
  if (v.empty()) v = SeccompSpecRule(seccomp, sc.privileged());
  if (!v.empty()) return Unknown(opts + "failed to generate seccomp spec opts: " + v);
  if (Verdict f = SeccompFileRule(seccomp, sc.privileged(), host); !f.empty()) {
    return Unknown("failed to create containerd container: " + f);
  }
  return grpc::Status::OK;
}

}  // namespace podlife::fakes
