// podlife-fake-cri: serves the fake CRI runtime (RuntimeService + ImageService, runtime.v1) on a
// socket until SIGINT or SIGTERM. Prints one line, "podlife-fake-cri: serving on ADDRESS", to
// stdout once it accepts calls. Exit status: 0 on a clean stop, 2 on bad usage or a scenario
// error, 3 when scripted items were left unconsumed at shutdown (the fake is strict).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"

namespace {

constexpr const char* kUsage = R"(usage: podlife-fake-cri [--listen ADDRESS] [--scenario FILE] [--simulate] [--flavor NAME]
                        [--print-calls]

Serves a fake Kubernetes CRI runtime (runtime.v1 RuntimeService and ImageService) that any CRI
client can drive: pod sandboxes, containers, images and ExecSync, simulated in memory with
containerd 1.6's state machine and error messages. Nothing is executed and no registry is used.

  --listen ADDRESS   unix:///path/to/cri.sock (created mode 0600; its directory is created 0700
                     if missing) or tcp://127.0.0.1:PORT (0 picks a free port).
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
  --print-calls      print the call log to stderr when stopping.
  -h, --help         this text.

Stop it with SIGINT or SIGTERM. Exit status: 0 clean, 2 usage or scenario error, 3 scripted
items left unconsumed.
)";

}  // namespace

int main(int argc, char** argv) {
  podlife::fakes::FakeCriOptions options;
  std::string scenario_path;
  bool print_calls = false;
  std::optional<podlife::fakes::Flavor> flavor;
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
