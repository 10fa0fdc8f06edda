// CallFront: the front half of a scripted CRI server. It records every call and applies scripted
// faults, then hands the call to a backend: the fake's simulated runtime (FakeCriServer) or a
// real runtime behind a forwarding proxy (fakes/proxy, CriProxy). Both therefore share one call
// log and one fault language.
//
// Contract:
// - Serve(method, ctx, request, body) appends a CallRecord (method, request copy, the client's
//   deadline as remaining time, client metadata, arrival time) before anything else, applies the
//   faults scripted for `method` (latency, a gate, a hang until the client's deadline, an empty OK
//   answer, a status), and only then runs `body`; the record is finished with the outcome.
//   A faulted call never reaches the backend. `answered_id`, when given, reads the id a
//   successful call created from its response once `body` ran (CallRecord::answered_id).
// - Faults and gates apply to calls that arrive after they were set; a fault or gate for a method
//   the fake does not serve throws std::invalid_argument (Script's check).
// - Every wait (latency, gate, hang, and the backend's own waits through CallScope::WaitUntil)
//   ends when the client's deadline passes, the client cancels, or Shutdown() is called.
// - The backend shares its lock and condition variable with the front (the constructor's
//   `wait_mu` and `wake`), so a backend state change and Shutdown() wake every waiting call.
// - Thread-safe. Shutdown() releases every gate and held call; it is idempotent.
#pragma once

#include <grpcpp/server_context.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/cri/call_log.h"
#include "fakes/cri/script.h"

namespace podlife::fakes {

// The server side of one call: its client's deadline and cancellation, and waits that honour
// them and the server's shutdown.
class CallScope {
 public:
  enum class WaitEnd { kCondition, kTimeout, kClientGone, kShutdown };
  using Clock = std::chrono::steady_clock;

  CallScope(grpc::ServerContext* ctx, std::condition_variable* wake, const std::atomic<bool>* shutting_down);

  grpc::ServerContext* context() const { return ctx_; }
  bool ClientGone() const { return ctx_->IsCancelled() || Clock::now() >= client_deadline_; }
  bool Abandoned() const { return ClientGone() || *shutting_down_; }
  bool HasClientDeadline() const { return client_deadline_ != Clock::time_point::max(); }

  // Waits on the backend's condition variable (its lock held in `lock`) until `done()` holds or
  // `until` passes; also ends on the client's deadline or cancel and on shutdown.
  template <class Pred>
  WaitEnd WaitUntil(std::unique_lock<std::mutex>& lock, Clock::time_point until, Pred done) {
    while (true) {
      if (done()) return WaitEnd::kCondition;
      if (*shutting_down_) return WaitEnd::kShutdown;
      if (ClientGone()) return WaitEnd::kClientGone;
      auto now = Clock::now();
      if (now >= until) return WaitEnd::kTimeout;
      auto wake = std::min({until, client_deadline_, now + kCancelPoll});
      wake_->wait_until(lock, wake);
    }
  }

  grpc::Status StatusFor(WaitEnd end) const;

  // How often a wait re-checks for a client that went away (gRPC's sync API has no callback).
  static constexpr Millis kCancelPoll{20};

 private:
  grpc::ServerContext* ctx_;
  std::condition_variable* wake_;
  const std::atomic<bool>* shutting_down_;
  Clock::time_point client_deadline_ = Clock::time_point::max();
};

class CallFront {
 public:
  // `wait_mu` and `wake` are the backend's lock and condition variable (see the contract).
  CallFront(std::mutex* wait_mu, std::condition_variable* wake) : wait_mu_(wait_mu), wake_(wake) {}
  CallFront(const CallFront&) = delete;
  CallFront& operator=(const CallFront&) = delete;

  // Record.
  CallLog& calls() { return log_; }
  const CallLog& calls() const { return log_; }

  // Script: faults per method (short rpc name).
  void FailNext(const std::string& method, grpc::StatusCode code, const std::string& message, int times = 1);
  void FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message);
  void AddLatency(const std::string& method, Millis latency, int times = 0);
  void HangUntilDeadline(const std::string& method, int times = 1);
  // Answers the next call(s) OK with an empty response message, without serving them.
  void AnswerEmptyNext(const std::string& method, int times = 1);
  void AddFault(Fault fault);
  void ClearFaults(const std::string& method);
  // Holds the next call of `method` until the gate is released.
  std::shared_ptr<Gate> HoldNext(const std::string& method);

  // One-shot faults and gates nobody used.
  std::vector<std::string> Unconsumed() const;

  bool shutting_down() const { return shutting_down_; }
  void Shutdown();

  // Records the call, applies the faults, then runs `body(CallScope&)` unless a fault answered.
  template <class Req, class Body>
  grpc::Status Serve(const char* method, grpc::ServerContext* ctx, const Req& req, Body&& body,
                     const std::function<std::string()>& answered_id = nullptr) {
    const uint64_t seq = Record(method, ctx, std::make_shared<Req>(req));
    CallScope scope(ctx, wake_, &shutting_down_);
    bool empty = false;
    grpc::Status status = ApplyFaults(method, scope, &empty);
    if (status.ok() && !empty) status = body(scope);
    log_.Finish(seq, status, status.ok() && answered_id ? answered_id() : std::string());
    return status;
  }

 private:
  uint64_t Record(const char* method, grpc::ServerContext* ctx,
                  std::shared_ptr<const google::protobuf::Message> request);
  // `*empty` is set when a fault asks for an empty OK answer instead of serving the call.
  grpc::Status ApplyFaults(const std::string& method, CallScope& scope, bool* empty);

  std::mutex* wait_mu_;
  std::condition_variable* wake_;
  mutable std::mutex script_mu_;  // guards script_
  Script script_;                 // faults and gates only
  CallLog log_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace podlife::fakes
