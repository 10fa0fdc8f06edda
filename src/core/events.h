// Events: what the engine reports, the way the kubelet's event recorder does (type, reason,
// involved object, message), so users and conformance cases read them like `kubectl describe`.
//
// Contract: EventRecorder::Record is thread-safe. EventLog keeps every event in order and lets a
// caller wait, with a deadline, for one with a given reason. Container events name the container
// with its field path (spec.containers{name} / spec.initContainers{name}); pod events leave it
// empty (HT-11's LifecycleHTTPFallback is on the Pod).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace podlife {

struct Event {
  std::string type;        // "Normal" or "Warning"
  std::string reason;      // e.g. "FailedPostStartHook"
  std::string field_path;  // "spec.containers{app}", "" for the pod
  std::string message;
  std::chrono::system_clock::time_point time;

  // "Warning  FailedPostStartHook  spec.containers{app}  PostStartHook failed"
  std::string Describe() const;
  // One JSON object: {"type":..,"reason":..,"object":..,"message":..,"time":..}
  std::string ToJson() const;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  virtual void Record(Event event) = 0;
};

class EventLog final : public EventRecorder {
 public:
  using Listener = std::function<void(const Event&)>;
  explicit EventLog(Listener listener = nullptr) : listener_(std::move(listener)) {}

  void Record(Event event) override;
  std::vector<Event> Events() const;
  std::vector<std::string> Reasons() const;
  // Waits until `count` events with `reason` were recorded.
  bool WaitForReason(const std::string& reason, std::chrono::milliseconds timeout, size_t count = 1) const;
  std::string Format() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Event> events_;
  Listener listener_;
};

std::string ContainerFieldPath(const std::string& name, bool init_container);
std::string JsonQuote(const std::string& s);

}  // namespace podlife
