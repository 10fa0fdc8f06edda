// Sync and termination throughput: pods per second through the engine's PodSync against a
// backend, beside the bare RPC sequence of the same pods (BarePodSequence), for 1, 4 and 16
// containers per pod, without hooks and with an exec postStart and preStop on every container,
// and with 1, 2, 4 and 8 pods handled at once.
// - `sync/...`: each round syncs one pod per worker concurrently (timed), then terminates and
//   removes them (untimed). `terminate/...`: the reverse: KillPod + RemovePod timed.
// - items_per_second is pods per second; counters: concurrent_pods, containers_per_pod, and
//   rpcs_per_pod (the RPCs one pod's timed phase sent, where the backend can count them), which
//   shows the engine and the bare sequence issue the same calls.
#include <memory>
#include <vector>

#include "bench/bare_cri.h"
#include "bench/drivers.h"
#include "bench/bench_pod.h"
#include "bench/benchmarks.h"
#include "bench/concurrent_rounds.h"
#include "bench/engine_stack.h"
#include "src/core/profile.h"

namespace podlife::bench {

namespace {

constexpr int kContainersPerPod[] = {1, 4, 16};
constexpr HookKind kHooks[] = {HookKind::kNone, HookKind::kExec};
constexpr size_t kConcurrentPods[] = {1, 2, 4, 8};

enum class Phase { kSync, kTerminate };

struct ThroughputCase {
  const BenchBackend* backend = nullptr;
  bool engine = true;  // else the bare sequence
  int containers = 1;
  HookKind hooks = HookKind::kNone;
  size_t pods = 1;
  Phase timed = Phase::kSync;

  std::string Name() const {
    return std::string(timed == Phase::kSync ? "sync" : "terminate") + "/backend:" + backend->name() +
           "/impl:" + (engine ? "engine" : "bare") + "/containers:" + std::to_string(containers) +
           "/hooks:" + HookKindName(hooks) + "/pods:" + std::to_string(pods);
  }
};

// Runs one phase for every worker's pod at once; "" or the first failure.
std::string RunPhase(ConcurrentRounds& rounds, PodDriver& driver, Phase phase) {
  return rounds.RunAll([&](size_t w) { return phase == Phase::kSync ? driver.Sync(w) : driver.Terminate(w); });
}

void Throughput(benchmark::State& state, const ThroughputCase& c) {
  const BenchBackend& backend = *c.backend;
  std::vector<Pod> pods;
  const char* impl = c.engine ? "e" : "b";
  for (size_t w = 0; w < c.pods; ++w) {
    pods.push_back(MakeBenchPod({.name = std::string("tp-") + impl + "-c" + std::to_string(c.containers) + "-" +
                                         HookKindName(c.hooks) + "-p" + std::to_string(c.pods) + "-w" +
                                         std::to_string(w),
                                 .image = backend.image(),
                                 .containers = c.containers,
                                 .post_start = c.hooks,
                                 .pre_stop = c.hooks}));
  }
  std::unique_ptr<EngineStack> stack;
  std::unique_ptr<BareCriClient> bare;
  std::unique_ptr<PodDriver> driver;
  if (c.engine) {
    auto connected = EngineStack::Connect(backend.endpoint(), Profile135(), c.pods);
    if (!Succeeded(state, connected)) return;
    stack = std::move(*connected);
    driver = std::make_unique<EnginePodDriver>(*stack, pods);
  } else {
    auto connected = BareCriClient::Connect(backend.endpoint());
    if (!Succeeded(state, connected) || !Succeeded(state, (*connected)->Version())) return;
    bare = std::move(*connected);
    driver = std::make_unique<BarePodDriver>(*bare, pods);
  }
  ConcurrentRounds rounds(c.pods);
  const Phase untimed = c.timed == Phase::kSync ? Phase::kTerminate : Phase::kSync;

  // Every phase that ran a sync leaves pods on the runtime until a terminate phase removes them.
  bool pods_live = false;
  auto run = [&](Phase phase) {
    pods_live = phase == Phase::kSync;
    return RunPhase(rounds, *driver, phase);
  };
  // One untimed round first: warms the connection and the image, and counts the timed phase's RPCs.
  const auto calls_before_sync = backend.CallsServed();
  std::string failure = run(Phase::kSync);
  const auto calls_after_sync = backend.CallsServed();
  if (failure.empty()) failure = run(Phase::kTerminate);
  const auto calls_after_terminate = backend.CallsServed();
  if (Succeeded(state, failure) && calls_before_sync) {
    const uint64_t rpcs = c.timed == Phase::kSync ? *calls_after_sync - *calls_before_sync
                                                  : *calls_after_terminate - *calls_after_sync;
    state.counters["rpcs_per_pod"] = static_cast<double>(rpcs) / static_cast<double>(c.pods);
  }

  for (auto _ : state) {
    if (!failure.empty()) break;
    if (c.timed == Phase::kTerminate) {
      state.PauseTiming();
      failure = run(untimed);
      state.ResumeTiming();
      if (!Succeeded(state, failure)) break;
    }
    failure = run(c.timed);
    if (!Succeeded(state, failure)) break;
    if (c.timed == Phase::kSync) {
      state.PauseTiming();
      failure = run(untimed);
      state.ResumeTiming();
      if (!Succeeded(state, failure)) break;
    }
  }
  if (pods_live) (void)run(Phase::kTerminate);  // after a failure: leave the runtime clean
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.pods));
  state.counters["concurrent_pods"] = static_cast<double>(c.pods);
  state.counters["containers_per_pod"] = c.containers;
}

}  // namespace

void RegisterSyncBenchmarks(const BenchContext& context) {
  for (const BenchBackend* backend : context.backends) {
    for (Phase phase : {Phase::kSync, Phase::kTerminate}) {
      for (int containers : kContainersPerPod) {
        for (HookKind hooks : kHooks) {
          for (size_t pods : kConcurrentPods) {
            for (bool engine : {true, false}) {
              const ThroughputCase c{backend, engine, containers, hooks, pods, phase};
              RegisterTimed(c.Name(), [c](benchmark::State& state) { Throughput(state, c); });
            }
          }
        }
      }
    }
  }
}

}  // namespace podlife::bench
