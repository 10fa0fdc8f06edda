// Overhead on a real runtime, measured in interleaved triples: the same work done as the bare RPC
// sequence on the runtime (`bare`), by the engine on the runtime (`engine`), and by the engine
// through the in-process CRI proxy in front of it (`proxy`), one after the other, round after
// round. Registered only when a real runtime is given (PODLIFE_BENCH_ENDPOINT), for it
// (`overhead/runtime:real/...`) and for the fake (`overhead/runtime:fake/...`): on the fake, whose
// answers take microseconds, the differences are the engine's and the proxy's absolute cost with
// little noise; on the real runtime the ratios include everything the runtime does meanwhile.
//
// - Subjects: `subject:hook/type:exec` (HandlerRunner::Run of the exec hook on a running
//   container; bare: one ExecSync); `subject:path/path:P/type:T` (StartContainer with a
//   postStart hook, or KillContainer with a preStop hook, T in none/exec/httpGet/sleep0; bare:
//   BareContainerPath); `subject:pod/containers:N/hooks:H` (one pod's SyncPod and its
//   KillPod + RemovePod, measures `sync` and `terminate`; bare: BarePodSequence).
// - One repetition is one benchmark iteration of three rounds (bench/paired_rounds.h): each
//   variant takes each position once, so a drift in the runtime's speed falls on all three alike.
//   The counters `<measure>.<variant>` are the mean seconds of the repetition's rounds; the report
//   (render_overhead.py) pairs them within a repetition: engine/bare is the engine's overhead,
//   proxy/engine the proxy's, each as the median over repetitions with a 95% interval.
// - Setup (connections, sandboxes, a warm-up round of each variant) is untimed; manual time is the
//   sum of the timed steps.
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "bench/bare_cri.h"
#include "bench/bench_pod.h"
#include "bench/benchmarks.h"
#include "bench/drivers.h"
#include "bench/engine_stack.h"
#include "bench/paired_rounds.h"
#include "src/core/profile.h"

namespace podlife::bench {

namespace {

const std::vector<std::string> kVariants = {"bare", "engine", "proxy"};

// One repetition: one round per rotation of the three variants.
bool RunRepetition(benchmark::State& state, const std::vector<std::string>& measures, std::vector<Round>& rounds) {
  return RunPairedRepetition(state, kVariants, measures, rounds, 1);
}

struct Stacks {
  std::unique_ptr<EngineStack> direct;
  std::unique_ptr<EngineStack> proxied;
  std::unique_ptr<BareCriClient> bare;
};

// Connects the three ways to the runtime; false (and the benchmark skipped) when one fails.
bool Connect(benchmark::State& state, const BenchBackend& real, const BenchBackend& proxy, Stacks* stacks) {
  auto direct = EngineStack::Connect(real.endpoint(), Profile135(), 1);
  if (!Succeeded(state, direct)) return false;
  auto proxied = EngineStack::Connect(proxy.endpoint(), Profile135(), 1);
  if (!Succeeded(state, proxied)) return false;
  auto bare = BareCriClient::Connect(real.endpoint());
  if (!Succeeded(state, bare) || !Succeeded(state, (*bare)->Version())) return false;
  *stacks = {std::move(*direct), std::move(*proxied), std::move(*bare)};
  return true;
}

void ExecHook(benchmark::State& state, const BenchBackend& real, const BenchBackend& proxy) {
  Stacks s;
  if (!Connect(state, real, proxy, &s)) return;
  auto pod = RunningPod::Start(*s.direct, 0, MakeBenchPod({.name = "overhead-exec", .image = real.image()}));
  if (!Succeeded(state, pod)) return;
  const Pod& p = (*pod)->pod();
  const HookTarget target{&p, (*pod)->sandbox().id, &p.containers[0], (*pod)->container_id(0)};
  const LifecycleHandler handler = MakeHookHandler(HookKind::kExec, 0);
  cri::ExecSyncRequest request;
  request.set_container_id(target.container_id);
  for (const auto& arg : kExecHookCommand) request.add_cmd(arg);
  auto timed = [](const std::function<std::string()>& step, Seconds* seconds) {
    const auto start = std::chrono::steady_clock::now();
    std::string failure = step();
    (*seconds)[0] = SecondsSince(start);
    return failure;
  };
  std::vector<Round> rounds = {
      [&](Seconds* t) { return timed([&] { return s.bare->ExecSync(request); }, t); },
      [&](Seconds* t) { return timed([&] { return s.direct->hooks(0).Run(target, handler, nullptr).message; }, t); },
      [&](Seconds* t) { return timed([&] { return s.proxied->hooks(0).Run(target, handler, nullptr).message; }, t); },
  };
  for (auto _ : state) {
    if (!RunRepetition(state, {"hook"}, rounds)) break;
  }
}

void HookPath(benchmark::State& state, const BenchBackend& real, const BenchBackend& proxy, int http_port,
              bool post_start, HookKind kind) {
  Stacks s;
  if (!Connect(state, real, proxy, &s)) return;
  BenchPodSpec spec{.name = std::string("overhead-") + (post_start ? "poststart-" : "prestop-") + HookKindName(kind),
                    .image = real.image(),
                    .containers = 0,
                    .http_port = http_port};
  (post_start ? spec.post_start : spec.pre_stop) = kind;
  // One sandbox for all three: the rounds run one at a time, each removing its container.
  auto pod = RunningPod::Start(*s.direct, 0, MakeBenchPod(spec));
  if (!Succeeded(state, pod)) return;
  const Container container = MakeBenchContainer("app", spec);
  BareContainerPathDriver bare(*s.bare, **pod, container);
  EngineContainerPath direct(*s.direct, **pod, container);
  EngineContainerPath proxied(*s.proxied, **pod, container);
  std::vector<Round> rounds = {
      [&](Seconds* t) { return TimeContainerPathStep(bare, post_start, &(*t)[0]); },
      [&](Seconds* t) { return TimeContainerPathStep(direct, post_start, &(*t)[0]); },
      [&](Seconds* t) { return TimeContainerPathStep(proxied, post_start, &(*t)[0]); },
  };
  for (auto _ : state) {
    if (!RunRepetition(state, {"path"}, rounds)) break;
  }
}

// One pod's sync, then its termination, both timed.
std::string TimePod(PodDriver& driver, Seconds* seconds) {
  auto start = std::chrono::steady_clock::now();
  std::string failure = driver.Sync(0);
  (*seconds)[0] = SecondsSince(start);
  start = std::chrono::steady_clock::now();
  // A failed sync may have left a sandbox: terminate either way, report the first failure.
  std::string terminated = driver.Terminate(0);
  (*seconds)[1] = SecondsSince(start);
  return failure.empty() ? terminated : failure;
}

void PodLifecycle(benchmark::State& state, const BenchBackend& real, const BenchBackend& proxy, int containers,
                  HookKind hooks) {
  Stacks s;
  if (!Connect(state, real, proxy, &s)) return;
  auto pod = [&](const char* variant) {
    return MakeBenchPod({.name = std::string("overhead-") + variant + "-c" + std::to_string(containers) + "-" +
                                 HookKindName(hooks),
                         .image = real.image(),
                         .containers = containers,
                         .post_start = hooks,
                         .pre_stop = hooks});
  };
  BarePodDriver bare(*s.bare, {pod("b")});
  EnginePodDriver direct(*s.direct, {pod("e")});
  EnginePodDriver proxied(*s.proxied, {pod("p")});
  std::vector<Round> rounds = {
      [&](Seconds* t) { return TimePod(bare, t); },
      [&](Seconds* t) { return TimePod(direct, t); },
      [&](Seconds* t) { return TimePod(proxied, t); },
  };
  for (auto _ : state) {
    if (!RunRepetition(state, {"sync", "terminate"}, rounds)) break;
  }
}

}  // namespace

void RegisterOverheadBenchmarks(const BenchContext& context) {
  const int port = context.http_port;
  for (const auto& [runtime, through_proxy] : context.proxied) {
    const BenchBackend& real = *runtime;
    const BenchBackend& proxy = *through_proxy;
    // The fake answers in microseconds: more pairs cost little there and narrow its intervals.
    const bool fast = real.CallsServed().has_value();
    const std::string on = "overhead/runtime:" + real.name();
    RegisterPaired(on + "/subject:hook/type:exec", fast ? 30 : 12,
                   [&real, &proxy](benchmark::State& state) { ExecHook(state, real, proxy); });
    for (bool post_start : {true, false}) {
      for (HookKind kind : {HookKind::kNone, HookKind::kExec, HookKind::kHttpGet, HookKind::kSleep0}) {
        RegisterPaired(on + "/subject:path/path:" + (post_start ? "postStart" : "preStop") + "/type:" + HookKindName(kind),
                       fast ? 30 : 12, [&real, &proxy, port, post_start, kind](benchmark::State& state) {
                         HookPath(state, real, proxy, port, post_start, kind);
                       });
      }
    }
    for (int containers : {1, 4, 16}) {
      for (HookKind hooks : {HookKind::kNone, HookKind::kExec}) {
        RegisterPaired(on + "/subject:pod/containers:" + std::to_string(containers) + "/hooks:" + HookKindName(hooks),
                       fast ? 30 : (containers == 16 ? 6 : (containers == 4 ? 8 : 12)),
                       [&real, &proxy, containers, hooks](benchmark::State& state) {
                         PodLifecycle(state, real, proxy, containers, hooks);
                       });
      }
    }
  }
}

}  // namespace podlife::bench
