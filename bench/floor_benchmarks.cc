// Floors: the bare round trips every engine figure is compared with, measured in the same run.
// `floor/exec_sync`: one ExecSync of the exec hook's command through the generated stub, no
// deadline, on a running container. `floor/http_get`: one GET with a fresh cpp-httplib client to
// the same local server the httpGet hooks reach. (The bare pod sequences are `impl:bare` in
// sync_benchmarks.cc.)
#include "bench/bare_cri.h"
#include "bench/bench_pod.h"
#include "bench/benchmarks.h"
#include "bench/engine_stack.h"
#include "bench/local_http_server.h"
#include "src/core/profile.h"

namespace podlife::bench {

namespace {

void FloorExecSync(benchmark::State& state, const BenchBackend& backend) {
  auto stack = EngineStack::Connect(backend.endpoint(), Profile135(), 1);
  if (!Succeeded(state, stack)) return;
  auto pod = RunningPod::Start(**stack, 0, MakeBenchPod({.name = "floor-exec", .image = backend.image()}));
  if (!Succeeded(state, pod)) return;
  auto client = BareCriClient::Connect(backend.endpoint());
  if (!Succeeded(state, client) || !Succeeded(state, (*client)->Version())) return;
  cri::ExecSyncRequest request;
  request.set_container_id((*pod)->container_id(0));
  for (const auto& arg : kExecHookCommand) request.add_cmd(arg);
  for (auto _ : state) {
    if (!Succeeded(state, (*client)->ExecSync(request))) break;
  }
}

void FloorHttpGet(benchmark::State& state, int http_port) {
  for (auto _ : state) {
    if (!Succeeded(state, BareHttpGet(http_port, "/hook"))) break;
  }
}

}  // namespace

void RegisterFloorBenchmarks(const BenchContext& context) {
  for (const BenchBackend* backend : context.backends) {
    RegisterTimed("floor/exec_sync/backend:" + backend->name(),
                  [backend](benchmark::State& state) { FloorExecSync(state, *backend); });
  }
  const int port = context.http_port;
  RegisterTimed("floor/http_get", [port](benchmark::State& state) { FloorHttpGet(state, port); });
}

}  // namespace podlife::bench
