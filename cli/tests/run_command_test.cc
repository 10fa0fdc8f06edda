// `podlife run` as a user runs it: the examples against the embedded fake runtime, events in the
// order the spec predicts, exit statuses, and clear errors for bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "testsupport/child_process.h"

namespace podlife {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testsupport::ChildProcess;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 60s;

struct RunOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunOutput RunPodlife(std::vector<std::string> args) {
  args.insert(args.begin(), PODLIFE_BIN);
  ChildProcess p;
  EXPECT_TRUE(p.Start(args));
  RunOutput r;
  auto code = p.Wait(kWait);
  EXPECT_TRUE(code.has_value()) << "podlife run did not finish";
  r.exit_code = code.value_or(-1);
  r.out = p.DrainStdout();
  r.err = p.DrainStderr();
  return r;
}

std::string Example(const std::string& name) { return std::string(PODLIFE_SOURCE_DIR) + "/examples/" + name; }

// The (reason, object) of every JSON event line, in order.
std::vector<std::string> Reasons(const std::string& json_lines, bool with_object = false) {
  std::vector<std::string> out;
  std::regex event(R"re(\{"type":"[^"]*","reason":"([^"]*)","object":"([^"]*)")re");
  for (auto it = std::sregex_iterator(json_lines.begin(), json_lines.end(), event); it != std::sregex_iterator(); ++it) {
    out.push_back(with_object ? (*it)[1].str() + " " + (*it)[2].str() : (*it)[1].str());
  }
  return out;
}

TEST(PodlifeRunTest, FailingPostStartGivesCreatedStartedFailedPostStartHookKilling) {
  RunOutput r = RunPodlife({"run", Example("failing-poststart.yaml"), "--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Reasons(r.out), ElementsAre("Created", "Started", "FailedPostStartHook", "Killing"));
  EXPECT_THAT(r.out, HasSubstr("\"message\":\"PostStartHook failed\""));
  EXPECT_THAT(r.out, HasSubstr("pod failed: container app: PostStartHookError"));
}

TEST(PodlifeRunTest, Profile121PutsTheWholeHookMessageInTheEvent) {
  RunOutput r = RunPodlife({"run", Example("failing-poststart.yaml"), "--profile", "1.21"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("Exec lifecycle hook ([/bin/sh -c echo starting; exit 3]) for Container \"app\" in Pod "
                               "\"failing-poststart_default("));
  EXPECT_THAT(r.out, HasSubstr("exited with 3: , message: \"starting\\n\""));
  EXPECT_THAT(r.out, HasSubstr("Created container app"));
}

TEST(PodlifeRunTest, LifecycleDemoStartsAndTerminatesThroughPreStop) {
  RunOutput r = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(Reasons(r.out), ElementsAre("Created", "Started", "Killing"));
  EXPECT_THAT(r.out, HasSubstr("Stopping container lifecycle-demo-container"));
  EXPECT_THAT(r.out, HasSubstr("pod terminated"));
}

TEST(PodlifeRunTest, SidecarStartsBeforeTheAppAndStopsAfterIt) {
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto events = Reasons(r.out, true);
  ASSERT_GE(events.size(), 6u) << r.out;
  EXPECT_THAT(std::vector<std::string>(events.begin(), events.begin() + 4),
              ElementsAre("Created spec.initContainers{proxy}", "Started spec.initContainers{proxy}",
                          "Created spec.containers{app}", "Started spec.containers{app}"));
}

// In 1.21 the sidecar example's proxy is an ordinary init container that never exits, so the
// sync never finishes; --terminate-after must still end the run through the kill path.
TEST(PodlifeRunTest, TerminateAfterEndsASyncThatIsStillWaitingForAnInitContainer) {
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--profile", "1.21", "--terminate-after", "1",
                            "--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Reasons(r.out, true), ElementsAre("Created spec.initContainers{proxy}",
                                                "Started spec.initContainers{proxy}",
                                                "Killing spec.initContainers{proxy}"));
  EXPECT_THAT(r.out, HasSubstr("cancelled while waiting for init container proxy"));
}

// The Job-style example (1.35, M1): once the job exited, the next sync kills the finished pod,
// stopping the still-running sidecar; the run exits 0. An engine whose running sidecar kept the
// pod alive would never finish it: --terminate-after would end the run with exit status 1 and
// Killing events for both containers.
TEST(PodlifeRunTest, UntilFinishedStopsTheSidecarOnceTheJobCompletedAndExits0) {
  RunOutput r = RunPodlife({"run", Example("job-with-sidecar.yaml"), "--until-finished", "--terminate-after", "20",
                            "--fake-scenario", Example("job-with-sidecar.scenario.yaml"), "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(Reasons(r.out, true),
              ElementsAre("Created spec.initContainers{log-shipper}", "Started spec.initContainers{log-shipper}",
                          "Created spec.containers{job}", "Started spec.containers{job}",
                          "Killing spec.initContainers{log-shipper}"));
  const auto exited = r.out.find("container job exited with 0");
  const auto killing = r.out.find("\"reason\":\"Killing\"");
  ASSERT_NE(exited, std::string::npos) << r.out;
  ASSERT_NE(killing, std::string::npos) << r.out;
  EXPECT_LT(exited, killing) << "the sidecar is stopped after the job completed";
  EXPECT_THAT(r.out, HasSubstr("pod finished: job exited 0"));
  EXPECT_THAT(r.out, Not(HasSubstr("did not finish")));
}

// A job that fails under restartPolicy Never finishes the pod too (the sidecar is stopped), but
// the run reports the failure.
TEST(PodlifeRunTest, UntilFinishedExits1WhenTheJobFailed) {
  fs::path dir = fs::temp_directory_path() / ("podlife-cli-job-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "fails.yaml") << "workloads:\n  - container: job\n    exitsAfterSeconds: 0.2\n    exitCode: 3\n";
  RunOutput r = RunPodlife({"run", Example("job-with-sidecar.yaml"), "--until-finished", "--terminate-after", "20",
                            "--fake-scenario", (dir / "fails.yaml").string(), "--output", "json"});
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  ASSERT_FALSE(Reasons(r.out, true).empty()) << r.out;
  EXPECT_EQ(Reasons(r.out, true).back(), "Killing spec.initContainers{log-shipper}");
  EXPECT_THAT(r.out, HasSubstr("container job exited with 3"));
  EXPECT_THAT(r.out, HasSubstr("pod finished: job exited 3"));
}

TEST(PodlifeRunTest, HttpPostStartWithoutHostReachesThePodIp) {
  httplib::Server server;
  std::atomic<int> hits{0};
  std::string seen_path;
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    seen_path = req.path;
    hits++;
    res.status = 404;  // any status is success (HT-08)
  });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { server.listen_after_bind(); });
  fs::path dir = fs::temp_directory_path() / ("podlife-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "pod.yaml") << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: http-hook\nspec:\n"
                                     "  terminationGracePeriodSeconds: 2\n  containers:\n  - name: web\n"
                                     "    image: busybox\n    lifecycle:\n      postStart:\n        httpGet:\n"
                                     "          path: /users\n          port: "
                                  << port << "\n";
  RunOutput r = RunPodlife({"run", (dir / "pod.yaml").string(), "--output", "json"});
  server.stop();
  serving.join();
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(hits.load(), 1);
  EXPECT_EQ(seen_path, "/users");
  EXPECT_THAT(Reasons(r.out), ElementsAre("Created", "Started", "Killing"));
}

TEST(PodlifeRunTest, HttpPostStartToAClosedPortFailsTheHook) {
  fs::path dir = fs::temp_directory_path() / ("podlife-cli-closed-" + std::to_string(getpid()));
  fs::create_directories(dir);
  // Port 1 on loopback: nothing listens there.
  std::ofstream(dir / "pod.yaml") << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: closed\nspec:\n"
                                     "  containers:\n  - name: web\n    image: busybox\n    lifecycle:\n"
                                     "      postStart:\n        httpGet:\n          path: /x\n          port: 1\n";
  RunOutput r = RunPodlife({"run", (dir / "pod.yaml").string(), "--profile", "1.21", "--output", "json"});
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(Reasons(r.out), ElementsAre("Created", "Started", "FailedPostStartHook", "Killing"));
  EXPECT_THAT(r.out, HasSubstr("Http lifecycle hook (/x) for Container \\\"web\\\""));
  EXPECT_THAT(r.out, HasSubstr("connection refused"));
}

TEST(PodlifeRunTest, AnInvalidManifestNamesTheFieldAndLine) {
  fs::path dir = fs::temp_directory_path() / ("podlife-cli-bad-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.yaml") << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n"
                                     "  - name: app\n";
  RunOutput r = RunPodlife({"run", (dir / "bad.yaml").string()});
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml:7: spec.containers[0].image: required"));
}

TEST(PodlifeRunTest, BadFlagsAreUsageErrors) {
  RunOutput unknown = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--bogus"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown option '--bogus'"));
  RunOutput profile = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--profile", "1.99"});
  EXPECT_EQ(profile.exit_code, 2);
  EXPECT_THAT(profile.err, HasSubstr("--profile must be 1.21 or 1.35, got '1.99'"));
  RunOutput both = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--wait", "--until-finished"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("--wait and --until-finished cannot be combined"));
  RunOutput missing = RunPodlife({"run"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("a pod manifest is required"));
  RunOutput help = RunPodlife({"run", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--runtime-endpoint ADDRESS"));
}

TEST(PodlifeRunTest, AnUnreachableRuntimeIsExitStatus3) {
  RunOutput r = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--runtime-endpoint", "unix:///nonexistent/podlife.sock"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the CRI runtime at unix:///nonexistent/podlife.sock"));
}

}  // namespace
}  // namespace podlife
