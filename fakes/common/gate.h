// Gate: parks a server-side call (a CRI rpc, an HTTP request) until the test releases it, so a
// test can order a race without sleeping.
//
// Contract: Park() blocks the serving thread until Release() or until `abandon()` turns true;
// WaitUntilHeld() lets the test wait, with a deadline, until calls are parked; TryClaim() makes
// a gate hold exactly one call. ReleaseEveryGate() releases every gate alive in the process (the
// conformance watchdog's way to unblock a case that overran) and ends every WaitUntilHeld() on
// them, now and later, with a failure: the call it waits for may never come. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "fakes/common/wait_result.h"

namespace podlife::fakes {

using Millis = std::chrono::milliseconds;

// A gate parks calls until Release(). Thread-safe.
class Gate;
// Releases every gate alive in the process and ends the waits on them (WaitUntilHeld fails at
// once); returns how many were still closed.
int ReleaseEveryGate();

class Gate {
 public:
  explicit Gate(std::string method);
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Waits until at least `count` calls are parked at (or have passed) this gate; fails at once
  // once the gate was abandoned (ReleaseEveryGate) with fewer.
  WaitResult WaitUntilHeld(Millis timeout, int count = 1);
  void Release();
  // Release(), and WaitUntilHeld() no longer waits (ReleaseEveryGate's way).
  void Abandon();
  int held() const;
  bool released() const;
  const std::string& method() const { return method_; }

  // Server side: parks the calling thread until Release() or `abandon()` turns true (checked
  // whenever Wake() is called, and at least every `poll` while waiting). Returns false if
  // abandoned.
  bool Park(const std::function<bool()>& abandon, Millis poll);
  void Wake();
  // Server side: a gate holds exactly one call; the first caller to claim it gets it.
  bool TryClaim();
  bool claimed() const;

 private:
  std::string method_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool released_ = false;
  bool abandoned_ = false;
  bool claimed_ = false;
};

}  // namespace podlife::fakes
