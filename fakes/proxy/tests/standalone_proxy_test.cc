// Tests of the standalone podlife-cri-proxy program, started as a process in front of an
// in-process fake CRI server and driven over its socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fakes/cri/tests/cri_test_client.h"
#include "testsupport/child_process.h"

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
    std::string tmpl = (fs::temp_directory_path() / "podlife-proxy-tool-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    std::string error;
    upstream_ = FakeCriServer::Start({}, &error);
    ASSERT_TRUE(upstream_) << error;
  }
  void TearDown() override {
    upstream_.reset();
    fs::remove_all(dir_);
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

  fs::path dir_;
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
