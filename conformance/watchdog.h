// CaseWatchdog: no case can hang the conformance run. One thread times each case; a case that
// overruns is failed, released, and, if it still does not return, the run ends with its reports.
//
// Contract:
// - Configure(timeout, give_up) once, before the run (main; default timeout 60 s).
// - Arm(case, on_timeout) when a case starts, Disarm() when it has ended (its teardown done).
//   When the timeout passes first, on_timeout runs on the watchdog's thread: it fails the case,
//   prints its diagnostics and unblocks it (it must itself end in bounded time). If Disarm()
//   then does not come within Grace(), give_up(case) runs on the watchdog's thread: it writes
//   the summary and JUnit report and exits the process non-zero (it does not return).
// - Disarm() waits until a running on_timeout has returned, so the case's fixture outlives it.
// - Grace(): half the timeout, at least 5 s and at most 30 s.
// - ExpireNow(): the armed case is treated as overrun now (the suite's interruption); nothing when
//   no case is armed.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace podlife::conformance {

class CaseWatchdog {
 public:
  using GiveUp = std::function<void(const std::string& case_name)>;

  static CaseWatchdog& Instance();
  ~CaseWatchdog();

  void Configure(std::chrono::milliseconds timeout, GiveUp give_up);
  std::chrono::milliseconds timeout() const;
  std::chrono::milliseconds Grace() const;

  void Arm(const std::string& case_name, std::function<void()> on_timeout);
  void Disarm();
  void ExpireNow();

 private:
  CaseWatchdog() = default;
  void Run();
  // Waits until the case of `generation` is disarmed or `until` passes; true when disarmed.
  bool WaitForDisarm(std::unique_lock<std::mutex>& lock, uint64_t generation,
                     std::chrono::steady_clock::time_point until);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::milliseconds timeout_{std::chrono::seconds(60)};
  GiveUp give_up_;
  std::thread thread_;
  bool quit_ = false;
  bool armed_ = false;
  bool in_callback_ = false;
  bool expire_now_ = false;  // ExpireNow() while armed; cleared when the callback runs
  uint64_t generation_ = 0;  // one per Arm and per Disarm
  std::string case_name_;
  std::function<void()> on_timeout_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace podlife::conformance
