// Unit tests of the fake runtime's state machine: containerd 1.6's states, codes and messages.
#include "fakes/cri/runtime_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RuntimeStateTest : public ::testing::Test {
 protected:
  RuntimeStateTest() : state_([this] { return now_; }) { state_.SetScript(&script_); }

  cri::RunPodSandboxRequest SandboxRequest(const std::string& name, bool host_network = false, int attempt = 0) {
    cri::RunPodSandboxRequest req;
    auto* md = req.mutable_config()->mutable_metadata();
    md->set_name(name);
    md->set_namespace_("default");
    md->set_uid(name + "-uid");
    md->set_attempt(attempt);
    if (host_network) {
      req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
          cri::NODE);
    }
    return req;
  }

  std::string RunSandbox(const std::string& name = "pod", bool host_network = false) {
    std::string id;
    EXPECT_TRUE(state_.RunPodSandbox(SandboxRequest(name, host_network), &id).ok());
    return id;
  }

  std::string Create(const std::string& sandbox, const std::string& name, int attempt = 0,
                     grpc::Status* status = nullptr) {
    state_.PullImage("busybox");
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    req.mutable_config()->mutable_metadata()->set_name(name);
    req.mutable_config()->mutable_metadata()->set_attempt(attempt);
    req.mutable_config()->mutable_image()->set_image("busybox");
    std::string id;
    auto st = state_.CreateContainer(req, &id);
    if (status) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    return id;
  }

  cri::ContainerStatus Status(const std::string& id) {
    cri::ContainerStatus s;
    EXPECT_TRUE(state_.ContainerStatus(id, &s).ok());
    return s;
  }

  int64_t now_ = 1000;
  Script script_;
  RuntimeState state_;
};

TEST_F(RuntimeStateTest, PodNetworkSandboxIsReadyWithTheConfiguredPodIp) {
  state_.SetPodIps({"127.0.0.1", "::1"});
  std::string id = RunSandbox();
  cri::PodSandboxStatus s;
  ASSERT_TRUE(state_.PodSandboxStatus(id, &s).ok());
  EXPECT_EQ(s.state(), cri::SANDBOX_READY);
  EXPECT_EQ(s.network().ip(), "127.0.0.1");
  ASSERT_EQ(s.network().additional_ips_size(), 1);
  EXPECT_EQ(s.network().additional_ips(0).ip(), "::1");
  EXPECT_EQ(s.created_at(), 1000);
  EXPECT_EQ(id.size(), 64u);
}

TEST_F(RuntimeStateTest, SandboxCanHaveNoPodIp) {
  state_.SetPodIps({});
  cri::PodSandboxStatus s;
  ASSERT_TRUE(state_.PodSandboxStatus(RunSandbox(), &s).ok());
  EXPECT_EQ(s.network().ip(), "");
}

TEST_F(RuntimeStateTest, HostNetworkSandboxHasNoPodIpLikeContainerd) {
  cri::PodSandboxStatus s;
  ASSERT_TRUE(state_.PodSandboxStatus(RunSandbox("pod", true), &s).ok());
  EXPECT_EQ(s.network().ip(), "");
  EXPECT_EQ(s.linux().namespaces().options().network(), cri::NODE);
}

TEST_F(RuntimeStateTest, HostNetworkSandboxWithHostnameFailsAsRuncDoes) {
  auto req = SandboxRequest("pod", true);
  req.mutable_config()->set_hostname("web");
  std::string id;
  auto st = state_.RunPodSandbox(req, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("unable to set hostname without a private UTS namespace"));
}

TEST_F(RuntimeStateTest, SandboxNameIsReservedPerAttempt) {
  std::string first;
  ASSERT_TRUE(state_.RunPodSandbox(SandboxRequest("pod"), &first).ok());
  std::string second;
  auto st = state_.RunPodSandbox(SandboxRequest("pod"), &second);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("failed to reserve sandbox name \"pod_default_pod-uid_0\""));
  EXPECT_TRUE(state_.RunPodSandbox(SandboxRequest("pod", false, 1), &second).ok());
}

TEST_F(RuntimeStateTest, ContainerMovesCreatedRunningExitedWithTimestamps) {
  std::string c = Create(RunSandbox(), "app");
  EXPECT_EQ(Status(c).state(), cri::CONTAINER_CREATED);
  now_ = 2000;
  ASSERT_TRUE(state_.StartContainer(c).ok());
  EXPECT_EQ(Status(c).state(), cri::CONTAINER_RUNNING);
  EXPECT_EQ(Status(c).started_at(), 2000);
  now_ = 3000;
  state_.ExitContainer(c, 3, "");
  auto s = Status(c);
  EXPECT_EQ(s.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.reason(), "Error");
  EXPECT_EQ(s.finished_at(), 3000);
  EXPECT_EQ(s.created_at(), 1000);
}

TEST_F(RuntimeStateTest, ZeroExitIsReasonCompleted) {
  std::string c = Create(RunSandbox(), "app");
  ASSERT_TRUE(state_.StartContainer(c).ok());
  state_.ExitContainer(c, 0, "");
  EXPECT_EQ(Status(c).reason(), "Completed");
}

TEST_F(RuntimeStateTest, AttemptComesFromMetadataAndNamesAreReservedPerAttempt) {
  std::string sandbox = RunSandbox();
  std::string c0 = Create(sandbox, "app", 0);
  grpc::Status st;
  Create(sandbox, "app", 0, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("failed to reserve container name \"app_pod_default_pod-uid_0\""));
  std::string c1 = Create(sandbox, "app", 1);
  EXPECT_EQ(Status(c1).metadata().attempt(), 1u);
}

TEST_F(RuntimeStateTest, StartingAnExitedContainerFailsWithContainerdMessage) {
  std::string c = Create(RunSandbox(), "app");
  ASSERT_TRUE(state_.StartContainer(c).ok());
  state_.ExitContainer(c, 0, "");
  auto st = state_.StartContainer(c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to set starting state for container \"" + c +
                                    "\": container is in CONTAINER_EXITED state");
}

TEST_F(RuntimeStateTest, ExecNeedsARunningContainer) {
  std::string c = Create(RunSandbox(), "app");
  EXPECT_EQ(state_.CheckExec(c).error_message(), "failed to exec in container: container is in CONTAINER_CREATED state");
  ASSERT_TRUE(state_.StartContainer(c).ok());
  EXPECT_TRUE(state_.CheckExec(c).ok());
  state_.ExitContainer(c, 0, "");
  auto st = state_.CheckExec(c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to exec in container: container is in CONTAINER_EXITED state");
}

TEST_F(RuntimeStateTest, UnknownContainerIsNotFoundExceptForIdempotentRemove) {
  state_.SetFlavor(Flavor::kContainerd1_6_20);
  cri::ContainerStatus s;
  auto st = state_.ContainerStatus("nope", &s);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "an error occurred when try to find container \"nope\": not found");
  EXPECT_EQ(state_.StartContainer("nope").error_code(), grpc::StatusCode::NOT_FOUND);
  StopPlan plan;
  EXPECT_EQ(state_.PlanStop("nope", 10, &plan).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(state_.CheckExec("nope").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(state_.RemoveContainer("nope").ok());
  EXPECT_TRUE(state_.RemovePodSandbox("nope").ok());
  EXPECT_EQ(state_.StopPodSandbox("nope").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RuntimeStateTest, CriFlavourStopsOfUnknownIdsSucceedWithNothingToDo) {
  ASSERT_EQ(state_.flavor(), Flavor::kCri) << "the CRI contract is the default";
  StopPlan plan;
  plan.action = StopPlan::Action::kExitNow;
  ASSERT_TRUE(state_.PlanStop("nope", 10, &plan).ok());
  EXPECT_EQ(plan.action, StopPlan::Action::kNothing);
  EXPECT_TRUE(state_.StopPodSandbox("nope").ok());
  // Only the stops are idempotent for unknown IDs: the rest still answer NOT_FOUND.
  cri::ContainerStatus s;
  EXPECT_EQ(state_.ContainerStatus("nope", &s).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(state_.StartContainer("nope").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(state_.CheckExec("nope").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RuntimeStateTest, CreateContainerRefusesWhatRequestValidationRefusesWithoutReservingTheName) {
  std::string sandbox = RunSandbox();
  state_.PullImage("busybox");
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox);
  req.mutable_config()->mutable_metadata()->set_name("app");
  req.mutable_config()->mutable_image()->set_image("busybox");
  req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_run_as_group()->set_value(1000);
  std::string id;
  auto st = state_.CreateContainer(req, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("user group \"1000\" is specified without user"));
  EXPECT_TRUE(state_.containers().empty());
  // The name was not kept: the corrected request creates the container.
  req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_run_as_user()->set_value(1000);
  EXPECT_TRUE(state_.CreateContainer(req, &id).ok());
}

TEST_F(RuntimeStateTest, CreateContainerWithoutMetadataIsUnknownAsInContainerd) {
  std::string sandbox = RunSandbox();
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox);
  std::string id;
  auto st = state_.CreateContainer(req, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "container config must include metadata");
}

TEST_F(RuntimeStateTest, RunPodSandboxRefusesAnUnconfiguredRuntimeHandler) {
  auto req = SandboxRequest("pod");
  req.set_runtime_handler("kata");
  std::string id;
  auto st = state_.RunPodSandbox(req, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to get sandbox runtime: no runtime for \"kata\" is configured");
  EXPECT_TRUE(state_.sandboxes().empty());
  req.set_runtime_handler("runc");
  EXPECT_TRUE(state_.RunPodSandbox(req, &id).ok());
}

TEST_F(RuntimeStateTest, StopPlanFollowsTheWorkloadsSigtermBehaviour) {
  script_.AddWorkloadRule({"stubborn", true, 0});
  script_.AddWorkloadRule({"graceful", false, 0});
  std::string sandbox = RunSandbox();
  std::string stubborn = Create(sandbox, "stubborn");
  std::string graceful = Create(sandbox, "graceful");
  ASSERT_TRUE(state_.StartContainer(stubborn).ok());
  ASSERT_TRUE(state_.StartContainer(graceful).ok());

  StopPlan plan;
  ASSERT_TRUE(state_.PlanStop(stubborn, 5, &plan).ok());
  EXPECT_EQ(plan.action, StopPlan::Action::kKillAfterGrace);
  EXPECT_EQ(plan.exit_code, 137);
  ASSERT_TRUE(state_.PlanStop(stubborn, 0, &plan).ok());
  EXPECT_EQ(plan.action, StopPlan::Action::kExitNow);
  EXPECT_EQ(plan.exit_code, 137);
  ASSERT_TRUE(state_.PlanStop(graceful, 5, &plan).ok());
  EXPECT_EQ(plan.action, StopPlan::Action::kExitNow);
  EXPECT_EQ(plan.exit_code, 0);
  EXPECT_EQ(plan.reason, "Completed");

  state_.ExitContainer(graceful, 0, "");
  ASSERT_TRUE(state_.PlanStop(graceful, 5, &plan).ok());  // stopping an exited container is a no-op
  EXPECT_EQ(plan.action, StopPlan::Action::kNothing);
}

TEST_F(RuntimeStateTest, StopPodSandboxKillsRunningContainersAndIsIdempotent) {
  std::string sandbox = RunSandbox();
  std::string running = Create(sandbox, "running");
  std::string created = Create(sandbox, "created");
  ASSERT_TRUE(state_.StartContainer(running).ok());
  ASSERT_TRUE(state_.StopPodSandbox(sandbox).ok());
  EXPECT_EQ(Status(running).state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(Status(running).exit_code(), 137);
  EXPECT_EQ(Status(created).state(), cri::CONTAINER_CREATED);
  cri::PodSandboxStatus s;
  ASSERT_TRUE(state_.PodSandboxStatus(sandbox, &s).ok());
  EXPECT_EQ(s.state(), cri::SANDBOX_NOTREADY);
  EXPECT_TRUE(state_.StopPodSandbox(sandbox).ok());
}

TEST_F(RuntimeStateTest, StartInAStoppedSandboxFailsAndMarksTheContainerExited) {
  std::string sandbox = RunSandbox();
  std::string c = Create(sandbox, "app");
  ASSERT_TRUE(state_.StopPodSandbox(sandbox).ok());
  auto st = state_.StartContainer(c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(st.error_message(), HasSubstr("is not running"));
  EXPECT_EQ(Status(c).state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(Status(c).exit_code(), 128);
  EXPECT_EQ(Status(c).reason(), "StartError");
}

TEST_F(RuntimeStateTest, RemovePodSandboxRemovesItsContainers) {
  std::string sandbox = RunSandbox();
  std::string c = Create(sandbox, "app");
  ASSERT_TRUE(state_.StartContainer(c).ok());
  ASSERT_TRUE(state_.RemovePodSandbox(sandbox).ok());
  cri::ContainerStatus s;
  EXPECT_EQ(state_.ContainerStatus(c, &s).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(state_.sandboxes(), IsEmpty());
}

TEST_F(RuntimeStateTest, CreateContainerNeedsAPulledImage) {
  std::string sandbox = RunSandbox();
  cri::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox);
  req.mutable_config()->mutable_metadata()->set_name("app");
  req.mutable_config()->mutable_image()->set_image("never-pulled");
  std::string id;
  auto st = state_.CreateContainer(req, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("never-pulled"));
}

TEST_F(RuntimeStateTest, ListFiltersBySandboxStateAndLabels) {
  std::string a = RunSandbox("a");
  std::string b = RunSandbox("b");
  std::string ca = Create(a, "x");
  Create(b, "y");
  ASSERT_TRUE(state_.StartContainer(ca).ok());
  cri::ContainerFilter filter;
  filter.set_pod_sandbox_id(a);
  cri::ListContainersResponse resp;
  state_.ListContainers(filter, &resp);
  ASSERT_EQ(resp.containers_size(), 1);
  EXPECT_EQ(resp.containers(0).id(), ca);
  cri::ContainerFilter running;
  running.mutable_state()->set_state(cri::CONTAINER_RUNNING);
  cri::ListContainersResponse resp2;
  state_.ListContainers(running, &resp2);
  ASSERT_EQ(resp2.containers_size(), 1);
  EXPECT_EQ(resp2.containers(0).id(), ca);
}

}  // namespace
}  // namespace podlife::fakes
