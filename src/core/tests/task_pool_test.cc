// Tests of TaskPool: workers reused, never a task queued behind a blocked one, idle workers
// retired, the destructor waiting for running tasks, one countdown for a fan-out, the warm
// worker first.
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
    auto finished = std::make_shared<Notification>();
    pool.Submit([] {}, finished);
    ASSERT_TRUE(finished->WaitFor(10s)) << "task " << i;
  }
  // `finished` comes once the worker is free again, so the next task always finds it idle.
  EXPECT_EQ(pool.threads_started(), 1u);
}

TEST(TaskPoolTest, ACountdownIsNotifiedByTheLastOfItsTasksOnly) {
  Notification direct(3);
  direct.Notify();
  direct.Notify();
  EXPECT_FALSE(direct.HasBeenNotified()) << "two of three";
  direct.Notify();
  EXPECT_TRUE(direct.HasBeenNotified());

  // Through the pool: while one of four tasks is held, the countdown stays unnotified however
  // long the other three have been done; releasing it notifies, with every task ended.
  auto all_ended = std::make_shared<Notification>(4);
  auto release = std::make_shared<Notification>();
  auto three_running = std::make_shared<Notification>(3);
  auto go = std::make_shared<Notification>();
  auto ended = std::make_shared<std::atomic<int>>(0);
  TaskPool pool;
  // An early return (a failed ASSERT) releases the tasks, so the pool's destructor need not wait.
  struct ReleaseOnExit {
    std::shared_ptr<Notification> release, go;
    ~ReleaseOnExit() { release->Notify(); go->Notify(); }
  } release_on_exit{release, go};
  pool.Submit([release, ended] { release->WaitFor(30s); ++*ended; }, all_ended);
  // The three wait for each other, so they run on three workers, which then all go idle.
  for (int i = 0; i < 3; ++i) {
    pool.Submit([three_running, go, ended] { three_running->Notify(); go->WaitFor(30s); ++*ended; }, all_ended);
  }
  ASSERT_TRUE(three_running->WaitFor(10s));
  go->Notify();
  // A worker goes idle, then notifies all_ended, under the pool's lock: three idle workers have
  // each notified it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pool.idle_workers() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(pool.idle_workers(), 3u);
  EXPECT_FALSE(all_ended->HasBeenNotified()) << "notified with one task still running";
  release->Notify();
  ASSERT_TRUE(all_ended->WaitFor(10s));
  EXPECT_EQ(ended->load(), 4);

  Notification none(0);
  EXPECT_TRUE(none.HasBeenNotified()) << "a countdown of nothing has nothing to wait for";
}

TEST(TaskPoolTest, TheMostRecentlyIdleWorkerTakesTheNextTask) {
  std::thread::id a_thread, b_thread, c_thread;
  auto release_a = std::make_shared<Notification>();
  auto release_b = std::make_shared<Notification>();
  TaskPool pool;  // declared after what its tasks write, so it joins them first
  auto a_done = std::make_shared<Notification>();
  auto b_done = std::make_shared<Notification>();
  pool.Submit([&, release_a] { a_thread = std::this_thread::get_id(); release_a->WaitFor(30s); }, a_done);
  pool.Submit([&, release_b] { b_thread = std::this_thread::get_id(); release_b->WaitFor(30s); }, b_done);
  release_a->Notify();
  ASSERT_TRUE(a_done->WaitFor(10s));
  release_b->Notify();
  ASSERT_TRUE(b_done->WaitFor(10s));
  auto c_done = std::make_shared<Notification>();
  pool.Submit([&] { c_thread = std::this_thread::get_id(); }, c_done);
  ASSERT_TRUE(c_done->WaitFor(10s));
  ASSERT_NE(a_thread, b_thread);
  // B went idle last: its thread is the warm one. Waking the longest idle worker picks A.
  EXPECT_EQ(c_thread, b_thread);
  EXPECT_EQ(pool.threads_started(), 2u);
}

TEST(TaskPoolTest, BlockedTasksDoNotHoldBackOthers) {
  TaskPool pool;
  constexpr int kTasks = 16;
  std::atomic<int> running{0};
  auto all_running = std::make_shared<Notification>();
  auto release = std::make_shared<Notification>();
  std::vector<std::shared_ptr<Notification>> finished;
  for (int i = 0; i < kTasks; ++i) {
    finished.push_back(std::make_shared<Notification>());
    pool.Submit(
        [&] {
          if (++running == kTasks) all_running->Notify();
          release->WaitFor(30s);
        },
        finished.back());
  }
  // A pool that queued tasks behind busy workers would never get all 16 running at once.
  const bool together = all_running->WaitFor(10s);
  release->Notify();
  for (const auto& f : finished) ASSERT_TRUE(f->WaitFor(10s));
  ASSERT_TRUE(together) << running.load() << " of " << kTasks << " tasks were running at once";
  EXPECT_EQ(pool.threads_started(), static_cast<uint64_t>(kTasks));
}

TEST(TaskPoolTest, IdleWorkersBeyondTheKeptOnesRetire) {
  TaskPool pool(/*keep_idle=*/1, /*idle_timeout=*/20ms);
  auto release = std::make_shared<Notification>();
  std::vector<std::shared_ptr<Notification>> finished;
  for (int i = 0; i < 3; ++i) {
    finished.push_back(std::make_shared<Notification>());
    pool.Submit([release] { release->WaitFor(30s); }, finished.back());
  }
  release->Notify();
  for (const auto& f : finished) ASSERT_TRUE(f->WaitFor(10s));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pool.threads_alive() > 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(pool.threads_alive(), 1u);
  // A retired worker's place is taken by a new one when needed.
  auto again = std::make_shared<Notification>();
  pool.Submit([] {}, again);
  EXPECT_TRUE(again->WaitFor(10s));
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
