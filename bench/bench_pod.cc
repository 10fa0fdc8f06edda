// Implements bench/bench_pod.h: bench pods, containers and hook handlers.
#include "bench/bench_pod.h"

namespace podlife::bench {

const std::vector<std::string> kExecHookCommand = {"true"};

const char* HookKindName(HookKind kind) {
  switch (kind) {
    case HookKind::kNone: return "none";
    case HookKind::kExec: return "exec";
    case HookKind::kHttpGet: return "httpGet";
    case HookKind::kSleep0: return "sleep0";
  }
  return "?";
}

LifecycleHandler MakeHookHandler(HookKind kind, int http_port) {
  LifecycleHandler handler;
  switch (kind) {
    case HookKind::kNone:
      break;
    case HookKind::kExec:
      handler.exec = ExecAction{kExecHookCommand};
      break;
    case HookKind::kHttpGet: {
      HttpGetAction get;
      get.path = "/hook";
      get.port = IntOrString::Int(http_port);
      get.host = "127.0.0.1";  // explicit: no PodSandboxStatus lookup of the pod IP (HT-01)
      handler.http_get = get;
      break;
    }
    case HookKind::kSleep0:
      handler.sleep = SleepAction{0};
      break;
  }
  return handler;
}

Container MakeBenchContainer(const std::string& name, const BenchPodSpec& spec) {
  Container c;
  c.name = name;
  c.image = spec.image;
  // A workload that exits on SIGTERM at once: `sleep` as PID 1 would ignore it.
  c.command = {"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"};
  if (spec.post_start != HookKind::kNone || spec.pre_stop != HookKind::kNone) {
    Lifecycle lifecycle;
    if (spec.post_start != HookKind::kNone) lifecycle.post_start = MakeHookHandler(spec.post_start, spec.http_port);
    if (spec.pre_stop != HookKind::kNone) lifecycle.pre_stop = MakeHookHandler(spec.pre_stop, spec.http_port);
    c.lifecycle = lifecycle;
  }
  return c;
}

Pod MakeBenchPod(const BenchPodSpec& spec) {
  Pod pod;
  pod.name = spec.name;
  pod.namespace_ = "podlife-bench";
  pod.uid = "uid-" + spec.name;
  pod.termination_grace_period_seconds = 30;
  pod.host_network = true;
  for (int i = 0; i < spec.containers; ++i) {
    std::string name = "c";  // appended, not `"c" + ...`: GCC 12 -O3 warns falsely (-Wrestrict) there
    name += std::to_string(i);
    pod.containers.push_back(MakeBenchContainer(name, spec));
  }
  return pod;
}

}  // namespace podlife::bench
