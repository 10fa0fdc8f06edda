// Unit tests of the synthetic stats: figures from the runtime state and a given time.
#include "fakes/cri/synthetic_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podlife::fakes {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

class SyntheticStatsTest : public ::testing::Test {
 protected:
  SyntheticStatsTest() : state_([this] { return now_; }) { state_.SetScript(&script_); }

  std::string Sandbox(bool host_network = false) {
    cri::RunPodSandboxRequest req;
    req.mutable_config()->mutable_metadata()->set_name("pod");
    req.mutable_config()->mutable_metadata()->set_namespace_("default");
    req.mutable_config()->mutable_metadata()->set_uid("uid");
    if (host_network) {
      req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
          cri::NODE);
    }
    std::string id;
    EXPECT_TRUE(state_.RunPodSandbox(req, &id).ok());
    return id;
  }

  std::string Started(const std::string& sandbox, const std::string& name) {
    state_.PullImage("busybox");
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    req.mutable_config()->mutable_metadata()->set_name(name);
    req.mutable_config()->mutable_image()->set_image("busybox");
    std::string id;
    EXPECT_TRUE(state_.CreateContainer(req, &id).ok());
    EXPECT_TRUE(state_.StartContainer(id).ok());
    return id;
  }

  cri::ContainerStats Stats(const std::string& id) {
    cri::ContainerStats out;
    EXPECT_TRUE(ContainerStatsOf(state_, script_, id, now_, &out).ok());
    return out;
  }

  int64_t now_ = 100 * kSecond;
  Script script_;
  RuntimeState state_;
};

TEST_F(SyntheticStatsTest, CpuUsageIsTheRateTimesTheRunningTime) {
  const std::string sandbox = Sandbox();
  const std::string c = Started(sandbox, "app");
  now_ += 2 * kSecond;
  cri::ContainerStats at2 = Stats(c);
  EXPECT_EQ(at2.cpu().usage_nano_cores().value(), 5'000'000u);
  EXPECT_EQ(at2.cpu().usage_core_nano_seconds().value(), 10'000'000u);  // 2 s at 5 millicores
  EXPECT_EQ(at2.cpu().timestamp(), now_);
  now_ += 2 * kSecond;
  EXPECT_EQ(Stats(c).cpu().usage_core_nano_seconds().value(), 20'000'000u);
  EXPECT_EQ(Stats(c).memory().working_set_bytes().value(), 8u << 20);
  EXPECT_EQ(Stats(c).writable_layer().used_bytes().value(), 16u << 10);
}

TEST_F(SyntheticStatsTest, AStatsRuleSetsTheFiguresOfItsContainerOnly) {
  script_.AddStatsRule({"busy", 1'000'000'000, 100u << 20, 1u << 20});
  const std::string sandbox = Sandbox();
  const std::string busy = Started(sandbox, "busy");
  const std::string idle = Started(sandbox, "idle");
  now_ += 3 * kSecond;
  EXPECT_EQ(Stats(busy).cpu().usage_core_nano_seconds().value(), 3u * kSecond);
  EXPECT_EQ(Stats(busy).memory().working_set_bytes().value(), 100u << 20);
  EXPECT_EQ(Stats(busy).writable_layer().used_bytes().value(), 1u << 20);
  EXPECT_EQ(Stats(idle).memory().working_set_bytes().value(), 8u << 20);
}

TEST_F(SyntheticStatsTest, AnExitedContainerKeepsItsUsageInItsSandboxButHasNoCpuOfItsOwn) {
  const std::string sandbox = Sandbox();
  const std::string job = Started(sandbox, "job");
  const std::string app = Started(sandbox, "app");
  now_ += 4 * kSecond;
  state_.ExitContainer(job, 0, "");
  now_ += 6 * kSecond;
  cri::ContainerStats ignored;
  EXPECT_EQ(ContainerStatsOf(state_, script_, job, now_, &ignored).error_code(), grpc::StatusCode::UNKNOWN);
  cri::ListContainerStatsResponse listed;
  ListContainerStatsOf(state_, script_, {}, now_, &listed);
  ASSERT_EQ(listed.stats_size(), 2);
  cri::PodSandboxStats pod;
  ASSERT_TRUE(PodSandboxStatsOf(state_, script_, sandbox, now_, &pod).ok());
  // job ran 4 s, app 10 s, both at 5 millicores; only app runs now.
  EXPECT_EQ(pod.linux().cpu().usage_core_nano_seconds().value(), 70'000'000u);
  EXPECT_EQ(pod.linux().cpu().usage_nano_cores().value(), 5'000'000u);
  EXPECT_EQ(pod.linux().process().process_count().value(), 1u);
  EXPECT_EQ(pod.linux().memory().working_set_bytes().value(), (8u << 20) + (1u << 20));
  EXPECT_EQ(pod.linux().network().default_interface().rx_bytes().value(), 10u * 1200);
  EXPECT_EQ(Stats(app).attributes().metadata().name(), "app");
}

TEST_F(SyntheticStatsTest, AHostNetworkSandboxHasNoNetworkFigures) {
  const std::string sandbox = Sandbox(/*host_network=*/true);
  cri::PodSandboxStats pod;
  ASSERT_TRUE(PodSandboxStatsOf(state_, script_, sandbox, now_, &pod).ok());
  EXPECT_FALSE(pod.linux().has_network());
}

}  // namespace
}  // namespace podlife::fakes
