#include "cli/conformance_command.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace podlife::cli {

const char* const kConformanceUsage = R"(usage: podlife conformance [--implementation builtin|command:CMD]
                           [--profile 1.21|1.35|all] [--runtime fake|unix:///...]
                           [--junit FILE] [--filter PATTERN] [--image IMAGE]
                           [--case-timeout SECONDS] [--trace-dir DIR [--trace-all]]
                           [gtest flags]

Runs the conformance suite: every case in conformance/CASES.md, once per profile, against an
implementation (builtin: podlife's engine; command:CMD: your program speaking
conformance/PROTOCOL.md, e.g. command:"podlife implement") and a CRI runtime (fake: a fresh fake
CRI server per case, with call log and fault injection; unix:///path: a real runtime such as
containerd, behind a fresh CRI proxy per case that records the calls and injects the faults, where
cases needing what only the fake can do, such as scripted exec output, are skipped). Prints a summary per
area at the end (passed, failed, skipped and why). A failed case is followed by the CRI calls,
events and HTTP requests it saw; a case still running after --case-timeout (default 60 s) is
failed and released, and the run goes on. --trace-dir DIR writes each failing case's timeline
(every case's with --trace-all) to DIR as Chrome trace event JSON, DIR/<Area>.<Case>_<profile>.json,
which Perfetto UI (ui.perfetto.dev) and chrome://tracing open as is. Exit status 0 when no case
failed.

The suite program is podlife-conformance; $PODLIFE_CONFORMANCE names it explicitly.
)";

namespace {
namespace fs = std::filesystem;

std::vector<fs::path> Candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("PODLIFE_CONFORMANCE"); env && *env) out.emplace_back(env);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(self.parent_path().parent_path() / "conformance" / "podlife-conformance");  // build tree
    out.push_back(self.parent_path() / "podlife-conformance");                                 // installed
  }
  return out;
}
}  // namespace

int ConformanceCommand(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kConformanceUsage;
      return 0;
    }
  }
  std::vector<std::string> tried;
  std::vector<char*> argv;
  std::string program;
  for (const auto& candidate : Candidates()) {
    tried.push_back(candidate.string());
    if (access(candidate.c_str(), X_OK) == 0) {
      program = candidate.string();
      break;
    }
  }
  if (program.empty()) program = "podlife-conformance";  // PATH
  argv.push_back(program.data());
  std::vector<std::string> copies(args);
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(program.c_str(), argv.data());
  tried.push_back("podlife-conformance on PATH");
  std::cerr << "podlife conformance: cannot start the suite program; tried:";
  for (const auto& t : tried) std::cerr << "\n  " << t;
  std::cerr << "\nbuild it (ci/build podlife-conformance) or set PODLIFE_CONFORMANCE\n";
  return 2;
}

}  // namespace podlife::cli
