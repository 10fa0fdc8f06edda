// podlife-cri-proxy: a recording, fault-injecting CRI proxy between a node agent and a CRI
// runtime, until SIGINT or SIGTERM. Prints one line, "podlife-cri-proxy: serving on ADDRESS,
// forwarding to UPSTREAM", to stdout once it accepts calls. Exit status: 0 on a clean stop, 2 on
// bad usage, a scenario error or an address it cannot listen on (a live server's socket
// included), 3 when scripted faults were left unconsumed at shutdown. Its private directory goes
// also when a fatal signal ends it (fakes/common/private_dir.h).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "fakes/common/private_dir.h"
#include "fakes/proxy/cri_proxy.h"

namespace {

constexpr const char* kUsage =
    R"(usage: podlife-cri-proxy --listen ADDRESS --upstream ADDRESS [--scenario FILE] [--print-calls]

Sits between a CRI client (the kubelet, podlife, your node agent) and a CRI runtime (containerd,
CRI-O, podlife-fake-cri): forwards every runtime.v1 RuntimeService and ImageService call, with the
client's deadline, cancellation and metadata, records each one (request, deadline, metadata,
status, timing), and applies scripted faults before forwarding.

  --listen ADDRESS    where clients connect: unix:///path/to/proxy.sock (created mode 0600; its
                      directory is created 0700 if missing) or tcp://127.0.0.1:PORT (0 picks a
                      free port). Refused while another server answers on that socket; a stale
                      socket is replaced. Default: a socket in a fresh private directory under
                      $TMPDIR.
  --upstream ADDRESS  the runtime, e.g. unix:///run/containerd/containerd.sock (required).
  --scenario FILE     YAML with `faults:` (and `callLogCapacity:`) as for podlife-fake-cri; exec
                      results, workloads and pod IPs are refused (the runtime is real).
                      See fakes/proxy/README.md.
  --print-calls       print the call log to stderr when stopping.
  -h, --help          this text.

Stop it with SIGINT or SIGTERM. Exit status: 0 clean, 2 usage or scenario error or cannot
listen (e.g. another server answers on the socket), 3 scripted faults left unconsumed.
)";

}  // namespace

int main(int argc, char** argv) {
  podlife::fakes::CriProxyOptions options;
  std::string scenario_path;
  bool print_calls = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
      if (i + 1 >= argc) {
        std::cerr << "podlife-cri-proxy: " << flag << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--listen" || arg.rfind("--listen=", 0) == 0) {
      options.listen = value("--listen");
    } else if (arg == "--upstream" || arg.rfind("--upstream=", 0) == 0) {
      options.upstream = value("--upstream");
    } else if (arg == "--scenario" || arg.rfind("--scenario=", 0) == 0) {
      scenario_path = value("--scenario");
    } else if (arg == "--print-calls") {
      print_calls = true;
    } else {
      std::cerr << "podlife-cri-proxy: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  if (options.upstream.empty()) {
    std::cerr << "podlife-cri-proxy: --upstream is required\n" << kUsage;
    return 2;
  }

  podlife::fakes::Scenario scenario;
  if (!scenario_path.empty()) {
    auto loaded = podlife::fakes::LoadScenarioFile(scenario_path);
    if (auto* e = std::get_if<podlife::fakes::ScenarioError>(&loaded)) {
      std::cerr << "podlife-cri-proxy: " << e->message << "\n";
      return 2;
    }
    scenario = std::get<podlife::fakes::Scenario>(loaded);
    if (std::string refused = podlife::fakes::CheckProxyScenario(scenario, scenario_path); !refused.empty()) {
      std::cerr << "podlife-cri-proxy: " << refused << "\n";
      return 2;
    }
  }

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
  auto proxy = podlife::fakes::CriProxy::Start(options, &error);
  if (!proxy) {
    std::cerr << "podlife-cri-proxy: " << error << "\n";
    return 2;
  }
  podlife::fakes::ApplyProxyScenario(scenario, *proxy);
  std::cout << "podlife-cri-proxy: serving on " << proxy->address() << ", forwarding to " << proxy->upstream()
            << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "podlife-cri-proxy: " << strsignal(sig) << ", stopping\n";
  auto unconsumed = proxy->Unconsumed();
  if (print_calls) std::cerr << "call log:\n" << proxy->calls().Format();
  proxy->Shutdown();
  if (!unconsumed.empty()) {
    std::cerr << "podlife-cri-proxy: scripted items nobody consumed:\n";
    for (const auto& item : unconsumed) std::cerr << "  " << item << "\n";
    return 3;
  }
  return 0;
}
