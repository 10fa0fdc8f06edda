// RuntimeState: the fake CRI runtime's sandboxes, containers and images, and the state machine
// that moves them, faithful to containerd 1.6 as recorded in docs/containerd.md.
//
// Contract: every method is a pure state transition that returns the gRPC status containerd
// returns in that situation (code and message); nothing here blocks or talks to the network.
// Blocking behaviour (a stop that waits for the grace period, an exec that runs for a while) is
// done by the server, which asks this class for a decision and then calls ExitContainer. Not
// thread-safe: the server serialises all access with one lock.
// Known differences from containerd are listed in fakes/cri/README.md.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fakes/cri/flavor.h"
#include "fakes/cri/request_validation.h"
#include "fakes/cri/script.h"
#include "fakes/cri/simulated_exec.h"
#include "runtime/v1/api.pb.h"

namespace podlife::fakes {

namespace cri = ::runtime::v1;

// Exit codes and reasons as containerd reports them.
inline constexpr int kSigkillExitCode = 137;
inline constexpr const char* kReasonCompleted = "Completed";
inline constexpr const char* kReasonError = "Error";

struct SandboxRecord {
  std::string id;
  std::string name;  // containerd's reserved name: name_namespace_uid_attempt
  cri::PodSandboxConfig config;
  std::string runtime_handler;
  cri::PodSandboxState state = cri::SANDBOX_READY;
  int64_t created_at = 0;
  std::vector<std::string> ips;
};

struct ContainerRecord {
  std::string id;
  std::string name;  // containerd's reserved name: container_pod_namespace_uid_attempt
  std::string sandbox_id;
  cri::ContainerConfig config;
  std::string image_ref;
  std::string log_path;
  cri::ContainerState state = cri::CONTAINER_CREATED;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int exit_code = 0;
  std::string reason;
  std::string message;
  WorkloadRule workload;
  bool workload_scripted = false;  // a WorkloadRule matched: it wins over the simulation
  std::string term_output;         // what the simulated TERM trap writes to the log
  // What the simulated shell sees (simulated_exec.h).
  SimulatedFs fs;
  std::string hostname;  // the sandbox's, or this machine's when the sandbox has none
  ShellIdentity identity;
};

// Default size of an image the scenario says nothing about: a small base image's order (busybox
// and alpine are 2-8 MB). CRI clients treat an image with an ID and size 0 as an error.
inline constexpr uint64_t kDefaultImageSize = 5 * 1024 * 1024;

// What pulling a reference yields (the registry's content), or an image present from the start
// (imported: repo tags only, as `ctr images import` leaves it). Every reference listed names the
// same content: one image ID with several repo tags/digests. A reference nobody defined pulls
// content of its own, keyed by its normalised form (see fakes/cri/README.md).
struct ImageDefinition {
  std::vector<std::string> references;  // as written; normalised with ParseDockerRef
  uint64_t size = kDefaultImageSize;
  std::string user;  // the image config's User: "", "1000", "nobody", "1000:1000"
  std::string id;    // "" = derived from the first reference
  bool present = false;
};

struct ImageRecord {
  std::string id;               // the config digest, sha256:<64 hex>
  std::string manifest_digest;  // what a pulled tag's repo digest points at
  std::vector<std::string> repo_tags;     // normalised, sorted
  std::vector<std::string> repo_digests;  // normalised, sorted
  uint64_t size = kDefaultImageSize;
  std::string user;
};

// What a StopContainer call must do after the state has been consulted.
struct StopPlan {
  enum class Action {
    kNothing,        // unknown to stop (already exited or never started): answer OK
    kExitNow,        // the workload exits at once with `exit_code`
    kKillAfterGrace  // the workload ignores TERM: SIGKILL (137) after the timeout unless it exits
  };
  Action action = Action::kNothing;
  int exit_code = 0;
  std::string reason;
};

class RuntimeState {
 public:
  using NowNanos = std::function<int64_t()>;
  explicit RuntimeState(NowNanos now = nullptr);

  // Pod IPs for sandboxes on the POD network created from now on. NODE (host) network sandboxes
  // get none, as with containerd. Default: {"127.0.0.1"}, so hooks aimed at the pod IP stay on
  // this machine.
  void SetPodIps(std::vector<std::string> ips) { pod_ips_ = std::move(ips); }
  void SetScript(const Script* script) { script_ = script; }
  // Which runtime's answers to give where they differ (flavor.h). Default: the CRI contract.
  void SetFlavor(Flavor flavor) { flavor_ = flavor; }
  Flavor flavor() const { return flavor_; }
  // What the request validations know about the runtime's configuration and host.
  void SetHost(RuntimeHost host) { host_ = std::move(host); }
  const RuntimeHost& host() const { return host_; }

  grpc::Status RunPodSandbox(const cri::RunPodSandboxRequest& req, std::string* id);
  // An unknown ID: NOT_FOUND in the containerd-1.6.20 flavour, OK in `cri`.
  grpc::Status StopPodSandbox(const std::string& id);
  grpc::Status RemovePodSandbox(const std::string& id);
  grpc::Status PodSandboxStatus(const std::string& id, cri::PodSandboxStatus* out) const;
  void ListPodSandbox(const cri::PodSandboxFilter& filter, cri::ListPodSandboxResponse* out) const;

  grpc::Status CreateContainer(const cri::CreateContainerRequest& req, std::string* id);
  grpc::Status StartContainer(const std::string& id);
  // A start that failed after the state allowed it (the log file cannot be created): the
  // container is EXITED 128 `StartError` with `message`, which the UNKNOWN status carries.
  grpc::Status FailStart(const std::string& id, const std::string& message);
  // An unknown ID: NOT_FOUND in the containerd-1.6.20 flavour, nothing to do (OK) in `cri`.
  grpc::Status PlanStop(const std::string& id, int64_t timeout_seconds, StopPlan* plan) const;
  grpc::Status RemoveContainer(const std::string& id);
  grpc::Status ContainerStatus(const std::string& id, cri::ContainerStatus* out) const;
  void ListContainers(const cri::ContainerFilter& filter, cri::ListContainersResponse* out) const;
  // Checks an exec may run: the container exists and is running.
  grpc::Status CheckExec(const std::string& id) const;
  // Checks the log may be reopened: the container exists and is running (containerd).
  grpc::Status CheckReopenLog(const std::string& id) const;
  ContainerRecord* MutableContainer(const std::string& id);
  // Log files go under this directory (log_directory/log_path re-rooted), for fakes that must not
  // write where a real runtime would. "" = at log_directory/log_path, as containerd writes them.
  void SetLogRoot(std::string root) { log_root_ = std::move(root); }

  // The container's PID 1 exited (the workload died, or a stop ended it). No-op unless running.
  // `finished_ago_nanos` backdates finished_at (rules measured from the finish, without waiting).
  void ExitContainer(const std::string& id, int exit_code, const std::string& reason, int64_t finished_ago_nanos = 0);
  bool IsRunning(const std::string& id) const;

  // Images, resolved as containerd's localResolve does: an image ID (also a unique prefix of its
  // hex), or any reference that normalises to one of the image's repo tags or digests.
  // Defines what pulling the definition's references yields; a present one is added at once.
  // References must parse (the scenario checks them); one that does not is ignored.
  void DefineImage(const ImageDefinition& definition);
  // UNKNOWN `failed to parse image reference "<ref>": ...` for a reference containerd rejects.
  grpc::Status PullImage(const std::string& reference, std::string* image_id);
  std::string PullImage(const std::string& reference);  // the image ID, "" when rejected
  // NOT_FOUND `not found` when nothing matches; UNKNOWN `ambiguous digest string` for a prefix of
  // several IDs.
  grpc::Status ResolveImage(const std::string& reference_or_id, ImageRecord* out) const;
  std::optional<ImageRecord> FindImage(const std::string& reference_or_id) const;
  // The whole image, every tag and digest (CRI's RemoveImage); OK when nothing matches.
  grpc::Status RemoveImage(const std::string& reference_or_id);
  std::vector<ImageRecord> Images() const;
  struct ImageFsUsage {
    uint64_t used_bytes = 0;
    uint64_t inodes_used = 0;
  };
  ImageFsUsage ImageFs() const;

  const std::map<std::string, SandboxRecord>& sandboxes() const { return sandboxes_; }
  const std::map<std::string, ContainerRecord>& containers() const { return containers_; }

 private:
  std::string NewId();
  const ContainerRecord* FindContainer(const std::string& id) const;
  static grpc::Status ContainerNotFound(const std::string& id);
  ImageRecord ContentFor(const std::string& normalised, const std::string& digest) const;
  void AddImageReference(const ImageRecord& content, const std::string& normalised);
  const ImageRecord* ImageById(const std::string& id) const;

  NowNanos now_;
  const Script* script_ = nullptr;
  std::string log_root_;
  Flavor flavor_ = kDefaultFlavor;
  RuntimeHost host_;
  std::vector<std::string> pod_ips_{"127.0.0.1"};
  std::map<std::string, SandboxRecord> sandboxes_;
  std::map<std::string, ContainerRecord> containers_;
  std::map<std::string, ImageRecord> images_;            // by ID
  std::map<std::string, std::string> image_references_;  // normalised reference -> ID
  std::vector<std::pair<std::vector<std::string>, ImageRecord>> image_contents_;  // defined: references -> content
  uint64_t id_counter_ = 0;
  uint64_t id_salt_;
};

const char* ContainerStateName(cri::ContainerState state);

}  // namespace podlife::fakes
