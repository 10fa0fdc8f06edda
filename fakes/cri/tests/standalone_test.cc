// Tests of the standalone podlife-fake-cri program, started as a process and driven over its
// socket: by our CRI client, by the podlife-cri-smoke driver, and by crictl when installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"
#include "fakes/cri/tests/cri_test_client.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using podlife::testsupport::ChildProcess;
using testing::CriTestClient;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 20s;

class StandaloneFakeCriTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << "cannot make a private temp directory";
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Starts the program and returns the address it announced.
  std::string StartServer(ChildProcess& server, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {PODLIFE_FAKE_CRI_BIN, "--listen", "unix://" + (dir_ / "run/cri.sock").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    EXPECT_TRUE(server.Start(argv));
    auto line = server.ReadLine(kWait);
    EXPECT_TRUE(line.has_value()) << "no announcement; stderr: " << server.DrainStderr();
    const std::string prefix = "podlife-fake-cri: serving on ";
    EXPECT_THAT(line.value_or(""), ::testing::StartsWith(prefix));
    return line ? line->substr(prefix.size()) : "";
  }

  // StopContainer of an unknown ID on the program's socket, over a channel closed before the
  // program is stopped (an open one would hold its shutdown for its grace period).
  grpc::StatusCode StopUnknownContainer() {
    CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/cri.sock").string(),
                                             grpc::InsecureChannelCredentials()));
    return client.Stop("unknown", 0).error_code();
  }

  testsupport::ScopedTempDir temp_{"podlife-standalone"};  // removed after every member below
  fs::path dir_ = temp_.path();
};

TEST_F(StandaloneFakeCriTest, ServesOnItsSocketAndStopsCleanlyOnSigterm) {
  ChildProcess server;
  std::string address = StartServer(server);
  EXPECT_EQ(address, "unix://" + (dir_ / "run/cri.sock").string());
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "run/cri.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(stat((dir_ / "run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);

  CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/cri.sock").string(),
                                           grpc::InsecureChannelCredentials()));
  std::string sandbox = client.Pod();
  std::string c = client.Started(sandbox, "app");
  EXPECT_EQ(client.StatusOf(c).state(), runtime::v1::CONTAINER_RUNNING);

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0) << server.DrainStderr();
}

TEST_F(StandaloneFakeCriTest, TheSmokeDriverRunsAPodThroughIt) {
  ChildProcess server;
  std::string address = StartServer(server);
  ChildProcess smoke;
  ASSERT_TRUE(smoke.Start({PODLIFE_CRI_SMOKE_BIN, "--runtime-endpoint", address}));
  ASSERT_EQ(smoke.Wait(kWait), 0) << smoke.DrainStdout() << smoke.DrainStderr();
  std::string out = smoke.DrainStdout();
  for (const char* step : {"RunPodSandbox", "CreateContainer", "StartContainer", "ExecSync", "StopContainer",
                           "RemoveContainer", "StopPodSandbox", "RemovePodSandbox"}) {
    EXPECT_THAT(out, HasSubstr(step));
  }
  EXPECT_THAT(out, ::testing::Not(HasSubstr("FAIL")));
  EXPECT_THAT(out, HasSubstr("CONTAINER_EXITED, exit 0, reason Completed"));
  server.Signal(SIGINT);
  EXPECT_EQ(server.Wait(kWait), 0);
}

TEST_F(StandaloneFakeCriTest, AScenarioFileScriptsIt) {
  std::string scenario = WriteFile("scenario.yaml", R"(exec:
  - command: [echo, hello]
    stdout: "scripted hello\n"
    times: 1
)");
  ChildProcess server;
  std::string address = StartServer(server, {"--scenario", scenario});
  ChildProcess smoke;
  ASSERT_TRUE(smoke.Start({PODLIFE_CRI_SMOKE_BIN, "--runtime-endpoint", address}));
  ASSERT_EQ(smoke.Wait(kWait), 0) << smoke.DrainStdout();
  EXPECT_THAT(smoke.DrainStdout(), HasSubstr("stdout 'scripted hello'"));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0) << "the one-shot exec result was consumed: " << server.DrainStderr();
}

// The lane's containerd has the image only as imported, and no registry to pull it from: the
// driver asks ImageStatus first and pulls only an absent image (the kubelet's IfNotPresent).
TEST_F(StandaloneFakeCriTest, TheSmokeDriverPullsOnlyAnAbsentImage) {
  std::string scenario = WriteFile("scenario.yaml", R"(images:
  - reference: localhost/busybox:podlife
    present: true
faults:
  - method: PullImage
    code: NOT_FOUND
    message: "pull access denied: no registry"
    times: 1
)");
  ChildProcess server;
  std::string address = StartServer(server, {"--scenario", scenario});
  ChildProcess present;
  ASSERT_TRUE(present.Start({PODLIFE_CRI_SMOKE_BIN, "--runtime-endpoint", address}));
  ASSERT_EQ(present.Wait(kWait), 0) << present.DrainStdout();
  std::string out = present.DrainStdout();
  EXPECT_THAT(out, HasSubstr("ImageStatus"));
  EXPECT_THAT(out, HasSubstr("present, sha256:"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("PullImage")));

  ChildProcess absent;  // an image the runtime does not have is pulled (here: the fault answers)
  ASSERT_TRUE(absent.Start({PODLIFE_CRI_SMOKE_BIN, "--runtime-endpoint", address, "--image", "alpine:3.19"}));
  EXPECT_EQ(absent.Wait(kWait), 1);
  out = absent.DrainStdout();
  EXPECT_THAT(out, HasSubstr("absent"));
  EXPECT_THAT(out, HasSubstr("pull access denied: no registry"));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0) << "the PullImage fault was consumed by the absent image: " << server.DrainStderr();
}

TEST_F(StandaloneFakeCriTest, UnconsumedScenarioItemsMakeItExit3) {
  std::string scenario = WriteFile("scenario.yaml", R"(faults:
  - method: StartContainer
    code: UNAVAILABLE
    message: never reached
    times: 1
)");
  ChildProcess server;
  StartServer(server, {"--scenario", scenario});
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 3);
  EXPECT_THAT(server.DrainStderr(), HasSubstr("fault on StartContainer (UNAVAILABLE \"never reached\") used 0 of 1"));
}

TEST_F(StandaloneFakeCriTest, AMalformedScenarioIsRejectedNamingFieldAndLine) {
  std::string scenario = WriteFile("bad.yaml", "faults:\n  - method: StartContainer\n    code: EXPLODED\n");
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN, "--scenario", scenario}));
  EXPECT_EQ(server.Wait(kWait), 2);
  EXPECT_THAT(server.DrainStderr(), HasSubstr(scenario + ":3: faults[0].code: unknown gRPC status code 'EXPLODED'"));
}

TEST_F(StandaloneFakeCriTest, BadUsageExits2WithHelp) {
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN, "--bogus"}));
  EXPECT_EQ(server.Wait(kWait), 2);
  std::string err = server.DrainStderr();
  EXPECT_THAT(err, HasSubstr("unknown argument '--bogus'"));
  EXPECT_THAT(err, HasSubstr("usage: podlife-fake-cri"));

  ChildProcess help;
  ASSERT_TRUE(help.Start({PODLIFE_FAKE_CRI_BIN, "--help"}));
  EXPECT_EQ(help.Wait(kWait), 0);
  EXPECT_THAT(help.DrainStdout(), HasSubstr("--scenario FILE"));
}

TEST_F(StandaloneFakeCriTest, AnUnknownFlavourIsAUsageError) {
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN, "--flavor", "containerd-1.7"}));
  EXPECT_EQ(server.Wait(kWait), 2);
  EXPECT_THAT(server.DrainStderr(),
              HasSubstr("--flavor: unknown flavour 'containerd-1.7' (expected one of cri, containerd-1.6.20)"));
}

// The stop of an unknown container, over the socket, per flavour: the default and the flag.
TEST_F(StandaloneFakeCriTest, TheFlavourFlagPicksWhoseAnswersItGives) {
  for (const auto& [flags, expected] : std::vector<std::pair<std::vector<std::string>, grpc::StatusCode>>{
           {{}, grpc::StatusCode::OK},
           {{"--flavor", "cri"}, grpc::StatusCode::OK},
           {{"--flavor=containerd-1.6.20"}, grpc::StatusCode::NOT_FOUND}}) {
    ChildProcess server;
    StartServer(server, flags);
    EXPECT_EQ(StopUnknownContainer(), expected) << (flags.empty() ? "default" : flags.back());
    server.Signal(SIGTERM);
    EXPECT_EQ(server.Wait(kWait), 0) << server.DrainStderr();
  }
}

TEST_F(StandaloneFakeCriTest, TheFlagOverridesTheScenariosFlavour) {
  std::string scenario = WriteFile("scenario.yaml", "flavor: containerd-1.6.20\n");
  ChildProcess server;
  StartServer(server, {"--scenario", scenario});
  EXPECT_EQ(StopUnknownContainer(), grpc::StatusCode::NOT_FOUND);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0);

  ChildProcess overridden;
  StartServer(overridden, {"--scenario", scenario, "--flavor", "cri"});
  EXPECT_EQ(StopUnknownContainer(), grpc::StatusCode::OK);
  overridden.Signal(SIGTERM);
  EXPECT_EQ(overridden.Wait(kWait), 0);
}

TEST_F(StandaloneFakeCriTest, DefaultListenIsAPrivateSocket) {
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN}));
  auto line = server.ReadLine(kWait);
  ASSERT_TRUE(line.has_value());
  EXPECT_THAT(*line, HasSubstr("/podlife-cri-"));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0);
}

// The private directory a program announced on its "serving on unix://DIR/cri.sock" line.
fs::path AnnouncedDir(const std::string& line) {
  const std::string marker = "unix://";
  auto at = line.find(marker);
  if (at == std::string::npos) return {};
  return fs::path(line.substr(at + marker.size())).parent_path();
}

TEST_F(StandaloneFakeCriTest, ASecondProgramOnALiveSocketExits2AndTheFirstKeepsServing) {
  ChildProcess first;
  StartServer(first);
  ChildProcess second;
  ASSERT_TRUE(second.Start({PODLIFE_FAKE_CRI_BIN, "--listen", "unix://" + (dir_ / "run/cri.sock").string()}));
  EXPECT_EQ(second.Wait(kWait), 2);
  EXPECT_THAT(second.DrainStderr(), HasSubstr("a server is already listening there"));
  EXPECT_EQ(StopUnknownContainer(), grpc::StatusCode::OK) << "the first server is unreachable";
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(kWait), 0) << first.DrainStderr();
  EXPECT_FALSE(fs::exists(dir_ / "run/cri.sock"));
}

// SIGHUP (a closed terminal) is fatal and not handled by the program: it still dies of it, and
// its private directory goes with it.
TEST_F(StandaloneFakeCriTest, AFatalSignalRemovesItsPrivateDirectory) {
  struct sigaction inherited {};
  sigaction(SIGHUP, nullptr, &inherited);
  if (inherited.sa_handler == SIG_IGN) GTEST_SKIP() << "SIGHUP is ignored here (nohup), and so in the child";
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN}));
  auto line = server.ReadLine(kWait);
  ASSERT_TRUE(line.has_value()) << server.DrainStderr();
  const fs::path dir = AnnouncedDir(*line);
  ASSERT_TRUE(fs::is_directory(dir)) << *line;
  server.Signal(SIGHUP);
  EXPECT_EQ(server.Wait(kWait), 128 + SIGHUP);
  EXPECT_FALSE(fs::exists(dir));
}

// SIGKILL cannot be caught: the directory stays until the next server sweeps it (its owner's PID
// is in its name and no longer alive).
TEST_F(StandaloneFakeCriTest, TheNextServerSweepsTheDirectoryOfAKilledOne) {
  ChildProcess killed;
  ASSERT_TRUE(killed.Start({PODLIFE_FAKE_CRI_BIN}));
  auto line = killed.ReadLine(kWait);
  ASSERT_TRUE(line.has_value()) << killed.DrainStderr();
  const fs::path left = AnnouncedDir(*line);
  killed.Signal(SIGKILL);
  EXPECT_EQ(killed.Wait(kWait), 128 + SIGKILL);
  ASSERT_TRUE(fs::is_directory(left)) << "SIGKILL leaves it";

  ChildProcess next;
  ASSERT_TRUE(next.Start({PODLIFE_FAKE_CRI_BIN}));
  ASSERT_TRUE(next.ReadLine(kWait).has_value()) << next.DrainStderr();
  EXPECT_FALSE(fs::exists(left));
  next.Signal(SIGTERM);
  EXPECT_EQ(next.Wait(kWait), 0);
}

// Version calls on the program's socket, on one channel.
void CallVersion(const fs::path& socket, int times) {
  CriTestClient client(grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < times; ++i) {
    cri::VersionResponse version;
    ASSERT_TRUE(client.runtime->Version(CriTestClient::Context().get(), {}, &version).ok()) << "call " << i;
  }
}

// The program's call log keeps the newest 10000 calls by default (it grew by about 0.85 KB per
// call without bound before); --call-log-capacity 0 keeps them all.
TEST_F(StandaloneFakeCriTest, TheCallLogIsBoundedByDefaultAndTheFlagKeepsEveryCall) {
  for (const auto& [flags, evicted] : std::vector<std::pair<std::vector<std::string>, bool>>{
           {{"--print-calls"}, true}, {{"--print-calls", "--call-log-capacity", "0"}, false}}) {
    ChildProcess server;
    StartServer(server, flags);
    CallVersion(dir_ / "run/cri.sock", 10001);
    server.Signal(SIGTERM);
    std::string err;
    // The log is printed before the program exits: read stderr while waiting, it may not fit a pipe.
    std::future<std::string> drained = std::async(std::launch::async, [&] { return server.DrainStderr(); });
    EXPECT_EQ(server.Wait(kWait), 0);
    err = drained.get();
    if (evicted) {
      EXPECT_THAT(err, HasSubstr("(1 older calls evicted)"));
    } else {
      EXPECT_THAT(err, ::testing::Not(HasSubstr("evicted")));
      EXPECT_THAT(err, HasSubstr("#10001 Version"));
    }
  }
}

// The process's resident memory in MiB (VmRSS), or -1.
long ResidentMib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

// Exec outputs of hundreds of MB (here 200 MiB a call) are cut to containerd's 16 MiB per stream,
// whose answer then exceeds the 16 MiB message limit (RESOURCE_EXHAUSTED, as from containerd),
// and the memory goes back: the program stayed at 500-680 MB after such calls before.
TEST_F(StandaloneFakeCriTest, LargeExecOutputsAreCappedAndTheirMemoryIsReturned) {
  ChildProcess server;
  StartServer(server, {"--simulate"});
  CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/cri.sock").string(),
                                           grpc::InsecureChannelCredentials()));
  std::string c = client.Started(client.Pod(), "app");
  cri::ExecSyncResponse made;
  ASSERT_TRUE(client.Exec(c, {"sh", "-c", "printf %s " + std::string(1 << 20, 'x') + " > /f"}, 0, &made).ok());
  std::string cats = "cat";
  for (int i = 0; i < 200; ++i) cats += " /f";
  for (int call = 0; call < 4; ++call) {
    cri::ExecSyncResponse big;
    EXPECT_EQ(client.Exec(c, {"sh", "-c", cats}, 0, &big).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  cri::ExecSyncResponse fits;
  ASSERT_TRUE(client.Exec(c, {"sh", "-c", "cat /f /f"}, 0, &fits).ok());
  EXPECT_EQ(fits.stdout().size(), 2u << 20);
  const long mib = ResidentMib(server.pid());
  RecordProperty("resident_mib", std::to_string(mib));
  EXPECT_GT(mib, 0);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in its quarantine (256 MB by default; 365 MiB seen): what
  // it holds is its own, and the program without the caps would hold the 200 MiB outputs besides.
  constexpr long kBoundMib = 450;
#else
  constexpr long kBoundMib = 150;
#endif
  EXPECT_LT(mib, kBoundMib) << "resident MiB after the calls";
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0) << server.DrainStderr();
}

TEST_F(StandaloneFakeCriTest, ABadCallLogCapacityIsAUsageError) {
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN, "--call-log-capacity", "many"}));
  EXPECT_EQ(server.Wait(kWait), 2);
  EXPECT_THAT(server.DrainStderr(), HasSubstr("--call-log-capacity: expected a number of calls (0 keeps every call), got 'many'"));
}

// What `crictl stats` asks, over the program's socket: with --simulate, the scenario's stats are
// what ContainerStats reports, and only a running container has CPU figures. (Exec output, exits
// and `crictl logs` through the program: stock_client_test.cc.)
TEST_F(StandaloneFakeCriTest, WithSimulateTheScenarioScriptsStatsAndOnlyRunningContainersHaveCpu) {
  std::string scenario = WriteFile("scenario.yaml", "stats:\n  - container: app\n    memoryWorkingSetBytes: 12345678\n");
  ChildProcess server;
  StartServer(server, {"--simulate", "--scenario", scenario});
  CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/cri.sock").string(),
                                           grpc::InsecureChannelCredentials()));
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = CriTestClient::SandboxConfig("pod");
  run.mutable_config()->set_log_directory((dir_ / "logs").string());
  cri::RunPodSandboxResponse sandbox;
  ASSERT_TRUE(client.runtime->RunPodSandbox(CriTestClient::Context().get(), run, &sandbox).ok());
  std::string app = client.Started(sandbox.pod_sandbox_id(), "app");

  cri::ContainerStatsRequest stats_req;
  stats_req.set_container_id(app);
  cri::ContainerStatsResponse stats;
  ASSERT_TRUE(client.runtime->ContainerStats(CriTestClient::Context().get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.stats().memory().working_set_bytes().value(), 12345678u);

  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("hello");
  create.mutable_config()->mutable_image()->set_image("busybox");
  create.mutable_config()->set_log_path("hello/0.log");
  for (const char* word : {"echo", "hello"}) create.mutable_config()->add_command(word);
  *create.mutable_sandbox_config() = run.config();
  cri::CreateContainerResponse created;
  ASSERT_TRUE(client.runtime->CreateContainer(CriTestClient::Context().get(), create, &created).ok());
  ASSERT_TRUE(client.Start(created.container_id()).ok());
  // The container exits by itself: a wait with a deadline, polling, since the fake runs in
  // another process.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (client.StatusOf(created.container_id()).state() != cri::CONTAINER_EXITED &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);  // the poll interval, not a synchronisation
  }
  EXPECT_EQ(client.StatusOf(created.container_id()).state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(client.StatusOf(created.container_id()).exit_code(), 0);
  // `crictl stats` lists every container; only the running one has cpu figures.
  cri::ListContainerStatsRequest list_req;
  cri::ListContainerStatsResponse listed;
  ASSERT_TRUE(client.runtime->ListContainerStats(CriTestClient::Context().get(), list_req, &listed).ok());
  ASSERT_EQ(listed.stats_size(), 2);
  for (const auto& s : listed.stats()) EXPECT_EQ(s.has_cpu(), s.attributes().id() == app);

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0) << server.DrainStderr();
}

TEST_F(StandaloneFakeCriTest, AnUnknownCommandInAScenarioScriptIsRejectedNamingTheLine) {
  std::string scenario = WriteFile("bad.yaml", "workloads:\n  - container: job\n    script: \"sleep 1; launch\"\n");
  ChildProcess server;
  ASSERT_TRUE(server.Start({PODLIFE_FAKE_CRI_BIN, "--simulate", "--scenario", scenario}));
  EXPECT_EQ(server.Wait(kWait), 2);
  EXPECT_THAT(server.DrainStderr(), HasSubstr(scenario + ":3: workloads[0].script: unknown command 'launch'"));
}

// crictl (kubernetes-sigs/cri-tools) is the stock CRI client; it is not packaged in Debian 12,
// so this runs only where someone has installed it.
TEST_F(StandaloneFakeCriTest, CrictlDrivesIt) {
  std::string crictl;
  for (const char* dir : {"/usr/local/bin", "/usr/bin"}) {
    if (fs::exists(fs::path(dir) / "crictl")) crictl = (fs::path(dir) / "crictl").string();
  }
  if (crictl.empty()) GTEST_SKIP() << "crictl is not installed (it is not packaged in Debian 12)";
  ChildProcess server;
  std::string address = StartServer(server);
  ChildProcess version;
  ASSERT_TRUE(version.Start({crictl, "--runtime-endpoint", address, "version"}));
  EXPECT_EQ(version.Wait(kWait), 0) << version.DrainStderr();
  EXPECT_THAT(version.DrainStdout(), HasSubstr("podlife-fake-cri"));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(kWait), 0);
}

}  // namespace
}  // namespace podlife::fakes
