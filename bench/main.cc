// podlife_bench: the benchmark kit's entry point. Starts the backends (the in-process fake CRI
// runtime always; the runtime at PODLIFE_BENCH_ENDPOINT when that is set) and the local HTTP
// server the httpGet hooks and the HTTP floor reach, registers every family for them, and runs
// Google Benchmark with the command line's --benchmark_* flags (ci/bench: JSON out).
//
// Environment: PODLIFE_BENCH_ENDPOINT=unix:///run/containerd/containerd.sock adds backend:real,
// backend:proxy (the same runtime through an in-process CRI proxy) and the overhead family;
// PODLIFE_BENCH_IMAGE (default localhost/busybox:podlife) is the image its pods use. Without
// an endpoint, one `real_runtime/backend:real` benchmark is reported as skipped, saying why.
#include <absl/synchronization/mutex.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/bench_backend.h"
#include "bench/benchmarks.h"
#include "bench/local_http_server.h"

namespace podlife::bench {

benchmark::internal::Benchmark* RegisterTimed(const std::string& name, std::function<void(benchmark::State&)> body) {
  return benchmark::RegisterBenchmark(name.c_str(), [body = std::move(body)](benchmark::State& state) { body(state); })
      ->UseRealTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMicrosecond);
}

bool Succeeded(benchmark::State& state, const std::string& failure) {
  if (failure.empty()) return true;
  state.SkipWithError(failure.c_str());
  return false;
}

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

}  // namespace podlife::bench

int main(int argc, char** argv) {
  using namespace podlife::bench;
  // Debian's absl keeps its mutex deadlock detector on (a debugging aid that records every lock
  // order in a global graph: 3% of the kill path's CPU under perf, on both sides of a pair). The
  // shipped binary turns it off too (cli/main.cc); the tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  std::string error;
  auto http = LocalHttpServer::Start(&error);
  if (!http) {
    std::fprintf(stderr, "podlife_bench: cannot start the local HTTP server: %s\n", error.c_str());
    return 1;
  }
  auto fake = BenchBackend::StartFake(&error);
  if (!fake) {
    std::fprintf(stderr, "podlife_bench: cannot start the fake CRI runtime: %s\n", error.c_str());
    return 1;
  }
  BenchContext context;
  context.http_port = http->port();
  context.backends.push_back(fake.get());
  benchmark::AddCustomContext("fake_call_log_capacity", std::to_string(kFakeCallLogCapacity));

  const std::string endpoint = EnvOr("PODLIFE_BENCH_ENDPOINT", "");
  std::unique_ptr<BenchBackend> real;
  std::unique_ptr<BenchBackend> proxy;
  std::unique_ptr<BenchBackend> fake_proxy;
  if (!endpoint.empty()) {
    real = BenchBackend::ForEndpoint(endpoint, EnvOr("PODLIFE_BENCH_IMAGE", "localhost/busybox:podlife"));
    proxy = BenchBackend::ThroughProxy(*real, "proxy", &error);
    if (proxy) fake_proxy = BenchBackend::ThroughProxy(*fake, "fake-proxy", &error);
    if (!proxy || !fake_proxy) {
      std::fprintf(stderr, "podlife_bench: cannot start the CRI proxy in front of %s: %s\n", endpoint.c_str(),
                   error.c_str());
      return 1;
    }
    context.backends.push_back(real.get());
    context.backends.push_back(proxy.get());
    context.proxied = {{real.get(), proxy.get()}, {fake.get(), fake_proxy.get()}};
    benchmark::AddCustomContext("real_endpoint", endpoint);
    benchmark::AddCustomContext("real_image", real->image());
  }

  RegisterFloorBenchmarks(context);
  RegisterHookBenchmarks(context);
  RegisterSyncBenchmarks(context);
  RegisterCapacityBenchmarks(context);
  RegisterPairedBenchmarks(context);
  RegisterOverheadBenchmarks(context);
  if (!real) {
    RegisterTimed("real_runtime/backend:real", [](benchmark::State& state) {
      Succeeded(state,
                "PODLIFE_BENCH_ENDPOINT is not set: the real-runtime benchmarks (hook latency and sync "
                "against e.g. unix:///run/containerd/containerd.sock) were not run");
    });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
