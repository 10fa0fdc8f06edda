#include "src/engine/termination_ordering.h"

#include <chrono>

#include "src/core/go_duration.h"

namespace podlife {

TerminationOrdering::TerminationOrdering(std::map<std::string, std::vector<std::string>> prerequisites)
    : prerequisites_(std::move(prerequisites)) {
  for (const auto& [name, waits] : prerequisites_) {
    for (const auto& other : waits) terminated_.emplace(other, std::make_shared<Notification>());
  }
}

std::shared_ptr<Notification> TerminationOrdering::TerminatedSignal(const std::string& name) const {
  auto it = terminated_.find(name);
  return it == terminated_.end() ? nullptr : it->second;
}

int64_t TerminationOrdering::WaitForTurn(const std::string& name, int64_t grace_seconds, Clock& clock) const {
  if (grace_seconds <= 0) return 0;
  auto it = prerequisites_.find(name);
  if (it == prerequisites_.end()) return 0;
  const TimePoint start = clock.Now();
  // waitForTurn's timer: time.Duration(grace) * time.Second, wrapping as Go does, saturating its end.
  const TimePoint deadline = DeadlineAfter(start, GoSeconds(grace_seconds));
  for (const auto& other : it->second) {
    const TimePoint now = clock.Now();
    if (now >= deadline) break;
    if (!clock.WaitForNotification(TerminatedSignal(other), deadline - now)) break;  // grace is over
  }
  return std::chrono::duration_cast<std::chrono::seconds>(clock.Now() - start).count();
}

void TerminationOrdering::Terminated(const std::string& name) const {
  if (auto signal = TerminatedSignal(name)) signal->Notify();
}

}  // namespace podlife
