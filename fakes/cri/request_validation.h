// Request validation: the checks with which containerd 1.6's CRI plugin refuses a RunPodSandbox or
// CreateContainer request before anything runs, as pure functions of the request and a few facts
// about the runtime's host and configuration.
//
// Contract:
// - Each function returns OK, or the gRPC status containerd answers for the first rule the
//   request breaks, in containerd's order of checks: the code (UNKNOWN for containerd's plain
//   errors, NOT_FOUND where it wraps a not-found error) and its message, wrappers included, with
//   the container ID the caller generated. Rules and their containerd sources are listed in
//   fakes/cri/README.md ("Request validation").
// - Nothing here reads files, clocks or the network: what containerd would read from the host
//   (AppArmor, a Localhost seccomp profile file) is a fact in RuntimeHost, and another container's
//   state comes through a lookup.
// - Checks that depend on things the fake does not model (the image's entrypoint, host paths of
//   mounts and devices, cgroup controllers, SELinux) are left out; the README says so.
#pragma once

#include <grpcpp/support/status.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fakes/cri/flavor.h"
#include "runtime/v1/api.pb.h"

namespace podlife::fakes {

namespace cri = ::runtime::v1;

// What containerd would learn from its configuration and from the machine.
struct RuntimeHost {
  // Configured runtime handlers (containerd's `runtimes` table); the first is the default, used
  // for an empty RunPodSandboxRequest.runtime_handler. containerd's stock config has only runc.
  std::vector<std::string> runtime_handlers{"runc"};
  // containerd with `disable_apparmor = true`, or a kernel without AppArmor (the containerd lane),
  // answers "apparmor is not supported" to any profile but unconfined.
  bool apparmor_enabled = false;
  std::vector<std::string> apparmor_profiles;  // loaded profiles, when enabled
  // Whether a Localhost seccomp profile at this path can be read; unset: none can.
  std::function<bool(const std::string& path)> seccomp_profile_readable;
};

// Another container of the runtime, as a TARGET pid namespace names it.
struct TargetContainerFacts {
  std::string sandbox_id;
  cri::ContainerState state = cri::CONTAINER_UNKNOWN;
};
using TargetLookup = std::function<std::optional<TargetContainerFacts>(const std::string& container_id)>;

// The first checks, before containerd reserves the name.
grpc::Status CheckSandboxMetadata(const cri::PodSandboxConfig& config);
grpc::Status CheckContainerMetadata(const cri::ContainerConfig& config);

// After the name is reserved: the runtime handler, the sandbox's seccomp profile and user. The
// flavour picks the message's wording (containerd 1.6 misspells one wrapper).
grpc::Status ValidateRunPodSandbox(const cri::RunPodSandboxRequest& req, const RuntimeHost& host, Flavor flavor);

// After the name is reserved and the image resolved: privileged, a TARGET pid namespace, the
// user, AppArmor and seccomp. `container_id` is the ID containerd generated for the request.
grpc::Status ValidateCreateContainer(const cri::CreateContainerRequest& req, const std::string& container_id,
                                     const RuntimeHost& host, const TargetLookup& find_container);

}  // namespace podlife::fakes
