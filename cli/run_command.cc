#include "cli/run_command.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"
#include "cli/run_progress.h"
#include "src/core/clock.h"
#include "src/core/endpoint.h"
#include "src/core/events.h"
#include "src/core/profile.h"
#include "src/engine/engine_session.h"
#include "src/manifest/manifest.h"
#include "trace/chrome_trace.h"
#include "trace/trace_file.h"

namespace podlife::cli {

const char* const kRunUsage = R"(usage: podlife run POD.yaml [options]

Runs a Kubernetes v1 Pod manifest through podlife's reference lifecycle engine, as the kubelet
would: sandbox, init containers to completion, containers in order with their postStart hooks;
then terminates the pod through the preStop path (or, with --until-finished, lets it run until it
finishes). Events are printed as `kubectl describe` lists them.

Runtime:
  --runtime-endpoint ADDRESS   a CRI runtime, e.g. unix:///run/containerd/containerd.sock.
                               Default: an embedded fake CRI runtime started in-process (no
                               process runs: containers' commands and exec hooks run in a
                               simulated shell, HTTP hooks reach real endpoints; the pod IP
                               is 127.0.0.1).
  --fake-scenario FILE         script the embedded fake (fakes/cri/README.md), e.g. a workload
                               that exits by itself (workloads: exitsAfterSeconds, exitCode).
  --runtime-request-timeout D  the kubelet's --runtime-request-timeout (default 2m; e.g. 30s).

Behaviour:
  --profile 1.21|1.35          which kubelet to imitate (default 1.35).
  --terminate-after SECONDS    terminate the pod this long after the run started, even if the sync
                               is still waiting (e.g. for an init container that never exits, or
                               a postStart hook that never returns). Default 0: at once after the
                               sync (with --until-finished: when the pod finishes, however long
                               that takes). Not with --wait.
  --wait                       keep the pod until Ctrl-C or SIGTERM, then terminate it. Not with
                               --terminate-after (a signal, not a time, ends the wait).
  --until-finished             keep syncing the pod as the kubelet's pod worker does until a
                               sync kills it because it finished (restartPolicy Never or
                               OnFailure and every container done; in 1.35 its sidecars are
                               then stopped, with their preStop): the runtime is relisted every
                               second and a change there (a container that exited) syncs the
                               pod at once; otherwise it is synced again 60 s after a sync (10 s
                               after a failed one). --terminate-after, if given, bounds the run:
                               a pod not finished by then is terminated. Exit status 0 only when
                               the pod finished with every container (spec.containers) exited 0.
  --grace-period SECONDS       terminate with this grace period instead of the pod's.
  --keep                       do not remove the pod sandbox after terminating it.

Manifest:
  --lenient                    warn about fields a v1 Pod does not have, and ignore them (the
                               API server's lenient decode). Default: such a field is an error
                               naming it and the nearest known field, as kubectl's strict field
                               validation does.

Output:
  --output text|json           events as a describe table (default) or as JSON lines; control
                               characters in a message (e.g. a NUL byte) print as \xNN.
  --progress-every SECONDS     while podlife waits (for a hook, an init container, the runtime),
                               say on stderr what for and for how long, every SECONDS (default 5;
                               0: never).
  --trace FILE.json            write the run's timeline as Chrome trace event JSON, which
                               Perfetto UI (ui.perfetto.dev) and chrome://tracing open as is:
                               a track per container (created, started, postStart and preStop
                               spans, StopContainer, exit, its events), the CRI calls with their
                               deadline and status (the embedded fake's call log: with
                               --runtime-endpoint there is none, so that track is left out) and
                               the pod's events. The file is created before the run starts.

Ctrl-C (SIGINT) or SIGTERM at any time terminates the pod through the preStop path, as does the
end of --terminate-after; podlife says which and what it was waiting for. A sync still waiting
(e.g. on a postStart hook that never returns) is not waited for: the pod is killed as the runtime
holds it, each running container with its preStop hook and grace period, and a hook still running
2s after the pod stopped is abandoned (exit 1): a stop ends the run within the grace period and
the runtime's request timeout, without SIGKILL.
Manifest defaults as the API server applies them: terminationGracePeriodSeconds 30, a random
metadata.uid. Exit status: 0 pod ran and terminated (--until-finished: the pod finished and its
containers succeeded); 1 pod failed, termination failed, or (--until-finished) the pod did not
finish or a container failed; 2 usage or manifest error (a malformed --runtime-endpoint too);
3 runtime unreachable, or a stop came before it answered.
)";

namespace {

struct RunOptions {
  std::string manifest;
  std::string endpoint;
  std::string fake_scenario;
  std::chrono::milliseconds request_timeout = std::chrono::minutes(2);
  const Profile* profile = &Profile135();
  int64_t terminate_after = 0;
  bool wait_for_signal = false;
  bool until_finished = false;
  std::optional<int64_t> grace_period;
  bool keep = false;
  bool json = false;
  bool lenient = false;
  std::chrono::seconds progress_every{5};
  std::string trace_file;
};

struct UsageError {
  std::string message;
};

int64_t ParseSeconds(const std::string& flag, const std::string& value) {
  try {
    size_t used = 0;
    long long v = std::stoll(value, &used);
    if (used == value.size() && v >= 0) return v;
  } catch (...) {
  }
  throw UsageError{flag + " must be a whole number of seconds >= 0, got '" + value + "'"};
}

std::chrono::milliseconds ParseDuration(const std::string& flag, const std::string& value) {
  // Go-style durations as the kubelet flag takes them: 30s, 2m, 1h, 500ms.
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(value, &used);
  } catch (...) {
  }
  std::string unit = value.substr(used);
  if (v > 0) {
    if (unit == "ms") return std::chrono::milliseconds(v);
    if (unit == "s") return std::chrono::seconds(v);
    if (unit == "m") return std::chrono::minutes(v);
    if (unit == "h") return std::chrono::hours(v);
  }
  throw UsageError{flag + " must be a positive duration such as 30s or 2m, got '" + value + "'"};
}

RunOptions ParseArgs(const std::vector<std::string>& args) {
  RunOptions o;
  bool terminate_after_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) return a.substr(eq + 1);
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    std::string flag = a.substr(0, a.find('='));
    if (flag == "--runtime-endpoint") {
      o.endpoint = value();
    } else if (flag == "--fake-scenario") {
      o.fake_scenario = value();
    } else if (flag == "--runtime-request-timeout") {
      o.request_timeout = ParseDuration(flag, value());
    } else if (flag == "--profile") {
      std::string name = value();
      o.profile = FindProfile(name);
      if (!o.profile) throw UsageError{"--profile must be 1.21 or 1.35, got '" + name + "'"};
    } else if (flag == "--terminate-after") {
      o.terminate_after = ParseSeconds(flag, value());
      terminate_after_given = true;
    } else if (flag == "--lenient") {
      o.lenient = true;
    } else if (flag == "--progress-every") {
      o.progress_every = std::chrono::seconds(ParseSeconds(flag, value()));
    } else if (flag == "--wait") {
      o.wait_for_signal = true;
    } else if (flag == "--until-finished") {
      o.until_finished = true;
    } else if (flag == "--grace-period") {
      o.grace_period = ParseSeconds(flag, value());
    } else if (flag == "--trace") {
      o.trace_file = value();
      if (o.trace_file.empty()) throw UsageError{"--trace needs a file name"};
    } else if (flag == "--keep") {
      o.keep = true;
    } else if (flag == "--output" || flag == "-o") {
      std::string v = value();
      if (v != "text" && v != "json") throw UsageError{"--output must be text or json, got '" + v + "'"};
      o.json = v == "json";
    } else if (a.rfind("-", 0) == 0) {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (o.manifest.empty()) {
      o.manifest = a;
    } else {
      throw UsageError{"only one manifest can be run, got '" + o.manifest + "' and '" + a + "'"};
    }
  }
  if (o.manifest.empty()) throw UsageError{"a pod manifest is required: podlife run POD.yaml"};
  if (o.wait_for_signal && o.until_finished) {
    throw UsageError{"--wait and --until-finished cannot be combined: --wait keeps the pod until Ctrl-C"};
  }
  if (o.wait_for_signal && terminate_after_given) {
    throw UsageError{"--wait and --terminate-after cannot be combined: --wait keeps the pod until Ctrl-C or SIGTERM, "
                     "--terminate-after until a time"};
  }
  if (!o.endpoint.empty()) {
    auto parsed = ParseEndpoint(o.endpoint);
    if (auto* e = std::get_if<EndpointError>(&parsed)) {
      throw UsageError{"--runtime-endpoint: " + e->message};
    }
  }
  if (!o.endpoint.empty() && !o.fake_scenario.empty()) {
    throw UsageError{"--fake-scenario scripts the embedded fake; it cannot be combined with --runtime-endpoint"};
  }
  return o;
}

// A message as one readable line of the table: a NUL would end it early, a carriage return or
// escape sequence would rewrite the terminal; each such byte prints as \xNN. Newlines and tabs
// stay, as kubectl describe prints them.
std::string EscapeControls(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Prints events as they are recorded, like the Events table of `kubectl describe pod`.
class EventPrinter {
 public:
  explicit EventPrinter(bool json) : json_(json), start_(std::chrono::steady_clock::now()) {}

  void Header() {
    if (json_) return;
    std::printf("Events:\n  %-8s %-22s %-6s %-8s %s\n  %-8s %-22s %-6s %-8s %s\n", "Type", "Reason", "Age", "From",
                "Message", "----", "------", "----", "----", "-------");
    std::fflush(stdout);
  }

  void Print(const Event& e) {
    std::lock_guard lock(mu_);
    if (json_) {
      std::printf("%s\n", e.ToJson().c_str());
    } else {
      auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
      std::string object = e.field_path.empty() ? "" : " (" + e.field_path + ")";
      std::printf("  %-8s %-22s %-6s %-8s %s%s\n", e.type.c_str(), e.reason.c_str(),
                  (std::to_string(age) + "s").c_str(), "kubelet", EscapeControls(e.message).c_str(), object.c_str());
    }
    std::fflush(stdout);
  }

  void Note(const std::string& text) {
    std::lock_guard lock(mu_);
    if (json_) {
      std::printf("{\"note\":%s}\n", JsonQuote(text).c_str());
    } else {
      std::printf("# %s\n", EscapeControls(text).c_str());
    }
    std::fflush(stdout);
  }

 private:
  bool json_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
};

// The kubelet's PLEG: it relists the pod's containers every second, and a change since the last
// relist (a container created, started or exited) wakes the pod worker for a sync.
class Relister {
 public:
  // True when a container of the sandbox changed since the last call; `exited` gets a line for
  // each container seen exiting.
  bool Relist(CriClient& cri, const std::string& sandbox_id, std::vector<std::string>& exited) {
    auto listed = cri.ListContainers(sandbox_id);
    if (!listed.ok()) return false;  // the kubelet logs a failed relist and tries again next period
    std::map<std::string, cri::ContainerState> now;
    for (const auto& c : *listed) {
      now[c.id()] = c.state();
      auto before = last_.find(c.id());
      if (c.state() != cri::CONTAINER_EXITED || (before != last_.end() && before->second == cri::CONTAINER_EXITED)) {
        continue;
      }
      auto status = cri.ContainerStatus(c.id());
      exited.push_back("container " + c.metadata().name() + " exited" +
                       (status.ok() ? " with " + std::to_string(status->exit_code()) : ""));
    }
    const bool changed = now != last_;
    last_ = std::move(now);
    return changed;
  }

 private:
  std::map<std::string, cri::ContainerState> last_;
};

// The pod worker's loop after the first sync (`result`): syncs on a relist that shows a change,
// and again after the resync period, until a sync kills the finished pod or `stop` is notified.
PodSyncResult SyncUntilFinished(EngineSession& engine, const Pod& pod, const std::shared_ptr<Notification>& stop,
                                EventPrinter& printer, WaitReporter& progress, PodSyncResult result) {
  constexpr auto kRelistPeriod = std::chrono::seconds(1);  // the kubelet's genericPLEG relist period
  constexpr auto kResyncInterval = std::chrono::seconds(60);  // --sync-frequency
  constexpr auto kSyncErrorBackOff = std::chrono::seconds(10);  // the pod worker's backOffPeriod
  if (pod.restart_policy == "Always") {
    printer.Note("restartPolicy Always: the pod does not finish by itself; --terminate-after or Ctrl-C ends it");
  }
  printer.Note("running until the pod finishes");
  Relister pleg;
  auto next_resync = engine.clock().Now() + (result.ok() ? kResyncInterval : kSyncErrorBackOff);
  progress.Begin("the pod to finish (--until-finished)");
  while (!result.pod_finished) {
    if (engine.clock().WaitForNotification(stop, kRelistPeriod)) break;
    std::vector<std::string> exited;
    const bool changed = !result.sandbox_id.empty() && pleg.Relist(engine.cri(), result.sandbox_id, exited);
    for (const auto& line : exited) printer.Note(line + "; syncing the pod");
    if (!changed && engine.clock().Now() < next_resync) continue;
    result = engine.Sync(pod, stop);
    if (!result.ok()) printer.Note("sync failed: " + result.error);
    progress.Begin("the pod to finish (--until-finished)");
    next_resync = engine.clock().Now() + (result.ok() ? kResyncInterval : kSyncErrorBackOff);
  }
  return result;
}

// "job exited 0, report exited 1": how each container of spec.containers ended.
std::string FinishedContainers(const Pod& pod, const PodSyncResult& result) {
  std::string out;
  for (const auto& spec : pod.containers) {
    auto it = std::find_if(result.containers.begin(), result.containers.end(),
                           [&](const ContainerOutcome& o) { return !o.init_container && o.name == spec.name; });
    if (!out.empty()) out += ", ";
    out += spec.name + (it != result.containers.end() && it->exit_code ? " exited " + std::to_string(*it->exit_code)
                                                                         : " did not complete");
  }
  return out;
}

// A finished pod succeeded when every container of spec.containers exited 0.
bool Succeeded(const Pod& pod, const PodSyncResult& result) {
  for (const auto& spec : pod.containers) {
    auto it = std::find_if(result.containers.begin(), result.containers.end(),
                           [&](const ContainerOutcome& o) { return !o.init_container && o.name == spec.name; });
    if (it == result.containers.end() || it->exit_code != 0) return false;
  }
  return result.pod_finished;
}

// The embedded fake runtime, scripted by --fake-scenario. Returns 0, or the exit status.
int StartEmbeddedFake(const RunOptions& options, std::unique_ptr<fakes::FakeCriServer>& fake) {
  fakes::FakeCriOptions fake_options;
  fake_options.simulate_commands = true;
  fake_options.private_logs = true;  // container logs in the fake's own directory, not /var/log/pods
  std::string error;
  fake = fakes::FakeCriServer::Start(fake_options, &error);
  if (!fake) {
    std::cerr << "podlife run: cannot start the embedded fake CRI runtime: " << error << "\n";
    return 3;
  }
  if (!options.fake_scenario.empty()) {
    auto scenario = fakes::LoadScenarioFile(options.fake_scenario);
    if (auto* e = std::get_if<fakes::ScenarioError>(&scenario)) {
      std::cerr << "podlife run: --fake-scenario: " << e->message << "\n";
      return 2;
    }
    fakes::ApplyScenario(std::get<fakes::Scenario>(scenario), *fake);
  }
  return 0;
}

// Why the run stops: the first signal or the --terminate-after timer, told once to every waiter.
class StopRequest {
 public:
  explicit StopRequest(EventPrinter& printer) : printer_(printer) {}

  // The engine's cancel: notified with the first Request().
  const std::shared_ptr<Notification>& cancel() const { return cancel_; }

  // The first request says why and stops the run; a later one says that it changes nothing.
  void Request(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (!why_.empty()) {
        printer_.Note(why + ": already terminating (" + why_ + "); SIGKILL ends podlife at once");
        return;
      }
      why_ = why;
      printer_.Note(why + ": terminating the pod");  // before anyone acts on the stop
    }
    cancel_->Notify();
    changed_.notify_all();
  }
  std::string why() const {
    std::lock_guard lock(mu_);
    return why_;
  }
  // Blocks until a stop is requested or `done` is notified (its notifier then calls Wake()).
  void WaitForStopOr(const Notification& done) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !why_.empty() || done.HasBeenNotified(); });
  }
  void Wake() {
    std::lock_guard lock(mu_);  // a waiter between its check and its wait cannot miss this
    changed_.notify_all();
  }

 private:
  EventPrinter& printer_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::string why_;
  std::shared_ptr<Notification> cancel_ = std::make_shared<Notification>();
};

// The sync phase on its own thread: the first sync, then (--until-finished) the pod worker's
// syncs, so the main thread can stop the pod even while a sync never returns.
class SyncPhase {
 public:
  SyncPhase(EngineSession& engine, const Pod& pod, const RunOptions& options, StopRequest& stop,
            EventPrinter& printer, WaitReporter& progress)
      : thread_([&, done = done_] {
          PodSyncResult result = engine.Sync(pod, stop.cancel());
          progress.End();
          printer.Note(result.ok() ? "pod synced: every container started" : "pod failed: " + result.error);
          if (options.until_finished && !result.pod_finished && !stop.cancel()->HasBeenNotified()) {
            result = SyncUntilFinished(engine, pod, stop.cancel(), printer, progress, std::move(result));
          }
          progress.End();
          result_ = std::move(result);
          done->Notify();
          stop.Wake();
        }) {}

  bool done() const { return done_->HasBeenNotified(); }
  const Notification& done_notification() const { return *done_; }
  bool WaitDone(std::chrono::seconds timeout) { return done_->WaitFor(timeout); }
  PodSyncResult Join() {
    thread_.join();
    return std::move(result_);
  }
  // The sync never returned: the process ends without it (see AbandonAndExit).
  void Abandon() { thread_.detach(); }

 private:
  std::shared_ptr<Notification> done_ = std::make_shared<Notification>();
  PodSyncResult result_;
  std::thread thread_;
};

// What a run needs from RunCommand once the runtime answered.
struct RunContext {
  const RunOptions& options;
  const Pod& pod;
  std::string endpoint;
  EventLog& events;
  EventPrinter& printer;
  WaitReporter& progress;
  StopRequest& stop;
  fakes::FakeCriServer* fake = nullptr;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started_steady = std::chrono::steady_clock::now();
};

// --trace: the run's records (the embedded fake's call log and containers, the events) as a
// Chrome trace. A failure to write is said on stderr; the run's exit status stands.
void WriteRunTrace(const RunContext& run) {
  if (run.options.trace_file.empty()) return;
  trace::TraceRecords records;
  records.title = "pod " + run.pod.name + ", profile " + run.options.profile->name + ", runtime " +
                  (run.fake ? "embedded fake" : run.endpoint);
  records.origin = run.started;
  records.origin_steady = run.started_steady;
  records.pod = &run.pod;
  records.calls_recorded = run.fake != nullptr;
  if (run.fake) {
    records.calls = run.fake->calls().Snapshot();
    for (const auto& c : run.fake->Containers()) {
      if (c.state != cri::CONTAINER_EXITED) continue;
      records.exits.push_back(
          {c.id, std::chrono::system_clock::time_point(std::chrono::nanoseconds(c.finished_at)), c.exit_code});
    }
  }
  records.events = run.events.Events();
  if (std::string error = trace::WriteTraceFile(run.options.trace_file, trace::ChromeTraceJson(records));
      !error.empty()) {
    std::cerr << "podlife run: --trace: " << error << "\n";
  }
}

// How long a cancelled sync may take to return by itself (it ends waits for init containers at
// once) before the pod is killed around it.
constexpr auto kCancelledSyncGrace = std::chrono::seconds(1);
// How long a hook may still run once its pod was stopped before it is abandoned: the kubelet's
// minimum grace period (PR-07).
constexpr auto kAbandonHookAfter = std::chrono::seconds(2);

// Ends the process while a sync is still blocked in a hook or a CRI call that never returns:
// nothing it holds may be destroyed under it, so no destructor runs; the embedded fake's files
// are removed first.
[[noreturn]] void AbandonAndExit(RunContext& run, SyncPhase& sync, int status) {
  sync.Abandon();
  run.progress.Stop();
  WriteRunTrace(run);
  std::fflush(stdout);
  std::fflush(stderr);
  if (run.fake) run.fake->Shutdown();
  std::_Exit(status);
}

// Terminates the pod once the sync returned: waits first (--wait, --terminate-after) unless the
// pod finished, then kills (unless the sync killed it) and removes it. True when the run succeeded.
bool TerminateAfterSync(RunContext& run, EngineSession& engine, const PodSyncResult& result) {
  const RunOptions& options = run.options;
  if (result.pod_finished) {
    run.printer.Note("pod finished: " + FinishedContainers(run.pod, result) + "; the sync killed it");
  } else if (!result.sandbox_id.empty()) {
    if (options.wait_for_signal) {
      run.printer.Note("running; Ctrl-C terminates the pod");
      run.stop.cancel()->Wait();
    } else if (options.terminate_after > 0 && !options.until_finished) {
      run.stop.cancel()->Wait();  // the timer (or a signal) notifies it
    }
    run.printer.Note(std::string(options.until_finished ? "the pod did not finish; " : "") + "terminating the pod" +
                     (options.grace_period ? " with grace period " + std::to_string(*options.grace_period) + "s" : ""));
  }
  run.progress.Begin("the pod's termination (preStop hooks, CRI StopContainer, StopPodSandbox)");
  // A finished pod was killed by its last sync, as the kubelet's pod worker does.
  absl::Status killed = result.pod_finished ? absl::OkStatus() : engine.Kill(run.pod, options.grace_period);
  if (!killed.ok()) run.printer.Note("termination failed: " + std::string(killed.message()));
  engine.JoinHooks();  // preStop hooks that outlived their wait (EX-06)
  if (!options.keep) {
    if (auto st = engine.Remove(); !st.ok()) run.printer.Note("removing the sandbox failed: " + std::string(st.message()));
  }
  run.progress.End();
  const bool succeeded = killed.ok() && (options.until_finished ? Succeeded(run.pod, result) : result.ok());
  run.printer.Note(succeeded ? "pod terminated" : "done, with failures");
  return succeeded;
}

// A stop came while the sync still waits (a hook or a CRI call that does not return): as the
// kubelet kills a pod whose sync is stuck, a second engine session finds the pod in the runtime
// and kills every running container with its preStop and grace period, the stuck one included.
// A hook still running kAbandonHookAfter after that is abandoned. Returns only when the sync
// returned; the run failed either way.
void TerminateAroundStuckSync(RunContext& run, SyncPhase& sync, EngineSessionOptions session_options) {
  const std::string waiting = run.progress.Current();
  run.printer.Note("the sync still waits for " + (waiting.empty() ? "a CRI call" : waiting) +
                   "; killing the pod as the runtime holds it" +
                   (run.options.grace_period ? " with grace period " + std::to_string(*run.options.grace_period) + "s"
                                             : ""));
  run.progress.Begin("the pod's termination (preStop hooks, CRI StopContainer, StopPodSandbox)");
  auto killer = EngineSession::Connect(session_options, run.events);
  absl::Status killed = killer.ok() ? (*killer)->Kill(run.pod, run.options.grace_period) : killer.status();
  if (!killed.ok()) run.printer.Note("termination failed: " + std::string(killed.message()));
  if (killer.ok()) {
    (*killer)->JoinHooks();
    if (!run.options.keep) {
      if (auto st = (*killer)->Remove(); !st.ok()) {
        run.printer.Note("removing the sandbox failed: " + std::string(st.message()));
      }
    }
  }
  run.progress.End();
  if (!sync.WaitDone(kAbandonHookAfter)) {
    run.printer.Note("abandoning the sync: it has not returned " + std::to_string(kAbandonHookAfter.count()) +
                     "s after the pod was stopped (a hook or CRI call with no deadline, EX-05)");
    run.printer.Note("done, with failures");
    AbandonAndExit(run, sync, 1);
  }
  run.printer.Note("done, with failures");
}

// The pod's run: the sync phase on its own thread while this one waits for it or for a stop;
// then the pod's termination. True when the run succeeded.
bool RunPod(RunContext& run, EngineSession& engine, const EngineSessionOptions& session_options) {
  run.progress.Begin("the runtime: the sync's first CRI calls (sandbox, images)");
  SyncPhase sync(engine, run.pod, run.options, run.stop, run.printer, run.progress);
  run.stop.WaitForStopOr(sync.done_notification());
  if (!sync.done() && !sync.WaitDone(kCancelledSyncGrace)) {
    TerminateAroundStuckSync(run, sync, session_options);
    (void)sync.Join();
    return false;
  }
  return TerminateAfterSync(run, engine, sync.Join());
}

// SIGINT and SIGTERM (blocked in every thread) stop the run; SIGUSR1 ends the thread.
class SignalWatcher {
 public:
  SignalWatcher(const sigset_t& signals, StopRequest& stop)
      : thread_([signals, &stop] {
          for (;;) {
            int sig = 0;
            sigwait(&signals, &sig);
            if (sig == SIGUSR1) return;
            stop.Request(sig == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM");
          }
        }) {}
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  std::thread thread_;
};

// Connects to the runtime and checks that it answers Version, while a stop may still end the
// wait. 0, or the exit status.
int ConnectAndCheck(RunContext& run, const EngineSessionOptions& session_options,
                    std::unique_ptr<EngineSession>& engine) {
  auto connected = EngineSession::Connect(session_options, run.events);
  if (!connected.ok()) {
    std::cerr << "podlife run: --runtime-endpoint: " << connected.status().message() << "\n";
    return 3;
  }
  engine = std::move(*connected);
  run.progress.Begin("the CRI runtime at " + run.endpoint + " to answer Version");
  auto checked = std::make_shared<Notification>();
  absl::Status reachable;
  std::thread check([&, checked] {
    reachable = engine->CheckReachable();
    checked->Notify();
    run.stop.Wake();
  });
  run.stop.WaitForStopOr(*checked);
  if (!checked->HasBeenNotified()) {
    std::cerr << "podlife run: " << run.stop.why() << " while waiting for the CRI runtime at " << run.endpoint
              << " to answer Version; nothing was started\n";
    check.detach();  // a call that may never return holds the engine: end without destroying it
    run.progress.Stop();
    if (run.fake) run.fake->Shutdown();
    std::_Exit(3);
  }
  check.join();
  run.progress.End();
  if (!reachable.ok()) {
    std::cerr << "podlife run: cannot reach the CRI runtime at " << run.endpoint << ": " << reachable.message() << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kRunUsage;
      return 0;
    }
  }
  RunOptions options;
  try {
    options = ParseArgs(args);
  } catch (const UsageError& e) {
    std::cerr << "podlife run: " << e.message << "\n\n" << kRunUsage;
    return 2;
  }

  std::vector<std::string> warnings;
  auto loaded = manifest::LoadPodFile(options.manifest, {.lenient = options.lenient, .warnings = &warnings});
  if (auto* e = std::get_if<manifest::ManifestError>(&loaded)) {
    std::cerr << "podlife run: " << e->message << "\n";
    if (e->message.find("unknown field") != std::string::npos) {
      std::cerr << "podlife run: --lenient ignores fields a v1 Pod does not have\n";
    }
    return 2;
  }
  for (const auto& w : warnings) std::cerr << "podlife run: warning: " << w << "\n";
  Pod pod = std::get<Pod>(loaded);
  manifest::ApplyApiServerDefaults(pod);
  if (!options.trace_file.empty()) {
    if (std::string error = trace::PrepareTraceFile(options.trace_file); !error.empty()) {
      std::cerr << "podlife run: --trace: " << error << "\n";
      return 2;
    }
  }

  // Stop signals: blocked here so every thread inherits the mask; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGUSR1);  // our own wake-up for the signal thread at exit
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<fakes::FakeCriServer> fake;
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) {
    if (int status = StartEmbeddedFake(options, fake); status != 0) return status;
    endpoint = fake->address();
  }

  EventPrinter printer(options.json);
  WaitReporter progress(&pod, options.profile->sidecars, options.progress_every, stderr);
  EventLog events([&](const Event& e) {
    printer.Print(e);
    progress.Observe(e);
  });
  StopRequest stop(printer);
  RunContext run{options, pod, endpoint, events, printer, progress, stop, fake.get()};
  SignalWatcher signals(stop_signals, stop);
  EngineSessionOptions session_options;
  session_options.endpoint = endpoint;
  session_options.profile = options.profile;
  session_options.request_timeout = options.request_timeout;
  std::unique_ptr<EngineSession> engine;
  if (int status = ConnectAndCheck(run, session_options, engine); status != 0) {
    WriteRunTrace(run);  // what the runtime answered, if anything
    return status;
  }

  // --terminate-after counts from the start of the run, so it also ends a sync that never finishes
  // (an init container that never exits, a postStart hook that never returns).
  auto timer_done = std::make_shared<Notification>();
  std::thread terminate_timer;
  if (!options.wait_for_signal && options.terminate_after > 0) {
    terminate_timer = std::thread([&, timer_done] {
      if (engine->clock().WaitForNotification(timer_done, std::chrono::seconds(options.terminate_after))) return;
      stop.Request("--terminate-after " + std::to_string(options.terminate_after) + "s passed");
    });
  }

  printer.Note("pod " + pod.FormatForMessages() + ", profile " + options.profile->name + ", runtime " +
               (fake ? "embedded fake (" + endpoint + ")" : endpoint));
  printer.Header();
  const bool succeeded = RunPod(run, *engine, session_options);
  WriteRunTrace(run);

  timer_done->Notify();
  if (terminate_timer.joinable()) terminate_timer.join();
  progress.Stop();
  return succeeded ? 0 : 1;
}

}  // namespace podlife::cli
