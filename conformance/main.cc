// podlife-conformance: the conformance suite's one gtest binary.
//   --implementation builtin|command:CMD   what is under test (default builtin)
//   --runtime fake|unix:///path            the CRI runtime (default: a fresh fake per case)
//   --profile 1.21|1.35|all                which kubelet to compare against (default all)
//   --image IMAGE                          the image pods use on a real runtime
//   --junit FILE                           JUnit XML report (= --gtest_output=xml:FILE)
//   --filter PATTERN                       cases to run, e.g. 'PreStop.*' (= --gtest_filter)
//   --case-timeout SECONDS                 fail a case still running after SECONDS (default 60)
//   --cases-markdown                       print CASES.md (from the contract blocks) and exit
//   --behaviours-markdown FILE             print FILE (docs/behaviours.md) with its checked-by blocks
//                                          regenerated from the contract blocks, and exit
// Every other flag is gtest's (--gtest_filter, --gtest_shuffle, --gtest_output=xml:FILE, ...).
// At the end a summary table per area (passed, failed, skipped and why) goes to stdout.
#include <gtest/gtest.h>

#include <fstream>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <list>
#include <sstream>

#include "conformance/cases_markdown.h"
#include "conformance/framework.h"
#include "fakes/cri/flavor.h"
#include "conformance/summary.h"
#include "conformance/watchdog.h"

namespace {
constexpr const char* kUsage = R"(usage: podlife-conformance [options] [gtest flags]

Runs the conformance cases (conformance/CASES.md) against an implementation and a CRI runtime.
  --implementation builtin|command:CMD   what is under test (default builtin: podlife's engine);
                                         CMD speaks conformance/PROTOCOL.md on stdin/stdout
  --runtime fake|unix:///path            the CRI runtime (default fake: a fresh fake per case; a
                                         real one gets a fresh recording, fault-injecting CRI
                                         proxy per case); --runtime-endpoint is the same flag.
                                         fake:FLAVOR gives the fake's answers of a flavour
                                         (fakes/cri/README.md): fake = fake:cri, or
                                         fake:containerd-1.6.20
  --profile 1.21|1.35|all                which kubelet to compare against (default all)
  --image IMAGE                          the image pods use on a real runtime
                                         (default localhost/busybox:podlife)
  --junit FILE                           write a JUnit XML report
  --filter PATTERN                       gtest filter over Area.Case/profile, e.g. 'PreStop.*'
  --case-timeout SECONDS                 a case still running after SECONDS (default 60) fails
                                         with its diagnostics, is released (gates opened, pod
                                         cancelled, fake and hook endpoints shut down) and the
                                         run goes on; if it does not return within a grace
                                         (half the timeout, 5 to 30 s), the summary and JUnit
                                         report are written and the run exits 1
  --cases-markdown                       print CASES.md from the contract blocks and exit
  --behaviours-markdown FILE             print FILE (docs/behaviours.md) with its "checked by"
                                         blocks regenerated from the contract blocks, and exit
A failed case is followed by its diagnostics: the CRI calls the fake received, the events the
implementation recorded and the HTTP requests the hook endpoints saw, timed from the case start.
Exit status 0 when no case failed (skips do not fail) and gtest recorded no failure outside the
cases (the summary lists those too), 1 otherwise, 2 on a usage error.
)";

// --behaviours-markdown FILE: exit status 0 printed, 1 when FILE cannot be read or is malformed.
int PrintBehavioursMarkdown(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    std::cerr << "podlife-conformance: --behaviours-markdown: cannot read '" << path << "'\n";
    return 1;
  }
  std::ostringstream text;
  text << file.rdbuf();
  auto generated = podlife::conformance::BehavioursMarkdown(text.str(), path);
  if (!generated.ok()) {
    std::cerr << "podlife-conformance: --behaviours-markdown: " << generated.status().message() << "\n";
    return 1;
  }
  std::cout << *generated;
  return 0;
}

// The JUnit path gtest will write (--gtest_output=xml:PATH, or a directory ending in '/').
std::string JUnitPath(const char* program) {
  const std::string output = GTEST_FLAG_GET(output);
  if (output.rfind("xml:", 0) != 0) return "";
  std::string path = output.substr(4);
  if (path.empty() || path.back() == '/') {
    std::string name = program;
    name = name.substr(name.rfind('/') + 1);
    path += (name.empty() ? "test_detail" : name) + ".xml";
  }
  return path;
}
}  // namespace

int main(int argc, char** argv) {
  using podlife::conformance::CurrentSelection;
  // A command implementation may be gone (it crashed, or the watchdog killed its process group)
  // when the suite next writes to it: that write must fail with EPIPE, which the case reports,
  // instead of SIGPIPE ending the whole run.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<char*> rest = {argv[0]};
  auto value = [&](int& i, const std::string& flag, std::string* out) {
    const std::string arg = argv[i];
    if (arg == flag && i + 1 < argc) {
      *out = argv[++i];
      return true;
    }
    if (arg.rfind(flag + "=", 0) == 0) {
      *out = arg.substr(flag.size() + 1);
      return true;
    }
    return false;
  };
  std::chrono::seconds case_timeout{60};
  std::list<std::string> owned;  // gtest flags made from ours; `rest` points into them (list: stable)
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (std::string(argv[i]) == "--cases-markdown") {
      std::cout << podlife::conformance::CasesMarkdown();
      return 0;
    } else if (value(i, "--behaviours-markdown", &v)) {
      return PrintBehavioursMarkdown(v);
    } else if (value(i, "--implementation", &v)) {
      CurrentSelection().implementation = v;
    } else if (value(i, "--runtime", &v) || value(i, "--runtime-endpoint", &v)) {
      const bool fake_with_flavor = v.rfind("fake:", 0) == 0 && podlife::fakes::ParseFlavor(v.substr(5));
      if (v != "fake" && !fake_with_flavor && v.rfind("unix://", 0) != 0) {
        std::cerr << "podlife-conformance: --runtime: want fake, fake:FLAVOR (" << podlife::fakes::FlavorChoices()
                  << ") or unix:///path, got '" << v << "'\n";
        return 2;
      }
      CurrentSelection().runtime = v;
    } else if (value(i, "--junit", &v)) {
      owned.push_back("--gtest_output=xml:" + v);
      rest.push_back(owned.back().data());
    } else if (value(i, "--filter", &v)) {
      owned.push_back("--gtest_filter=" + v);
      rest.push_back(owned.back().data());
    } else if (value(i, "--case-timeout", &v)) {
      char* end = nullptr;
      const long seconds = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || seconds <= 0 || seconds > 24 * 3600) {
        std::cerr << "podlife-conformance: --case-timeout: want a whole number of seconds from 1 to 86400, got '" << v
                  << "'\n";
        return 2;
      }
      case_timeout = std::chrono::seconds(seconds);
    } else if (value(i, "--image", &v)) {
      CurrentSelection().image = v;
    } else if (value(i, "--profile", &v)) {
      if (v == "all") {
        CurrentSelection().profiles = {"1.21", "1.35"};
      } else if (v == "1.21" || v == "1.35") {
        CurrentSelection().profiles = {v};
      } else {
        std::cerr << "podlife-conformance: --profile: want 1.21, 1.35 or all, got '" << v << "'\n";
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  rest.push_back(nullptr);  // gtest, like main, expects argv[argc] == nullptr
  ::testing::InitGoogleTest(&rest_argc, rest.data());
  for (int i = 1; i < rest_argc; ++i) {
    if (std::string(rest[i]).rfind("--gtest_", 0) != 0) {
      std::cerr << "podlife-conformance: unknown option '" << rest[i] << "'\n" << kUsage;
      return 2;
    }
  }
  const auto& selection = CurrentSelection();
  std::string heading = "implementation " + selection.implementation + ", runtime " + selection.runtime + ", profiles";
  for (const auto& p : selection.profiles) heading += " " + p;
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  auto* summary = new podlife::conformance::SummaryPrinter(std::cout, heading);
  listeners.Append(summary);  // gtest owns it
  const std::string junit = JUnitPath(argv[0]);
  podlife::conformance::CaseWatchdog::Instance().Configure(case_timeout, [summary, junit, case_timeout](
                                                                             const std::string& stuck) {
    const auto grace = std::chrono::duration_cast<std::chrono::seconds>(
        podlife::conformance::CaseWatchdog::Instance().Grace());
    const std::string why = "did not return within " + std::to_string(grace.count()) +
                            " s after the watchdog released it (--case-timeout " +
                            std::to_string(case_timeout.count()) + " s); the run ends here";
    std::cout << "\n[ WATCHDOG ] " << stuck << " " << why << "\n";
    summary->Abandon(*::testing::UnitTest::GetInstance(), stuck, why, junit);
    std::cout << std::flush;
  });
  // The summary's RESULT and the exit status come from the same tally (summary.h).
  return summary->ExitStatus(RUN_ALL_TESTS());
}
