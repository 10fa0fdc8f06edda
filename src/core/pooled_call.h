// PooledCall<T>: a blocking function run on the engine's TaskPool for a caller that may stop
// waiting for it, as the kubelet stops waiting for a preStop hook at the grace while the hook's
// goroutine goes on (EX-06).
//
// Contract:
// - Start(run) submits `run` to TaskPool::Shared() and returns at once.
// - Wait(clock, d) waits at most `d` on `clock`; true once `run` has returned and its worker is
//   idle again (TaskPool's `finished`), then result() is what it returned.
// - Detach(ended): the caller waits no more; `ended` runs once with the result: at once on the
//   caller's thread when `run` has already returned, else on the worker right after it. At most
//   once; not while a Wait is under way.
// - The pool task holds the call, so the caller may drop it after Detach. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "src/core/clock.h"
#include "src/core/task_pool.h"

namespace podlife {

template <class T>
class PooledCall : public std::enable_shared_from_this<PooledCall<T>> {
 public:
  static std::shared_ptr<PooledCall> Start(std::function<T()> run) {
    std::shared_ptr<PooledCall> call(new PooledCall());
    TaskPool::Shared().Submit([call, run = std::move(run)] { call->End(run()); }, call->ended_);
    return call;
  }

  bool Wait(Clock& clock, Duration d) { return clock.WaitForNotification(ended_, d); }
  const T& result() const { return result_; }

  void Detach(std::function<void(const T&)> ended) {
    std::unique_lock lock(mu_);
    if (!returned_) {
      continuation_ = std::move(ended);
      return;
    }
    lock.unlock();
    ended(result_);
  }

 private:
  PooledCall() = default;

  void End(T result) {
    std::function<void(const T&)> continuation;
    {
      std::lock_guard lock(mu_);
      result_ = std::move(result);
      returned_ = true;
      continuation.swap(continuation_);
    }
    if (continuation) continuation(result_);
  }

  std::mutex mu_;
  const std::shared_ptr<Notification> ended_ = std::make_shared<Notification>();
  bool returned_ = false;
  T result_{};
  std::function<void(const T&)> continuation_;
};

}  // namespace podlife
