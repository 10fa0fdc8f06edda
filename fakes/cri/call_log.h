// CallLog: the ordered record of every call a fake CRI server received.
//
// Contract: Begin() appends a record when a call arrives (so a test can see a call that is still
// being served, e.g. one held at a gate) and Finish() adds its outcome, its time and, for a call
// that creates something (RunPodSandbox, CreateContainer), the id answered. Records carry the method,
// a copy of the request, the deadline the client set (as remaining time on arrival, or none), the
// client metadata and the arrival time. With a capacity, only the newest `capacity` records are
// kept (for long benchmark runs); sequence numbers keep counting. All members are thread-safe.
// Waits block on a condition variable with a deadline, never on a sleep. Timeline() prints the
// log for a failure report: one line per call, timed from a chosen origin, with the request's key
// fields (KeyFields) rather than the whole request.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/common/wait_result.h"

namespace podlife::fakes {

struct CallRecord {
  uint64_t seq = 0;  // 1-based, in arrival order
  std::string method;  // short rpc name, e.g. "ExecSync"
  std::shared_ptr<const google::protobuf::Message> request;
  std::optional<std::chrono::milliseconds> deadline;  // remaining on arrival; nullopt = none set
  std::multimap<std::string, std::string> metadata;
  std::chrono::system_clock::time_point received_at;
  bool finished = false;
  std::chrono::system_clock::time_point finished_at;  // set with `finished`
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string status_message;
  // The id a successful RunPodSandbox or CreateContainer answered, which later calls name; "" else.
  std::string answered_id;

  // The request as its concrete type; throws std::bad_cast on a mismatch.
  template <class T>
  const T& Request() const {
    return dynamic_cast<const T&>(*request);
  }
  // One line: "#3 ExecSync deadline=none -> OK {container_id: ...}".
  std::string Describe() const;
};

// Names a container id in reports (e.g. "app"); "" when the id is unknown.
using ContainerNamer = std::function<std::string(const std::string& container_id)>;

// The request's key fields, e.g. "container=app timeout=30s" for StopContainer, "container=app
// cmd=[sh -c exit 3] timeout=5s" for ExecSync, "pod=web-1" for RunPodSandbox. Ids the namer does
// not know are shown by their first 13 characters; unknown request types as their short text.
std::string KeyFields(const CallRecord& record, const ContainerNamer& namer);

// What a wait or an ordered check looks for: a method and optionally a predicate on the record.
struct CallMatcher {
  std::string method;
  std::function<bool(const CallRecord&)> predicate;  // empty = any call of `method`
  std::string description;                            // shown on failure

  bool Matches(const CallRecord& r) const { return r.method == method && (!predicate || predicate(r)); }
  std::string Describe() const { return description.empty() ? method : method + " where " + description; }
};

inline CallMatcher Call(std::string method) { return CallMatcher{std::move(method), nullptr, ""}; }
inline CallMatcher Call(std::string method, std::function<bool(const CallRecord&)> predicate,
                        std::string description) {
  return CallMatcher{std::move(method), std::move(predicate), std::move(description)};
}

class CallLog {
 public:
  explicit CallLog(size_t capacity = 0) : capacity_(capacity) {}

  uint64_t Begin(CallRecord record);
  void Finish(uint64_t seq, const grpc::Status& status, std::string answered_id = "");

  std::vector<CallRecord> Snapshot() const;
  std::vector<CallRecord> Calls(std::string_view method) const;
  uint64_t total() const;  // calls ever received, including those evicted by the capacity
  void SetCapacity(size_t capacity);
  void Clear();

  // Waits until a call matching `matcher` with seq > after_seq is in the log. On success and
  // when `found` is given, copies it there. On timeout the message holds the whole log, one
  // line per call with its key fields.
  WaitResult WaitFor(const CallMatcher& matcher, std::chrono::milliseconds timeout,
                     CallRecord* found = nullptr, uint64_t after_seq = 0) const;
  // Like WaitFor, but also waits for the call to finish (its outcome recorded).
  WaitResult WaitForFinished(const CallMatcher& matcher, std::chrono::milliseconds timeout,
                             CallRecord* found = nullptr, uint64_t after_seq = 0) const;
  // Ends every wait, now and later, that its call does not satisfy at once (the conformance
  // watchdog's release of an overrunning case: the call may never come).
  void AbandonWaits();
  // Checks, now, that the log holds calls matching `expected` in this order (others may come
  // between them).
  WaitResult ExpectSubsequence(const std::vector<CallMatcher>& expected) const;
  // Checks that no call of `method` is in the log.
  WaitResult ExpectNoCall(const std::string& method) const;

  std::string Format() const;
  // One line per call, in order: "+1.204s #7 StopContainer container=app timeout=2s
  // deadline=3999ms -> OK", times relative to `origin` (negative before it).
  std::string Timeline(std::chrono::system_clock::time_point origin, const ContainerNamer& namer) const;

 private:
  WaitResult WaitImpl(const CallMatcher& matcher, std::chrono::milliseconds timeout, CallRecord* found,
                      uint64_t after_seq, bool need_finished) const;
  std::string FormatLocked() const;   // whole requests
  std::string CompactLocked() const;  // key fields (KeyFields), for wait and check failures

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<CallRecord> records_;
  uint64_t next_seq_ = 1;
  size_t capacity_;
  bool abandoned_ = false;
};

}  // namespace podlife::fakes
