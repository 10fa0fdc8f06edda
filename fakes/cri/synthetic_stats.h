// SyntheticStats: the fake's answers to ContainerStats, ListContainerStats, PodSandboxStats and
// ListPodSandboxStats, made up from the runtime state as containerd 1.6 shapes them.
//
// Contract:
// - Figures are plausible and consistent: a running container uses `cpu_nano_cores` (default
//   5,000,000, 5 millicores), so its cumulative usage_core_nano_seconds is that rate times its
//   running time and grows monotonically; its memory working set is stable and non-zero (default
//   8 MiB); its writable layer is non-zero (default 16 KiB). A StatsRule of the Script replaces
//   any of the three for a container name. An exited container keeps its cumulative figure.
// - As containerd: ContainerStats of an unknown ID is NOT_FOUND; of a container without a task
//   (created or exited) UNKNOWN `unexpected metrics response: []`. ListContainerStats lists every
//   container that matches the filter, with cpu and memory only for running ones. PodSandboxStats
//   of an unknown sandbox is NOT_FOUND, of a stopped one UNKNOWN; ListPodSandboxStats lists the
//   ready sandboxes that match. A sandbox's figures are its containers' sums, plus its own memory;
//   a pod-network sandbox has eth0 traffic growing with its age, a host-network one none.
// - Pure: `now` is given; nothing is stored between calls.
#pragma once

#include <grpcpp/support/status.h>

#include "fakes/cri/runtime_state.h"

namespace podlife::fakes {

grpc::Status ContainerStatsOf(const RuntimeState& state, const Script& script, const std::string& id, int64_t now,
                              cri::ContainerStats* out);
void ListContainerStatsOf(const RuntimeState& state, const Script& script, const cri::ContainerStatsFilter& filter,
                          int64_t now, cri::ListContainerStatsResponse* out);
grpc::Status PodSandboxStatsOf(const RuntimeState& state, const Script& script, const std::string& id, int64_t now,
                               cri::PodSandboxStats* out);
void ListPodSandboxStatsOf(const RuntimeState& state, const Script& script, const cri::PodSandboxStatsFilter& filter,
                           int64_t now, cri::ListPodSandboxStatsResponse* out);

}  // namespace podlife::fakes
