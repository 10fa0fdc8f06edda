// End-to-end tests of the fake's simulated workloads, container logs and stats, over a real gRPC
// channel: a fresh server per test with simulated commands, its logs in a per-test directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/tests/cri_test_client.h"

#include "testsupport/scoped_temp_dir.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::CriTestClient;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 10s;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The messages of a CRI log file: "stream message" per line, after checking each line's format.
std::vector<std::string> LogMessages(const fs::path& path) {
  static const std::regex kLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z (stdout|stderr) F (.*)$)");
  std::vector<std::string> out;
  std::stringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) {
      ADD_FAILURE() << "not a CRI log line: '" << line << "'";
      continue;
    }
    out.push_back(m[2].str() + " " + m[3].str());
  }
  return out;
}

class SimulationE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << "cannot make a private temp directory";
    FakeCriOptions options;
    options.simulate_commands = true;
    std::string error;
    server_ = FakeCriServer::Start(options, &error);
    ASSERT_TRUE(server_) << error;
    client_ = std::make_unique<CriTestClient>(server_->NewChannel());
  }
  void TearDown() override {
    if (server_) {
      auto r = server_->VerifyAllConsumed();
      EXPECT_TRUE(r.ok()) << r.message();
      server_->Shutdown();
    }
  }

  cri::PodSandboxConfig SandboxConfig(const std::string& name) {
    cri::PodSandboxConfig config = CriTestClient::SandboxConfig(name);
    config.set_log_directory((dir_ / ("pods/" + name)).string());
    config.set_hostname(name + "-host");
    (*config.mutable_labels())["app"] = name;
    return config;
  }

  std::string Pod(const std::string& name = "pod") {
    cri::RunPodSandboxRequest req;
    *req.mutable_config() = sandbox_config_ = SandboxConfig(name);
    cri::RunPodSandboxResponse resp;
    auto st = client_->runtime->RunPodSandbox(CriTestClient::Context().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.pod_sandbox_id();
  }

  grpc::Status Create(const std::string& sandbox, const std::string& name, const std::vector<std::string>& command,
                      std::string* id, const std::function<void(cri::ContainerConfig&)>& adjust = nullptr) {
    cri::PullImageRequest pull;
    pull.mutable_image()->set_image("busybox");
    cri::PullImageResponse pulled;
    EXPECT_TRUE(client_->images->PullImage(CriTestClient::Context().get(), pull, &pulled).ok());
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    auto* config = req.mutable_config();
    config->mutable_metadata()->set_name(name);
    config->mutable_image()->set_image("busybox");
    config->set_log_path(name + "/0.log");
    for (const auto& word : command) config->add_command(word);
    if (adjust) adjust(*config);
    *req.mutable_sandbox_config() = sandbox_config_;
    cri::CreateContainerResponse resp;
    auto st = client_->runtime->CreateContainer(CriTestClient::Context().get(), req, &resp);
    *id = resp.container_id();
    return st;
  }

  std::string Started(const std::string& sandbox, const std::string& name, const std::vector<std::string>& command,
                      const std::function<void(cri::ContainerConfig&)>& adjust = nullptr) {
    std::string id;
    auto st = Create(sandbox, name, command, &id, adjust);
    EXPECT_TRUE(st.ok()) << st.error_message();
    st = client_->Start(id);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return id;
  }

  cri::ExecSyncResponse Exec(const std::string& id, const std::vector<std::string>& cmd) {
    cri::ExecSyncResponse resp;
    auto st = client_->Exec(id, cmd, 10, &resp);
    EXPECT_TRUE(st.ok()) << JoinCommand(cmd) << ": " << st.error_message();
    return resp;
  }

  testsupport::ScopedTempDir temp_{"podlife-simulation"};  // removed after every member below
  fs::path dir_ = temp_.path();
  cri::PodSandboxConfig sandbox_config_;
  std::unique_ptr<FakeCriServer> server_;
  std::unique_ptr<CriTestClient> client_;
};

// ---- the container's own command ----

TEST_F(SimulationE2ETest, AnEchoingContainerWritesItsLogInTheCriFormatAndExitsZero) {
  const std::string c = Started(Pod(), "hello", {"sh", "-c", "echo hello; echo oops >&2"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  cri::ContainerStatus status = client_->StatusOf(c);
  EXPECT_EQ(status.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(status.exit_code(), 0);
  EXPECT_EQ(status.reason(), "Completed");
  EXPECT_EQ(status.log_path(), (dir_ / "pods/pod/hello/0.log").string());
  EXPECT_THAT(LogMessages(status.log_path()), ::testing::ElementsAre("stdout hello", "stderr oops"));
}

TEST_F(SimulationE2ETest, ArgsAloneAreTheCommandSinceTheFakesImagesHaveNoEntrypoint) {
  const std::string c = Started(Pod(), "args", {}, [](cri::ContainerConfig& config) {
    config.add_args("echo");
    config.add_args("from args");
  });
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  EXPECT_THAT(LogMessages(client_->StatusOf(c).log_path()), ::testing::ElementsAre("stdout from args"));
}

TEST_F(SimulationE2ETest, SleepThenExitEndsTheContainerAfterThatTimeWithThatCode) {
  const std::string c = Started(Pod(), "job", {"sh", "-c", "sleep 0.3; echo done; exit 4"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  cri::ContainerStatus status = client_->StatusOf(c);
  EXPECT_EQ(status.exit_code(), 4);
  EXPECT_EQ(status.reason(), "Error");
  EXPECT_GE(status.finished_at() - status.started_at(), 300'000'000);
  EXPECT_THAT(LogMessages(status.log_path()), ::testing::ElementsAre("stdout done"));
}

TEST_F(SimulationE2ETest, ATrapLoopRunsUntilStoppedAndExitsAsItsTrapSays) {
  const std::string c =
      Started(Pod(), "loop", {"sh", "-c", "trap 'echo bye; exit 7' TERM; echo up; while true; do sleep 1; done"});
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
  ASSERT_TRUE(client_->Stop(c, 30).ok());
  cri::ContainerStatus status = client_->StatusOf(c);
  EXPECT_EQ(status.exit_code(), 7);
  EXPECT_THAT(LogMessages(status.log_path()), ::testing::ElementsAre("stdout up", "stdout bye"));
}

TEST_F(SimulationE2ETest, APlainSleepAsPid1IgnoresSigtermAndIsKilledAfterTheTimeout) {
  const std::string c = Started(Pod(), "sleeper", {"sleep", "3600"});
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(client_->Stop(c, 1).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_EQ(client_->StatusOf(c).exit_code(), kSigkillExitCode);
}

TEST_F(SimulationE2ETest, AScriptedWorkloadWinsOverTheSimulation) {
  WorkloadRule rule;
  rule.container_name = "ruled";
  rule.exit_code_on_term = 5;
  server_->ScriptWorkload(rule);
  // Simulated, this command would ignore TERM and exit 3 at once; the rule says it runs and exits 5 on TERM.
  const std::string c = Started(Pod(), "ruled", {"sh", "-c", "trap '' TERM; exit 3"});
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
  ASSERT_TRUE(client_->Stop(c, 30).ok());
  EXPECT_EQ(client_->StatusOf(c).exit_code(), 5);
}

TEST_F(SimulationE2ETest, AWorkloadRulesScriptRunsInsteadOfTheContainersCommand) {
  WorkloadRule rule;
  rule.container_name = "scripted";
  rule.script = "echo from the scenario; exit 2";
  server_->ScriptWorkload(rule);
  const std::string c = Started(Pod(), "scripted", {"sh", "-c", "while true; do sleep 1; done"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  EXPECT_EQ(client_->StatusOf(c).exit_code(), 2);
  EXPECT_THAT(LogMessages(client_->StatusOf(c).log_path()), ::testing::ElementsAre("stdout from the scenario"));
}

TEST_F(SimulationE2ETest, ALogFileThatCannotBeCreatedFailsTheStartAsInContainerd) {
  std::ofstream(dir_ / "pods") << "a file where the log directory should be";
  std::string c;
  ASSERT_TRUE(Create(Pod(), "app", {"sh", "-c", "echo hi"}, &c).ok());
  grpc::Status st = client_->Start(c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("failed to create container loggers: failed to create and open log file"));
  cri::ContainerStatus status = client_->StatusOf(c);
  EXPECT_EQ(status.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(status.exit_code(), 128);
  EXPECT_EQ(status.reason(), "StartError");
}

TEST_F(SimulationE2ETest, ReopenContainerLogStartsANewFileAfterRotation) {
  const std::string c = Started(Pod(), "rotated", {"sh", "-c", "trap 'echo after; exit 0' TERM; echo before; sleep infinity"});
  const fs::path log = client_->StatusOf(c).log_path();
  fs::rename(log, log.string() + ".1");  // the kubelet's rotation
  cri::ReopenContainerLogRequest req;
  req.set_container_id(c);
  cri::ReopenContainerLogResponse resp;
  ASSERT_TRUE(client_->runtime->ReopenContainerLog(CriTestClient::Context().get(), req, &resp).ok());
  ASSERT_TRUE(fs::exists(log)) << "the reopened log file was not created";
  ASSERT_TRUE(client_->Stop(c, 30).ok());
  EXPECT_THAT(LogMessages(log.string() + ".1"), ::testing::ElementsAre("stdout before"));
  EXPECT_THAT(LogMessages(log), ::testing::ElementsAre("stdout after"));
}

TEST_F(SimulationE2ETest, ReopenContainerLogFailsLikeContainerdUnlessTheContainerRuns) {
  const std::string c = Started(Pod(), "done", {"true"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  cri::ReopenContainerLogRequest req;
  req.set_container_id(c);
  cri::ReopenContainerLogResponse resp;
  grpc::Status exited = client_->runtime->ReopenContainerLog(CriTestClient::Context().get(), req, &resp);
  EXPECT_EQ(exited.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(exited.error_message(), "container is not running");
  req.set_container_id("nope");
  EXPECT_EQ(client_->runtime->ReopenContainerLog(CriTestClient::Context().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(PrivateLogsTest, LogsGoUnderTheFakesOwnDirectoryWhichShutdownRemoves) {
  FakeCriOptions options;
  options.simulate_commands = true;
  options.private_logs = true;
  std::string error;
  auto server = FakeCriServer::Start(options, &error);
  ASSERT_TRUE(server) << error;
  CriTestClient client(server->NewChannel());
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = CriTestClient::SandboxConfig("pod");  // log_directory /var/log/pods/default_pod
  cri::RunPodSandboxResponse sandbox;
  ASSERT_TRUE(client.runtime->RunPodSandbox(CriTestClient::Context().get(), run, &sandbox).ok());
  std::string id;
  ASSERT_TRUE(client.Create(sandbox.pod_sandbox_id(), "app", &id).ok());
  ASSERT_TRUE(client.Start(id).ok());
  const fs::path log = client.StatusOf(id).log_path();
  EXPECT_THAT(log.string(), Not(::testing::StartsWith("/var/log/pods")));
  EXPECT_THAT(log.string(), ::testing::EndsWith("/var/log/pods/default_pod/app/0.log"));
  EXPECT_TRUE(fs::exists(log));
  server->Shutdown();
  EXPECT_FALSE(fs::exists(log.parent_path())) << "the private log directory outlived the server";
}

// ---- ExecSync in the simulated shell ----

TEST_F(SimulationE2ETest, ExecSyncAnswersAsAShellInThatContainer) {
  const std::string sandbox = [&] {
    cri::RunPodSandboxRequest req;
    *req.mutable_config() = SandboxConfig("shell");
    (*req.mutable_config()->mutable_linux()->mutable_sysctls())["net.core.somaxconn"] = "4096";
    sandbox_config_ = req.config();
    cri::RunPodSandboxResponse resp;
    EXPECT_TRUE(client_->runtime->RunPodSandbox(CriTestClient::Context().get(), req, &resp).ok());
    return resp.pod_sandbox_id();
  }();
  const std::string c = Started(sandbox, "app", {"sleep", "3600"}, [](cri::ContainerConfig& config) {
    config.mutable_linux()->mutable_security_context()->mutable_run_as_user()->set_value(1000);
  });
  EXPECT_EQ(Exec(c, {"echo", "-n", "hello"}).stdout(), "hello");
  EXPECT_EQ(Exec(c, {"sh", "-c", "exit 3"}).exit_code(), 3);
  EXPECT_EQ(Exec(c, {"cat", "/proc/sys/net/core/somaxconn"}).stdout(), "4096\n");
  EXPECT_EQ(Exec(c, {"hostname"}).stdout(), "shell-host\n");
  EXPECT_EQ(Exec(c, {"id", "-u"}).stdout(), "1000\n");
  EXPECT_EQ(Exec(c, {"sh", "-c", "echo state > /tmp/s && mkdir -p /data/x"}).exit_code(), 0);
  EXPECT_EQ(Exec(c, {"cat", "/tmp/s"}).stdout(), "state\n");
  EXPECT_EQ(Exec(c, {"ls", "/data"}).stdout(), "x\n");
  cri::ExecSyncResponse missing = Exec(c, {"sh", "-c", "frobnicate"});
  EXPECT_EQ(missing.exit_code(), 127);
  EXPECT_EQ(missing.stderr(), "sh: frobnicate: not found\n");

  const std::string other = Started(sandbox, "other", {"sleep", "3600"});
  EXPECT_EQ(Exec(other, {"cat", "/tmp/s"}).exit_code(), 1) << "each container has its own filesystem";
}

TEST_F(SimulationE2ETest, ExecSyncOfAMissingBinaryFailsToStartAsInContainerd) {
  const std::string c = Started(Pod(), "app", {"sleep", "3600"});
  cri::ExecSyncResponse resp;
  grpc::Status st = client_->Exec(c, {"/nonexistent"}, 10, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("exec: \"/nonexistent\": stat /nonexistent: no such file or directory"));
}

TEST_F(SimulationE2ETest, AScriptedExecResultStillWins) {
  server_->ScriptExec({"sh", "-c", "exit 3"}, {0, "scripted\n", "", 0ms}, 1);
  const std::string c = Started(Pod(), "app", {"sleep", "3600"});
  cri::ExecSyncResponse resp = Exec(c, {"sh", "-c", "exit 3"});
  EXPECT_EQ(resp.exit_code(), 0);
  EXPECT_EQ(resp.stdout(), "scripted\n");
}

// ---- stats ----

cri::ContainerStats ContainerStatsOf(CriTestClient& client, const std::string& id, grpc::Status* status = nullptr) {
  cri::ContainerStatsRequest req;
  req.set_container_id(id);
  cri::ContainerStatsResponse resp;
  grpc::Status st = client.runtime->ContainerStats(CriTestClient::Context().get(), req, &resp);
  if (status) {
    *status = st;
  } else {
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  return resp.stats();
}

TEST_F(SimulationE2ETest, ContainerStatsArePlausibleAndCpuUsageGrowsWithRunningTime) {
  const std::string c = Started(Pod(), "app", {"sleep", "3600"});
  cri::ContainerStats first = ContainerStatsOf(*client_, c);
  EXPECT_EQ(first.attributes().id(), c);
  EXPECT_EQ(first.attributes().metadata().name(), "app");
  EXPECT_GT(first.cpu().timestamp(), 0);
  EXPECT_EQ(first.cpu().usage_nano_cores().value(), 5'000'000u);
  EXPECT_GT(first.memory().working_set_bytes().value(), 0u);
  EXPECT_GT(first.writable_layer().used_bytes().value(), 0u);
  cri::ContainerStats second = ContainerStatsOf(*client_, c);
  EXPECT_GE(second.cpu().usage_core_nano_seconds().value(), first.cpu().usage_core_nano_seconds().value());
  EXPECT_GT(second.cpu().timestamp(), first.cpu().timestamp());
  EXPECT_EQ(second.memory().working_set_bytes().value(), first.memory().working_set_bytes().value());
}

TEST_F(SimulationE2ETest, ScriptedStatsSetTheFiguresAndCpuUsageIsTheRateTimesTheRunningTime) {
  server_->ScriptStats({"app", 1'000'000'000, 64ULL << 20, 4096});
  const std::string c = Started(Pod(), "app", {"sleep", "3600"});
  const int64_t started = client_->StatusOf(c).started_at();
  cri::ContainerStats first = ContainerStatsOf(*client_, c);
  cri::ContainerStats second = ContainerStatsOf(*client_, c);
  EXPECT_EQ(first.cpu().usage_nano_cores().value(), 1'000'000'000u);
  // One whole core: the core-nanoseconds are the nanoseconds it ran, so every sample grows.
  EXPECT_EQ(first.cpu().usage_core_nano_seconds().value(), static_cast<uint64_t>(first.cpu().timestamp() - started));
  EXPECT_GT(second.cpu().usage_core_nano_seconds().value(), first.cpu().usage_core_nano_seconds().value());
  EXPECT_EQ(first.memory().working_set_bytes().value(), 64ULL << 20);
  EXPECT_EQ(first.writable_layer().used_bytes().value(), 4096u);
}

TEST_F(SimulationE2ETest, ContainerStatsOfAnUnknownOrStoppedContainerFailAsInContainerd) {
  grpc::Status st;
  ContainerStatsOf(*client_, "nope", &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string c = Started(Pod(), "app", {"true"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(c, kWait).ok());
  ContainerStatsOf(*client_, c, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "unexpected metrics response: []");
}

TEST_F(SimulationE2ETest, ListContainerStatsListsEveryMatchingContainerWithCpuOnlyForRunningOnes) {
  const std::string sandbox = Pod();
  const std::string running = Started(sandbox, "running", {"sleep", "3600"});
  const std::string done = Started(sandbox, "done", {"true"});
  ASSERT_TRUE(server_->WaitUntilNotRunning(done, kWait).ok());
  cri::ListContainerStatsRequest req;
  req.mutable_filter()->set_pod_sandbox_id(sandbox);
  cri::ListContainerStatsResponse resp;
  ASSERT_TRUE(client_->runtime->ListContainerStats(CriTestClient::Context().get(), req, &resp).ok());
  ASSERT_EQ(resp.stats_size(), 2);
  for (const auto& s : resp.stats()) {
    EXPECT_EQ(s.has_cpu(), s.attributes().id() == running) << s.attributes().metadata().name();
    EXPECT_GT(s.writable_layer().used_bytes().value(), 0u);
  }
  req.mutable_filter()->set_id(done);
  resp.Clear();
  ASSERT_TRUE(client_->runtime->ListContainerStats(CriTestClient::Context().get(), req, &resp).ok());
  ASSERT_EQ(resp.stats_size(), 1);
  EXPECT_EQ(resp.stats(0).attributes().id(), done);
}

TEST_F(SimulationE2ETest, PodSandboxStatsSumTheirContainersAndOnlyReadySandboxesHaveThem) {
  server_->ScriptStats({"a", 2'000'000, 10ULL << 20, std::nullopt});
  server_->ScriptStats({"b", 3'000'000, 20ULL << 20, std::nullopt});
  const std::string sandbox = Pod("ready");
  Started(sandbox, "a", {"sleep", "3600"});
  Started(sandbox, "b", {"sleep", "3600"});
  cri::PodSandboxStatsRequest req;
  req.set_pod_sandbox_id(sandbox);
  cri::PodSandboxStatsResponse resp;
  ASSERT_TRUE(client_->runtime->PodSandboxStats(CriTestClient::Context().get(), req, &resp).ok());
  const auto& linux = resp.stats().linux();
  EXPECT_EQ(resp.stats().attributes().id(), sandbox);
  EXPECT_EQ(linux.containers_size(), 2);
  EXPECT_EQ(linux.cpu().usage_nano_cores().value(), 5'000'000u);
  EXPECT_GT(linux.memory().working_set_bytes().value(), 30ULL << 20);  // the containers' and the pause's
  EXPECT_EQ(linux.process().process_count().value(), 2u);
  EXPECT_EQ(linux.network().default_interface().name(), "eth0");

  const std::string stopped = Pod("stopped");
  cri::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(stopped);
  cri::StopPodSandboxResponse stopped_resp;
  ASSERT_TRUE(client_->runtime->StopPodSandbox(CriTestClient::Context().get(), stop, &stopped_resp).ok());
  req.set_pod_sandbox_id(stopped);
  EXPECT_EQ(client_->runtime->PodSandboxStats(CriTestClient::Context().get(), req, &resp).error_code(),
            grpc::StatusCode::UNKNOWN);
  req.set_pod_sandbox_id("nope");
  EXPECT_EQ(client_->runtime->PodSandboxStats(CriTestClient::Context().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);

  cri::ListPodSandboxStatsRequest list;
  cri::ListPodSandboxStatsResponse listed;
  ASSERT_TRUE(client_->runtime->ListPodSandboxStats(CriTestClient::Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.stats_size(), 1) << "the stopped sandbox has no stats";
  EXPECT_EQ(listed.stats(0).attributes().id(), sandbox);
  (*list.mutable_filter()->mutable_label_selector())["app"] = "other";
  listed.Clear();
  ASSERT_TRUE(client_->runtime->ListPodSandboxStats(CriTestClient::Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.stats_size(), 0);
}

}  // namespace
}  // namespace podlife::fakes
