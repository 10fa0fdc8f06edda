// podlife-fake-cri: serves the fake CRI runtime (RuntimeService + ImageService, runtime.v1) on a
// socket until SIGINT or SIGTERM. Prints one line, "podlife-fake-cri: serving on ADDRESS", to
// stdout once it accepts calls. Exit status: 0 on a clean stop, 2 on bad usage, a scenario error
// or an address it cannot listen on (a live server's socket included), 3 when scripted items
// were left unconsumed at shutdown (the fake is strict). Its private directories go also when a
// fatal signal ends it (fakes/common/private_dir.h).
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "fakes/common/private_dir.h"
#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"

namespace {

constexpr const char* kUsage = R"(usage: podlife-fake-cri [--listen ADDRESS] [--scenario FILE] [--simulate] [--flavor NAME]
                        [--call-log-capacity N] [--print-calls]

Serves a fake Kubernetes CRI runtime (runtime.v1 RuntimeService and ImageService) that any CRI
client can drive: pod sandboxes, containers, images and ExecSync, simulated in memory with
containerd 1.6's state machine and error messages. Nothing is executed and no registry is used.

  --listen ADDRESS   unix:///path/to/cri.sock (created mode 0600; its directory is created 0700
                     if missing) or tcp://127.0.0.1:PORT (0 picks a free port). Refused while
                     another server answers on that socket; a stale socket is replaced.
                     Default: a socket in a fresh private directory under $TMPDIR or /tmp.
  --scenario FILE    YAML that scripts the runtime: pod IPs, exec results, faults, workloads,
                     images, stats. See fakes/cri/README.md.
  --simulate         run containers' commands and unscripted ExecSync commands in a simulated
                     shell (echo, printf, cat, ls, id, sleep, exit, trap, ...) and write
                     container logs at log_directory/log_path; scripted results still win.
  --flavor NAME      whose answers to give where runtimes differ (overrides the scenario's
                     `flavor:`):
                       cri                the CRI contract and current containerd (>= 1.6.35,
                                          >= 1.7.21): StopContainer and StopPodSandbox of an
                                          unknown ID answer OK. The default.
                       containerd-1.6.20  Debian 12's containerd: those stops answer NOT_FOUND.
  --call-log-capacity N
                     keep only the newest N calls in the call log (about 1 KB each), so a
                     long-running fake does not grow without bound; 0 keeps every call.
                     Default: 10000 (a scenario's `callLogCapacity:` also sets it; the flag wins).
  --print-calls      print the call log to stderr when stopping.
  -h, --help         this text.

Stop it with SIGINT or SIGTERM. Exit status: 0 clean, 2 usage or scenario error or cannot
listen (e.g. another server answers on the socket), 3 scripted items left unconsumed.
)";

// The standalone fake's call log keeps this many calls unless told otherwise (about 8.5 MB).
constexpr size_t kDefaultCallLogCapacity = 10000;

// A non-negative count, or nullopt.
std::optional<size_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoull(text));
}

}  // namespace

int main(int argc, char** argv) {
  podlife::fakes::FakeCriOptions options;
  std::string scenario_path;
  bool print_calls = false;
  std::optional<podlife::fakes::Flavor> flavor;
  std::optional<size_t> call_log_capacity;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
      if (i + 1 >= argc) {
        std::cerr << "podlife-fake-cri: " << flag << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--listen" || arg.rfind("--listen=", 0) == 0) {
      options.listen = value("--listen");
    } else if (arg == "--scenario" || arg.rfind("--scenario=", 0) == 0) {
      scenario_path = value("--scenario");
    } else if (arg == "--simulate") {
      options.simulate_commands = true;
    } else if (arg == "--flavor" || arg.rfind("--flavor=", 0) == 0) {
      const std::string name = value("--flavor");
      flavor = podlife::fakes::ParseFlavor(name);
      if (!flavor) {
        std::cerr << "podlife-fake-cri: --flavor: unknown flavour '" << name << "' (expected one of "
                  << podlife::fakes::FlavorChoices() << ")\n";
        return 2;
      }
    } else if (arg == "--call-log-capacity" || arg.rfind("--call-log-capacity=", 0) == 0) {
      const std::string text = value("--call-log-capacity");
      call_log_capacity = ParseCount(text);
      if (!call_log_capacity) {
        std::cerr << "podlife-fake-cri: --call-log-capacity: expected a number of calls (0 keeps every call), got '"
                  << text << "'\n";
        return 2;
      }
    } else if (arg == "--print-calls") {
      print_calls = true;
    } else {
      std::cerr << "podlife-fake-cri: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }

  podlife::fakes::Scenario scenario;
  if (!scenario_path.empty()) {
    auto loaded = podlife::fakes::LoadScenarioFile(scenario_path);
    if (auto* e = std::get_if<podlife::fakes::ScenarioError>(&loaded)) {
      std::cerr << "podlife-fake-cri: " << e->message << "\n";
      return 2;
    }
    scenario = std::get<podlife::fakes::Scenario>(loaded);
  }
  if (flavor) scenario.flavor = flavor;  // the flag wins over the scenario
  if (scenario.flavor) options.flavor = *scenario.flavor;
  // The flag wins over the scenario, which wins over the default.
  if (call_log_capacity) scenario.call_log_capacity = 0;
  options.call_log_capacity = call_log_capacity.value_or(
      scenario.call_log_capacity > 0 ? scenario.call_log_capacity : kDefaultCallLogCapacity);

  // Exec outputs and requests of megabytes go back to the system when freed: glibc would otherwise
  // raise its mmap threshold after the first and keep later ones on the heap, so a fake that
  // answered large execs once stayed at hundreds of MB.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);

  // Private directories go also when a fatal signal ends the program (SIGINT and SIGTERM are
  // blocked below and end it normally).
  podlife::fakes::InstallPrivateDirCleanup();

  // Block the stop signals before gRPC starts its threads, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string error;
  auto server = podlife::fakes::FakeCriServer::Start(options, &error);
  if (!server) {
    std::cerr << "podlife-fake-cri: " << error << "\n";
    return 2;
  }
  podlife::fakes::ApplyScenario(scenario, *server);
  std::cout << "podlife-fake-cri: serving on " << server->address() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "podlife-fake-cri: " << strsignal(sig) << ", stopping\n";
  auto unconsumed = server->Unconsumed();
  if (print_calls) std::cerr << "call log:\n" << server->calls().Format();
  server->Shutdown();
  if (!unconsumed.empty()) {
    std::cerr << "podlife-fake-cri: scripted items nobody consumed:\n";
    for (const auto& item : unconsumed) std::cerr << "  " << item << "\n";
    return 3;
  }
  return 0;
}
