// `podlife run`: runs one pod manifest through the reference engine against a CRI runtime and
// prints the events the way `kubectl describe` lists them.
//
// Contract: RunCommand(args) parses the flags after `run` (see kRunUsage), returns the process
// exit status: 0 the pod started and terminated cleanly; 1 the pod failed (a container failed
// to start, a postStart hook failed, an init container failed) or its termination failed;
// 2 usage or manifest error; 3 the runtime could not be reached. With --until-finished it syncs
// the pod as the kubelet's pod worker would (relist every second, resync) until a sync kills it
// because it finished (PodSyncResult::pod_finished); then 0 means every spec.containers entry
// exited 0, and a pod that did not finish (stopped by --terminate-after or a signal) gives 1.
#pragma once

#include <string>
#include <vector>

namespace podlife::cli {

extern const char* const kRunUsage;
int RunCommand(const std::vector<std::string>& args);

}  // namespace podlife::cli
