#include "fakes/cri/runtime_state.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>

#include "fakes/cri/image_reference.h"
#include <unistd.h>

namespace podlife::fakes {

namespace {

int64_t SystemNowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

grpc::Status Unknown(const std::string& message) { return {grpc::StatusCode::UNKNOWN, message}; }

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

bool LabelsMatch(const google::protobuf::Map<std::string, std::string>& selector,
                 const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

std::string Sha256Like(const std::string& seed) {
  // Image IDs and manifest digests look like containerd's (sha256: + 64 hex); the value is a
  // stable hash of what names the content, not a real digest: no registry or content exists.
  char buf[17];
  std::string out = "sha256:";
  uint64_t h = std::hash<std::string>{}(seed);
  for (int i = 0; i < 4; ++i) {
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out;
}

// What the simulated shell of a new container sees: its hostname (containerd uses the node's when
// the sandbox has none), the sandbox's sysctls, and the user of its security context.
void SeedShell(const cri::PodSandboxConfig& sandbox, const cri::ContainerConfig& config, ContainerRecord* c) {
  c->hostname = sandbox.hostname();
  if (c->hostname.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) c->hostname = name;
  }
  const std::map<std::string, std::string> sysctls(sandbox.linux().sysctls().begin(), sandbox.linux().sysctls().end());
  SeedContainerFs(c->fs, c->hostname, sysctls);
  const auto& security = config.linux().security_context();
  if (security.has_run_as_user()) c->identity.uid = security.run_as_user().value();
  if (security.has_run_as_group()) c->identity.gid = security.run_as_group().value();
  c->identity.user = security.run_as_username();
}

}  // namespace

const char* ContainerStateName(cri::ContainerState state) {
  switch (state) {
    case cri::CONTAINER_CREATED: return "CONTAINER_CREATED";
    case cri::CONTAINER_RUNNING: return "CONTAINER_RUNNING";
    case cri::CONTAINER_EXITED: return "CONTAINER_EXITED";
    default: return "CONTAINER_UNKNOWN";
  }
}

RuntimeState::RuntimeState(NowNanos now) : now_(now ? std::move(now) : SystemNowNanos) {
  id_salt_ = std::random_device{}();
  id_salt_ = (id_salt_ << 32) ^ std::random_device{}();
}

std::string RuntimeState::NewId() {
  // 64 hex characters, like containerd's IDs; unique per server.
  char buf[17];
  std::string id;
  uint64_t x = id_salt_ ^ (++id_counter_ * 0x9E3779B97F4A7C15ULL);
  for (int i = 0; i < 4; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
    id += buf;
  }
  return id;
}

grpc::Status RuntimeState::ContainerNotFound(const std::string& id) {
  return {grpc::StatusCode::NOT_FOUND, "an error occurred when try to find container " + Quote(id) + ": not found"};
}

const ContainerRecord* RuntimeState::FindContainer(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

grpc::Status RuntimeState::RunPodSandbox(const cri::RunPodSandboxRequest& req, std::string* id) {
  const auto& config = req.config();
  if (grpc::Status st = CheckSandboxMetadata(config); !st.ok()) return st;
  const auto& md = config.metadata();
  const std::string name =
      md.name() + "_" + md.namespace_() + "_" + md.uid() + "_" + std::to_string(md.attempt());
  for (const auto& [sid, s] : sandboxes_) {
    if (s.name == name) {
      return Unknown("failed to reserve sandbox name " + Quote(name) + ": name " + Quote(name) +
                     " is reserved for " + Quote(sid));
    }
  }
  if (grpc::Status st = ValidateRunPodSandbox(req, host_, flavor_); !st.ok()) return st;
  const bool host_network =
      config.linux().security_context().namespace_options().network() == cri::NODE;
  if (host_network && !config.hostname().empty()) {
    // runc cannot set a hostname without a private UTS namespace (observed with containerd 1.6).
    return Unknown(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
        "failed: unable to start container process: unable to set hostname without a private UTS namespace");
  }
  SandboxRecord s;
  s.id = NewId();
  s.name = name;
  s.config = config;
  s.runtime_handler = req.runtime_handler();
  s.created_at = now_();
  if (!host_network) s.ips = pod_ips_;
  *id = s.id;
  sandboxes_.emplace(s.id, std::move(s));
  return grpc::Status::OK;
}

grpc::Status RuntimeState::StopPodSandbox(const std::string& id) {
  auto it = sandboxes_.find(id);
  if (it == sandboxes_.end()) {
    if (flavor_ == Flavor::kCri) return grpc::Status::OK;  // idempotent: nothing left to reclaim
    return {grpc::StatusCode::NOT_FOUND,
            "an error occurred when try to find sandbox " + Quote(id) + ": not found"};
  }
  // containerd stops every container of the sandbox forcibly (timeout 0: SIGKILL).
  for (auto& [cid, c] : containers_) {
    if (c.sandbox_id == id) ExitContainer(cid, kSigkillExitCode, kReasonError);
  }
  it->second.state = cri::SANDBOX_NOTREADY;
  return grpc::Status::OK;
}

grpc::Status RuntimeState::RemovePodSandbox(const std::string& id) {
  auto it = sandboxes_.find(id);
  if (it == sandboxes_.end()) return grpc::Status::OK;  // idempotent, as in containerd
  if (it->second.state == cri::SANDBOX_READY) {
    grpc::Status st = StopPodSandbox(id);  // containerd stops a ready sandbox forcibly first
    if (!st.ok()) return st;
  }
  std::erase_if(containers_, [&](const auto& kv) { return kv.second.sandbox_id == id; });
  sandboxes_.erase(it);
  return grpc::Status::OK;
}

grpc::Status RuntimeState::PodSandboxStatus(const std::string& id, cri::PodSandboxStatus* out) const {
  auto it = sandboxes_.find(id);
  if (it == sandboxes_.end()) {
    return {grpc::StatusCode::NOT_FOUND,
            "an error occurred when try to find sandbox: not found"};
  }
  const SandboxRecord& s = it->second;
  out->set_id(s.id);
  *out->mutable_metadata() = s.config.metadata();
  out->set_state(s.state);
  out->set_created_at(s.created_at);
  if (!s.ips.empty()) {
    out->mutable_network()->set_ip(s.ips[0]);
    for (size_t i = 1; i < s.ips.size(); ++i) out->mutable_network()->add_additional_ips()->set_ip(s.ips[i]);
  } else {
    out->mutable_network();  // containerd reports an empty network status for host-network pods
  }
  *out->mutable_linux()->mutable_namespaces()->mutable_options() =
      s.config.linux().security_context().namespace_options();
  *out->mutable_labels() = s.config.labels();
  *out->mutable_annotations() = s.config.annotations();
  out->set_runtime_handler(s.runtime_handler);
  return grpc::Status::OK;
}

void RuntimeState::ListPodSandbox(const cri::PodSandboxFilter& filter, cri::ListPodSandboxResponse* out) const {
  for (const auto& [id, s] : sandboxes_) {
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (filter.has_state() && filter.state().state() != s.state) continue;
    if (!LabelsMatch(filter.label_selector(), s.config.labels())) continue;
    auto* item = out->add_items();
    item->set_id(id);
    *item->mutable_metadata() = s.config.metadata();
    item->set_state(s.state);
    item->set_created_at(s.created_at);
    *item->mutable_labels() = s.config.labels();
    *item->mutable_annotations() = s.config.annotations();
    item->set_runtime_handler(s.runtime_handler);
  }
}

grpc::Status RuntimeState::CreateContainer(const cri::CreateContainerRequest& req, std::string* id) {
  auto sit = sandboxes_.find(req.pod_sandbox_id());
  if (sit == sandboxes_.end()) {
    return {grpc::StatusCode::NOT_FOUND,
            "failed to find sandbox id " + Quote(req.pod_sandbox_id()) + ": not found"};
  }
  const SandboxRecord& s = sit->second;
  if (s.state != cri::SANDBOX_READY) {
    // containerd needs the sandbox's task to create a container in its namespaces.
    return {grpc::StatusCode::NOT_FOUND, "failed to get sandbox container task: no running task found: task " +
                                             s.id + " not found: not found"};
  }
  const auto& config = req.config();
  if (grpc::Status st = CheckContainerMetadata(config); !st.ok()) return st;
  // No check for an empty image: containerd resolves "" like any other text (see ResolveImage).
  ImageRecord image;
  if (auto st = ResolveImage(config.image().image(), &image); !st.ok()) {
    return {st.error_code(), "failed to resolve image " + Quote(config.image().image()) + ": " + st.error_message()};
  }
  const auto& smd = s.config.metadata();
  const std::string name = config.metadata().name() + "_" + smd.name() + "_" + smd.namespace_() + "_" +
                           smd.uid() + "_" + std::to_string(config.metadata().attempt());
  for (const auto& [cid, c] : containers_) {
    if (c.name == name) {
      return Unknown("failed to reserve container name " + Quote(name) + ": name " + Quote(name) +
                     " is reserved for " + Quote(cid));
    }
  }
  const std::string new_id = NewId();
  auto find_target = [this](const std::string& target_id) -> std::optional<TargetContainerFacts> {
    const ContainerRecord* target = FindContainer(target_id);
    if (!target) return std::nullopt;
    return TargetContainerFacts{target->sandbox_id, target->state};
  };
  if (grpc::Status st = ValidateCreateContainer(req, new_id, host_, find_target); !st.ok()) return st;
  ContainerRecord c;
  c.id = new_id;
  c.name = name;
  c.sandbox_id = s.id;
  c.config = config;
  c.image_ref = image.id;
  if (!s.config.log_directory().empty() && !config.log_path().empty()) {
    c.log_path = (std::filesystem::path(s.config.log_directory()) / config.log_path()).string();
    if (!log_root_.empty()) {
      c.log_path = (std::filesystem::path(log_root_) / std::filesystem::path(c.log_path).relative_path()).string();
    }
  }
  c.created_at = now_();
  if (const WorkloadRule* rule = script_ ? script_->FindWorkloadRule(config.metadata().name()) : nullptr) {
    c.workload = *rule;
    c.workload_scripted = true;
  }
  SeedShell(s.config, config, &c);
  *id = c.id;
  containers_.emplace(c.id, std::move(c));
  return grpc::Status::OK;
}

grpc::Status RuntimeState::StartContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerNotFound(id);
  ContainerRecord& c = it->second;
  if (c.state != cri::CONTAINER_CREATED) {
    return Unknown("failed to set starting state for container " + Quote(id) + ": container is in " +
                   ContainerStateName(c.state) + " state");
  }
  auto sit = sandboxes_.find(c.sandbox_id);
  if (sit == sandboxes_.end() || sit->second.state != cri::SANDBOX_READY) {
    // containerd marks a container whose start failed as exited (128, StartError).
    c.state = cri::CONTAINER_EXITED;
    c.finished_at = now_();
    c.exit_code = 128;
    c.reason = "StartError";
    c.message = "sandbox container " + Quote(c.sandbox_id) + " is not running";
    return Unknown(c.message);
  }
  c.state = cri::CONTAINER_RUNNING;
  c.started_at = now_();
  return grpc::Status::OK;
}

grpc::Status RuntimeState::FailStart(const std::string& id, const std::string& message) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerNotFound(id);
  ContainerRecord& c = it->second;
  c.state = cri::CONTAINER_EXITED;
  c.started_at = 0;
  c.finished_at = now_();
  c.exit_code = 128;
  c.reason = "StartError";
  c.message = message;
  return Unknown(message);
}

grpc::Status RuntimeState::PlanStop(const std::string& id, int64_t timeout_seconds, StopPlan* plan) const {
  const ContainerRecord* c = FindContainer(id);
  if (!c && flavor_ == Flavor::kContainerd1_6_20) return ContainerNotFound(id);
  if (!c || c->state != cri::CONTAINER_RUNNING) {  // `cri`: an unknown ID is already stopped
    plan->action = StopPlan::Action::kNothing;
    return grpc::Status::OK;
  }
  if (timeout_seconds <= 0) {
    *plan = {StopPlan::Action::kExitNow, kSigkillExitCode, kReasonError};  // SIGKILL at once
  } else if (c->workload.ignores_sigterm) {
    *plan = {StopPlan::Action::kKillAfterGrace, kSigkillExitCode, kReasonError};
  } else {
    const int code = c->workload.exit_code_on_term;
    *plan = {StopPlan::Action::kExitNow, code, code == 0 ? kReasonCompleted : kReasonError};
  }
  return grpc::Status::OK;
}

void RuntimeState::ExitContainer(const std::string& id, int exit_code, const std::string& reason,
                                 int64_t finished_ago_nanos) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second.state != cri::CONTAINER_RUNNING) return;
  ContainerRecord& c = it->second;
  c.state = cri::CONTAINER_EXITED;
  c.exit_code = exit_code;
  c.reason = reason.empty() ? (exit_code == 0 ? kReasonCompleted : kReasonError) : reason;
  c.finished_at = now_() - finished_ago_nanos;
}

bool RuntimeState::IsRunning(const std::string& id) const {
  const ContainerRecord* c = FindContainer(id);
  return c && c->state == cri::CONTAINER_RUNNING;
}

grpc::Status RuntimeState::RemoveContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return grpc::Status::OK;  // idempotent, as in containerd
  // containerd stops a running container forcibly (timeout 0) before removing it.
  ExitContainer(id, kSigkillExitCode, kReasonError);
  containers_.erase(it);
  return grpc::Status::OK;
}

grpc::Status RuntimeState::ContainerStatus(const std::string& id, cri::ContainerStatus* out) const {
  const ContainerRecord* c = FindContainer(id);
  if (!c) return ContainerNotFound(id);
  out->set_id(c->id);
  *out->mutable_metadata() = c->config.metadata();
  out->set_state(c->state);
  out->set_created_at(c->created_at);
  out->set_started_at(c->started_at);
  out->set_finished_at(c->finished_at);
  out->set_exit_code(c->exit_code);
  // As containerd: the image's first repo tag and first repo digest when the image is still
  // there, else what the container was created with and the image ID.
  *out->mutable_image() = c->config.image();
  out->set_image_ref(c->image_ref);
  if (const ImageRecord* image = ImageById(c->image_ref)) {
    if (!image->repo_tags.empty()) {
      out->mutable_image()->Clear();
      out->mutable_image()->set_image(image->repo_tags.front());
    }
    if (!image->repo_digests.empty()) out->set_image_ref(image->repo_digests.front());
  }
  out->set_reason(c->reason);
  out->set_message(c->message);
  *out->mutable_labels() = c->config.labels();
  *out->mutable_annotations() = c->config.annotations();
  *out->mutable_mounts() = c->config.mounts();
  out->set_log_path(c->log_path);
  return grpc::Status::OK;
}

void RuntimeState::ListContainers(const cri::ContainerFilter& filter, cri::ListContainersResponse* out) const {
  for (const auto& [id, c] : containers_) {
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (!filter.pod_sandbox_id().empty() && c.sandbox_id.rfind(filter.pod_sandbox_id(), 0) != 0) continue;
    if (filter.has_state() && filter.state().state() != c.state) continue;
    if (!LabelsMatch(filter.label_selector(), c.config.labels())) continue;
    auto* item = out->add_containers();
    item->set_id(id);
    item->set_pod_sandbox_id(c.sandbox_id);
    *item->mutable_metadata() = c.config.metadata();
    *item->mutable_image() = c.config.image();
    item->set_image_ref(c.image_ref);
    item->set_state(c.state);
    item->set_created_at(c.created_at);
    *item->mutable_labels() = c.config.labels();
    *item->mutable_annotations() = c.config.annotations();
  }
}

grpc::Status RuntimeState::CheckExec(const std::string& id) const {
  const ContainerRecord* c = FindContainer(id);
  if (!c) return ContainerNotFound(id);
  if (c->state != cri::CONTAINER_RUNNING) {
    return Unknown(std::string("failed to exec in container: container is in ") + ContainerStateName(c->state) +
                   " state");
  }
  return grpc::Status::OK;
}

namespace {

std::string NormalisedOrEmpty(const std::string& reference) {
  auto parsed = ParseDockerRef(reference);
  auto* ref = std::get_if<ImageReference>(&parsed);
  return ref ? ref->String() : "";
}

bool IsDigestReference(const std::string& normalised) { return normalised.find('@') != std::string::npos; }

void InsertSorted(std::vector<std::string>& list, const std::string& value) {
  auto at = std::lower_bound(list.begin(), list.end(), value);
  if (at == list.end() || *at != value) list.insert(at, value);
}

// A figure for ImageFsInfo: files in an unpacked image of this size (about one per 16 KiB).
uint64_t InodesFor(uint64_t size) { return size / 16384 + 1; }

}  // namespace

void RuntimeState::DefineImage(const ImageDefinition& definition) {
  std::vector<std::string> references;
  std::string manifest_digest;
  for (const auto& reference : definition.references) {
    auto parsed = ParseDockerRef(reference);
    auto* ref = std::get_if<ImageReference>(&parsed);
    if (!ref) continue;
    references.push_back(ref->String());
    if (manifest_digest.empty() && !ref->digest.empty()) manifest_digest = ref->digest;
  }
  if (references.empty()) return;
  ImageRecord content;
  content.id = definition.id.empty() ? Sha256Like("config " + references.front()) : definition.id;
  content.manifest_digest = manifest_digest.empty() ? Sha256Like("manifest " + references.front()) : manifest_digest;
  content.size = definition.size;
  content.user = definition.user;
  image_contents_.emplace_back(references, content);
  if (definition.present) {
    for (const auto& reference : references) AddImageReference(content, reference);
  }
}

ImageRecord RuntimeState::ContentFor(const std::string& normalised, const std::string& digest) const {
  for (const auto& [references, content] : image_contents_) {
    if (std::find(references.begin(), references.end(), normalised) != references.end()) return content;
  }
  if (!digest.empty()) {  // the same manifest under another name is the same content
    for (const auto& [references, content] : image_contents_) {
      if (content.manifest_digest == digest) return content;
    }
    for (const auto& [id, image] : images_) {
      if (image.manifest_digest != digest) continue;
      ImageRecord content = image;
      content.repo_tags.clear();
      content.repo_digests.clear();
      return content;
    }
  }
  ImageRecord content;
  content.id = Sha256Like("config " + normalised);
  content.manifest_digest = digest.empty() ? Sha256Like("manifest " + normalised) : digest;
  return content;
}

void RuntimeState::AddImageReference(const ImageRecord& content, const std::string& normalised) {
  auto previous = image_references_.find(normalised);
  if (previous != image_references_.end() && previous->second != content.id) {
    // The reference moves to other content (a re-tag); the old image keeps its other names.
    auto old = images_.find(previous->second);
    if (old != images_.end()) {
      std::erase(old->second.repo_tags, normalised);
      std::erase(old->second.repo_digests, normalised);
    }
  }
  auto [it, added] = images_.try_emplace(content.id, content);
  if (added) {
    it->second.repo_tags.clear();
    it->second.repo_digests.clear();
  }
  InsertSorted(IsDigestReference(normalised) ? it->second.repo_digests : it->second.repo_tags, normalised);
  image_references_[normalised] = content.id;
}

grpc::Status RuntimeState::PullImage(const std::string& reference, std::string* image_id) {
  auto parsed = ParseDockerRef(reference);
  if (auto* error = std::get_if<ImageReferenceError>(&parsed)) {
    return Unknown("failed to parse image reference " + Quote(reference) + ": " + error->message);
  }
  const auto& ref = std::get<ImageReference>(parsed);
  const ImageRecord content = ContentFor(ref.String(), ref.digest);
  // As containerd: the tag (if any) and a repo digest, the pulled one or name@manifest-digest.
  AddImageReference(content, ref.String());
  if (ref.digest.empty()) AddImageReference(content, ref.Name() + "@" + content.manifest_digest);
  *image_id = content.id;
  return grpc::Status::OK;
}

grpc::Status RuntimeState::CheckReopenLog(const std::string& id) const {
  const ContainerRecord* c = FindContainer(id);
  if (!c) return ContainerNotFound(id);
  if (c->state != cri::CONTAINER_RUNNING) return Unknown("container is not running");
  return grpc::Status::OK;
}

ContainerRecord* RuntimeState::MutableContainer(const std::string& id) {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

std::string RuntimeState::PullImage(const std::string& reference) {
  std::string id;
  return PullImage(reference, &id).ok() ? id : "";
}

grpc::Status RuntimeState::ResolveImage(const std::string& reference_or_id, ImageRecord* out) const {
  // An ID as it is; else a reference known in normalised form; else the text as an ID prefix.
  std::string id = reference_or_id;
  if (CheckDigest(reference_or_id) != DigestCheck::kValid) {
    auto known = image_references_.find(NormalisedOrEmpty(reference_or_id));
    if (known != image_references_.end()) id = known->second;
  }
  // The image store's digest set: `alg:hex`, or hex alone; a unique prefix of the hex will do.
  const grpc::Status not_found(grpc::StatusCode::NOT_FOUND, "not found");
  std::string algorithm;
  std::string hex = id;
  if (CheckDigest(id) != DigestCheck::kInvalidFormat) {
    algorithm = id.substr(0, id.find(':'));
    hex = id.substr(id.find(':') + 1);
  }
  const ImageRecord* match = nullptr;
  int matches = 0;
  for (const auto& [image_id, image] : images_) {
    const std::string image_algorithm = image_id.substr(0, image_id.find(':'));
    const std::string image_hex = image_id.substr(image_id.find(':') + 1);
    if (!algorithm.empty() && algorithm != image_algorithm) continue;
    if (algorithm == image_algorithm && hex == image_hex) {
      *out = image;
      return grpc::Status::OK;
    }
    if (image_hex.rfind(hex, 0) != 0) continue;
    match = &image;
    ++matches;
  }
  if (matches == 0) return not_found;
  if (matches > 1) return Unknown("ambiguous digest string");
  *out = *match;
  return grpc::Status::OK;
}

std::optional<ImageRecord> RuntimeState::FindImage(const std::string& reference_or_id) const {
  ImageRecord image;
  if (!ResolveImage(reference_or_id, &image).ok()) return std::nullopt;
  return image;
}

const ImageRecord* RuntimeState::ImageById(const std::string& id) const {
  auto it = images_.find(id);
  return it == images_.end() ? nullptr : &it->second;
}

grpc::Status RuntimeState::RemoveImage(const std::string& reference_or_id) {
  ImageRecord image;
  auto st = ResolveImage(reference_or_id, &image);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) return grpc::Status::OK;  // idempotent, as in containerd
  if (!st.ok()) return Unknown("can not resolve " + Quote(reference_or_id) + " locally: " + st.error_message());
  std::erase_if(image_references_, [&](const auto& kv) { return kv.second == image.id; });
  images_.erase(image.id);
  return grpc::Status::OK;
}

std::vector<ImageRecord> RuntimeState::Images() const {
  std::vector<ImageRecord> out;
  for (const auto& [id, image] : images_) out.push_back(image);
  return out;
}

RuntimeState::ImageFsUsage RuntimeState::ImageFs() const {
  ImageFsUsage usage;
  for (const auto& [id, image] : images_) {
    usage.used_bytes += image.size;
    usage.inodes_used += InodesFor(image.size);
  }
  return usage;
}

}  // namespace podlife::fakes
