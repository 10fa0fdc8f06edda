// `podlife run` as a user runs it: the examples against the embedded fake runtime, events in the
// order the spec predicts, exit statuses, and clear errors for bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "cli/tests/run_podlife.h"
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
// sync never finishes; --terminate-after must still end the run through the kill path. It comes
// 2 s after the proxy's 2 s postStart, so the sync is waiting for the exit (a stop during the
// hook kills the pod around the hook instead: SignalTerminatesAPodWhosePostStartHookNeverReturns).
TEST(PodlifeRunTest, TerminateAfterEndsASyncThatIsStillWaitingForAnInitContainer) {
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--profile", "1.21", "--terminate-after", "4",
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

// A folder for one test's files, removed at the end.
class TestFiles {
 public:
  explicit TestFiles(const std::string& name)
      : dir_(fs::temp_directory_path() / ("podlife-cli-" + name + "-" + std::to_string(getpid()))) {
    fs::create_directories(dir_);
  }
  ~TestFiles() { fs::remove_all(dir_); }
  std::string Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
    return (dir_ / file).string();
  }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

// A pod whose postStart exec never returns (`sleep` in the fake's simulated shell); its
// container ends at once on TERM, so only the hook can keep the run waiting.
constexpr char kHangingPostStart[] = R"(apiVersion: v1
kind: Pod
metadata: {name: hangs}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    lifecycle:
      postStart: {exec: {command: [sh, -c, "sleep 100000"]}}
)";

// Reads stdout lines until one contains `text` (deadline kWait); every line read goes to `seen`.
bool ReadUntil(ChildProcess& p, const std::string& text, std::string& seen) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = p.ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!line) return false;
    seen += *line + "\n";
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

// Before: the run ignored SIGINT and SIGTERM while the postStart hook hung; only SIGKILL ended it.
TEST(PodlifeRunTest, SignalTerminatesAPodWhosePostStartHookNeverReturns) {
  TestFiles files("signal");
  const std::string pod = files.Write("pod.yaml", kHangingPostStart);
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(strsignal(sig));
    ChildProcess p;
    ASSERT_TRUE(p.Start({PODLIFE_BIN, "run", pod, "--output", "json"}));
    std::string out;
    ASSERT_TRUE(ReadUntil(p, "\"reason\":\"Started\"", out)) << out << p.DrainStderr();
    p.Signal(sig);
    auto code = p.Wait(kWait);
    ASSERT_TRUE(code.has_value()) << "podlife run ignored the signal: " << out << p.DrainStdout();
    out += p.DrainStdout();
    EXPECT_EQ(*code, 1) << out;
    EXPECT_THAT(out, HasSubstr(sig == SIGINT ? "SIGINT (Ctrl-C): terminating the pod" : "SIGTERM: terminating the pod"));
    EXPECT_THAT(out, HasSubstr("the sync still waits for the postStart hook of container app"));
    // The pod is killed with its grace period: Killing for app, then the hook ends with its container.
    EXPECT_THAT(Reasons(out), ElementsAre("Created", "Started", "Killing", "FailedPostStartHook", "Killing"));
    EXPECT_THAT(out, HasSubstr("Stopping container app"));
  }
}

// The embedded fake's private directories (`podlife-cri-<pid>-*`, `podlife-cri-logs-<pid>-*`)
// of a run that a fatal signal ends. Before: SIGHUP left both behind.
std::vector<fs::path> PrivateDirsOf(pid_t pid) {
  std::vector<fs::path> found;
  const std::string socket_dir = "podlife-cri-" + std::to_string(pid) + "-";
  const std::string log_dir = "podlife-cri-logs-" + std::to_string(pid) + "-";
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(socket_dir, 0) == 0 || name.rfind(log_dir, 0) == 0) found.push_back(entry.path());
  }
  return found;
}

TEST(PodlifeRunTest, AFatalSignalLeavesNoPrivateDirectoryBehind) {
  TestFiles files("fatal");
  const std::string pod = files.Write("pod.yaml", kHangingPostStart);
  ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "run", pod, "--output", "json"}));
  std::string out;
  ASSERT_TRUE(ReadUntil(p, "\"reason\":\"Started\"", out)) << out << p.DrainStderr();
  ASSERT_FALSE(PrivateDirsOf(p.pid()).empty()) << "the embedded fake made no private directory";
  p.Signal(SIGHUP);
  ASSERT_TRUE(p.Wait(kWait).has_value()) << "podlife run outlived SIGHUP";
  EXPECT_THAT(PrivateDirsOf(p.pid()), ::testing::IsEmpty());
}

// A pod of 1,000 containers with preStop hooks. Before: every hook kept its own copy of the whole
// Pod until it ended, so memory grew with the square of the containers (352 MB peak here; about
// 120 MB with one shared copy).
TEST(PodlifeRunTest, ManyPreStopHooksShareOnePodCopy) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's own memory hides the figure; the default preset measures it";
#endif
  std::string manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n";
  for (int i = 0; i < 1000; ++i) {
    manifest += "  - name: c" + std::to_string(i) +
                "\n    image: busybox\n    lifecycle:\n      preStop: {exec: {command: [\"true\"]}}\n";
  }
  TestFiles files("many");
  const std::string pod = files.Write("pod.yaml", manifest);
  ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "run", pod, "--output", "json"}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  size_t lines = 0;  // read as it comes: a full pipe would stop the run
  while (p.ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()))) ++lines;
  auto code = p.Wait(10s);
  ASSERT_TRUE(code.has_value()) << "podlife run did not finish (" << lines << " lines read)";
  EXPECT_EQ(*code, 0) << p.DrainStderr();
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 250 * 1024) << "peak resident set size in KiB";
}

// Before: --terminate-after was ignored while the postStart hook hung. An httpGet hook to a
// listener that never answers does not end when its container stops: it is abandoned.
TEST(PodlifeRunTest, TerminateAfterAbandonsAnHttpPostStartHookThatNeverAnswers) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 8), 0);  // connections complete in the backlog; nobody ever answers
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  TestFiles files("abandon");
  const std::string pod = files.Write(
      "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: silent}\nspec:\n  terminationGracePeriodSeconds: 2\n"
                  "  containers:\n  - name: app\n    image: busybox\n    lifecycle:\n      postStart: {httpGet: {path: /, port: " +
                      std::to_string(ntohs(addr.sin_port)) + "}}\n");
  RunOutput r = RunPodlife({"run", pod, "--terminate-after", "1", "--output", "json"});
  close(listener);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("--terminate-after 1s passed: terminating the pod"));
  EXPECT_THAT(r.out, HasSubstr("the sync still waits for the postStart hook of container app"));
  EXPECT_THAT(Reasons(r.out), ElementsAre("Created", "Started", "Killing"));
  EXPECT_THAT(r.out, HasSubstr("abandoning the sync: it has not returned 2s after the pod was stopped"));
}

// Before: nothing was printed while the run waited.
TEST(PodlifeRunTest, ProgressSaysOnStderrWhatTheRunWaitsForAndHowLong) {
  TestFiles files("progress");
  const std::string pod = files.Write("pod.yaml", kHangingPostStart);
  ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "run", pod, "--progress-every", "1"}));
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = p.ReadErrLine(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!line) break;
    lines.push_back(*line);
    if (line->find("(2s)") != std::string::npos) break;
  }
  p.Signal(SIGTERM);
  EXPECT_TRUE(p.Wait(kWait).has_value());
  EXPECT_THAT(lines, ::testing::Contains("podlife run: still waiting for the postStart hook of container app (1s)"));
  EXPECT_THAT(lines, ::testing::Contains("podlife run: still waiting for the postStart hook of container app (2s)"));
}

// In 1.21 the sidecar example's proxy is an init container that never exits (after its postStart).
TEST(PodlifeRunTest, ProgressNamesTheInitContainerTheSyncWaitsFor) {
  RunOutput r = RunPodlife({"run", Example("sidecar.yaml"), "--profile", "1.21", "--terminate-after", "3",
                            "--progress-every", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("podlife run: still waiting for the postStart hook of init container proxy, then its "
                               "exit (2s)\n"));
}

// An unresponsive runtime: it accepts connections and never answers Version.
TEST(PodlifeRunTest, ProgressAndSignalsWorkWhileTheRuntimeDoesNotAnswer) {
  TestFiles files("mute");
  const std::string socket_path = files.dir() + "/mute.sock";
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "run", Example("lifecycle-demo.yaml"), "--runtime-endpoint", "unix://" + socket_path,
                       "--progress-every", "1"}));
  auto line = p.ReadErrLine(kWait);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "podlife run: still waiting for the CRI runtime at unix://" + socket_path + " to answer Version (1s)");
  p.Signal(SIGINT);
  auto code = p.Wait(kWait);
  close(listener);
  ASSERT_TRUE(code.has_value()) << "podlife run ignored SIGINT while the runtime did not answer";
  EXPECT_EQ(*code, 3);
  EXPECT_THAT(p.DrainStderr(), HasSubstr("SIGINT (Ctrl-C) while waiting for the CRI runtime at unix://" + socket_path +
                                         " to answer Version; nothing was started"));
}

// Before: `lifecyle:` was ignored, the hook never ran and the run exited 0.
TEST(PodlifeRunTest, UnknownManifestFieldIsAnErrorUnlessLenient) {
  TestFiles files("typo");
  const std::string pod = files.Write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers:
  - name: app
    image: busybox
    lifecyle:
      postStart: {exec: {command: [sh, -c, "exit 1"]}}
)");
  RunOutput strict = RunPodlife({"run", pod});
  EXPECT_EQ(strict.exit_code, 2) << strict.out;
  EXPECT_THAT(strict.err, HasSubstr("pod.yaml:8: spec.containers[0].lifecyle: unknown field (did you mean lifecycle?)"));
  EXPECT_THAT(strict.err, HasSubstr("--lenient"));
  RunOutput lenient = RunPodlife({"run", pod, "--lenient"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.out << lenient.err;
  EXPECT_THAT(lenient.err, HasSubstr("warning: " + pod + ":8: spec.containers[0].lifecyle: unknown field (did you mean "
                                     "lifecycle?), ignored"));
}

// Before: --wait --terminate-after ran (the timer silently ignored), an endpoint syntax error
// exited 3 (runtime unreachable) and --fake-scenario accepted a directory as an empty scenario.
TEST(PodlifeRunTest, ConflictingOrMalformedCommandLinesAreUsageErrors) {
  RunOutput both = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--wait", "--terminate-after", "5"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("--wait and --terminate-after cannot be combined"));
  RunOutput endpoint = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--runtime-endpoint", "bogus://x"});
  EXPECT_EQ(endpoint.exit_code, 2);
  EXPECT_THAT(endpoint.err, HasSubstr("--runtime-endpoint: endpoint 'bogus://x': unsupported scheme"));
  RunOutput scenario = RunPodlife({"run", Example("lifecycle-demo.yaml"), "--fake-scenario", PODLIFE_SOURCE_DIR});
  EXPECT_EQ(scenario.exit_code, 2);
  EXPECT_THAT(scenario.err, HasSubstr(std::string(PODLIFE_SOURCE_DIR) + ": is a directory, not a scenario file"));
  RunOutput manifest = RunPodlife({"run", PODLIFE_SOURCE_DIR});
  EXPECT_EQ(manifest.exit_code, 2);
  EXPECT_THAT(manifest.err, HasSubstr("is a directory, not a pod manifest"));
}

// Before: the text output ended the message at the NUL, dropping the rest and the object.
TEST(PodlifeRunTest, TextOutputEscapesANulByteInAnEventMessage) {
  TestFiles files("nul");
  const std::string pod = files.Write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: nul}
spec:
  containers:
  - name: app
    image: busybox
    lifecycle:
      postStart: {exec: {command: [sh, -c, "exit 3", "a\0b"]}}
)");
  RunOutput r = RunPodlife({"run", pod, "--profile", "1.21"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Exec lifecycle hook ([sh -c exit 3 a\\x00b]) for Container \"app\""));
  EXPECT_EQ(r.out.find('\0'), std::string::npos);
  EXPECT_THAT(r.out, HasSubstr("(spec.containers{app})\n"));
}

}  // namespace
}  // namespace podlife
