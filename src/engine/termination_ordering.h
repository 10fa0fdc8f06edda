// TerminationOrdering: the turn-taking of one pod kill (PR-12), built from the prerequisites that
// PlanSync's TerminationPrerequisites computed. Each container's kill waits, after its preStop and
// within its remaining grace, until every container it depends on has terminated.
//
// Contract:
// - WaitForTurn(name, grace, clock) blocks until all of `name`'s prerequisites are Terminated or
//   `grace` seconds have passed on `clock`, and returns the whole seconds it waited (truncated, as
//   the kubelet converts its float seconds). With grace <= 0 it returns 0 at once.
// - Terminated(name) marks a container's StopContainer as done; a stop that failed is not marked
//   (M6), so the containers waiting for it wait out their grace.
// - Thread-safe; one per kill of a pod, shared by the kills of its containers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/core/clock.h"

namespace podlife {

class TerminationOrdering {
 public:
  explicit TerminationOrdering(std::map<std::string, std::vector<std::string>> prerequisites);

  int64_t WaitForTurn(const std::string& name, int64_t grace_seconds, Clock& clock) const;
  void Terminated(const std::string& name) const;

 private:
  std::shared_ptr<Notification> TerminatedSignal(const std::string& name) const;

  std::map<std::string, std::vector<std::string>> prerequisites_;
  // One signal per container anything waits for; fixed after construction.
  std::map<std::string, std::shared_ptr<Notification>> terminated_;
};

}  // namespace podlife
