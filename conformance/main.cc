// podlife-conformance: the conformance suite's one gtest binary.
//   --implementation builtin|command:CMD   what is under test (default builtin)
//   --runtime fake|unix:///path            the CRI runtime (default: a fresh fake per case)
//   --profile 1.21|1.35|all                which kubelet to compare against (default all)
//   --image IMAGE                          the image pods use on a real runtime
//   --junit FILE                           JUnit XML report (= --gtest_output=xml:FILE)
//   --filter PATTERN                       cases to run, e.g. 'PreStop.*' (= --gtest_filter)
//   --case-timeout SECONDS                 fail a case still running after SECONDS (default 60)
//   --trace-dir DIR [--trace-all]          a Chrome trace per failing case (per case) in DIR
//   --cases-markdown                       print CASES.md (from the contract blocks) and exit
//   --list-cases                           print the case runs the options select, one JSON line
//                                          each (case_list.h), and exit
//   --behaviours-markdown FILE             print FILE (docs/behaviours.md) with its checked-by blocks
//                                          regenerated from the contract blocks, and exit
//   --version                              print the version and the profiles, and exit
// Every other flag is gtest's (--gtest_filter, --gtest_shuffle, --gtest_output=xml:FILE, ...).
// At the end a summary table per area (passed, failed, skipped and why) goes to stdout; it and the
// JUnit report name the podlife version, the implementation, the runtime and the profiles.
#include <gtest/gtest.h>

#include <fstream>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <list>
#include <sstream>

#include "conformance/case_list.h"
#include "conformance/cases_markdown.h"
#include "conformance/framework.h"
#include "conformance/interruption.h"
#include "fakes/cri/flavor.h"
#include "src/core/endpoint.h"
#include "src/core/version.h"
#include "conformance/summary.h"
#include "trace/trace_file.h"
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
  --trace-dir DIR                        write each failing case's timeline to DIR (made if
                                         missing) as Chrome trace event JSON, which Perfetto UI
                                         (ui.perfetto.dev) and chrome://tracing open as is:
                                         DIR/<Area>.<Case>_<profile>.json with a track per
                                         container (created, started, postStart and preStop
                                         spans, StopContainer, exit, its events), the CRI calls
                                         (deadline, status), the HTTP hook requests and the
                                         pod's events, timed from the case start
  --trace-all                            with --trace-dir: a trace for every case that ran,
                                         passed or failed
  --cases-markdown                       print CASES.md from the contract blocks and exit
  --list-cases                           print the case runs that --profile and --filter select,
                                         one JSON object per line (test, area, case, profile,
                                         ids, needs, must; a case only under the profiles it
                                         applies to), and exit; `test` is the --filter value
                                         that runs it (cmake's podlife_add_conformance reads it)
  --behaviours-markdown FILE             print FILE (docs/behaviours.md) with its "checked by"
                                         blocks regenerated from the contract blocks, and exit
  --version                              print the version and the profiles this build knows
The summary's heading and the JUnit report's <testsuites> attributes (podlife_version,
implementation, runtime, profiles) say what was tested with what.
A failed case is followed by its diagnostics: the CRI calls the fake received, the events the
implementation recorded and the HTTP requests the hook endpoints saw, timed from the case start.
Before the first case the suite checks that a real runtime answers and that a command
implementation starts and sends its hello within 10 s. SIGINT, SIGTERM or SIGHUP kill every
implementation process group, fail the running case, skip the rest and write the summary and
JUnit report (a second signal exits at once).
Exit status 0 when no case failed (skips do not fail) and gtest recorded no failure outside the
cases (the summary lists those too), 1 otherwise, 2 on a usage error (also: --filter matches no
case), 3 when the runtime or the implementation cannot be used (the start-up check; the JUnit
report, when asked for, then holds one failed testcase StartUp with the reason), 128+N when
ended by signal N.
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

// gtest's filter syntax: POSITIVE[-NEGATIVE], each ':'-separated patterns of '*' and '?'.
bool GlobMatches(const char* pattern, const char* text) {
  if (*pattern == '\0' || *pattern == ':') return *text == '\0';
  if (*pattern == '*') return GlobMatches(pattern + 1, text) || (*text != '\0' && GlobMatches(pattern, text + 1));
  return *text != '\0' && (*pattern == '?' || *pattern == *text) && GlobMatches(pattern + 1, text + 1);
}
bool AnyPatternMatches(const std::string& patterns, const std::string& name) {
  for (size_t at = 0; at <= patterns.size();) {
    if (GlobMatches(patterns.c_str() + at, name.c_str())) return true;
    const size_t colon = patterns.find(':', at);
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  return false;
}
// Whether the gtest filter selects the test `name` (Area.Case/vNNN).
bool FilterSelects(const std::string& filter, const std::string& name) {
  const size_t dash = filter.find('-');
  std::string positive = filter.substr(0, dash);
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  if (positive.empty()) positive = "*";
  return AnyPatternMatches(positive, name) && !(negative.size() && AnyPatternMatches(negative, name));
}
// How many registered cases (of the selected profiles) the gtest filter selects.
int CasesSelectedBy(const std::string& filter) {
  int count = 0;
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      if (FilterSelects(filter, std::string(suite.name()) + "." + suite.GetTestInfo(j)->name())) ++count;
    }
  }
  return count;
}

// The start-up checks: the runtime answers, a command implementation starts and says hello.
// "" or what is wrong.
std::string CheckStartUp() {
  const auto& selection = podlife::conformance::CurrentSelection();
  if (std::string why = podlife::conformance::CheckRuntimeReachable(selection.runtime); !why.empty()) {
    return "--runtime: " + why;
  }
  std::string error;
  if (!podlife::conformance::MakeImplementation(selection.implementation, &error)) {
    return "--implementation " + selection.implementation + ": " + error;
  }
  return "";
}

// What this run tests with what: podlife's version, the implementation, the runtime, the profiles.
podlife::conformance::RunIdentity RunIdentityOf(const podlife::conformance::Selection& selection) {
  std::string profiles;
  for (const auto& p : selection.profiles) profiles += (profiles.empty() ? "" : " ") + p;
  podlife::conformance::RunIdentity identity;
  identity.heading = std::string("podlife ") + podlife::Version() + ", implementation " + selection.implementation +
                     ", runtime " + selection.runtime + ", profiles " + profiles;
  identity.attributes = {{"podlife_version", podlife::Version()},
                         {"implementation", selection.implementation},
                         {"runtime", selection.runtime},
                         {"profiles", profiles}};
  return identity;
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
  // Before any thread exists, so every thread has the signals blocked for the signal thread.
  podlife::conformance::HandleInterruptions([] { podlife::conformance::CaseWatchdog::Instance().ExpireNow(); });
  auto interrupted_status = [] {
    const int signal = podlife::conformance::InterruptingSignal();
    return signal == 0 ? 0 : 128 + signal;
  };
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
  bool list_cases = false;       // --list-cases: after the options, which select what it lists
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (std::string(argv[i]) == "--version") {
      std::cout << podlife::VersionText("podlife-conformance");
      return 0;
    } else if (std::string(argv[i]) == "--cases-markdown") {
      std::cout << podlife::conformance::CasesMarkdown();
      return 0;
    } else if (std::string(argv[i]) == "--list-cases") {
      list_cases = true;
    } else if (value(i, "--behaviours-markdown", &v)) {
      return PrintBehavioursMarkdown(v);
    } else if (value(i, "--implementation", &v)) {
      if (v != "builtin" && (v.rfind("command:", 0) != 0 || v.find_first_not_of(" \t", 8) == std::string::npos)) {
        std::cerr << "podlife-conformance: --implementation: want builtin or command:CMD (CMD a shell command "
                     "speaking conformance/PROTOCOL.md), got '"
                  << v << "'\n";
        return 2;
      }
      CurrentSelection().implementation = v;
    } else if (value(i, "--runtime", &v) || value(i, "--runtime-endpoint", &v)) {
      const bool fake_with_flavor = v.rfind("fake:", 0) == 0 && podlife::fakes::ParseFlavor(v.substr(5));
      if (v != "fake" && !fake_with_flavor && v.rfind("unix://", 0) != 0) {
        std::cerr << "podlife-conformance: --runtime: want fake, fake:FLAVOR (" << podlife::fakes::FlavorChoices()
                  << ") or unix:///path, got '" << v << "'\n";
        return 2;
      }
      if (v.rfind("unix://", 0) == 0) {
        auto parsed = podlife::ParseEndpoint(v);
        if (auto* bad = std::get_if<podlife::EndpointError>(&parsed)) {
          std::cerr << "podlife-conformance: --runtime: " << bad->message << "\n";
          return 2;
        }
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
    } else if (value(i, "--trace-dir", &v)) {
      if (std::string error = podlife::trace::PrepareTraceDir(v); !error.empty()) {
        std::cerr << "podlife-conformance: --trace-dir: " << error << "\n";
        return 2;
      }
      CurrentSelection().trace_dir = v;
    } else if (std::string(argv[i]) == "--trace-all") {
      CurrentSelection().trace_all = true;
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
  if (CurrentSelection().trace_all && CurrentSelection().trace_dir.empty()) {
    std::cerr << "podlife-conformance: --trace-all needs --trace-dir DIR (where the traces go)\n";
    return 2;
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
  if (list_cases) {
    const std::string filter = GTEST_FLAG_GET(filter);
    if (podlife::conformance::WriteCaseList(std::cout, [&](const std::string& test) {
          return FilterSelects(filter, test);
        }) == 0) {
      std::cerr << "podlife-conformance: --list-cases: --filter '" << filter
                << "' selects no case run of the selected profiles\n";
      return 2;
    }
    return 0;
  }
  if (!GTEST_FLAG_GET(list_tests)) {
    const std::string filter = GTEST_FLAG_GET(filter);
    if (CasesSelectedBy(filter) == 0) {
      std::cerr << "podlife-conformance: --filter '" << filter
                << "' matches no case of the selected profiles (--gtest_list_tests lists them)\n";
      return 2;
    }
    if (const std::string failed = CheckStartUp(); !failed.empty()) {
      std::cerr << "podlife-conformance: " << failed << "\n";
      if (const std::string junit = JUnitPath(argv[0]); !junit.empty()) {
        const std::string unwritten =
            podlife::conformance::WriteStartUpFailure(junit, RunIdentityOf(CurrentSelection()), failed);
        if (!unwritten.empty()) std::cerr << "podlife-conformance: " << unwritten << "\n";
      }
      return interrupted_status() ? interrupted_status() : 3;
    }
  }
  const auto& selection = CurrentSelection();
  const podlife::conformance::RunIdentity identity = RunIdentityOf(selection);
  // Outside every case, gtest writes these as attributes of the report's <testsuites>.
  for (const auto& [key, value] : identity.attributes) ::testing::Test::RecordProperty(key, value);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  auto* summary = new podlife::conformance::SummaryPrinter(std::cout, identity);
  listeners.Append(summary);  // gtest owns it
  const std::string junit = JUnitPath(argv[0]);
  podlife::conformance::CaseWatchdog::Instance().Configure(case_timeout, [summary, junit, case_timeout,
                                                            interrupted_status](const std::string& stuck) {
    const auto grace = std::chrono::duration_cast<std::chrono::seconds>(
        podlife::conformance::CaseWatchdog::Instance().Grace());
    const std::string why = "did not return within " + std::to_string(grace.count()) +
                            " s after the watchdog released it (--case-timeout " +
                            std::to_string(case_timeout.count()) + " s); the run ends here";
    std::cout << "\n[ WATCHDOG ] " << stuck << " " << why << "\n";
    summary->Abandon(*::testing::UnitTest::GetInstance(), stuck, why, junit);
    std::cout << std::flush;
    if (interrupted_status() != 0) std::_Exit(interrupted_status());
  });
  // The summary's RESULT and the exit status come from the same tally (summary.h).
  const int status = summary->ExitStatus(RUN_ALL_TESTS());
  if (const int signal = podlife::conformance::InterruptingSignal()) {
    std::cout << "podlife-conformance: the run was interrupted by " << podlife::conformance::SignalName(signal)
              << "; exit status " << 128 + signal << "\n";
    return 128 + signal;
  }
  return status;
}
