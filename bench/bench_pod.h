// Bench pods: the pods every benchmark runs, whichever runtime it runs them on.
//
// Contract: MakeBenchPod builds a Pod the engine and the bare sequence can both run on the fake
// and on containerd alike: host network (containerd without CNI needs it), namespace
// `podlife-bench`, uid derived from the name, terminationGracePeriodSeconds 30, and containers
// `c0..cN-1` whose workload exits at once on SIGTERM (so termination never waits for a grace
// period). Hooks: exec runs kExecHookCommand (`true`), httpGet goes to 127.0.0.1:`http_port`
// path /hook, sleep0 is a sleep of 0 s. Pod names must be unique among pods alive at once on the
// runtime; a name may be reused once its sandbox is removed.
#pragma once

#include <string>
#include <vector>

#include "src/core/pod.h"

namespace podlife::bench {

enum class HookKind { kNone, kExec, kHttpGet, kSleep0 };

// "none", "exec", "httpGet", "sleep0": the names used in benchmark names and the report.
const char* HookKindName(HookKind kind);

extern const std::vector<std::string> kExecHookCommand;

struct BenchPodSpec {
  std::string name;
  std::string image;
  int containers = 1;
  HookKind post_start = HookKind::kNone;
  HookKind pre_stop = HookKind::kNone;
  int http_port = 0;  // the httpGet hooks' port
};

Pod MakeBenchPod(const BenchPodSpec& spec);
Container MakeBenchContainer(const std::string& name, const BenchPodSpec& spec);
LifecycleHandler MakeHookHandler(HookKind kind, int http_port);

}  // namespace podlife::bench
