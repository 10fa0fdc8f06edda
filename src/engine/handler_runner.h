// HandlerRunner: runs one postStart or preStop handler the way the kubelet's handlerRunner does
// (docs/behaviours.md: the HD, EX, HT and SL entries).
//
// Contract: Run() dispatches exec, then httpGet, then sleep (HD-01; sleep only where the profile
// has it); anything else is `Cannot run handler: invalid handler: ...` (HD-02). It makes a single
// attempt (HD-04) and returns an empty message on success (HD-03) or the failure message with the
// profile's exact text (EX-04, HT-14, SL-03). exec goes through CRI ExecSync with timeout 0, so
// no deadline (EX-01); httpGet goes to the handler's host, else the sandbox's first pod IP (HT-01).
// `cancel` ends a sleep early (SL-03) and abandons a blocked HTTP request.
// Start() runs the same handler for a caller that may stop waiting for it (a preStop hook at its
// grace, EX-06) and returns a RunningHook at once: an exec goes through CriClient::StartExecSync,
// so with GrpcCriClient an exec that ends within the wait is driven by the waiting thread alone;
// an httpGet with a host runs its GET on the thread of its first Wait (on a real clock) until that
// Wait's bound, then goes on on the TaskPool (HttpGetter::GetUntil); an httpGet without a host
// (it asks the runtime for the pod's IP first) and a sleep run on the TaskPool. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "src/core/clock.h"
#include "src/core/events.h"
#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/cri/cri_client.h"
#include "src/http/http_getter.h"

namespace podlife {

class InlineHttpHook;

struct HookOutcome {
  bool failed = false;
  std::string message;  // the kubelet's failure message; empty on success
  std::string error;    // the handler's own error, which the message wraps (PS-07 in 1.21)
};

struct HookTarget {
  const Pod* pod = nullptr;
  std::string sandbox_id;
  const Container* container = nullptr;
  std::string container_id;
};

// A hook under way. Wait(clock, d): at most `d`; true once it ended, then outcome() is Run()'s.
// Detach(ended): the caller waits no more; `ended` runs once with the outcome when the hook ends
// (at once, on the caller's thread, if it has). Cancel() ends it early: a sleep, an HTTP request,
// or an exec where the CRI client can cancel one; cancelled() says it was asked to.
class RunningHook {
 public:
  virtual ~RunningHook() = default;
  virtual bool Wait(Clock& clock, Duration d) = 0;
  virtual const HookOutcome& outcome() const = 0;
  virtual void Detach(std::function<void(const HookOutcome&)> ended) = 0;
  virtual void Cancel() = 0;
  virtual bool cancelled() const = 0;
};

class HandlerRunner {
 public:
  HandlerRunner(CriClient& cri, http::HttpGetter& http, Clock& clock, EventRecorder& events, const Profile& profile)
      : cri_(cri), http_(http), clock_(clock), events_(events), profile_(profile) {}

  HookOutcome Run(const HookTarget& target, const LifecycleHandler& handler,
                  const std::shared_ptr<Notification>& cancel);
  // `target` and what it points to must outlive the hook (until it ended or `ended` ran).
  std::shared_ptr<RunningHook> Start(const HookTarget& target, const LifecycleHandler& handler);

 private:
  friend class InlineHttpHook;

  // What an httpGet hook sends, or why it cannot (error set).
  struct HttpCall {
    std::string error;
    http::Request request;
    http::Options options;
    std::string host;
    int64_t port = 0;
  };

  HookOutcome RunExec(const HookTarget& target, const ExecAction& exec);
  HookOutcome RunHttp(const HookTarget& target, const HttpGetAction& action,
                      const std::shared_ptr<Notification>& cancel);
  HookOutcome RunSleep(const HookTarget& target, const SleepAction& sleep,
                       const std::shared_ptr<Notification>& cancel);
  HttpCall PrepareHttp(const HookTarget& target, const HttpGetAction& action);
  // Whether FinishHttp would send a second request for `first` (HT-11's HTTPS->HTTP fallback).
  bool FallsBack(const http::Result& first) const;
  // The hook's outcome from its GET's result, after HT-11's fallback where it applies.
  HookOutcome FinishHttp(const HookTarget& target, const HttpGetAction& action, const HttpCall& call,
                         http::Result first, const std::function<bool()>& cancelled);
  HookOutcome HttpOutcome(const HookTarget& target, const HttpGetAction& action, const std::string& error,
                          const std::string& body) const;

  CriClient& cri_;
  http::HttpGetter& http_;
  Clock& clock_;
  EventRecorder& events_;
  const Profile& profile_;
};

}  // namespace podlife
