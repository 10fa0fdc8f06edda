// podlife: command-line entry point; dispatches subcommands.
#include <absl/synchronization/mutex.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/conformance_command.h"
#include "cli/implement_command.h"
#include "cli/run_command.h"
#include "fakes/common/private_dir.h"
#include "src/core/version.h"

namespace {

constexpr const char* kUsage = R"(usage: podlife <command> [options]

podlife checks that a Kubernetes container-lifecycle implementation behaves like the kubelet
(postStart/preStop hooks, container start and kill, pod sync ordering), and measures how fast.

Commands:
  run POD.yaml     run a pod through podlife's reference engine and print its events
  conformance      run the conformance suite against an implementation and a runtime
  implement        serve the engine over the conformance command protocol (stdin/stdout)
  help [COMMAND]   this text, or a command's
  --version        the version and the kubelet profiles this build knows

Run `podlife COMMAND --help` (or `podlife help COMMAND`) for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // The embedded fake's private directories go also when a fatal signal ends the process; `run`
  // blocks SIGINT and SIGTERM for its own orderly stop, so those never reach this handler there.
  podlife::fakes::InstallPrivateDirCleanup();
  // Debian's absl keeps its mutex deadlock detector on, a debugging aid that costs every gRPC
  // lock a global graph update (3% of the kill path's CPU under perf); the tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && args.size() == 1)) {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << podlife::VersionText("podlife");
    return 0;
  }
  if (args[0] == "help" && args[1] == "run") {
    std::cout << podlife::cli::kRunUsage;
    return 0;
  }
  if (args[0] == "help" && args[1] == "implement") {
    std::cout << podlife::cli::kImplementUsage;
    return 0;
  }
  if (args[0] == "help" && args[1] == "conformance") {
    std::cout << podlife::cli::kConformanceUsage;
    return 0;
  }
  if (args[0] == "help") {
    std::cerr << "podlife help: no command '" << args[1] << "'\n" << kUsage;
    return 2;
  }
  if (args[0] == "conformance") return podlife::cli::ConformanceCommand({args.begin() + 1, args.end()});
  if (args[0] == "run") return podlife::cli::RunCommand({args.begin() + 1, args.end()});
  if (args[0] == "implement") return podlife::cli::ImplementCommand({args.begin() + 1, args.end()}, std::cin, std::cout);
  std::cerr << "podlife: unknown command '" << args[0] << "'\n" << kUsage;
  return 2;
}
