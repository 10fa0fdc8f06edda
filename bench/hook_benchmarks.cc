// Hook latency through the engine (profile 1.35), per hook type: exec, httpGet, sleep 0.
// - `hook/...`: HandlerRunner::Run as the postStart path calls it (synchronously, no cancel),
//   aimed at a running container: the hook's own latency, compared with its floor
//   (floor/exec_sync, floor/http_get).
// - `hook_path/.../impl:engine/path:postStart`: ContainerRuntime::StartContainer of a container
//   with that postStart hook; `path:preStop`: ContainerRuntime::KillContainer of a running
//   container with that preStop hook (the hook on its own thread, waited for, then StopContainer).
//   `type:none` is the same path without a hook, so the hook's cost on the path is the difference.
// - `hook_path/.../impl:bare/...`: the same paths as bare RPCs (BareContainerPath), whose
//   difference is the floor of the hook's cost on the path.
// Containers are made and removed outside the timed region.
#include "bench/bare_cri.h"
#include "bench/drivers.h"
#include "bench/bench_pod.h"
#include "bench/benchmarks.h"
#include "bench/engine_stack.h"
#include "src/core/profile.h"

namespace podlife::bench {

namespace {

enum class HookPath { kPostStart, kPreStop };

// The hook's own latency: HandlerRunner::Run on a running container.
void HookLatency(benchmark::State& state, const BenchBackend& backend, int http_port, HookKind kind) {
  auto stack = EngineStack::Connect(backend.endpoint(), Profile135(), 1);
  if (!Succeeded(state, stack)) return;
  const std::string name = std::string("hook-") + HookKindName(kind);
  auto pod = RunningPod::Start(**stack, 0, MakeBenchPod({.name = name, .image = backend.image()}));
  if (!Succeeded(state, pod)) return;
  const Pod& p = (*pod)->pod();
  const HookTarget target{&p, (*pod)->sandbox().id, &p.containers[0], (*pod)->container_id(0)};
  const LifecycleHandler handler = MakeHookHandler(kind, http_port);
  for (auto _ : state) {
    HookOutcome outcome = (*stack)->hooks(0).Run(target, handler, nullptr);
    if (!Succeeded(state, outcome.message)) break;
  }
}

// Times the path's step (Start for postStart, Kill for preStop); the rest is untimed.
void TimePath(benchmark::State& state, ContainerPathDriver& driver, HookPath path) {
  for (auto _ : state) {
    std::string failure;
    if (path == HookPath::kPreStop) {
      state.PauseTiming();
      failure = driver.Start();
      state.ResumeTiming();
      if (!Succeeded(state, failure)) break;
    }
    failure = path == HookPath::kPostStart ? driver.Start() : driver.Kill();
    state.PauseTiming();
    if (failure.empty() && path == HookPath::kPostStart) failure = driver.Kill();
    if (failure.empty()) failure = driver.Remove();
    state.ResumeTiming();
    if (!Succeeded(state, failure)) break;
  }
}

void ContainerPath(benchmark::State& state, const BenchBackend& backend, int http_port, bool engine,
                   HookPath path, HookKind kind) {
  auto stack = EngineStack::Connect(backend.endpoint(), Profile135(), 1);
  if (!Succeeded(state, stack)) return;
  BenchPodSpec spec{.name = std::string(path == HookPath::kPostStart ? "poststart-" : "prestop-") +
                            (engine ? "e-" : "b-") + HookKindName(kind),
                    .image = backend.image(),
                    .containers = 0,
                    .http_port = http_port};
  (path == HookPath::kPostStart ? spec.post_start : spec.pre_stop) = kind;
  auto pod = RunningPod::Start(**stack, 0, MakeBenchPod(spec));
  if (!Succeeded(state, pod)) return;
  const Container container = MakeBenchContainer("app", spec);
  if (engine) {
    EngineContainerPath driver(**stack, **pod, container);
    TimePath(state, driver, path);
    return;
  }
  auto client = BareCriClient::Connect(backend.endpoint());
  if (!Succeeded(state, client) || !Succeeded(state, (*client)->Version())) return;
  BareContainerPathDriver driver(**client, **pod, container);
  TimePath(state, driver, path);
}

}  // namespace

void RegisterHookBenchmarks(const BenchContext& context) {
  const int port = context.http_port;
  for (const BenchBackend* backend : context.backends) {
    const std::string on = "/backend:" + backend->name();
    for (HookKind kind : {HookKind::kExec, HookKind::kHttpGet, HookKind::kSleep0}) {
      RegisterTimed("hook" + on + "/type:" + HookKindName(kind),
                    [=](benchmark::State& state) { HookLatency(state, *backend, port, kind); });
    }
    for (HookPath path : {HookPath::kPostStart, HookPath::kPreStop}) {
      for (bool engine : {true, false}) {
        for (HookKind kind : {HookKind::kNone, HookKind::kExec, HookKind::kHttpGet, HookKind::kSleep0}) {
          if (!engine && kind == HookKind::kSleep0) continue;  // a bare sleep 0 is nothing at all
          RegisterTimed("hook_path" + on + "/impl:" + (engine ? "engine" : "bare") +
                            "/path:" + (path == HookPath::kPostStart ? "postStart" : "preStop") +
                            "/type:" + HookKindName(kind),
                        [=](benchmark::State& state) { ContainerPath(state, *backend, port, engine, path, kind); });
        }
      }
    }
  }
}

}  // namespace podlife::bench
