// The benchmark families and what they share. Each Register* function registers its family's
// benchmarks for every backend it is given; main() decides which backends exist.
//
// Contract:
// - Names read `family/key:value/...` (e.g. `sync/backend:fake/impl:engine/containers:4/
//   hooks:exec/pods:2`); bench/render_report.py parses them, so keys are stable.
// - Every benchmark is timed on the wall clock (real_time) with the process's CPU time beside it
//   (cpu_time), so cpu_time / real_time is how many cores the whole process kept busy, the
//   in-process fake included. Setup (servers, connections, pods to aim at) is never timed.
// - A failure inside a benchmark skips it with the failure's text (SkipWithError); it never
//   aborts the run.
#pragma once

#include <absl/status/statusor.h>
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "bench/bench_backend.h"

namespace podlife::bench {

struct BenchContext {
  std::vector<const BenchBackend*> backends;  // the fake first; the real runtime and its proxy when given
  // Runtimes measured by the overhead family, each with a proxy in front of it: with a real
  // runtime given, the real one and the fake (whose fast answers show the absolute cost).
  struct ProxiedRuntime {
    const BenchBackend* runtime;
    const BenchBackend* proxy;
  };
  std::vector<ProxiedRuntime> proxied;
  int http_port = 0;                          // the LocalHttpServer the httpGet hooks reach
};

void RegisterFloorBenchmarks(const BenchContext& context);
void RegisterHookBenchmarks(const BenchContext& context);
void RegisterSyncBenchmarks(const BenchContext& context);
void RegisterCapacityBenchmarks(const BenchContext& context);
// The fake section's targets in paired rounds (paired_benchmarks.cc), on the fake backend.
void RegisterPairedBenchmarks(const BenchContext& context);
// Only with a real runtime: engine and proxy overhead in interleaved triples (overhead_benchmarks.cc).
void RegisterOverheadBenchmarks(const BenchContext& context);

// Registers `body` under `name` with the common settings above.
benchmark::internal::Benchmark* RegisterTimed(const std::string& name, std::function<void(benchmark::State&)> body);

// Skips the benchmark with `failure` unless it is empty; returns whether it was empty.
bool Succeeded(benchmark::State& state, const std::string& failure);
template <class T>
bool Succeeded(benchmark::State& state, const absl::StatusOr<T>& value) {
  return Succeeded(state, value.ok() ? std::string() : std::string(value.status().message()));
}

}  // namespace podlife::bench
