// Implements bench/concurrent_rounds.h: a round counter and two condition variables; no sleeps.
#include "bench/concurrent_rounds.h"

namespace podlife::bench {

ConcurrentRounds::ConcurrentRounds(size_t workers) : workers_(workers < 1 ? 1 : workers) {
  for (size_t i = 1; i < workers_; ++i) helpers_.emplace_back([this, i] { HelperLoop(i); });
}

ConcurrentRounds::~ConcurrentRounds() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  round_started_.notify_all();
  for (auto& t : helpers_) t.join();
}

void ConcurrentRounds::Run(const std::function<void(size_t)>& work) {
  {
    std::lock_guard lock(mu_);
    work_ = &work;
    helpers_running_ = workers_ - 1;
    ++round_;
  }
  round_started_.notify_all();
  work(0);
  std::unique_lock lock(mu_);
  helper_finished_.wait(lock, [&] { return helpers_running_ == 0; });
  work_ = nullptr;
}

std::string ConcurrentRounds::RunAll(const std::function<std::string(size_t)>& work) {
  std::vector<std::string> failures(workers_);
  Run([&](size_t w) { failures[w] = work(w); });
  for (const auto& f : failures) {
    if (!f.empty()) return f;
  }
  return "";
}

void ConcurrentRounds::HelperLoop(size_t worker) {
  uint64_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    round_started_.wait(lock, [&] { return stopping_ || round_ != seen; });
    if (stopping_) return;
    seen = round_;
    const auto* work = work_;
    lock.unlock();
    (*work)(worker);
    lock.lock();
    if (--helpers_running_ == 0) helper_finished_.notify_one();
  }
}

}  // namespace podlife::bench
