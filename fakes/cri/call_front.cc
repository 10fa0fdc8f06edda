#include "fakes/cri/call_front.h"

namespace podlife::fakes {

CallScope::CallScope(grpc::ServerContext* ctx, std::condition_variable* wake, const std::atomic<bool>* shutting_down)
    : ctx_(ctx), wake_(wake), shutting_down_(shutting_down) {
  auto deadline = ctx->deadline();
  auto now = std::chrono::system_clock::now();
  if (deadline < now + std::chrono::hours(24 * 365)) {
    client_deadline_ = Clock::now() + (deadline - now);
  }
}

grpc::Status CallScope::StatusFor(WaitEnd end) const {
  if (end == WaitEnd::kShutdown) return {grpc::StatusCode::UNAVAILABLE, "fake CRI server is shutting down"};
  if (ctx_->IsCancelled()) return {grpc::StatusCode::CANCELLED, "context canceled"};
  return {grpc::StatusCode::DEADLINE_EXCEEDED, "context deadline exceeded"};
}

uint64_t CallFront::Record(const char* method, grpc::ServerContext* ctx,
                           std::shared_ptr<const google::protobuf::Message> request) {
  CallRecord record;
  record.method = method;
  record.request = std::move(request);
  auto deadline = ctx->deadline();
  auto now = std::chrono::system_clock::now();
  if (deadline < now + std::chrono::hours(24 * 365)) {
    record.deadline = std::chrono::duration_cast<Millis>(deadline - now);
  }
  for (const auto& [k, v] : ctx->client_metadata()) {
    record.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
  }
  record.received_at = now;
  return log_.Begin(std::move(record));
}

grpc::Status CallFront::ApplyFaults(const std::string& method, CallScope& scope, bool* empty) {
  std::vector<Fault> faults;
  std::shared_ptr<Gate> gate;
  {
    std::lock_guard lock(script_mu_);
    faults = script_.TakeFaults(method);
    gate = script_.TakeGate(method);
  }
  Millis latency{0};
  bool hang = false;
  const Fault* status_fault = nullptr;
  for (const auto& f : faults) {
    latency += f.latency;
    hang = hang || f.hang_until_deadline;
    *empty = *empty || f.empty_response;
    if (f.code && !status_fault) status_fault = &f;
  }
  if (latency.count() > 0) {
    std::unique_lock lock(*wait_mu_);
    auto end = scope.WaitUntil(lock, CallScope::Clock::now() + latency, [] { return false; });
    if (end != CallScope::WaitEnd::kTimeout) return scope.StatusFor(end);
  }
  if (gate && !gate->Park([&] { return scope.Abandoned(); }, CallScope::kCancelPoll)) {
    return scope.StatusFor(shutting_down_ ? CallScope::WaitEnd::kShutdown : CallScope::WaitEnd::kClientGone);
  }
  if (hang) {
    std::unique_lock lock(*wait_mu_);
    auto end = scope.WaitUntil(lock, CallScope::Clock::time_point::max(), [] { return false; });
    return scope.StatusFor(end);
  }
  if (status_fault) return {*status_fault->code, status_fault->message};
  return grpc::Status::OK;
}

void CallFront::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  {
    std::lock_guard lock(*wait_mu_);
    wake_->notify_all();
  }
  std::lock_guard lock(script_mu_);
  for (auto& gate : script_.AllGates()) gate->Wake();
}

// ---- scripting ----

void CallFront::FailNext(const std::string& method, grpc::StatusCode code, const std::string& message, int times) {
  Fault f;
  f.method = method;
  f.code = code;
  f.message = message;
  f.times = times;
  AddFault(std::move(f));
}

void CallFront::AnswerEmptyNext(const std::string& method, int times) {
  Fault f;
  f.method = method;
  f.empty_response = true;
  f.times = times;
  AddFault(std::move(f));
}

void CallFront::FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message) {
  FailNext(method, code, message, 0);
}

void CallFront::AddLatency(const std::string& method, Millis latency, int times) {
  Fault f;
  f.method = method;
  f.latency = latency;
  f.times = times;
  AddFault(std::move(f));
}

void CallFront::HangUntilDeadline(const std::string& method, int times) {
  Fault f;
  f.method = method;
  f.hang_until_deadline = true;
  f.times = times;
  AddFault(std::move(f));
}

void CallFront::AddFault(Fault fault) {
  std::lock_guard lock(script_mu_);
  script_.AddFault(std::move(fault));
}

void CallFront::ClearFaults(const std::string& method) {
  std::lock_guard lock(script_mu_);
  script_.ClearFaults(method);
}

std::shared_ptr<Gate> CallFront::HoldNext(const std::string& method) {
  std::lock_guard lock(script_mu_);
  return script_.AddGate(method);
}

std::vector<std::string> CallFront::Unconsumed() const {
  std::lock_guard lock(script_mu_);
  return script_.Unconsumed();
}

}  // namespace podlife::fakes
