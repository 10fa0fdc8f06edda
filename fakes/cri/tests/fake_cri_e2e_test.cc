// End-to-end tests of the fake CRI server: a fresh server per test on a private unix socket,
// driven through a real gRPC channel. Waits are conditions with deadlines; gates order races.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <future>
#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"
#include "fakes/cri/tests/cri_test_client.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using testing::CriTestClient;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

class FakeCriE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = FakeCriServer::Start({}, &error);
    ASSERT_TRUE(server_) << error;
    client_ = std::make_unique<CriTestClient>(server_->NewChannel());
  }
  void TearDown() override {
    if (server_) {
      auto r = server_->VerifyAllConsumed();
      EXPECT_TRUE(r.ok()) << r.message();
    }
  }

  std::unique_ptr<FakeCriServer> server_;
  std::unique_ptr<CriTestClient> client_;
};

TEST_F(FakeCriE2ETest, ServesAWholePodLifecycleOverAUnixSocket) {
  cri::VersionResponse version;
  ASSERT_TRUE(client_->runtime->Version(CriTestClient::Context().get(), {}, &version).ok());
  EXPECT_EQ(version.runtime_api_version(), "v1");

  std::string sandbox = client_->Pod();
  std::string c = client_->Started(sandbox, "app");
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
  EXPECT_EQ(client_->StatusOf(c).log_path(), "/var/log/pods/default_pod/app/0.log");

  cri::ExecSyncResponse exec;
  ASSERT_TRUE(client_->Exec(c, {"true"}, 0, &exec).ok());
  EXPECT_EQ(exec.exit_code(), 0);

  ASSERT_TRUE(client_->Stop(c, 10).ok());
  auto status = client_->StatusOf(c);
  EXPECT_EQ(status.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(status.exit_code(), 0);
  EXPECT_EQ(status.reason(), "Completed");

  cri::RemoveContainerRequest rm;
  rm.set_container_id(c);
  cri::RemoveContainerResponse rm_resp;
  ASSERT_TRUE(client_->runtime->RemoveContainer(CriTestClient::Context().get(), rm, &rm_resp).ok());
  cri::ContainerStatus gone;
  EXPECT_EQ(client_->Status(c, &gone).error_code(), grpc::StatusCode::NOT_FOUND);

  cri::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(sandbox);
  cri::StopPodSandboxResponse stop_resp;
  ASSERT_TRUE(client_->runtime->StopPodSandbox(CriTestClient::Context().get(), stop, &stop_resp).ok());
  cri::RemovePodSandboxRequest rms;
  rms.set_pod_sandbox_id(sandbox);
  cri::RemovePodSandboxResponse rms_resp;
  ASSERT_TRUE(client_->runtime->RemovePodSandbox(CriTestClient::Context().get(), rms, &rms_resp).ok());

  auto order = server_->calls().ExpectSubsequence(
      {Call("Version"), Call("RunPodSandbox"), Call("PullImage"), Call("CreateContainer"), Call("StartContainer"),
       Call("ExecSync"), Call("StopContainer"), Call("RemoveContainer"), Call("StopPodSandbox"),
       Call("RemovePodSandbox")});
  EXPECT_TRUE(order.ok()) << order.message();
}

TEST_F(FakeCriE2ETest, SocketIsMode0600InsideAPrivateDirectory) {
  ASSERT_THAT(server_->address(), ::testing::StartsWith("unix:///"));
  std::string path = server_->address().substr(7);
  struct stat sock {};
  ASSERT_EQ(stat(path.c_str(), &sock), 0);
  EXPECT_TRUE(S_ISSOCK(sock.st_mode));
  EXPECT_EQ(sock.st_mode & 0777, 0600);
  struct stat dir {};
  ASSERT_EQ(stat(std::filesystem::path(path).parent_path().c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 0777, 0700);
  server_->Shutdown();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(path).parent_path()));
}

TEST(FakeCriListenTest, ListensOnLoopbackTcpPortZero) {
  std::string error;
  auto server = FakeCriServer::Start({"tcp://127.0.0.1:0"}, &error);
  ASSERT_TRUE(server) << error;
  EXPECT_THAT(server->address(), ::testing::StartsWith("tcp://127.0.0.1:"));
  EXPECT_NE(server->address(), "tcp://127.0.0.1:0");
  CriTestClient client(server->NewChannel());
  cri::VersionResponse version;
  EXPECT_TRUE(client.runtime->Version(CriTestClient::Context().get(), {}, &version).ok());
}

TEST(FakeCriListenTest, BadListenAddressIsAClearError) {
  std::string error;
  EXPECT_FALSE(FakeCriServer::Start({"unix://relative/path.sock"}, &error));
  EXPECT_THAT(error, HasSubstr("unix socket path must be absolute"));
  EXPECT_FALSE(FakeCriServer::Start({"http://127.0.0.1:80"}, &error));
  EXPECT_THAT(error, HasSubstr("unsupported scheme"));
}

TEST_F(FakeCriE2ETest, UnknownContainerIsNotFound) {
  cri::ContainerStatus s;
  auto st = client_->Status("0123", &s);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "an error occurred when try to find container \"0123\": not found");
  EXPECT_EQ(client_->Start("0123").error_code(), grpc::StatusCode::NOT_FOUND);
  cri::ExecSyncResponse exec;
  EXPECT_EQ(client_->Exec("0123", {"true"}, 0, &exec).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(FakeCriE2ETest, ExecSyncReturnsTheResultScriptedForThatCommand) {
  server_->ScriptExec({"sh", "-c", "echo hi; exit 3"}, {3, "hi\n", "oops\n", 0ms});
  std::string c = client_->Started(client_->Pod(), "app");
  cri::ExecSyncResponse exec;
  auto st = client_->Exec(c, {"sh", "-c", "echo hi; exit 3"}, 0, &exec);
  ASSERT_TRUE(st.ok()) << "a non-zero exit is not a gRPC error: " << st.error_message();
  EXPECT_EQ(exec.exit_code(), 3);
  EXPECT_EQ(exec.stdout(), "hi\n");
  EXPECT_EQ(exec.stderr(), "oops\n");
  cri::ExecSyncResponse other;
  ASSERT_TRUE(client_->Exec(c, {"sh", "-c", "echo hi"}, 0, &other).ok());
  EXPECT_EQ(other.exit_code(), 0);
}

TEST_F(FakeCriE2ETest, ExecLongerThanItsTimeoutEndsWithContainerdsDeadlineExceeded) {
  server_->ScriptExec({"sleep", "10"}, {0, "", "", 10s});
  std::string c = client_->Started(client_->Pod(), "app");
  cri::ExecSyncResponse exec;
  auto start = std::chrono::steady_clock::now();
  auto st = client_->Exec(c, {"sleep", "10"}, 1, &exec);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(st.error_message(), "failed to exec in container: timeout 1s exceeded: context deadline exceeded");
  EXPECT_GE(elapsed, 1s) << "the fake answers after the request timeout, not before";
}

TEST_F(FakeCriE2ETest, ExecWithoutTimeoutRunsUntilTheClientsDeadline) {
  server_->ScriptExec({"sleep", "10"}, {0, "", "", 10s});
  std::string c = client_->Started(client_->Pod(), "app");
  cri::ExecSyncResponse exec;
  auto st = client_->Exec(c, {"sleep", "10"}, 0, &exec, 200ms);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server side gave up too: the call is recorded as finished, not left running.
  CallRecord finished;
  auto r = server_->calls().WaitForFinished(Call("ExecSync"), kWait, &finished);
  ASSERT_TRUE(r.ok()) << r.message();
}

TEST_F(FakeCriE2ETest, ExecOnAnExitedContainerFailsAsInContainerd) {
  std::string c = client_->Started(client_->Pod(), "app");
  server_->ExitContainer(c, 1);
  cri::ExecSyncResponse exec;
  auto st = client_->Exec(c, {"true"}, 0, &exec);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to exec in container: container is in CONTAINER_EXITED state");
}

TEST_F(FakeCriE2ETest, ARunningExecEndsWith137WhenItsContainerStops) {
  server_->ScriptExec({"sleep", "100"}, {0, "", "", 100s}, /*times=*/1);
  std::string c = client_->Started(client_->Pod(), "app");
  auto exec = std::async(std::launch::async, [&] {
    cri::ExecSyncResponse resp;
    auto st = client_->Exec(c, {"sleep", "100"}, 0, &resp);
    return std::make_pair(st, resp);
  });
  // The call is logged when it arrives; its script item is taken in the same step that starts its
  // wait on the container, so a consumed item means the exec is running (a Stop sent on the log
  // entry alone could come first: "container is in CONTAINER_EXITED state").
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!server_->Unconsumed().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(server_->Unconsumed().empty()) << "the exec never started";
  ASSERT_TRUE(client_->Stop(c, 0).ok());
  auto [st, resp] = exec.get();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.exit_code(), 137);
}

TEST_F(FakeCriE2ETest, RecordsTheClientsDeadlineOrItsAbsenceAndMetadata) {
  auto with = CriTestClient::Context(30s);
  with->AddMetadata("x-podlife-case", "deadline");
  cri::VersionResponse v;
  ASSERT_TRUE(client_->runtime->Version(with.get(), {}, &v).ok());
  auto without = CriTestClient::Context(0ms);
  ASSERT_TRUE(client_->runtime->Version(without.get(), {}, &v).ok());
  auto calls = server_->calls().Calls("Version");
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_TRUE(calls[0].deadline.has_value());
  EXPECT_GT(*calls[0].deadline, 29s);
  // gRPC sends the timeout rounded up to three significant digits (30 s left minus a few
  // microseconds goes out as 30.1 s), so the server may see up to 100 ms more than was set.
  EXPECT_LE(*calls[0].deadline, 30100ms);
  EXPECT_EQ(calls[0].metadata.count("x-podlife-case"), 1u);
  EXPECT_EQ(calls[0].metadata.find("x-podlife-case")->second, "deadline");
  EXPECT_FALSE(calls[1].deadline.has_value());
}

TEST_F(FakeCriE2ETest, OneShotFaultFailsOnceAndLeavesStateUntouched) {
  server_->FailNext("StartContainer", grpc::StatusCode::UNAVAILABLE, "runtime restarting");
  std::string c;
  ASSERT_TRUE(client_->Create(client_->Pod(), "app", &c).ok());
  auto st = client_->Start(c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "runtime restarting");
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_CREATED);
  EXPECT_TRUE(client_->Start(c).ok());
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
}

TEST_F(FakeCriE2ETest, StickyFaultFailsEveryCallUntilCleared) {
  server_->FailAlways("PullImage", grpc::StatusCode::NOT_FOUND, "pull access denied");
  std::string c;
  std::string sandbox = client_->Pod();
  EXPECT_EQ(client_->Create(sandbox, "a", &c).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(client_->Create(sandbox, "a", &c).error_code(), grpc::StatusCode::NOT_FOUND);
  server_->ClearFaults("PullImage");
  EXPECT_TRUE(client_->Create(sandbox, "a", &c).ok());
}

TEST_F(FakeCriE2ETest, GateHoldsACallUntilReleased) {
  std::string c;
  ASSERT_TRUE(client_->Create(client_->Pod(), "app", &c).ok());
  auto gate = server_->HoldNext("StartContainer");
  auto start = std::async(std::launch::async, [&] { return client_->Start(c); });
  auto held = gate->WaitUntilHeld(kWait);
  ASSERT_TRUE(held.ok()) << held.message();
  // Held: the call is recorded, in progress, and has not touched the state.
  EXPECT_EQ(start.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_CREATED);
  gate->Release();
  EXPECT_TRUE(start.get().ok());
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
}

TEST_F(FakeCriE2ETest, HangUntilDeadlineEndsWithTheClientsDeadline) {
  server_->HangUntilDeadline("Version");
  cri::VersionResponse v;
  auto st = client_->runtime->Version(CriTestClient::Context(100ms).get(), {}, &v);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(client_->runtime->Version(CriTestClient::Context().get(), {}, &v).ok()) << "the hang was one-shot";
}

TEST_F(FakeCriE2ETest, LatencyDelaysTheAnswer) {
  server_->AddLatency("Version", 200ms, 1);
  cri::VersionResponse v;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client_->runtime->Version(CriTestClient::Context().get(), {}, &v).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(FakeCriE2ETest, WorkloadIgnoringSigtermIsKilledWith137AfterTheTimeout) {
  server_->ScriptWorkload({"stubborn", true, 0});
  std::string c = client_->Started(client_->Pod(), "stubborn");
  auto start = std::chrono::steady_clock::now();
  auto stop = std::async(std::launch::async, [&] { return client_->Stop(c, 1); });
  ASSERT_TRUE(server_->calls().WaitFor(Call("StopContainer"), kWait).ok());
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING) << "TERM is ignored during the grace period";
  ASSERT_TRUE(stop.get().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
  auto s = client_->StatusOf(c);
  EXPECT_EQ(s.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(s.exit_code(), 137);
  EXPECT_EQ(s.reason(), "Error");
}

TEST_F(FakeCriE2ETest, StopEndsEarlyWhenTheWorkloadExitsDuringTheGracePeriod) {
  server_->ScriptWorkload({"stubborn", true, 0});
  std::string c = client_->Started(client_->Pod(), "stubborn");
  auto stop = std::async(std::launch::async, [&] { return client_->Stop(c, 600); });
  ASSERT_TRUE(server_->calls().WaitFor(Call("StopContainer"), kWait).ok());
  server_->ExitContainer(c, 2);
  EXPECT_EQ(stop.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(stop.get().ok());
  EXPECT_EQ(client_->StatusOf(c).exit_code(), 2);
}

TEST_F(FakeCriE2ETest, StopWithTimeoutZeroKillsAtOnceAndStopIsIdempotent) {
  std::string c = client_->Started(client_->Pod(), "app");
  ASSERT_TRUE(client_->Stop(c, 0).ok());
  EXPECT_EQ(client_->StatusOf(c).exit_code(), 137);
  EXPECT_TRUE(client_->Stop(c, 0).ok());
  EXPECT_TRUE(client_->Stop("unknown", 0).ok()) << "the default flavour is the CRI contract: stops are idempotent";
}

// The two flavours over the socket: the stops of an unknown container and sandbox.
grpc::Status StopSandbox(CriTestClient& client, const std::string& id) {
  cri::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(id);
  cri::StopPodSandboxResponse resp;
  return client.runtime->StopPodSandbox(CriTestClient::Context().get(), req, &resp);
}

TEST(FakeCriFlavourTest, Containerd1620AnswersNotFoundToStopsOfUnknownIdsAndCriAnswersOk) {
  for (Flavor flavor : {Flavor::kContainerd1_6_20, Flavor::kCri}) {
    FakeCriOptions options;
    options.flavor = flavor;
    std::string error;
    auto server = FakeCriServer::Start(options, &error);
    ASSERT_TRUE(server) << error;
    CriTestClient client(server->NewChannel());
    const auto expected = flavor == Flavor::kCri ? grpc::StatusCode::OK : grpc::StatusCode::NOT_FOUND;
    EXPECT_EQ(client.Stop("unknown", 0).error_code(), expected) << FlavorName(flavor);
    EXPECT_EQ(StopSandbox(client, "unknown").error_code(), expected) << FlavorName(flavor);
    cri::ContainerStatus status;
    EXPECT_EQ(client.Status("unknown", &status).error_code(), grpc::StatusCode::NOT_FOUND) << FlavorName(flavor);
  }
}

TEST_F(FakeCriE2ETest, SetFlavorChangesTheAnswersOfLaterCalls) {
  server_->SetFlavor(Flavor::kContainerd1_6_20);
  EXPECT_EQ(client_->Stop("unknown", 0).error_code(), grpc::StatusCode::NOT_FOUND);
  server_->SetFlavor(Flavor::kCri);
  EXPECT_TRUE(client_->Stop("unknown", 0).ok());
}

TEST_F(FakeCriE2ETest, CreateContainerWithAGroupButNoUserIsRefusedAsContainerdDoes) {
  const std::string sandbox = client_->Pod();
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox");
  cri::PullImageResponse pulled;
  ASSERT_TRUE(client_->images->PullImage(CriTestClient::Context().get(), pull, &pulled).ok());
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox);
  req.mutable_config()->mutable_metadata()->set_name("app");
  req.mutable_config()->mutable_image()->set_image("busybox");
  req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_run_as_group()->set_value(1000);
  *req.mutable_sandbox_config() = CriTestClient::SandboxConfig("pod");
  cri::CreateContainerResponse resp;
  auto st = client_->runtime->CreateContainer(CriTestClient::Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("user group \"1000\" is specified without user"));
  EXPECT_TRUE(server_->Containers().empty());
  // The call log records the refused call and its outcome, like any other.
  auto calls = server_->calls().Calls("CreateContainer");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].code, grpc::StatusCode::UNKNOWN);
}

TEST_F(FakeCriE2ETest, RunPodSandboxWithAnUnconfiguredRuntimeHandlerIsRefused) {
  cri::RunPodSandboxRequest req;
  *req.mutable_config() = CriTestClient::SandboxConfig("pod");
  req.set_runtime_handler("kata");
  cri::RunPodSandboxResponse resp;
  auto st = client_->runtime->RunPodSandbox(CriTestClient::Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to get sandbox runtime: no runtime for \"kata\" is configured");
}

TEST_F(FakeCriE2ETest, AScenarioDescribesTheRuntimesHandlersAndAppArmor) {
  auto parsed = ParseScenario("runtimeHandlers: [runc, kata]\nappArmorProfiles: [podlife-test]\n", "host.yaml");
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  ApplyScenario(std::get<Scenario>(parsed), *server_);
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = CriTestClient::SandboxConfig("pod");
  run.set_runtime_handler("kata");
  cri::RunPodSandboxResponse ran;
  ASSERT_TRUE(client_->runtime->RunPodSandbox(CriTestClient::Context().get(), run, &ran).ok());

  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox");
  cri::PullImageResponse pulled;
  ASSERT_TRUE(client_->images->PullImage(CriTestClient::Context().get(), pull, &pulled).ok());
  auto create = [&](const std::string& name, const std::string& profile) {
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(ran.pod_sandbox_id());
    req.mutable_config()->mutable_metadata()->set_name(name);
    req.mutable_config()->mutable_image()->set_image("busybox");
    auto* apparmor = req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_apparmor();
    apparmor->set_profile_type(cri::SecurityProfile::Localhost);
    apparmor->set_localhost_ref(profile);
    cri::CreateContainerResponse resp;
    return client_->runtime->CreateContainer(CriTestClient::Context().get(), req, &resp);
  };
  EXPECT_TRUE(create("loaded", "podlife-test").ok());
  auto st = create("missing", "other");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("apparmor profile not found other"));
}

TEST_F(FakeCriE2ETest, StreamingCallsAnswerUnimplementedForWantOfAStreamingServer) {
  const std::string c = client_->Started(client_->Pod(), "app");
  cri::ExecRequest exec;
  exec.set_container_id(c);
  exec.add_cmd("sh");
  exec.set_stdout(true);
  cri::ExecResponse exec_resp;
  auto st = client_->runtime->Exec(CriTestClient::Context().get(), exec, &exec_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(st.error_message(), HasSubstr("no streaming server"));
  cri::AttachRequest attach;
  attach.set_container_id(c);
  cri::AttachResponse attach_resp;
  st = client_->runtime->Attach(CriTestClient::Context().get(), attach, &attach_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(st.error_message(), HasSubstr("Attach is not supported by podlife-fake-cri"));
  cri::PortForwardRequest forward;
  forward.add_port(80);
  cri::PortForwardResponse forward_resp;
  st = client_->runtime->PortForward(CriTestClient::Context().get(), forward, &forward_resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(st.error_message(), HasSubstr("no streaming server"));
  EXPECT_EQ(server_->calls().Calls("Exec").size(), 1u);
}

TEST_F(FakeCriE2ETest, ClientDeadlineShorterThanTheGraceLeavesTheContainerRunning) {
  server_->ScriptWorkload({"stubborn", true, 0});
  std::string c = client_->Started(client_->Pod(), "stubborn");
  auto st = client_->Stop(c, 60, 200ms);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(server_->calls().WaitForFinished(Call("StopContainer"), kWait).ok());
  EXPECT_EQ(client_->StatusOf(c).state(), cri::CONTAINER_RUNNING);
}

TEST_F(FakeCriE2ETest, TheWorkloadCanDie) {
  std::string c = client_->Started(client_->Pod(), "app");
  server_->ExitContainer(c, 42);
  auto s = client_->StatusOf(c);
  EXPECT_EQ(s.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(s.exit_code(), 42);
  EXPECT_EQ(client_->Start(c).error_code(), grpc::StatusCode::UNKNOWN);
}

WorkloadRule ExitsAfter(const std::string& name, Millis after, int code) {
  WorkloadRule rule;
  rule.container_name = name;
  rule.exits_after = after;
  rule.exit_code = code;
  return rule;
}

TEST_F(FakeCriE2ETest, AWorkloadExitsByItselfWithItsCodeAfterItsTime) {
  server_->ScriptWorkload(ExitsAfter("job", 300ms, 3));
  server_->ScriptWorkload(ExitsAfter("done", 100ms, 0));
  std::string sandbox = client_->Pod();
  std::string job = client_->Started(sandbox, "job");
  std::string done = client_->Started(sandbox, "done");
  std::string app = client_->Started(sandbox, "app");
  ASSERT_TRUE(server_->WaitUntilNotRunning(job, kWait).ok());
  ASSERT_TRUE(server_->WaitUntilNotRunning(done, kWait).ok());
  auto s = client_->StatusOf(job);
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.reason(), "Error");
  EXPECT_GE(s.finished_at() - s.started_at(), std::chrono::nanoseconds(300ms).count());
  EXPECT_EQ(client_->StatusOf(done).exit_code(), 0);
  EXPECT_EQ(client_->StatusOf(done).reason(), "Completed");
  EXPECT_EQ(client_->StatusOf(app).state(), cri::CONTAINER_RUNNING) << "only the named workload exits";
}

TEST_F(FakeCriE2ETest, AStopBeforeTheWorkloadsOwnExitWins) {
  server_->ScriptWorkload(ExitsAfter("job", 200ms, 5));
  server_->ScriptWorkload(ExitsAfter("later", 400ms, 0));
  std::string sandbox = client_->Pod();
  std::string job = client_->Started(sandbox, "job");
  std::string later = client_->Started(sandbox, "later");
  ASSERT_TRUE(client_->Stop(job, 0).ok());
  // Own exits fire in time order: once `later` exited, job's own exit time has passed too.
  ASSERT_TRUE(server_->WaitUntilNotRunning(later, kWait).ok());
  auto s = client_->StatusOf(job);
  EXPECT_EQ(s.exit_code(), 137) << "the stop came first";
  EXPECT_EQ(s.reason(), "Error");
}

TEST_F(FakeCriE2ETest, AnOwnExitDuringTheGracePeriodEndsTheStop) {
  WorkloadRule rule = ExitsAfter("job", 300ms, 0);
  rule.ignores_sigterm = true;
  server_->ScriptWorkload(rule);
  std::string job = client_->Started(client_->Pod(), "job");
  auto stop = std::async(std::launch::async, [&] { return client_->Stop(job, 600); });
  ASSERT_EQ(stop.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(stop.get().ok());
  EXPECT_EQ(client_->StatusOf(job).exit_code(), 0) << "it exited by itself, not by SIGKILL";
}

TEST(FakeCriShutdownTest, ShutdownCancelsPendingOwnExitsInsteadOfWaitingForThem) {
  std::string error;
  auto server = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(server) << error;
  server->ScriptWorkload(ExitsAfter("job", std::chrono::hours(1), 0));
  CriTestClient client(server->NewChannel());
  std::string job = client.Started(client.Pod(), "job");
  auto shutdown = std::async(std::launch::async, [&] { server->Shutdown(); });
  ASSERT_EQ(shutdown.wait_for(kWait), std::future_status::ready) << "the timer thread was not cancelled";
  EXPECT_EQ(server->Container(job)->state, cri::CONTAINER_RUNNING) << "a pending exit never happens";
}

TEST_F(FakeCriE2ETest, StopPodSandboxKillsItsRunningContainers) {
  std::string sandbox = client_->Pod();
  std::string c = client_->Started(sandbox, "app");
  cri::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox);
  cri::StopPodSandboxResponse resp;
  ASSERT_TRUE(client_->runtime->StopPodSandbox(CriTestClient::Context().get(), req, &resp).ok());
  EXPECT_EQ(client_->StatusOf(c).exit_code(), 137);
  cri::PodSandboxStatusRequest sreq;
  sreq.set_pod_sandbox_id(sandbox);
  cri::PodSandboxStatusResponse sresp;
  ASSERT_TRUE(client_->runtime->PodSandboxStatus(CriTestClient::Context().get(), sreq, &sresp).ok());
  EXPECT_EQ(sresp.status().state(), cri::SANDBOX_NOTREADY);
}

TEST_F(FakeCriE2ETest, PodIpsAreConfigurableIncludingNone) {
  server_->SetPodIps({});
  std::string sandbox = client_->Pod("noip");
  cri::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(sandbox);
  cri::PodSandboxStatusResponse resp;
  ASSERT_TRUE(client_->runtime->PodSandboxStatus(CriTestClient::Context().get(), req, &resp).ok());
  EXPECT_EQ(resp.status().network().ip(), "");
}

TEST_F(FakeCriE2ETest, ImagesArePulledWithoutARegistryAndListed) {
  cri::ImageStatusRequest sreq;
  sreq.mutable_image()->set_image("example.invalid/app:1");
  cri::ImageStatusResponse sresp;
  ASSERT_TRUE(client_->images->ImageStatus(CriTestClient::Context().get(), sreq, &sresp).ok());
  EXPECT_FALSE(sresp.has_image()) << "an absent image is an empty answer, not an error";

  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("example.invalid/app:1");
  cri::PullImageResponse pulled;
  ASSERT_TRUE(client_->images->PullImage(CriTestClient::Context().get(), pull, &pulled).ok());
  EXPECT_THAT(pulled.image_ref(), ::testing::StartsWith("sha256:"));
  ASSERT_TRUE(client_->images->ImageStatus(CriTestClient::Context().get(), sreq, &sresp).ok());
  EXPECT_EQ(sresp.image().id(), pulled.image_ref());

  cri::ListImagesResponse list;
  ASSERT_TRUE(client_->images->ListImages(CriTestClient::Context().get(), {}, &list).ok());
  ASSERT_EQ(list.images_size(), 1);
  EXPECT_EQ(list.images(0).repo_tags(0), "example.invalid/app:1");

  cri::ImageFsInfoResponse fs;
  ASSERT_TRUE(client_->images->ImageFsInfo(CriTestClient::Context().get(), {}, &fs).ok());
  EXPECT_EQ(fs.image_filesystems_size(), 1);

  cri::RemoveImageRequest rm;
  rm.mutable_image()->set_image("example.invalid/app:1");
  cri::RemoveImageResponse rm_resp;
  ASSERT_TRUE(client_->images->RemoveImage(CriTestClient::Context().get(), rm, &rm_resp).ok());
  ASSERT_TRUE(client_->images->RemoveImage(CriTestClient::Context().get(), rm, &rm_resp).ok());
  ASSERT_TRUE(client_->images->ListImages(CriTestClient::Context().get(), {}, &list).ok());
  EXPECT_EQ(list.images_size(), 0);
}

// ---- images, as containerd's CRI plugin answers ----

cri::Image ImageStatusOf(CriTestClient& client, const std::string& reference, bool verbose = false,
                         cri::ImageStatusResponse* full = nullptr) {
  cri::ImageStatusRequest req;
  req.mutable_image()->set_image(reference);
  req.set_verbose(verbose);
  cri::ImageStatusResponse resp;
  auto st = client.images->ImageStatus(CriTestClient::Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << reference << ": " << st.error_message();
  if (full) *full = resp;
  return resp.image();
}

bool ImagePresent(CriTestClient& client, const std::string& reference) {
  cri::ImageStatusResponse resp;
  ImageStatusOf(client, reference, false, &resp);
  return resp.has_image();
}

std::string PullOk(CriTestClient& client, const std::string& reference) {
  cri::PullImageRequest req;
  req.mutable_image()->set_image(reference);
  cri::PullImageResponse resp;
  auto st = client.images->PullImage(CriTestClient::Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << reference << ": " << st.error_message();
  return resp.image_ref();
}

std::vector<cri::Image> ListedImages(CriTestClient& client, const std::string& filter = "") {
  cri::ListImagesRequest req;
  if (!filter.empty()) req.mutable_filter()->mutable_image()->set_image(filter);
  cri::ListImagesResponse resp;
  EXPECT_TRUE(client.images->ListImages(CriTestClient::Context().get(), req, &resp).ok());
  return {resp.images().begin(), resp.images().end()};
}

grpc::Status RemoveImageCall(CriTestClient& client, const std::string& reference_or_id) {
  cri::RemoveImageRequest req;
  req.mutable_image()->set_image(reference_or_id);
  cri::RemoveImageResponse resp;
  return client.images->RemoveImage(CriTestClient::Context().get(), req, &resp);
}

ImageDefinition Definition(std::vector<std::string> references, uint64_t size = kDefaultImageSize,
                           std::string user = "") {
  ImageDefinition d;
  d.references = std::move(references);
  d.size = size;
  d.user = std::move(user);
  return d;
}

TEST_F(FakeCriE2ETest, AnImagePulledByItsLongNameIsFoundByItsShortNameAndNotPulledTwice) {
  const std::string id = PullOk(*client_, "docker.io/library/alpine:latest");
  auto image = ImageStatusOf(*client_, "alpine");
  EXPECT_EQ(image.id(), id);
  EXPECT_THAT(image.repo_tags(), ::testing::ElementsAre("docker.io/library/alpine:latest"));
  ASSERT_EQ(image.repo_digests_size(), 1);
  EXPECT_THAT(image.repo_digests(0), ::testing::StartsWith("docker.io/library/alpine@sha256:"));
  EXPECT_GT(image.size(), 0u);
  EXPECT_EQ(ImageStatusOf(*client_, "alpine:latest").id(), id);
  EXPECT_EQ(ImageStatusOf(*client_, "library/alpine").id(), id);
  EXPECT_EQ(PullOk(*client_, "alpine"), id);
  EXPECT_EQ(ListedImages(*client_).size(), 1u) << "the short form is the same image";
  EXPECT_FALSE(ImagePresent(*client_, "alpine:3.19")) << "another tag is another image";
}

TEST_F(FakeCriE2ETest, TwoTagsOfOneContentAreOneImageWithTwoRepoTags) {
  server_->DefineImage(Definition({"registry.example:5000/team/app:1.2", "registry.example:5000/team/app:stable"}, 12345));
  const std::string id = PullOk(*client_, "registry.example:5000/team/app:1.2");
  EXPECT_EQ(PullOk(*client_, "registry.example:5000/team/app:stable"), id);
  auto images = ListedImages(*client_);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].id(), id);
  EXPECT_THAT(images[0].repo_tags(), ::testing::ElementsAre("registry.example:5000/team/app:1.2",
                                                            "registry.example:5000/team/app:stable"));
  EXPECT_EQ(images[0].size(), 12345u);
  EXPECT_EQ(ListedImages(*client_, "registry.example:5000/team/app:stable").size(), 1u);
  EXPECT_EQ(ListedImages(*client_, "registry.example:5000/team/app:2").size(), 0u);
}

// k8s.io/cri-client's ImageStatus refuses an image with an empty ID or a zero size
// (`Id or size of image "<ref>" is not set`); no image the fake reports may trip it.
TEST_F(FakeCriE2ETest, NoImageTripsTheCriClientsIdOrSizeRule) {
  server_->DefineImage(Definition({"tiny:1"}, 1));
  ImageDefinition imported = Definition({"localhost/busybox:podlife"});
  imported.present = true;
  server_->DefineImage(imported);
  const std::string digest = "sha256:" + std::string(64, '7');
  for (const std::string& ref : std::vector<std::string>{"busybox", "quay.io/org/tool:v2", "busybox@" + digest, "tiny:1"}) {
    PullOk(*client_, ref);
  }
  for (const std::string& ref : std::vector<std::string>{"busybox", "docker.io/library/busybox:latest", "quay.io/org/tool:v2", "busybox@" + digest, "tiny:1",
        "localhost/busybox:podlife"}) {
    auto image = ImageStatusOf(*client_, ref);
    EXPECT_FALSE(image.id().empty() || image.size() == 0) << "Id or size of image \"" << ref << "\" is not set";
  }
  for (const auto& image : ListedImages(*client_)) EXPECT_GT(image.size(), 0u) << image.id();
}

TEST_F(FakeCriE2ETest, RemoveImageByATagOrByItsIdRemovesTheWholeImage) {
  server_->DefineImage(Definition({"app:1", "app:latest"}));
  PullOk(*client_, "app:1");
  const std::string id = PullOk(*client_, "app");
  const std::string other = PullOk(*client_, "other:2");
  ASSERT_TRUE(RemoveImageCall(*client_, "app").ok());
  EXPECT_FALSE(ImagePresent(*client_, "app:1")) << "containerd removes every reference of the image, not one tag";
  ASSERT_EQ(ListedImages(*client_).size(), 1u);
  // By a truncated ID, as `crictl rmi` passes what `crictl images` shows.
  ASSERT_TRUE(RemoveImageCall(*client_, other.substr(7, 13)).ok());
  EXPECT_TRUE(ListedImages(*client_).empty());
  EXPECT_TRUE(RemoveImageCall(*client_, id).ok()) << "idempotent";
}

TEST_F(FakeCriE2ETest, ImageFsInfoCountsTheImagesBytes) {
  server_->DefineImage(Definition({"a"}, 1000000));
  server_->DefineImage(Definition({"b"}, 2000000));
  PullOk(*client_, "a");
  PullOk(*client_, "b");
  PullOk(*client_, "docker.io/library/a:latest");  // the same image: counted once
  cri::ImageFsInfoResponse fs;
  ASSERT_TRUE(client_->images->ImageFsInfo(CriTestClient::Context().get(), {}, &fs).ok());
  ASSERT_EQ(fs.image_filesystems_size(), 1);
  EXPECT_EQ(fs.image_filesystems(0).used_bytes().value(), 3000000u);
  EXPECT_GT(fs.image_filesystems(0).inodes_used().value(), 0u);
  EXPECT_FALSE(fs.image_filesystems(0).fs_id().mountpoint().empty());
}

TEST_F(FakeCriE2ETest, ImageUserIsReportedAsContainerdReportsIt) {
  server_->DefineImage(Definition({"numeric"}, kDefaultImageSize, "1000:1000"));
  server_->DefineImage(Definition({"named"}, kDefaultImageSize, "nobody"));
  for (const char* ref : {"numeric", "named", "plain"}) PullOk(*client_, ref);
  auto numeric = ImageStatusOf(*client_, "numeric");
  ASSERT_TRUE(numeric.has_uid());
  EXPECT_EQ(numeric.uid().value(), 1000);
  EXPECT_EQ(numeric.username(), "");
  auto named = ImageStatusOf(*client_, "named");
  EXPECT_FALSE(named.has_uid());
  EXPECT_EQ(named.username(), "nobody");
  auto plain = ImageStatusOf(*client_, "plain");
  EXPECT_FALSE(plain.has_uid()) << "no User in the image: neither uid nor username (the process runs as root)";
  EXPECT_EQ(plain.username(), "");
  cri::ImageStatusResponse verbose;
  ImageStatusOf(*client_, "numeric", true, &verbose);
  EXPECT_THAT(verbose.info().at("info"), HasSubstr("\"User\":\"1000:1000\""));
}

TEST_F(FakeCriE2ETest, ACreateWithTheShortNameAfterPullingTheLongOneWorksAndReportsTagAndDigest) {
  const std::string image_id = PullOk(*client_, "docker.io/library/busybox:1.36");
  const std::string sandbox = client_->Pod();
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox);
  req.mutable_config()->mutable_metadata()->set_name("app");
  req.mutable_config()->mutable_image()->set_image("busybox:1.36");
  *req.mutable_sandbox_config() = CriTestClient::SandboxConfig("pod");
  cri::CreateContainerResponse created;
  auto st = client_->runtime->CreateContainer(CriTestClient::Context().get(), req, &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto status = client_->StatusOf(created.container_id());
  EXPECT_EQ(status.image().image(), "docker.io/library/busybox:1.36") << "the image's first repo tag";
  EXPECT_EQ(status.image_ref(), ImageStatusOf(*client_, image_id).repo_digests(0)) << "its first repo digest";
  cri::ListContainersResponse list;
  ASSERT_TRUE(client_->runtime->ListContainers(CriTestClient::Context().get(), {}, &list).ok());
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(list.containers(0).image().image(), "busybox:1.36");
  EXPECT_EQ(list.containers(0).image_ref(), image_id);
}

TEST_F(FakeCriE2ETest, AReferenceContainerdRejectsFailsThePull) {
  cri::PullImageRequest req;
  req.mutable_image()->set_image("Busybox");
  cri::PullImageResponse resp;
  auto st = client_->images->PullImage(CriTestClient::Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(),
            "failed to parse image reference \"Busybox\": invalid reference format: repository name must be lowercase");
  EXPECT_TRUE(ListedImages(*client_).empty());
}

TEST(FakeCriStrictTest, UnconsumedScriptIsReported) {
  std::string error;
  auto server = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(server) << error;
  server->FailNext("StartContainer", grpc::StatusCode::UNKNOWN, "never used");
  server->ScriptExec({"echo", "never"}, {}, 1);
  auto r = server->VerifyAllConsumed();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.message(), HasSubstr("fault on StartContainer"));
  EXPECT_THAT(r.message(), HasSubstr("exec result for [echo never]"));
}

TEST(FakeCriShutdownTest, ShutdownReleasesHeldCallsInsteadOfHanging) {
  std::string error;
  auto server = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(server) << error;
  CriTestClient client(server->NewChannel());
  auto gate = server->HoldNext("Version");
  auto call = std::async(std::launch::async, [&] {
    cri::VersionResponse v;
    return client.runtime->Version(CriTestClient::Context(60s).get(), {}, &v);
  });
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  server->Shutdown();
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready);
  EXPECT_FALSE(call.get().ok());
}

TEST(FakeCriCapacityTest, BoundedCallLogKeepsServing) {
  std::string error;
  FakeCriOptions options;
  options.call_log_capacity = 5;
  auto server = FakeCriServer::Start(options, &error);
  ASSERT_TRUE(server) << error;
  CriTestClient client(server->NewChannel());
  for (int i = 0; i < 20; ++i) {
    cri::VersionResponse v;
    ASSERT_TRUE(client.runtime->Version(CriTestClient::Context().get(), {}, &v).ok());
  }
  EXPECT_EQ(server->calls().Snapshot().size(), 5u);
  EXPECT_EQ(server->calls().total(), 20u);
}

}  // namespace
}  // namespace podlife::fakes
