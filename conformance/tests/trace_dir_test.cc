// podlife-conformance --trace-dir / --trace-all: a Chrome trace per failing case (per case with
// --trace-all), valid by the format's rules and showing what the case did; clear usage errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"
#include "testsupport/trace_format.h"

namespace podlife {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Result RunSuite(std::vector<std::string> args) {
  args.insert(args.begin(), PODLIFE_CONFORMANCE_BIN);
  testsupport::ChildProcess p;
  EXPECT_TRUE(p.Start(args));
  auto code = p.Wait(120s);
  EXPECT_TRUE(code.has_value()) << "podlife-conformance did not finish";
  return {code.value_or(-1), p.DrainStdout(), p.DrainStderr()};
}

std::vector<std::string> FilesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

json ReadValidTrace(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(testsupport::ChromeTraceProblems(text.str()), IsEmpty()) << text.str();
  return json::parse(text.str(), nullptr, false);
}

// The names of the non-metadata events on the track called `track`, in order.
std::vector<std::string> EventsOn(const json& trace, const std::string& track) {
  int64_t tid = -1;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == track) tid = e["tid"];
  }
  std::vector<std::string> names;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "M" && e["tid"] == tid) names.push_back(e["name"]);
  }
  return names;
}

// The self-test case fails on purpose after an httpGet postStart hook: its trace is written.
TEST(ConformanceTraceDirTest, AFailingCaseGetsOneValidTraceWithItsCallsRequestsAndHookSpan) {
  testsupport::ScopedTempDir tmp("podlife-trace-dir");
  const fs::path dir = tmp.path() / "traces";
  setenv("PODLIFE_CONFORMANCE_SELFTEST", "1", 1);  // the self-test cases exist only then
  Result r = RunSuite({"--profile=1.35", "--filter=SelfTest.AFailureShowsTheDiagnostics/*",
                       "--trace-dir=" + dir.string()});
  unsetenv("PODLIFE_CONFORMANCE_SELFTEST");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  ASSERT_THAT(FilesIn(dir), ElementsAre("SelfTest.AFailureShowsTheDiagnostics_v135.json")) << r.out;
  const json trace = ReadValidTrace(dir / "SelfTest.AFailureShowsTheDiagnostics_v135.json");
  EXPECT_THAT(EventsOn(trace, "container app"),
              ::testing::IsSupersetOf({"created", "Created", "started", "Started", "postStart"}));
  EXPECT_THAT(EventsOn(trace, "HTTP hook requests"), ElementsAre("GET /started"));
  EXPECT_THAT(EventsOn(trace, "CRI calls"), ::testing::IsSupersetOf({"RunPodSandbox", "CreateContainer",
                                                                     "StartContainer"}));
}

TEST(ConformanceTraceDirTest, APassingCaseGetsATraceOnlyWithTraceAll) {
  testsupport::ScopedTempDir tmp("podlife-trace-dir");
  const std::vector<std::string> args = {"--profile=1.35", "--filter=Exec.HookRunsThroughExecSyncWithoutDeadline/*"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  Result r = RunSuite(with({"--trace-dir", (tmp.path() / "failing-only").string()}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(FilesIn(tmp.path() / "failing-only"), IsEmpty());
  r = RunSuite(with({"--trace-dir", (tmp.path() / "all").string(), "--trace-all"}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_THAT(FilesIn(tmp.path() / "all"), ElementsAre("Exec.HookRunsThroughExecSyncWithoutDeadline_v135.json"));
  const json trace = ReadValidTrace(tmp.path() / "all" / "Exec.HookRunsThroughExecSyncWithoutDeadline_v135.json");
  EXPECT_THAT(EventsOn(trace, "container app"), ::testing::Contains("postStart"));
}

TEST(ConformanceTraceDirTest, ADirectoryThatCannotBeMadeOrTraceAllAloneIsAUsageError) {
  testsupport::ScopedTempDir tmp("podlife-trace-dir");
  const std::string file = (tmp.path() / "file").string();
  std::ofstream(file) << "x";
  Result r = RunSuite({"--trace-dir", file + "/sub"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("podlife-conformance: --trace-dir: cannot write traces to " + file + "/sub: "));
  r = RunSuite({"--trace-all"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "podlife-conformance: --trace-all needs --trace-dir DIR (where the traces go)\n");
  r = RunSuite({"--help"});
  EXPECT_THAT(r.out, HasSubstr("--trace-dir DIR"));
  EXPECT_THAT(r.out, HasSubstr("--trace-all"));
}

}  // namespace
}  // namespace podlife
