// What a stock CRI client sees from the standalone podlife-fake-cri (`--simulate`, default flavour
// `cri`): each step makes the calls crictl makes for one of its commands (crictl is not packaged in
// Debian 12, so this client stands in for it) and checks the answer containerd would give, including
// the checks of k8s.io/cri-client that fail a client on a malformed answer (an image whose ID or
// size is not set).
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/v1/api.grpc.pb.h"
#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"

namespace podlife::fakes {
namespace {

namespace cri = ::runtime::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using podlife::testsupport::ChildProcess;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 20s;

std::unique_ptr<grpc::ClientContext> Deadline() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + 10s);
  return ctx;
}

class StockClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << "cannot make a private temp directory";
    const std::string socket = (dir_ / "cri.sock").string();
    ASSERT_TRUE(server_.Start({PODLIFE_FAKE_CRI_BIN, "--listen", "unix://" + socket, "--simulate"}));
    auto line = server_.ReadLine(kWait);
    ASSERT_TRUE(line.has_value()) << "no announcement; stderr: " << server_.DrainStderr();
    auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
    runtime_ = cri::RuntimeService::NewStub(channel);
    images_ = cri::ImageService::NewStub(channel);
  }
  void TearDown() override {
    runtime_.reset();
    images_.reset();
    server_.Signal(SIGTERM);
    EXPECT_EQ(server_.Wait(kWait), 0) << server_.DrainStderr();
  }

  // crictl inspecti / the cri-client's ImageStatus: an image that is present must have an ID and a
  // size ("Id or size of image ... is not set" otherwise).
  cri::ImageStatusResponse InspectImage(const std::string& ref) {
    cri::ImageStatusRequest req;
    req.mutable_image()->set_image(ref);
    req.set_verbose(true);
    cri::ImageStatusResponse resp;
    auto st = images_->ImageStatus(Deadline().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << ref << ": " << st.error_message();
    if (resp.has_image()) {
      EXPECT_FALSE(resp.image().id().empty()) << "cri-client: Id of image " << ref << " is not set";
      EXPECT_NE(resp.image().size(), 0u) << "cri-client: size of image " << ref << " is not set";
    }
    return resp;
  }

  cri::PodSandboxConfig PodConfig() const {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name("journey");
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("journey-uid");
    config.set_hostname("journey-host");
    config.set_log_directory((dir_ / "pods/journey").string());
    return config;
  }

  // crictl create POD ctr.json pod.json: the image is looked up (present, so not pulled), then
  // CreateContainer; crictl start: StartContainer.
  std::string CreateAndStart(const std::string& pod, const std::string& name, const std::string& image,
                             std::vector<std::string> command) {
    EXPECT_TRUE(InspectImage(image).has_image()) << image << " not found after the pull";
    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(pod);
    create.mutable_config()->mutable_metadata()->set_name(name);
    create.mutable_config()->mutable_image()->set_image(image);
    for (auto& word : command) create.mutable_config()->add_command(word);
    create.mutable_config()->set_log_path(name + ".log");
    *create.mutable_sandbox_config() = PodConfig();
    cri::CreateContainerResponse created;
    auto st = runtime_->CreateContainer(Deadline().get(), create, &created);
    EXPECT_TRUE(st.ok()) << st.error_message();
    cri::StartContainerRequest start;
    start.set_container_id(created.container_id());
    cri::StartContainerResponse started;
    st = runtime_->StartContainer(Deadline().get(), start, &started);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return created.container_id();
  }

  cri::ContainerStatus Status(const std::string& id) {
    cri::ContainerStatusRequest req;
    req.set_container_id(id);
    cri::ContainerStatusResponse resp;
    auto st = runtime_->ContainerStatus(Deadline().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.status();
  }

  // Polls the runtime (crictl has nothing to wait on either) until the container exited.
  ::testing::AssertionResult WaitUntilExited(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Status(id).state() == cri::CONTAINER_EXITED) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(10ms);  // polling an answer over the API: the fake offers no watch
    }
    return ::testing::AssertionFailure() << "container " << id << " did not exit within 20 s";
  }

  cri::ExecSyncResponse ExecSync(const std::string& id, std::vector<std::string> cmd) {
    cri::ExecSyncRequest req;
    req.set_container_id(id);
    for (auto& word : cmd) req.add_cmd(word);
    cri::ExecSyncResponse resp;
    auto st = runtime_->ExecSync(Deadline().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  testsupport::ScopedTempDir temp_{"podlife-stock"};  // removed after every member below
  fs::path dir_ = temp_.path();
  ChildProcess server_;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> images_;
};

TEST_F(StockClientTest, ImagesPullListInspectAndRemoveByAnyReference) {
  // crictl pull docker.io/library/busybox:1.36
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("docker.io/library/busybox:1.36");
  cri::PullImageResponse pulled;
  ASSERT_TRUE(images_->PullImage(Deadline().get(), pull, &pulled).ok());
  EXPECT_THAT(pulled.image_ref(), MatchesRegex("sha256:[0-9a-f]{64}"));
  // crictl images: one image, its tag, its repo digest, a size.
  cri::ListImagesResponse listed;
  ASSERT_TRUE(images_->ListImages(Deadline().get(), cri::ListImagesRequest(), &listed).ok());
  ASSERT_EQ(listed.images_size(), 1);
  EXPECT_EQ(listed.images(0).id(), pulled.image_ref());
  EXPECT_THAT(listed.images(0).repo_tags(), ElementsAre("docker.io/library/busybox:1.36"));
  EXPECT_EQ(listed.images(0).repo_digests_size(), 1);
  EXPECT_GT(listed.images(0).size(), 0u);
  // crictl inspecti with the short name and with the ID prefix crictl images prints.
  EXPECT_EQ(InspectImage("busybox:1.36").image().id(), pulled.image_ref());
  EXPECT_EQ(InspectImage(pulled.image_ref().substr(7, 13)).image().id(), pulled.image_ref());
  EXPECT_EQ(InspectImage("busybox:1.36").info().count("info"), 1u) << "verbose ImageStatus has no info";
  // Pulling the short form is the same image.
  pull.mutable_image()->set_image("busybox:1.36");
  cri::PullImageResponse again;
  ASSERT_TRUE(images_->PullImage(Deadline().get(), pull, &again).ok());
  EXPECT_EQ(again.image_ref(), pulled.image_ref());
  // crictl rmi busybox:1.36: ImageStatus to find it, RemoveImage by its ID; then it is gone.
  cri::RemoveImageRequest remove;
  remove.mutable_image()->set_image(InspectImage("busybox:1.36").image().id());
  cri::RemoveImageResponse removed;
  ASSERT_TRUE(images_->RemoveImage(Deadline().get(), remove, &removed).ok());
  EXPECT_FALSE(InspectImage("docker.io/library/busybox:1.36").has_image());
  // ImageFsInfo (crictl imagefsinfo) stays answerable.
  cri::ImageFsInfoResponse fs_info;
  EXPECT_TRUE(images_->ImageFsInfo(Deadline().get(), cri::ImageFsInfoRequest(), &fs_info).ok());
}

TEST_F(StockClientTest, APodsLifeRunExecLogsStatsStopAndRemove) {
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("docker.io/library/busybox:1.36");
  cri::PullImageResponse pulled;
  ASSERT_TRUE(images_->PullImage(Deadline().get(), pull, &pulled).ok());
  // crictl runp pod.json
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig();
  cri::RunPodSandboxResponse ran;
  ASSERT_TRUE(runtime_->RunPodSandbox(Deadline().get(), run, &ran).ok());
  const std::string pod = ran.pod_sandbox_id();
  // crictl create/start with the short name of the image pulled by its long name.
  const std::string shell = CreateAndStart(pod, "shell", "busybox:1.36", {"sh", "-c", "while true; do sleep 1; done"});
  EXPECT_EQ(Status(shell).state(), cri::CONTAINER_RUNNING);
  // As containerd: the image's first repo tag, and its repo digest as the image ref.
  EXPECT_EQ(Status(shell).image().image(), "docker.io/library/busybox:1.36");
  EXPECT_THAT(Status(shell).image_ref(), MatchesRegex("docker.io/library/busybox@sha256:[0-9a-f]{64}"));
  // crictl exec -s: real output and real exit codes.
  cri::ExecSyncResponse echoed = ExecSync(shell, {"echo", "-n", "hello"});
  EXPECT_EQ(echoed.stdout(), "hello");
  EXPECT_EQ(echoed.exit_code(), 0);
  EXPECT_EQ(ExecSync(shell, {"sh", "-c", "exit 3"}).exit_code(), 3);
  EXPECT_EQ(ExecSync(shell, {"cat", "/etc/hostname"}).stdout(), "journey-host\n");
  cri::ExecSyncResponse missing = ExecSync(shell, {"sh", "-c", "no-such-tool"});
  EXPECT_EQ(missing.exit_code(), 127);
  EXPECT_THAT(missing.stderr(), HasSubstr("no-such-tool: not found"));
  // crictl logs of a container whose command was `echo hello` and that has exited.
  const std::string echoer = CreateAndStart(pod, "echoer", "busybox:1.36", {"echo", "hello"});
  ASSERT_TRUE(WaitUntilExited(echoer));
  cri::ContainerStatus done = Status(echoer);
  EXPECT_EQ(done.exit_code(), 0);
  EXPECT_EQ(done.reason(), "Completed");
  std::ifstream log(done.log_path());
  ASSERT_TRUE(log.good()) << "no log file at " << done.log_path();
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  EXPECT_THAT(line, MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) stdout F hello"));
  // crictl stats: every container, with CPU and memory figures for the running one.
  cri::ListContainerStatsResponse stats;
  ASSERT_TRUE(runtime_->ListContainerStats(Deadline().get(), cri::ListContainerStatsRequest(), &stats).ok());
  bool saw_shell = false;
  for (const auto& s : stats.stats()) {
    if (s.attributes().id() != shell) continue;
    saw_shell = true;
    EXPECT_GT(s.memory().working_set_bytes().value(), 0u);
    EXPECT_TRUE(s.cpu().has_usage_core_nano_seconds());
  }
  EXPECT_TRUE(saw_shell) << "crictl stats does not list the running container";
  // crictl stop (the shell loop has no TERM trap: as PID 1 it ignores TERM, so timeout 0 kills it).
  cri::StopContainerRequest stop;
  stop.set_container_id(shell);
  cri::StopContainerResponse stopped;
  ASSERT_TRUE(runtime_->StopContainer(Deadline().get(), stop, &stopped).ok());
  EXPECT_EQ(Status(shell).state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(Status(shell).exit_code(), 137);
  // crictl rm: gone.
  cri::RemoveContainerRequest rm;
  rm.set_container_id(shell);
  cri::RemoveContainerResponse removed;
  ASSERT_TRUE(runtime_->RemoveContainer(Deadline().get(), rm, &removed).ok());
  cri::ContainerStatusRequest status_of_removed;
  status_of_removed.set_container_id(shell);
  cri::ContainerStatusResponse none;
  EXPECT_EQ(runtime_->ContainerStatus(Deadline().get(), status_of_removed, &none).error_code(), grpc::NOT_FOUND);
  // crictl stopp, rmp.
  cri::StopPodSandboxRequest stopp;
  stopp.set_pod_sandbox_id(pod);
  cri::StopPodSandboxResponse stopped_pod;
  ASSERT_TRUE(runtime_->StopPodSandbox(Deadline().get(), stopp, &stopped_pod).ok());
  cri::PodSandboxStatusRequest pod_status;
  pod_status.set_pod_sandbox_id(pod);
  cri::PodSandboxStatusResponse pod_state;
  ASSERT_TRUE(runtime_->PodSandboxStatus(Deadline().get(), pod_status, &pod_state).ok());
  EXPECT_EQ(pod_state.status().state(), cri::SANDBOX_NOTREADY);
  cri::RemovePodSandboxRequest rmp;
  rmp.set_pod_sandbox_id(pod);
  cri::RemovePodSandboxResponse removed_pod;
  ASSERT_TRUE(runtime_->RemovePodSandbox(Deadline().get(), rmp, &removed_pod).ok());
  EXPECT_EQ(runtime_->PodSandboxStatus(Deadline().get(), pod_status, &pod_state).error_code(), grpc::NOT_FOUND);
}

// The CRI contract (and containerd >= 1.6.35, 1.7.21): stopping what is not there succeeds.
TEST_F(StockClientTest, StopAndStoppOfAnUnknownIdSucceedInTheCriFlavour) {
  cri::StopContainerRequest stop;
  stop.set_container_id("0123456789ab");
  cri::StopContainerResponse stopped;
  EXPECT_TRUE(runtime_->StopContainer(Deadline().get(), stop, &stopped).ok());
  cri::StopPodSandboxRequest stopp;
  stopp.set_pod_sandbox_id("0123456789ab");
  cri::StopPodSandboxResponse stopped_pod;
  EXPECT_TRUE(runtime_->StopPodSandbox(Deadline().get(), stopp, &stopped_pod).ok());
}

}  // namespace
}  // namespace podlife::fakes
