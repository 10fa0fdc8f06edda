// Clock and Notification: time as the engine sees it, injectable so unit tests of grace periods
// and sleep hooks run in milliseconds.
//
// Contract: Notification is a one-shot, thread-safe "it happened" flag (optionally "it happened
// n times"). Clock::Now() is monotonic;
// Clock::WallNow() is the same clock as wall-clock time, for comparing with the runtime's
// timestamps (a container's finishedAt, for CrashLoopBackOff).
// Clock::WaitForNotification(n, d) blocks until n is notified or d has passed on that clock and
// says which; a wait past the clock's end lasts for ever (DeadlineAfter saturates, as Go's timers
// do) instead of wrapping into the past. real_time() says whether the clock's time is
// steady_clock's (RealClock), so that a wait may be handed to a system call. RealClock uses
// std::chrono::steady_clock. FakeClock (for tests) only moves when Advance() is called, and lets
// a test wait, with a real deadline, until some thread is waiting on it, so the test advances
// time only once the engine is actually waiting.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "src/core/go_duration.h"

namespace podlife {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// Notified once Notify() has been called `notifies_needed` times, at once when that is 0 (a
// countdown for a fan-out: one wake-up of the waiter when the last of n tasks ends).
class Notification {
 public:
  explicit Notification(int notifies_needed = 1)
      : remaining_(notifies_needed), notified_(notifies_needed <= 0) {}
  void Notify() {
    std::lock_guard lock(mu_);
    if (remaining_ > 0 && --remaining_ > 0) return;
    notified_ = true;
    cv_.notify_all();
  }
  bool HasBeenNotified() const {
    std::lock_guard lock(mu_);
    return notified_;
  }
  // Real-time wait; true if notified.
  bool WaitFor(Duration d) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, DeadlineAfter(std::chrono::steady_clock::now(), d), [&] { return notified_; });
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return notified_; });
  }

 private:
  friend class FakeClock;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int remaining_;
  bool notified_;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // True if `n` was notified before `d` passed.
  virtual bool WaitForNotification(const std::shared_ptr<Notification>& n, Duration d) = 0;
  // True when this clock's time is steady_clock's, so a wait on it may be a system call's timeout.
  virtual bool real_time() const { return false; }
};

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override { return std::chrono::system_clock::now(); }
  bool WaitForNotification(const std::shared_ptr<Notification>& n, Duration d) override { return n->WaitFor(d); }
  bool real_time() const override { return true; }
};

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  // Starts at the real wall-clock time of the clock's creation and moves only with Advance().
  std::chrono::system_clock::time_point WallNow() const override {
    std::lock_guard lock(mu_);
    return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - kStart);
  }

  bool WaitForNotification(const std::shared_ptr<Notification>& n, Duration d) override {
    TimePoint deadline;
    {
      std::lock_guard lock(mu_);
      deadline = DeadlineAfter(now_, d);
      waiters_.push_back(n);
      waiters_changed_.notify_all();
    }
    bool notified;
    {
      std::unique_lock nl(n->mu_);
      n->cv_.wait(nl, [&] { return n->notified_ || Now() >= deadline; });
      notified = n->notified_;
    }
    std::lock_guard lock(mu_);
    std::erase(waiters_, n);
    return notified;
  }

  void Advance(Duration d) {
    std::vector<std::shared_ptr<Notification>> waiters;
    {
      std::lock_guard lock(mu_);
      now_ += d;
      waiters = waiters_;
    }
    for (auto& n : waiters) {
      std::lock_guard nl(n->mu_);
      n->cv_.notify_all();
    }
  }

  // Waits (real time, up to `timeout`) until at least `count` threads wait on this clock.
  bool WaitForWaiters(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return waiters_changed_.wait_for(lock, timeout, [&] { return waiters_.size() >= count; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable waiters_changed_;
  static constexpr TimePoint kStart{std::chrono::hours(1)};
  TimePoint now_{kStart};
  const std::chrono::system_clock::time_point wall_start_ = std::chrono::system_clock::now();
  std::vector<std::shared_ptr<Notification>> waiters_;
};

}  // namespace podlife
