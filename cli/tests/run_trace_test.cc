// `podlife run --trace`: the run's timeline as Chrome trace event JSON, valid by the format's
// rules and showing what the example predicts; clear errors for a path that cannot be written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/tests/run_podlife.h"
#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"
#include "testsupport/trace_format.h"

namespace podlife {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first non-metadata event on the track named `track` whose name is `name` and, when given,
// whose args.request contains `request`; null if none.
const json* FindEvent(const json& trace, const std::string& track, const std::string& name,
                      const std::string& request = "") {
  int64_t tid = -1;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == track) tid = e["tid"];
  }
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" || e["tid"] != tid || e["name"] != name) continue;
    if (!request.empty() && e["args"].value("request", "").find(request) == std::string::npos) continue;
    return &e;
  }
  return nullptr;
}

TEST(PodlifeRunTraceTest, SidecarTraceIsValidAndItsPostStartEndsBeforeTheAppIsCreated) {
  testsupport::ScopedTempDir tmp("podlife-run-trace");
  const std::string path = tmp.path().string() + "/sidecar.json";
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--trace", path});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string text = ReadFile(path);
  ASSERT_THAT(testsupport::ChromeTraceProblems(text), IsEmpty()) << text;
  const json trace = json::parse(text);
  const json* post_start = FindEvent(trace, "container proxy", "postStart");
  const json* create_app = FindEvent(trace, "CRI calls", "CreateContainer", "container=app");
  ASSERT_NE(post_start, nullptr) << text;
  ASSERT_NE(create_app, nullptr) << text;
  EXPECT_GE((*post_start)["dur"].get<int64_t>(), 1'900'000) << "the hook sleeps 2 s";
  EXPECT_LE((*post_start)["ts"].get<int64_t>() + (*post_start)["dur"].get<int64_t>(), (*create_app)["ts"].get<int64_t>())
      << "the app's CreateContainer began before the sidecar's postStart ended";
  for (const char* name : {"created", "started", "Created", "Started", "Killing", "StopContainer", "exit"}) {
    EXPECT_NE(FindEvent(trace, "container app", name), nullptr) << name;
    EXPECT_NE(FindEvent(trace, "container proxy", name), nullptr) << name;
  }
  const json* exec = FindEvent(trace, "CRI calls", "ExecSync");
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ((*exec)["args"]["deadline"], "none");  // EX-01: the hook's exec has no deadline
  EXPECT_EQ((*exec)["args"]["status"], "OK");
}

// ci/render-trace draws the trace (the README's picture) as a PNG.
TEST(PodlifeRunTraceTest, RenderTraceDrawsTheSidecarTraceAsAPng) {
  if (access("/usr/bin/gnuplot", X_OK) != 0) GTEST_SKIP() << "gnuplot is not installed (ci/install-deps)";
  testsupport::ScopedTempDir tmp("podlife-run-trace");
  const std::string trace = tmp.path().string() + "/sidecar.json";
  const std::string png = tmp.path().string() + "/sidecar.png";
  ASSERT_EQ(RunPodlife({"run", Example("sidecar.yaml"), "--trace", trace}).exit_code, 0);
  testsupport::ChildProcess render;
  ASSERT_TRUE(render.Start({std::string(PODLIFE_SOURCE_DIR) + "/ci/render-trace", trace, png}));
  EXPECT_EQ(render.Wait(60s).value_or(-1), 0) << render.DrainStderr();
  EXPECT_EQ(ReadFile(png).substr(0, 8), "\x89PNG\r\n\x1a\n");
  testsupport::ChildProcess bad;
  ASSERT_TRUE(bad.Start({std::string(PODLIFE_SOURCE_DIR) + "/ci/render-trace", png, png + ".2"}));
  EXPECT_EQ(bad.Wait(60s).value_or(-1), 1);
  EXPECT_THAT(bad.DrainStderr(), HasSubstr("render-trace: cannot read " + png + " as a Chrome trace"));
}

TEST(PodlifeRunTraceTest, AFailedRunStillWritesItsTraceWithTheFailureEvent) {
  testsupport::ScopedTempDir tmp("podlife-run-trace");
  const std::string path = tmp.path().string() + "/failing.json";
  RunOutput r = RunPodlife({"run", Example("failing-poststart.yaml"), "--trace=" + path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string text = ReadFile(path);
  ASSERT_THAT(testsupport::ChromeTraceProblems(text), IsEmpty()) << text;
  const json trace = json::parse(text);
  EXPECT_NE(FindEvent(trace, "container app", "postStart"), nullptr) << text;
  EXPECT_NE(FindEvent(trace, "container app", "FailedPostStartHook"), nullptr) << text;
}

TEST(PodlifeRunTraceTest, APathThatCannotBeWrittenIsAUsageErrorBeforeTheRun) {
  testsupport::ScopedTempDir tmp("podlife-run-trace");
  const std::string missing = tmp.path().string() + "/no/such/dir/t.json";
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--trace", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "podlife run: --trace: cannot write " + missing + ": No such file or directory\n");
  EXPECT_THAT(r.out, Not(HasSubstr("Events:")));  // nothing ran
  r = RunPodlife({"run", Example("sidecar.yaml"), "--trace", tmp.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "podlife run: --trace: cannot write " + tmp.path().string() + ": it is a directory\n");
  r = RunPodlife({"run", Example("sidecar.yaml"), "--trace"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--trace needs a value"));
}

TEST(PodlifeRunTraceTest, AnUnreachableRuntimeLeavesAValidTraceWithoutACriTrack) {
  testsupport::ScopedTempDir tmp("podlife-run-trace");
  const std::string path = tmp.path().string() + "/unreachable.json";
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--runtime-endpoint",
                            "unix://" + tmp.path().string() + "/none.sock", "--trace", path});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const std::string text = ReadFile(path);
  ASSERT_THAT(testsupport::ChromeTraceProblems(text), IsEmpty()) << text;
  EXPECT_EQ(json::parse(text)["otherData"]["cri_calls"], "not recorded: the runtime has no call log");
}

TEST(PodlifeRunTraceTest, HelpExplainsTrace) {
  RunOutput r = RunPodlife({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--trace FILE.json"));
  EXPECT_THAT(r.out, HasSubstr("Perfetto UI (ui.perfetto.dev) and chrome://tracing"));
}

}  // namespace
}  // namespace podlife
