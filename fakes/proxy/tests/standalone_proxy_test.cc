// Tests of the standalone podlife-cri-proxy program, started as a process in front of an
// in-process fake CRI server and driven over its socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "fakes/cri/tests/cri_test_client.h"
#include "fakes/proxy/cri_proxy.h"
#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using podlife::testsupport::ChildProcess;
using testing::CriTestClient;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 20s;

class StandaloneProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << "cannot make a private temp directory";
    std::string error;
    upstream_ = FakeCriServer::Start({}, &error);
    ASSERT_TRUE(upstream_) << error;
  }
  void TearDown() override {
    upstream_.reset();
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string Socket() const { return "unix://" + (dir_ / "run/proxy.sock").string(); }

  // Starts the program and checks what it announced.
  void StartProxy(ChildProcess& proxy, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {PODLIFE_CRI_PROXY_BIN, "--listen", Socket(), "--upstream", upstream_->address()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(proxy.Start(argv));
    auto line = proxy.ReadLine(kWait);
    ASSERT_TRUE(line.has_value()) << "no announcement; stderr: " << proxy.DrainStderr();
    EXPECT_EQ(*line, "podlife-cri-proxy: serving on " + Socket() + ", forwarding to " + upstream_->address());
  }

  testsupport::ScopedTempDir temp_{"podlife-proxy-tool"};  // removed after every member below
  fs::path dir_ = temp_.path();
  std::unique_ptr<FakeCriServer> upstream_;
};

TEST_F(StandaloneProxyTest, ForwardsToItsUpstreamAndPrintsTheCallLog) {
  ChildProcess proxy;
  StartProxy(proxy, {"--print-calls"});
  CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/proxy.sock").string(),
                                           grpc::InsecureChannelCredentials()));
  const std::string sandbox = client.Pod("web");
  EXPECT_TRUE(upstream_->Sandbox(sandbox).has_value()) << "the upstream ran the sandbox";
  proxy.Signal(SIGTERM);
  EXPECT_EQ(proxy.Wait(kWait), 0);
  EXPECT_THAT(proxy.DrainStderr(), HasSubstr("RunPodSandbox"));
}

TEST_F(StandaloneProxyTest, AScenarioFaultAppliesAndAnUnconsumedOneMakesItExit3) {
  std::string scenario = WriteFile("faults.yaml", R"(faults:
  - method: RunPodSandbox
    code: RESOURCE_EXHAUSTED
    message: scripted by the proxy
    times: 1
  - method: StartContainer
    code: UNAVAILABLE
    message: never reached
    times: 1
)");
  ChildProcess proxy;
  StartProxy(proxy, {"--scenario", scenario});
  CriTestClient client(grpc::CreateChannel("unix:" + (dir_ / "run/proxy.sock").string(),
                                           grpc::InsecureChannelCredentials()));
  cri::RunPodSandboxRequest req;
  *req.mutable_config() = CriTestClient::SandboxConfig("web");
  cri::RunPodSandboxResponse resp;
  grpc::Status st = client.runtime->RunPodSandbox(CriTestClient::Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(upstream_->calls().ExpectNoCall("RunPodSandbox").ok());
  proxy.Signal(SIGTERM);
  EXPECT_EQ(proxy.Wait(kWait), 3);
  EXPECT_THAT(proxy.DrainStderr(), HasSubstr("fault on StartContainer (UNAVAILABLE \"never reached\") used 0 of 1"));
}

TEST_F(StandaloneProxyTest, AScenarioForASimulatedRuntimeIsRefused) {
  std::string scenario = WriteFile("exec.yaml", "exec:\n  - command: [echo, hi]\n    stdout: hi\n");
  ChildProcess proxy;
  ASSERT_TRUE(proxy.Start({PODLIFE_CRI_PROXY_BIN, "--listen", Socket(), "--upstream", upstream_->address(),
                           "--scenario", scenario}));
  EXPECT_EQ(proxy.Wait(kWait), 2);
  EXPECT_THAT(proxy.DrainStderr(), HasSubstr(scenario + ": exec: not for the proxy"));
}

// A runtime process killed (SIGKILL, no answer, its connection dropped) while a call is
// forwarded to it: the client gets UNAVAILABLE, not a hang; a new runtime process on the same
// socket is served by the same proxy.
TEST_F(StandaloneProxyTest, AnUpstreamProcessKilledMidCallGivesUnavailableAndANewOneIsServed) {
  const std::string runtime_socket = "unix://" + (dir_ / "runtime/cri.sock").string();
  const std::string hang = WriteFile("hang.yaml", "faults:\n  - method: Version\n    hangUntilDeadline: true\n    times: 1\n");
  auto start_runtime = [&](ChildProcess& runtime, std::vector<std::string> extra) {
    std::vector<std::string> argv = {PODLIFE_FAKE_CRI_BIN, "--listen", runtime_socket};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(runtime.Start(argv));
    auto line = runtime.ReadLine(kWait);
    ASSERT_TRUE(line.has_value()) << runtime.DrainStderr();
  };
  ChildProcess first;
  start_runtime(first, {"--scenario", hang});
  std::string error;
  auto proxy = CriProxy::Start({"", runtime_socket}, &error);
  ASSERT_TRUE(proxy) << error;
  CriTestClient client(proxy->NewChannel());
  auto version = [&] {
    cri::VersionResponse out;
    return client.runtime->Version(CriTestClient::Context(30s).get(), cri::VersionRequest(), &out);
  };
  auto call = std::async(std::launch::async, version);  // hangs at the runtime until it dies
  ASSERT_TRUE(proxy->calls().WaitFor(Call("Version"), kWait).ok());
  first.Signal(SIGKILL);
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready) << "the client still waits after the runtime died";
  EXPECT_EQ(call.get().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(first.Wait(kWait), 128 + SIGKILL);

  ChildProcess second;
  start_runtime(second, {});
  ASSERT_TRUE(proxy->WaitForUpstream(kWait).ok());
  grpc::Status again = version();
  EXPECT_TRUE(again.ok()) << again.error_message();
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(kWait), 0);
}

TEST_F(StandaloneProxyTest, BadUsageExits2WithHelp) {
  ChildProcess missing;
  ASSERT_TRUE(missing.Start({PODLIFE_CRI_PROXY_BIN, "--listen", Socket()}));
  EXPECT_EQ(missing.Wait(kWait), 2);
  std::string err = missing.DrainStderr();
  EXPECT_THAT(err, HasSubstr("--upstream is required"));
  EXPECT_THAT(err, HasSubstr("usage: podlife-cri-proxy"));

  ChildProcess bogus;
  ASSERT_TRUE(bogus.Start({PODLIFE_CRI_PROXY_BIN, "--bogus"}));
  EXPECT_EQ(bogus.Wait(kWait), 2);
  EXPECT_THAT(bogus.DrainStderr(), HasSubstr("unknown argument '--bogus'"));

  ChildProcess help;
  ASSERT_TRUE(help.Start({PODLIFE_CRI_PROXY_BIN, "--help"}));
  EXPECT_EQ(help.Wait(kWait), 0);
  EXPECT_THAT(help.DrainStdout(), HasSubstr("--upstream ADDRESS"));
}

}  // namespace
}  // namespace podlife::fakes
