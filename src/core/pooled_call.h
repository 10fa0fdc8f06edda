// Completion<T> and PooledCall<T>: a result for a caller that may stop waiting for it, as the
// kubelet stops waiting for a preStop hook at the grace while the hook's goroutine goes on (EX-06).
//
// Contract:
// - Completion<T> is a result delivered once: Deliver(result) stores it and then runs, on the
//   delivering thread, the continuation a caller left with Detach. Detach(ended) runs `ended` at
//   once on the caller's thread when the result is already there, else leaves it for Deliver and
//   returns true. delivered() says whether it came; result() is it, once it has. Thread-safe.
// - PooledCall<T>::Start(run) submits `run` to TaskPool::Shared() and returns at once.
//   Wait(clock, d) waits at most `d` on `clock`; true once `run` has returned and its worker is
//   idle again (TaskPool's `finished`), then result() is what it returned. On a real clock it
//   polls (yielding) for the first kSpinBeforeSleeping of the wait, then sleeps. Detach as
//   Completion's, at most once and not while a Wait is under way. The pool task holds the call,
//   so the caller may drop it after Detach. Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "src/core/clock.h"
#include "src/core/task_pool.h"

namespace podlife {

template <class T>
class Completion {
 public:
  void Deliver(T result) {
    std::function<void(const T&)> continuation;
    {
      std::lock_guard lock(mu_);
      result_ = std::move(result);
      delivered_ = true;
      continuation.swap(continuation_);
    }
    if (continuation) continuation(result_);
  }

  bool Detach(std::function<void(const T&)> ended) {
    std::unique_lock lock(mu_);
    if (!delivered_) {
      continuation_ = std::move(ended);
      return true;
    }
    lock.unlock();
    ended(result_);
    return false;
  }

  bool delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  const T& result() const { return result_; }

 private:
  mutable std::mutex mu_;
  bool delivered_ = false;
  T result_{};
  std::function<void(const T&)> continuation_;
};

template <class T>
class PooledCall {
 public:
  static constexpr Duration kSpinBeforeSleeping = std::chrono::microseconds(300);

  static std::shared_ptr<PooledCall> Start(std::function<T()> run) {
    std::shared_ptr<PooledCall> call(new PooledCall());
    TaskPool::Shared().Submit([call, run = std::move(run)] { call->completion_.Deliver(run()); }, call->ended_);
    return call;
  }

  bool Wait(Clock& clock, Duration d) {
    if (clock.real_time() && d > Duration::zero()) {
      // A call that ends within a few hundred microseconds (a local httpGet hook) is seen without
      // this thread going to sleep: waking a sleeping thread costs a trip through the scheduler,
      // tens of microseconds more on a virtual machine's idle vCPU (bench/README.md, Decisions).
      const auto start = std::chrono::steady_clock::now();
      const Duration spin = std::min<Duration>(d, kSpinBeforeSleeping);
      while (std::chrono::steady_clock::now() - start < spin) {
        if (ended_->HasBeenNotified()) return true;
        std::this_thread::yield();
      }
      d = std::max<Duration>(Duration::zero(), d - (std::chrono::steady_clock::now() - start));
    }
    return clock.WaitForNotification(ended_, d);
  }
  const T& result() const { return completion_.result(); }
  void Detach(std::function<void(const T&)> ended) { completion_.Detach(std::move(ended)); }

 private:
  PooledCall() = default;

  const std::shared_ptr<Notification> ended_ = std::make_shared<Notification>();
  Completion<T> completion_;
};

}  // namespace podlife
