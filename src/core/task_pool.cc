// Implements src/core/task_pool.h.
#include "src/core/task_pool.h"

#include <algorithm>

namespace podlife {

TaskPool::TaskPool(size_t keep_idle, std::chrono::milliseconds idle_timeout)
    : keep_idle_(keep_idle), idle_timeout_(idle_timeout) {}

TaskPool::~TaskPool() {
  std::vector<std::thread> workers;
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    work_ready_.notify_all();
    workers.swap(workers_);
  }
  // Workers finish the queue before they see stopping_ (WorkerLoop), so every task ends first.
  for (auto& w : workers) w.join();
}

TaskPool& TaskPool::Shared() {
  static TaskPool* pool = new TaskPool();  // never destroyed: no exit-time join
  return *pool;
}

void TaskPool::Submit(std::function<void()> task, std::shared_ptr<Notification> finished) {
  std::lock_guard lock(mu_);
  queue_.push_back({std::move(task), std::move(finished)});
  if (queue_.size() <= idle_) {
    work_ready_.notify_one();
    return;
  }
  ReapExitedLocked();
  ++started_;
  ++alive_;
  workers_.emplace_back([this] { WorkerLoop(); });
}

void TaskPool::WorkerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!queue_.empty()) {
      Task task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task.run();
      task.run = nullptr;  // its captures die outside the lock
      lock.lock();
      // Under mu_, so a waiter woken here and submitting again blocks until this worker is idle.
      if (task.finished) task.finished->Notify();
      continue;
    }
    if (stopping_) break;
    ++idle_;
    const bool woke = work_ready_.wait_for(lock, idle_timeout_, [&] { return !queue_.empty() || stopping_; });
    --idle_;
    if (!woke && idle_ >= keep_idle_) break;  // idle too long, and enough others stay
  }
  --alive_;
  if (!stopping_) exited_.push_back(std::this_thread::get_id());
}

void TaskPool::ReapExitedLocked() {
  for (const auto& id : exited_) {
    auto it = std::find_if(workers_.begin(), workers_.end(), [&](const std::thread& t) { return t.get_id() == id; });
    if (it == workers_.end()) continue;
    it->join();  // it has left WorkerLoop's last lock, or is about to: a short wait at most
    workers_.erase(it);
  }
  exited_.clear();
}

uint64_t TaskPool::threads_started() const {
  std::lock_guard lock(mu_);
  return started_;
}

size_t TaskPool::threads_alive() const {
  std::lock_guard lock(mu_);
  return alive_;
}

size_t TaskPool::idle_workers() const {
  std::lock_guard lock(mu_);
  return idle_;
}

}  // namespace podlife
