#include "cli/run_command.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <iostream>
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
then terminates the pod through the preStop path. Events are printed as `kubectl describe`
lists them.

Runtime:
  --runtime-endpoint ADDRESS   a CRI runtime, e.g. unix:///run/containerd/containerd.sock.
                               Default: an embedded fake CRI runtime started in-process (no
                               containers run; exec hooks get simulated shell results, HTTP
                               hooks reach real endpoints; the pod IP is 127.0.0.1).
  --fake-scenario FILE         script the embedded fake (fakes/cri/README.md).
  --runtime-request-timeout D  the kubelet's --runtime-request-timeout (default 2m; e.g. 30s).

Behaviour:
  --profile 1.21|1.35          which kubelet to imitate (default 1.35).
  --terminate-after SECONDS    terminate the pod this long after the run started, even if the sync
                               is still waiting (e.g. for an init container that never exits).
                               Default 0: at once after the sync.
  --wait                       keep the pod until Ctrl-C or SIGTERM, then terminate it.
  --grace-period SECONDS       terminate with this grace period instead of the pod's.
  --keep                       do not remove the pod sandbox after terminating it.

Output:
  --output text|json           events as a describe table (default) or as JSON lines.

Ctrl-C (SIGINT) or SIGTERM at any time terminates the pod through the preStop path.
Manifest defaults as the API server applies them: terminationGracePeriodSeconds 30, a random
metadata.uid. Exit status: 0 pod ran and terminated; 1 pod failed or termination failed;
2 usage or manifest error; 3 runtime unreachable.
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
    fakes::FakeCriOptions fake_options;
    fake_options.simulate_commands = true;
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
  PodSyncResult result = engine.Sync(pod, stop);
  printer.Note(result.ok() ? "pod synced: every container started" : "pod failed: " + result.error);

  if (!result.sandbox_id.empty()) {
    if (options.wait_for_signal) {
      printer.Note("running; Ctrl-C terminates the pod");
      stop->Wait();
    } else if (options.terminate_after > 0) {
      stop->Wait();  // the timer (or a signal) notifies it
    }
    printer.Note("terminating the pod" +
                 (options.grace_period ? " with grace period " + std::to_string(*options.grace_period) + "s" : ""));
  }
  absl::Status killed = engine.Kill(pod, options.grace_period);
  if (!killed.ok()) printer.Note("termination failed: " + std::string(killed.message()));
  engine.JoinHooks();  // preStop hooks that outlived their wait (EX-06)
  if (!options.keep) {
    if (auto st = engine.Remove(); !st.ok()) printer.Note("removing the sandbox failed: " + std::string(st.message()));
  }
  printer.Note(result.ok() && killed.ok() ? "pod terminated" : "done, with failures");

  stop->Notify();  // ends the timer if a signal came first
  if (terminate_timer.joinable()) terminate_timer.join();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);  // wake the signal thread to join it
  signal_thread.join();
  return result.ok() && killed.ok() ? 0 : 1;
}

}  // namespace podlife::cli
