#include "conformance/watchdog.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace podlife::conformance {

using namespace std::chrono_literals;

CaseWatchdog& CaseWatchdog::Instance() {
  static CaseWatchdog watchdog;
  return watchdog;
}

CaseWatchdog::~CaseWatchdog() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void CaseWatchdog::Configure(std::chrono::milliseconds timeout, GiveUp give_up) {
  std::lock_guard lock(mu_);
  timeout_ = timeout;
  give_up_ = std::move(give_up);
}

std::chrono::milliseconds CaseWatchdog::timeout() const {
  std::lock_guard lock(mu_);
  return timeout_;
}

namespace {
std::chrono::milliseconds GraceFor(std::chrono::milliseconds timeout) {
  return std::clamp<std::chrono::milliseconds>(timeout / 2, 5s, 30s);
}
}  // namespace

std::chrono::milliseconds CaseWatchdog::Grace() const { return GraceFor(timeout()); }

void CaseWatchdog::Arm(const std::string& case_name, std::function<void()> on_timeout) {
  std::lock_guard lock(mu_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  ++generation_;
  armed_ = true;
  expire_now_ = false;
  case_name_ = case_name;
  on_timeout_ = std::move(on_timeout);
  deadline_ = std::chrono::steady_clock::now() + timeout_;
  cv_.notify_all();
}

void CaseWatchdog::Disarm() {
  std::unique_lock lock(mu_);
  ++generation_;
  armed_ = false;
  expire_now_ = false;
  cv_.notify_all();
  // The callback works on the case's fixture: it must be done before the fixture goes.
  cv_.wait(lock, [&] { return !in_callback_; });
  on_timeout_ = nullptr;
}

void CaseWatchdog::ExpireNow() {
  std::lock_guard lock(mu_);
  if (!armed_) return;
  expire_now_ = true;
  cv_.notify_all();
}

bool CaseWatchdog::WaitForDisarm(std::unique_lock<std::mutex>& lock, uint64_t generation,
                                 std::chrono::steady_clock::time_point until) {
  return cv_.wait_until(lock, until, [&] { return quit_ || generation_ != generation; });
}

void CaseWatchdog::Run() {
  std::unique_lock lock(mu_);
  while (!quit_) {
    if (!armed_) {
      cv_.wait(lock, [&] { return quit_ || armed_; });
      continue;
    }
    const uint64_t generation = generation_;
    cv_.wait_until(lock, deadline_, [&] { return quit_ || generation_ != generation || expire_now_; });
    if (quit_ || generation_ != generation) continue;
    // The case overran (or the run was interrupted): fail it, show what it did, release it.
    expire_now_ = false;
    const std::string name = case_name_;
    const auto on_timeout = on_timeout_;
    in_callback_ = true;
    lock.unlock();
    if (on_timeout) on_timeout();
    lock.lock();
    in_callback_ = false;
    cv_.notify_all();
    if (WaitForDisarm(lock, generation, std::chrono::steady_clock::now() + GraceFor(timeout_))) continue;
    // Released and still not back: end the run rather than hang it.
    const auto give_up = give_up_;
    lock.unlock();
    if (give_up) give_up(name);
    std::fprintf(stderr, "podlife-conformance: %s did not return after the watchdog released it\n", name.c_str());
    std::fflush(nullptr);
    std::_Exit(1);
  }
}

}  // namespace podlife::conformance
