// Tests of TaskPool and WaitGroup: workers reused, never a task queued behind a blocked one, idle
// workers retired, the destructor waiting for running tasks.
#include "src/core/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "src/core/clock.h"

namespace podlife {
namespace {

using namespace std::chrono_literals;

TEST(TaskPoolTest, TasksOneAfterAnotherReuseOneWorker) {
  TaskPool pool;
  for (int i = 0; i < 1000; ++i) {
    WaitGroup done;
    done.Add();
    pool.Submit([&] { done.Done(); });
    done.Wait();
  }
  // The worker may still be between its task's end and waiting again when the next one comes.
  EXPECT_LE(pool.threads_started(), 3u);
}

TEST(TaskPoolTest, BlockedTasksDoNotHoldBackOthers) {
  TaskPool pool;
  constexpr int kTasks = 16;
  std::atomic<int> running{0};
  auto all_running = std::make_shared<Notification>();
  auto release = std::make_shared<Notification>();
  WaitGroup done;
  done.Add(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    pool.Submit([&] {
      if (++running == kTasks) all_running->Notify();
      release->WaitFor(30s);
      done.Done();
    });
  }
  // A pool that queued tasks behind busy workers would never get all 16 running at once.
  const bool together = all_running->WaitFor(10s);
  release->Notify();
  done.Wait();
  ASSERT_TRUE(together) << running.load() << " of " << kTasks << " tasks were running at once";
  EXPECT_EQ(pool.threads_started(), static_cast<uint64_t>(kTasks));
}

TEST(TaskPoolTest, IdleWorkersBeyondTheKeptOnesRetire) {
  TaskPool pool(/*keep_idle=*/1, /*idle_timeout=*/20ms);
  auto release = std::make_shared<Notification>();
  WaitGroup done;
  done.Add(3);
  for (int i = 0; i < 3; ++i) {
    pool.Submit([&] {
      release->WaitFor(30s);
      done.Done();
    });
  }
  release->Notify();
  done.Wait();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pool.threads_alive() > 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(pool.threads_alive(), 1u);
  // A retired worker's place is taken by a new one when needed.
  WaitGroup again;
  again.Add();
  pool.Submit([&] { again.Done(); });
  again.Wait();
}

TEST(TaskPoolTest, TheDestructorWaitsForRunningTasks) {
  std::atomic<bool> finished{false};
  auto started = std::make_shared<Notification>();
  auto release = std::make_shared<Notification>();
  auto pool = std::make_unique<TaskPool>();
  pool->Submit([&] {
    started->Notify();
    release->WaitFor(30s);
    finished = true;
  });
  ASSERT_TRUE(started->WaitFor(10s));
  std::thread destroyer([&] { pool.reset(); });
  release->Notify();
  destroyer.join();
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace podlife
