#include "cli/run_command.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"
#include "src/core/clock.h"
#include "src/core/events.h"
#include "src/core/profile.h"
#include "src/engine/engine_session.h"
#include "src/manifest/manifest.h"

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
                               is still waiting (e.g. for an init container that never exits).
                               Default 0: at once after the sync (with --until-finished: when
                               the pod finishes, however long that takes).
  --wait                       keep the pod until Ctrl-C or SIGTERM, then terminate it.
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

Output:
  --output text|json           events as a describe table (default) or as JSON lines.

Ctrl-C (SIGINT) or SIGTERM at any time terminates the pod through the preStop path.
Manifest defaults as the API server applies them: terminationGracePeriodSeconds 30, a random
metadata.uid. Exit status: 0 pod ran and terminated (--until-finished: the pod finished and its
containers succeeded); 1 pod failed, termination failed, or (--until-finished) the pod did not
finish or a container failed; 2 usage or manifest error; 3 runtime unreachable.
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
    } else if (flag == "--wait") {
      o.wait_for_signal = true;
    } else if (flag == "--until-finished") {
      o.until_finished = true;
    } else if (flag == "--grace-period") {
      o.grace_period = ParseSeconds(flag, value());
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
  if (!o.endpoint.empty() && !o.fake_scenario.empty()) {
    throw UsageError{"--fake-scenario scripts the embedded fake; it cannot be combined with --runtime-endpoint"};
  }
  return o;
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
                  (std::to_string(age) + "s").c_str(), "kubelet", e.message.c_str(), object.c_str());
    }
    std::fflush(stdout);
  }

  void Note(const std::string& text) {
    std::lock_guard lock(mu_);
    if (json_) {
      std::printf("{\"note\":%s}\n", JsonQuote(text).c_str());
    } else {
      std::printf("# %s\n", text.c_str());
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
                                EventPrinter& printer, PodSyncResult result) {
  constexpr auto kRelistPeriod = std::chrono::seconds(1);  // the kubelet's genericPLEG relist period
  constexpr auto kResyncInterval = std::chrono::seconds(60);  // --sync-frequency
  constexpr auto kSyncErrorBackOff = std::chrono::seconds(10);  // the pod worker's backOffPeriod
  if (pod.restart_policy == "Always") {
    printer.Note("restartPolicy Always: the pod does not finish by itself; --terminate-after or Ctrl-C ends it");
  }
  printer.Note("running until the pod finishes");
  Relister pleg;
  auto next_resync = engine.clock().Now() + (result.ok() ? kResyncInterval : kSyncErrorBackOff);
  while (!result.pod_finished) {
    if (engine.clock().WaitForNotification(stop, kRelistPeriod)) break;
    std::vector<std::string> exited;
    const bool changed = !result.sandbox_id.empty() && pleg.Relist(engine.cri(), result.sandbox_id, exited);
    for (const auto& line : exited) printer.Note(line + "; syncing the pod");
    if (!changed && engine.clock().Now() < next_resync) continue;
    result = engine.Sync(pod, stop);
    if (!result.ok()) printer.Note("sync failed: " + result.error);
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

// The pod's run: the first sync, then (--until-finished) the pod worker's syncs, or a wait; then
// its termination (unless it finished) and removal. True when the run succeeded.
bool RunPod(EngineSession& engine, const Pod& pod, const RunOptions& options, const std::shared_ptr<Notification>& stop,
            EventPrinter& printer) {
  PodSyncResult result = engine.Sync(pod, stop);
  printer.Note(result.ok() ? "pod synced: every container started" : "pod failed: " + result.error);
  if (options.until_finished && !result.pod_finished && !stop->HasBeenNotified()) {
    result = SyncUntilFinished(engine, pod, stop, printer, std::move(result));
  }

  if (result.pod_finished) {
    printer.Note("pod finished: " + FinishedContainers(pod, result) + "; the sync killed it");
  } else if (!result.sandbox_id.empty()) {
    if (options.wait_for_signal) {
      printer.Note("running; Ctrl-C terminates the pod");
      stop->Wait();
    } else if (options.terminate_after > 0 && !options.until_finished) {
      stop->Wait();  // the timer (or a signal) notifies it
    }
    printer.Note(std::string(options.until_finished ? "the pod did not finish; " : "") + "terminating the pod" +
                 (options.grace_period ? " with grace period " + std::to_string(*options.grace_period) + "s" : ""));
  }
  // A finished pod was killed by its last sync, as the kubelet's pod worker does.
  absl::Status killed = result.pod_finished ? absl::OkStatus() : engine.Kill(pod, options.grace_period);
  if (!killed.ok()) printer.Note("termination failed: " + std::string(killed.message()));
  engine.JoinHooks();  // preStop hooks that outlived their wait (EX-06)
  if (!options.keep) {
    if (auto st = engine.Remove(); !st.ok()) printer.Note("removing the sandbox failed: " + std::string(st.message()));
  }
  const bool succeeded = killed.ok() && (options.until_finished ? Succeeded(pod, result) : result.ok());
  printer.Note(succeeded ? "pod terminated" : "done, with failures");
  return succeeded;
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

  auto loaded = manifest::LoadPodFile(options.manifest);
  if (auto* e = std::get_if<manifest::ManifestError>(&loaded)) {
    std::cerr << "podlife run: " << e->message << "\n";
    return 2;
  }
  Pod pod = std::get<Pod>(loaded);
  manifest::ApplyApiServerDefaults(pod);

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
  EventLog events([&](const Event& e) { printer.Print(e); });
  EngineSessionOptions session_options;
  session_options.endpoint = endpoint;
  session_options.profile = options.profile;
  session_options.request_timeout = options.request_timeout;
  auto connected = EngineSession::Connect(session_options, events);
  if (!connected.ok()) {
    std::cerr << "podlife run: --runtime-endpoint: " << connected.status().message() << "\n";
    return 3;
  }
  EngineSession& engine = **connected;
  if (auto reachable = engine.CheckReachable(); !reachable.ok()) {
    std::cerr << "podlife run: cannot reach the CRI runtime at " << endpoint << ": " << reachable.message() << "\n";
    return 3;
  }

  auto stop = std::make_shared<Notification>();
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == SIGUSR1) return;
    stop->Notify();
  });

  // --terminate-after counts from the start of the run, so it also ends a sync that never finishes
  // (an init container that never exits); the engine's wait for init containers watches `stop`.
  std::thread terminate_timer;
  if (!options.wait_for_signal && options.terminate_after > 0) {
    terminate_timer = std::thread([&] {
      if (!engine.clock().WaitForNotification(stop, std::chrono::seconds(options.terminate_after))) stop->Notify();
    });
  }

  printer.Note("pod " + pod.FormatForMessages() + ", profile " + options.profile->name + ", runtime " +
               (fake ? "embedded fake (" + endpoint + ")" : endpoint));
  printer.Header();
  const bool succeeded = RunPod(engine, pod, options, stop, printer);

  stop->Notify();  // ends the timer if a signal came first
  if (terminate_timer.joinable()) terminate_timer.join();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);  // wake the signal thread to join it
  signal_thread.join();
  return succeeded ? 0 : 1;
}

}  // namespace podlife::cli
