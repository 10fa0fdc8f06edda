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
    for (Worker* w : idle_) w->wake.notify_one();
    workers.swap(workers_);
  }
  // A busy worker finishes its task before it sees stopping_ (WorkerLoop), so every task ends.
  for (auto& w : workers) w.join();
}

TaskPool& TaskPool::Shared() {
  static TaskPool* pool = new TaskPool();  // never destroyed: no exit-time join
  return *pool;
}

void TaskPool::Submit(std::function<void()> task, std::shared_ptr<Notification> finished) {
  std::lock_guard lock(mu_);
  if (!idle_.empty()) {
    Worker* worker = idle_.back();
    idle_.pop_back();
    worker->task = Task{std::move(task), std::move(finished)};
    worker->wake.notify_one();  // under mu_: an idle worker cannot retire (and go) meanwhile
    return;
  }
  ReapExitedLocked();
  // Counted once the thread exists: a failed creation throws to the caller and counts nothing.
  workers_.emplace_back([this, first = Task{std::move(task), std::move(finished)}]() mutable {
    Worker self;
    self.task = std::move(first);
    WorkerLoop(self);
  });
  ++started_;
  ++alive_;
}

void TaskPool::WorkerLoop(Worker& self) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (self.task) {
      Task task = std::move(*self.task);
      self.task.reset();
      lock.unlock();
      task.run();
      task.run = nullptr;  // its captures die outside the lock
      lock.lock();
      // Idle before `finished`, under mu_: a waiter woken by it that submits again finds this
      // worker idle.
      idle_.push_back(&self);
      if (task.finished) task.finished->Notify();
      continue;
    }
    if (stopping_) break;
    const bool woke = self.wake.wait_for(lock, idle_timeout_, [&] { return self.task.has_value() || stopping_; });
    if (!woke && idle_.size() > keep_idle_) break;  // idle too long, and enough others stay
  }
  std::erase(idle_, &self);
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
  return idle_.size();
}

}  // namespace podlife
