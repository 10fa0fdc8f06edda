#include "fakes/common/gate.h"

#include <set>

namespace podlife::fakes {

namespace {
// Every live gate, for ReleaseEveryGate(). A leaf lock: never held while taking a gate's lock
// elsewhere than in ReleaseEveryGate, and a gate's lock is never held while taking it.
// Never destroyed, so a gate that outlives static destruction still finds them.
std::mutex& LiveMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::set<Gate*>& Live() {
  static auto* gates = new std::set<Gate*>;
  return *gates;
}
}  // namespace

Gate::Gate(std::string method) : method_(std::move(method)) {
  std::lock_guard lock(LiveMutex());
  Live().insert(this);
}

Gate::~Gate() {
  std::lock_guard lock(LiveMutex());
  Live().erase(this);
}

int ReleaseEveryGate() {
  std::lock_guard lock(LiveMutex());
  int released = 0;
  for (Gate* gate : Live()) {
    released += gate->released() ? 0 : 1;
    gate->Abandon();
  }
  return released;
}

WaitResult Gate::WaitUntilHeld(Millis timeout, int count) {
  std::unique_lock lock(mu_);
  if (cv_.wait_for(lock, timeout, [&] { return arrived_ >= count || abandoned_; }) && arrived_ >= count) {
    return WaitResult::Ok();
  }
  if (abandoned_) {
    return WaitResult::Failure("the gate was released by the watchdog while waiting for " + std::to_string(count) +
                               " " + method_ + " call(s); " + std::to_string(arrived_) + " arrived");
  }
  return WaitResult::Failure("timed out after " + std::to_string(timeout.count()) + "ms waiting for " +
                             std::to_string(count) + " " + method_ + " call(s) at the gate; " +
                             std::to_string(arrived_) + " arrived");
}

void Gate::Release() {
  std::lock_guard lock(mu_);
  released_ = true;
  cv_.notify_all();
}

void Gate::Abandon() {
  std::lock_guard lock(mu_);
  released_ = true;
  abandoned_ = true;
  cv_.notify_all();
}

int Gate::held() const {
  std::lock_guard lock(mu_);
  return released_ ? 0 : arrived_;
}

bool Gate::released() const {
  std::lock_guard lock(mu_);
  return released_;
}

bool Gate::Park(const std::function<bool()>& abandon, Millis poll) {
  std::unique_lock lock(mu_);
  ++arrived_;
  cv_.notify_all();
  while (!released_) {
    if (abandon()) return false;
    cv_.wait_for(lock, poll);
  }
  return true;
}

bool Gate::TryClaim() {
  std::lock_guard lock(mu_);
  if (claimed_ || released_) return false;
  claimed_ = true;
  return true;
}

bool Gate::claimed() const {
  std::lock_guard lock(mu_);
  return claimed_;
}

void Gate::Wake() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

}  // namespace podlife::fakes
