#include "src/engine/handler_runner.h"

#include <atomic>

#include "src/core/go_duration.h"
#include "src/core/pooled_call.h"
#include "src/engine/go_format.h"
#include "src/engine/http_hook.h"

namespace podlife {

namespace {

// EX-01: an exec hook has no timeout, so its CRI ExecSync carries no deadline (EX-09: no
// probe-timeout gate applies), on the postStart and the preStop path alike.
constexpr std::chrono::seconds kExecHookTimeout{0};

std::string Where(const HookTarget& t) {
  return " for Container " + GoQuote(t.container->name) + " in Pod " + GoQuote(t.pod->FormatForMessages()) +
         " failed - error: ";
}

std::string JoinHostPort(const std::string& host, int64_t port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

// EX-03, EX-04: an exec hook's outcome from its ExecSync's result.
HookOutcome ExecOutcome(const HookTarget& target, const ExecAction& exec, const ExecResult& result) {
  if (result.error.ok()) return {};  // EX-03: exit 0 succeeds whatever the output
  // EX-04; EX-02: stdout then stderr.
  std::string error(result.error.message());
  return {true, "Exec lifecycle hook (" + GoSlice(exec.command) + ")" + Where(target) + error +
                    ", message: " + GoQuote(result.CombinedOutput()),
          error};
}

}  // namespace

HookOutcome HandlerRunner::Run(const HookTarget& target, const LifecycleHandler& handler,
                               const std::shared_ptr<Notification>& cancel) {
  // HD-01: first non-nil wins; sleep exists only where the profile has it (HD-07: the one feature
  // check inside the runner, PodLifecycleSleepAction, is locked on in 1.35 and absent in 1.21).
  if (handler.exec) return RunExec(target, *handler.exec);
  if (handler.http_get) return RunHttp(target, *handler.http_get, cancel);
  if (handler.sleep && profile_.sleep_action) return RunSleep(target, *handler.sleep, cancel);
  // HD-02: empty, tcpSocket-only (and, before sleep existed, sleep-only) handlers.
  LifecycleHandler as_seen = handler;
  if (!profile_.sleep_action) as_seen.sleep.reset();
  std::string error = "invalid handler: " + RenderHandler(as_seen, profile_);
  return {true, "Cannot run handler: " + error, error};
}

HookOutcome HandlerRunner::RunExec(const HookTarget& target, const ExecAction& exec) {
  // EX-07: an exec the runtime refuses (container not running) is a failure like any other.
  return ExecOutcome(target, exec, cri_.ExecSync(target.container_id, exec.command, kExecHookTimeout));
}

namespace {

// An exec hook: its ExecCall, whose result becomes the outcome.
class RunningExecHook final : public RunningHook, public std::enable_shared_from_this<RunningExecHook> {
 public:
  RunningExecHook(std::shared_ptr<ExecCall> call, HookTarget target, ExecAction exec)
      : call_(std::move(call)), target_(std::move(target)), exec_(std::move(exec)) {}

  bool Wait(Clock& clock, Duration d) override {
    if (!call_->Wait(clock, d)) return false;
    outcome_ = ExecOutcome(target_, exec_, call_->result());
    return true;
  }
  const HookOutcome& outcome() const override { return outcome_; }
  void Detach(std::function<void(const HookOutcome&)> ended) override {
    call_->Detach([self = shared_from_this(), ended = std::move(ended)](const ExecResult& result) {
      self->outcome_ = ExecOutcome(self->target_, self->exec_, result);
      ended(self->outcome_);
    });
  }
  void Cancel() override {
    cancelled_ = true;
    call_->Cancel();
  }
  bool cancelled() const override { return cancelled_; }

 private:
  std::shared_ptr<ExecCall> call_;
  HookTarget target_;
  ExecAction exec_;
  HookOutcome outcome_;
  std::atomic<bool> cancelled_{false};
};

// httpGet, sleep and invalid handlers: Run() on a pool worker, cancelled through its Notification.
class PooledHook final : public RunningHook {
 public:
  explicit PooledHook(std::function<HookOutcome(const std::shared_ptr<Notification>&)> run)
      : call_(PooledCall<HookOutcome>::Start([run = std::move(run), cancel = cancel_] { return run(cancel); })) {}

  bool Wait(Clock& clock, Duration d) override { return call_->Wait(clock, d); }
  const HookOutcome& outcome() const override { return call_->result(); }
  void Detach(std::function<void(const HookOutcome&)> ended) override { call_->Detach(std::move(ended)); }
  void Cancel() override { cancel_->Notify(); }
  bool cancelled() const override { return cancel_->HasBeenNotified(); }

 private:
  const std::shared_ptr<Notification> cancel_ = std::make_shared<Notification>();
  std::shared_ptr<PooledCall<HookOutcome>> call_;
};

// A bound far enough to be "no bound" that a time point can still hold it: GoSeconds of a grace
// near Go's limit is close to the largest duration there is.
constexpr Duration kFarAway = std::chrono::hours(24 * 365 * 100);

}  // namespace

// An httpGet hook with a host: its GET runs on the thread of its first Wait until that Wait's
// bound, then goes on on the pool (HttpGetter::GetUntil), so a hook that answers within the grace
// costs no hand-off. On a fake clock, for a bound of zero, or when Detach comes first, the whole
// hook runs on the pool, as PooledHook's does.
class InlineHttpHook final : public RunningHook {
 public:
  InlineHttpHook(HandlerRunner& runner, const HookTarget& target, const HttpGetAction& action)
      : runner_(runner), target_(target), action_(action) {}

  bool Wait(Clock& clock, Duration d) override {
    if (pooled_) return pooled_->Wait(clock, d);
    if (done_) return true;
    if (!clock.real_time() || d <= Duration::zero()) {
      PoolTheWholeHook();
      return pooled_->Wait(clock, d);
    }
    return BeginOnThisThread(clock, d);
  }
  const HookOutcome& outcome() const override { return pooled_ ? pooled_->result() : outcome_; }
  void Detach(std::function<void(const HookOutcome&)> ended) override {
    if (done_) {
      ended(outcome_);
      return;
    }
    if (!pooled_) PoolTheWholeHook();
    pooled_->Detach(std::move(ended));
  }
  void Cancel() override { cancel_->Notify(); }
  bool cancelled() const override { return cancel_->HasBeenNotified(); }

 private:
  void PoolTheWholeHook() {
    pooled_ = PooledCall<HookOutcome>::Start(
        [runner = &runner_, target = target_, action = action_, cancel = cancel_] {
          return runner->RunHttp(target, action, cancel);
        });
  }

  bool BeginOnThisThread(Clock& clock, Duration d) {
    const auto began = std::chrono::steady_clock::now();
    auto call = std::make_shared<const HandlerRunner::HttpCall>(runner_.PrepareHttp(target_, action_));
    if (!call->error.empty()) return Done(runner_.HttpOutcome(target_, action_, call->error, ""));
    std::function<bool()> cancelled = [cancel = cancel_] { return cancel->HasBeenNotified(); };
    http::Begun begun = runner_.http_.GetUntil(call->request, call->options, cancelled,
                                               began + std::min<Duration>(d, kFarAway));
    auto* result = std::get_if<http::Result>(&begun);
    if (result != nullptr && !runner_.FallsBack(*result)) {
      return Done(runner_.FinishHttp(target_, action_, *call, std::move(*result), cancelled));
    }
    // Past the bound (or a fallback's second request ahead): the rest goes on on the pool.
    std::function<http::Result()> rest = result != nullptr ? [first = *result] { return first; }
                                                            : std::move(std::get<http::Unfinished>(begun).rest);
    pooled_ = PooledCall<HookOutcome>::Start(
        [runner = &runner_, target = target_, action = action_, call, cancelled, rest = std::move(rest)] {
          return runner->FinishHttp(target, action, *call, rest(), cancelled);
        });
    return pooled_->Wait(clock, d - (std::chrono::steady_clock::now() - began));
  }

  bool Done(HookOutcome outcome) {
    outcome_ = std::move(outcome);
    done_ = true;
    return true;
  }

  HandlerRunner& runner_;
  const HookTarget target_;
  const HttpGetAction action_;
  const std::shared_ptr<Notification> cancel_ = std::make_shared<Notification>();
  bool done_ = false;  // ended on the thread of the first Wait: outcome_ is it
  HookOutcome outcome_;
  std::shared_ptr<PooledCall<HookOutcome>> pooled_;
};

std::shared_ptr<RunningHook> HandlerRunner::Start(const HookTarget& target, const LifecycleHandler& handler) {
  // HD-01's dispatch, as Run's: an exec's call and an httpGet's GET can be driven by the waiter.
  if (handler.exec) {
    return std::make_shared<RunningExecHook>(
        cri_.StartExecSync(target.container_id, handler.exec->command, kExecHookTimeout), target, *handler.exec);
  }
  // Without a host the hook asks the runtime for the pod's IP, a call no pause reaches.
  if (handler.http_get && !handler.http_get->host.empty()) {
    return std::make_shared<InlineHttpHook>(*this, target, *handler.http_get);
  }
  return std::make_shared<PooledHook>(
      [this, target, handler](const std::shared_ptr<Notification>& cancel) { return Run(target, handler, cancel); });
}

HandlerRunner::HttpCall HandlerRunner::PrepareHttp(const HookTarget& target, const HttpGetAction& action) {
  HttpCall call;
  call.host = action.host;
  if (call.host.empty()) {
    // HT-01: the pod's first IP, from the runtime's sandbox status (empty for hostNetwork pods on
    // containerd, hence HT-02's "failed to find networking container").
    auto status = cri_.PodSandboxStatus(target.sandbox_id);
    if (!status.ok()) {
      call.error = std::string(status.status().message());
      return call;
    }
    if (status->network().ip().empty()) {
      call.error = "failed to find networking container: &{ID:" + target.pod->uid + " Name:" + target.pod->name +
                   " Namespace:" + target.pod->namespace_ + " IPs:[] ContainerStatuses:[...] SandboxStatuses:[...]}";
      return call;
    }
    call.host = status->network().ip();
  }
  auto port = ResolveHookPort(profile_, action.port, *target.container);
  if (!port.ok()) {
    call.error = std::string(port.status().message());
    return call;
  }
  call.port = *port;
  // HT-15: the request leaves from this process (the node's network), not from the container.
  auto built = BuildHookRequest(profile_, action, call.host, call.port);
  if (!built.ok()) {
    call.error = std::string(built.status().message());
    return call;
  }
  call.request = *std::move(built);
  call.options = HookClientOptions(profile_);
  return call;
}

bool HandlerRunner::FallsBack(const http::Result& first) const {
  const auto* error = std::get_if<http::Error>(&first);
  return error != nullptr && profile_.http_https_fallback && error->kind == http::ErrorKind::kHttpResponseToHttps;
}

HookOutcome HandlerRunner::FinishHttp(const HookTarget& target, const HttpGetAction& action, const HttpCall& call,
                                      http::Result first, const std::function<bool()>& cancelled) {
  if (auto* response = std::get_if<http::Response>(&first)) {
    return HttpOutcome(target, action, "", response->body);  // HT-08: any status code is success
  }
  const std::string error = std::get<http::Error>(first).message;
  if (!FallsBack(first)) return HttpOutcome(target, action, error, "");
  // HT-11: retry once over plain HTTP without credentials; on failure the HTTPS error stands.
  // (HD-08: the 1.21 runner was built without an event recorder, so it had no fallback to report.)
  http::Request retry = call.request;
  retry.url.scheme = "http";
  std::erase_if(retry.headers, [](const http::Header& h) { return h.name == "Authorization"; });
  http::Result second = http_.Get(retry, call.options, cancelled);
  if (std::holds_alternative<http::Error>(second)) return HttpOutcome(target, action, error, "");
  events_.Record({"Warning", "LifecycleHTTPFallback", "",  // EV-08: on the pod, no field path
                  "request to HTTPS lifecycle hook " + JoinHostPort(call.host, call.port) +
                      " got HTTP response, retry with HTTP succeeded",
                  {}});
  return HttpOutcome(target, action, "", std::get<http::Response>(second).body);
}

HookOutcome HandlerRunner::HttpOutcome(const HookTarget& target, const HttpGetAction& action, const std::string& error,
                                       const std::string& body) const {
  if (error.empty()) return {};  // HT-13: the body (at most 10 KiB) is read and dropped
  // HT-14
  std::string message = profile_.http_failure_prefix + " lifecycle hook (" + action.path + ")" + Where(target) + error;
  if (profile_.http_failure_has_body_message) message += ", message: " + GoQuote(body);
  return {true, message, error};
}

HookOutcome HandlerRunner::RunHttp(const HookTarget& target, const HttpGetAction& action,
                                   const std::shared_ptr<Notification>& cancel) {
  const HttpCall call = PrepareHttp(target, action);
  if (!call.error.empty()) return HttpOutcome(target, action, call.error, "");
  // No cancel (the postStart path): no watch at all, rather than one that can never fire.
  std::function<bool()> cancelled;
  if (cancel) cancelled = [&cancel] { return cancel->HasBeenNotified(); };
  return FinishHttp(target, action, call, http_.Get(call.request, call.options, cancelled), cancelled);
}

HookOutcome HandlerRunner::RunSleep(const HookTarget& target, const SleepAction& sleep,
                                    const std::shared_ptr<Notification>& cancel) {
  // SL-01/SL-04: no CRI call; 0 returns at once. SL-03: cancellation ends it with an error.
  // SL-05: it does not watch the container, so it keeps sleeping after PID 1 exits.
  if (sleep.seconds <= 0) return {};
  auto stop = cancel ? cancel : std::make_shared<Notification>();
  if (!clock_.WaitForNotification(stop, GoSeconds(sleep.seconds))) return {};
  const std::string error = "container terminated before sleep hook finished";
  return {true, "Sleep lifecycle hook (" + std::to_string(sleep.seconds) + ")" + Where(target) + error, error};
}

}  // namespace podlife
