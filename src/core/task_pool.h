// TaskPool: the engine's worker threads, made once and reused, so the kill path (a thread of work
// per container killed, per preStop hook) creates no thread per kill.
//
// Contract:
// - Submit(task, finished) runs `task` on the most recently idle worker, or on a new worker when
//   every worker is busy, and notifies `finished` (when given) once the task has returned and its
//   worker is available again: whoever waits for it and submits the next task finds that worker
//   idle. One Notification(n) given to n tasks wakes its waiter once, when the last has ended. The
//   pool never queues a task behind a busy one, because the kubelet's kill path runs every
//   container's kill at once and a preStop hook may block its worker for a whole grace period.
//   So the number of workers is the peak number of tasks running at once, and a steady load
//   (1,000 kills one after another, or a pod of 16 killed again and again) reuses the same ones.
// - A worker idle for `idle_timeout` exits (keeping `keep_idle` workers), so a burst does not
//   pin its threads forever.
// - threads_started() counts the workers ever started; threads_alive() those alive now;
//   idle_workers() those waiting for a task.
// - The destructor waits for every submitted task to end, then joins the workers. Shared() is
//   the process-wide pool, never destroyed (its idle workers end with the process).
// - Thread-safe. A task must not throw.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "src/core/clock.h"

namespace podlife {

class TaskPool {
 public:
  explicit TaskPool(size_t keep_idle = 4, std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  static TaskPool& Shared();

  void Submit(std::function<void()> task, std::shared_ptr<Notification> finished = nullptr);
  uint64_t threads_started() const;
  size_t threads_alive() const;
  size_t idle_workers() const;

 private:
  struct Task {
    std::function<void()> run;
    std::shared_ptr<Notification> finished;
  };
  // A worker's own hand-over slot; it lives on the worker thread's stack.
  struct Worker {
    std::condition_variable wake;
    std::optional<Task> task;
  };
  void WorkerLoop(Worker& self);
  // Joins workers that have exited; under mu_.
  void ReapExitedLocked();

  const size_t keep_idle_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mu_;
  // Idle workers, the most recently idle last: Submit hands the task to that one, whose thread
  // and cache are still warm (after a burst of 120 kills, waking the longest idle of 120 made
  // the next preStop hook's hand-off 1.2x slower; bench/README.md, Decisions).
  std::vector<Worker*> idle_;
  size_t alive_ = 0;
  uint64_t started_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<std::thread::id> exited_;
};

}  // namespace podlife
