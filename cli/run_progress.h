// What `podlife run` is waiting for, and a line on stderr while the wait lasts.
//
// Contract:
// - DescribeWait(pod, event, sidecars) names what the engine waits for after `event` (a
//   container event from the engine): after Started, the container's postStart hook and (an init
//   container that is not a sidecar of a profile with sidecars) its exit, else the runtime; after
//   Killing, the container's stop (preStop, then StopContainer). Pure; "" for an event that says
//   nothing about a wait.
// - WaitReporter keeps the current wait (Begin; an event through Observe refines a wait in
//   progress) and, every
//   `interval` while one lasts, writes `podlife run: still waiting for <what> (<N>s)` to `out`,
//   N counted from the wait's start. End() clears it; Stop() ends the reporting thread (the
//   destructor does too). An interval of 0 reports nothing. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "src/core/events.h"
#include "src/core/pod.h"

namespace podlife::cli {

std::string DescribeWait(const Pod& pod, const Event& event, bool sidecars);

class WaitReporter {
 public:
  WaitReporter(const Pod* pod, bool sidecars, std::chrono::seconds interval, std::FILE* out);
  ~WaitReporter();

  void Begin(const std::string& what);
  void Observe(const Event& event);
  void End();
  void Stop();

  // "the postStart hook of container app (12s)", or "" when nothing is awaited.
  std::string Current() const;

 private:
  void Report();
  void StartLocked(const std::string& what);
  std::string CurrentLocked() const;

  const Pod* pod_;
  const bool sidecars_;
  const std::chrono::seconds interval_;
  std::FILE* out_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::string what_;
  std::chrono::steady_clock::time_point since_;
  uint64_t generation_ = 0;  // changes with every Begin, Observe and End
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace podlife::cli
