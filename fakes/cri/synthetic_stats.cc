#include "fakes/cri/synthetic_stats.h"

namespace podlife::fakes {

namespace {

constexpr uint64_t kDefaultNanoCores = 5'000'000;
constexpr uint64_t kDefaultWorkingSet = 8ULL << 20;
constexpr uint64_t kDefaultWritableLayer = 16ULL << 10;
constexpr uint64_t kSandboxWorkingSet = 1ULL << 20;  // the pause container
constexpr uint64_t kMemoryLimit = 1ULL << 30;        // what available_bytes is measured against
constexpr uint64_t kRxBytesPerSecond = 1200, kTxBytesPerSecond = 800;
constexpr const char* kImageFsMountpoint = "/var/lib/podlife-fake-cri/images";

struct Figures {
  uint64_t nano_cores = kDefaultNanoCores;
  uint64_t working_set = kDefaultWorkingSet;
  uint64_t writable_layer = kDefaultWritableLayer;
};

Figures FiguresFor(const Script& script, const ContainerRecord& c) {
  Figures f;
  if (const StatsRule* rule = script.FindStatsRule(c.config.metadata().name())) {
    f.nano_cores = rule->cpu_nano_cores.value_or(f.nano_cores);
    f.working_set = rule->memory_working_set_bytes.value_or(f.working_set);
    f.writable_layer = rule->writable_layer_bytes.value_or(f.writable_layer);
  }
  return f;
}

grpc::Status Unknown(const std::string& message) { return {grpc::StatusCode::UNKNOWN, message}; }

bool LabelsMatch(const google::protobuf::Map<std::string, std::string>& selector,
                 const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

// Core-nanoseconds used so far: the rate times the time it ran (until now, or its finish).
uint64_t CoreNanoSeconds(const ContainerRecord& c, const Figures& f, int64_t now) {
  if (c.started_at == 0) return 0;
  const int64_t until = c.state == cri::CONTAINER_RUNNING ? now : c.finished_at;
  const int64_t ran = std::max<int64_t>(0, until - c.started_at);
  return static_cast<uint64_t>(static_cast<long double>(ran) * f.nano_cores / 1e9L);
}

void FillMemory(uint64_t working_set, int64_t now, cri::MemoryUsage* m) {
  m->set_timestamp(now);
  m->mutable_working_set_bytes()->set_value(working_set);
  m->mutable_available_bytes()->set_value(kMemoryLimit - std::min(working_set, kMemoryLimit));
  m->mutable_usage_bytes()->set_value(working_set + working_set / 4);
  m->mutable_rss_bytes()->set_value(working_set * 3 / 4);
  m->mutable_page_faults()->set_value(working_set / 4096);
  m->mutable_major_page_faults()->set_value(0);
}

// One container's stats; cpu and memory only while it runs (a task exists), as containerd.
void Fill(const Script& script, const ContainerRecord& c, int64_t now, cri::ContainerStats* out) {
  const Figures f = FiguresFor(script, c);
  auto* a = out->mutable_attributes();
  a->set_id(c.id);
  *a->mutable_metadata() = c.config.metadata();
  *a->mutable_labels() = c.config.labels();
  *a->mutable_annotations() = c.config.annotations();
  auto* layer = out->mutable_writable_layer();
  layer->set_timestamp(now);
  layer->mutable_fs_id()->set_mountpoint(kImageFsMountpoint);
  layer->mutable_used_bytes()->set_value(f.writable_layer);
  layer->mutable_inodes_used()->set_value(f.writable_layer / 4096 + 1);
  if (c.state != cri::CONTAINER_RUNNING) return;
  auto* cpu = out->mutable_cpu();
  cpu->set_timestamp(now);
  cpu->mutable_usage_core_nano_seconds()->set_value(CoreNanoSeconds(c, f, now));
  cpu->mutable_usage_nano_cores()->set_value(f.nano_cores);
  FillMemory(f.working_set, now, out->mutable_memory());
}

void FillSandbox(const RuntimeState& state, const Script& script, const SandboxRecord& s, int64_t now,
                 cri::PodSandboxStats* out) {
  auto* a = out->mutable_attributes();
  a->set_id(s.id);
  *a->mutable_metadata() = s.config.metadata();
  *a->mutable_labels() = s.config.labels();
  *a->mutable_annotations() = s.config.annotations();
  auto* linux = out->mutable_linux();
  uint64_t core_nanos = 0, nano_cores = 0, working_set = kSandboxWorkingSet, processes = 0;
  for (const auto& [id, c] : state.containers()) {
    if (c.sandbox_id != s.id) continue;
    const Figures f = FiguresFor(script, c);
    core_nanos += CoreNanoSeconds(c, f, now);
    if (c.state == cri::CONTAINER_RUNNING) {
      nano_cores += f.nano_cores;
      working_set += f.working_set;
      ++processes;
    }
    Fill(script, c, now, linux->add_containers());
  }
  linux->mutable_cpu()->set_timestamp(now);
  linux->mutable_cpu()->mutable_usage_core_nano_seconds()->set_value(core_nanos);
  linux->mutable_cpu()->mutable_usage_nano_cores()->set_value(nano_cores);
  FillMemory(working_set, now, linux->mutable_memory());
  linux->mutable_process()->set_timestamp(now);
  linux->mutable_process()->mutable_process_count()->set_value(processes);
  if (!s.ips.empty()) {  // containerd reads eth0 in the pod's network namespace; host-network pods have none
    const uint64_t seconds = static_cast<uint64_t>(std::max<int64_t>(0, now - s.created_at) / 1000000000);
    auto* net = linux->mutable_network();
    net->set_timestamp(now);
    auto* eth0 = net->mutable_default_interface();
    eth0->set_name("eth0");
    eth0->mutable_rx_bytes()->set_value(seconds * kRxBytesPerSecond);
    eth0->mutable_rx_errors()->set_value(0);
    eth0->mutable_tx_bytes()->set_value(seconds * kTxBytesPerSecond);
    eth0->mutable_tx_errors()->set_value(0);
  }
}

}  // namespace

grpc::Status ContainerStatsOf(const RuntimeState& state, const Script& script, const std::string& id, int64_t now,
                              cri::ContainerStats* out) {
  auto it = state.containers().find(id);
  if (it == state.containers().end()) return {grpc::StatusCode::NOT_FOUND, "failed to find container: not found"};
  if (it->second.state != cri::CONTAINER_RUNNING) {
    return Unknown("unexpected metrics response: []");  // containerd has no task, so no metrics
  }
  Fill(script, it->second, now, out);
  return grpc::Status::OK;
}

void ListContainerStatsOf(const RuntimeState& state, const Script& script, const cri::ContainerStatsFilter& filter,
                          int64_t now, cri::ListContainerStatsResponse* out) {
  for (const auto& [id, c] : state.containers()) {
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (!filter.pod_sandbox_id().empty() && c.sandbox_id.rfind(filter.pod_sandbox_id(), 0) != 0) continue;
    if (!LabelsMatch(filter.label_selector(), c.config.labels())) continue;
    Fill(script, c, now, out->add_stats());
  }
}

grpc::Status PodSandboxStatsOf(const RuntimeState& state, const Script& script, const std::string& id, int64_t now,
                               cri::PodSandboxStats* out) {
  auto it = state.sandboxes().find(id);
  if (it == state.sandboxes().end()) {
    return {grpc::StatusCode::NOT_FOUND, "an error occurred when trying to find sandbox " + id + ": not found"};
  }
  if (it->second.state != cri::SANDBOX_READY) {
    return Unknown("failed to decode pod sandbox metrics " + id +
                   ": failed to get pod sandbox stats since sandbox container \"" + id + "\" is not in ready state");
  }
  FillSandbox(state, script, it->second, now, out);
  return grpc::Status::OK;
}

void ListPodSandboxStatsOf(const RuntimeState& state, const Script& script, const cri::PodSandboxStatsFilter& filter,
                           int64_t now, cri::ListPodSandboxStatsResponse* out) {
  for (const auto& [id, s] : state.sandboxes()) {
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (!LabelsMatch(filter.label_selector(), s.config.labels())) continue;
    if (s.state != cri::SANDBOX_READY) continue;  // containerd has no metrics for a stopped sandbox
    FillSandbox(state, script, s, now, out->add_stats());
  }
}

}  // namespace podlife::fakes
