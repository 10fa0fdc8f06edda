// ConcurrentRounds: runs one piece of work on N threads at once, round after round, without
// creating a thread per round, so a benchmark of N concurrent pods times the pods, not thread
// start-up.
//
// Contract: Run(work) calls work(i) for every i in [0, N) concurrently and returns once every call
// has returned; rounds never overlap; RunAll(work) does the same with work that returns "" or a
// failure, and gives the first failure. The calling thread is worker 0, so N = 1 runs inline with no
// hand-off at all. Hand-offs wait on a condition variable, never on a sleep. The destructor stops
// and joins the N - 1 helper threads. Run() must not be called from two threads at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace podlife::bench {

class ConcurrentRounds {
 public:
  explicit ConcurrentRounds(size_t workers);
  ~ConcurrentRounds();
  ConcurrentRounds(const ConcurrentRounds&) = delete;
  ConcurrentRounds& operator=(const ConcurrentRounds&) = delete;

  size_t workers() const { return workers_; }
  void Run(const std::function<void(size_t worker)>& work);
  // Run() of work that returns "" or what failed: "" when every worker's call succeeded, else
  // the failure of the lowest-numbered worker that failed.
  std::string RunAll(const std::function<std::string(size_t worker)>& work);

 private:
  void HelperLoop(size_t worker);

  const size_t workers_;
  std::mutex mu_;
  std::condition_variable round_started_;
  std::condition_variable helper_finished_;
  const std::function<void(size_t)>* work_ = nullptr;
  uint64_t round_ = 0;
  size_t helpers_running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace podlife::bench
