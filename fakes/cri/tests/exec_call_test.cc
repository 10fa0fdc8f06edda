// The engine's ExecCall (src/cri/exec_call.h) against the fake CRI server over a real gRPC
// channel: an exec that ends within the wait is driven by the waiting thread itself, one past
// it ends on the pool once detached, a cancel ends it, a FakeClock times the wait, and the
// result is the blocking ExecSync's. Gates order the races; every wait has a deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "src/core/task_pool.h"
#include "src/cri/cri_client.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

class ExecCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = FakeCriServer::Start({}, &error);
    ASSERT_TRUE(server_) << error;
    auto client = GrpcCriClient::Connect(server_->address(), Profile135());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
    auto sandbox = client_->RunPodSandbox(MakeSandboxConfig());
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    cri::ContainerConfig config;
    config.mutable_metadata()->set_name("app");
    config.mutable_image()->set_image("busybox");
    ASSERT_TRUE(client_->PullImage("busybox", MakeSandboxConfig()).ok());
    auto created = client_->CreateContainer(*sandbox, config, MakeSandboxConfig());
    ASSERT_TRUE(created.ok()) << created.status();
    container_ = *created;
    ASSERT_TRUE(client_->StartContainer(container_).ok());
    stub_ = cri::RuntimeService::NewStub(server_->NewChannel());
  }

  static cri::PodSandboxConfig MakeSandboxConfig() {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name("pod");
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-1");
    return config;
  }

  cri::ExecSyncRequest Request() const {
    cri::ExecSyncRequest request;
    request.set_container_id(container_);
    request.add_cmd("true");
    return request;
  }

  // An ExecCall straight on the stub whose result conversion records the thread it ran on.
  std::shared_ptr<ExecCall> StartRecordingThread(std::thread::id* converted_on) {
    return StartGrpcExecCall(*stub_, Request(), 0ms, [converted_on](const grpc::Status& st, const cri::ExecSyncResponse& r) {
      *converted_on = std::this_thread::get_id();
      podlife::ExecResult result;
      result.exit_code = r.exit_code();
      if (!st.ok()) result.error = absl::UnknownError(st.error_message());
      return result;
    });
  }

  std::unique_ptr<FakeCriServer> server_;
  std::unique_ptr<GrpcCriClient> client_;
  std::unique_ptr<cri::RuntimeService::Stub> stub_;
  std::string container_;
  RealClock clock_;
};

TEST_F(ExecCallTest, AnExecThatEndsWithinTheWaitIsDrivenByTheWaitingThreadAlone) {
  const uint64_t threads_before = TaskPool::Shared().threads_started();
  for (int i = 0; i < 200; ++i) {
    std::thread::id converted_on;
    auto call = StartRecordingThread(&converted_on);
    ASSERT_TRUE(call->Wait(clock_, kWait)) << "call " << i;
    ASSERT_TRUE(call->result().error.ok()) << call->result().error;
    ASSERT_EQ(converted_on, std::this_thread::get_id()) << "call " << i << " ended on another thread";
  }
  EXPECT_EQ(TaskPool::Shared().threads_started(), threads_before) << "a pool thread was started";
}

TEST_F(ExecCallTest, AnExecPastTheWaitEndsOnThePoolOnceDetached) {
  auto gate = server_->HoldNext("ExecSync");
  std::thread::id converted_on;
  auto call = StartRecordingThread(&converted_on);
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  EXPECT_FALSE(call->Wait(clock_, 20ms)) << "the runtime holds the exec";
  auto ended = std::make_shared<Notification>();
  bool ok = false;
  call->Detach([&](const podlife::ExecResult& result) {
    ok = result.error.ok();
    ended->Notify();
  });
  call.reset();  // the detached call keeps itself alive
  EXPECT_FALSE(ended->HasBeenNotified());
  gate->Release();
  ASSERT_TRUE(ended->WaitFor(kWait)) << "the detached exec never ended";
  EXPECT_TRUE(ok);
  EXPECT_NE(converted_on, std::this_thread::get_id());
}

TEST_F(ExecCallTest, DetachingAnExecThatHasEndedRunsTheContinuationAtOnceHere) {
  auto call = client_->StartExecSync(container_, {"true"}, 0s);
  ASSERT_TRUE(call->Wait(clock_, kWait));
  std::thread::id ran_on;
  call->Detach([&](const podlife::ExecResult&) { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(ExecCallTest, ACancelledExecEndsAtOnceAsCanceled) {
  auto gate = server_->HoldNext("ExecSync");
  auto call = client_->StartExecSync(container_, {"sleep", "1000"}, 0s);
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  call->Cancel();
  ASSERT_TRUE(call->Wait(clock_, kWait)) << "the cancel did not end the exec";
  EXPECT_THAT(call->result().error.message(), HasSubstr("code = Canceled"));
  gate->Release();
}

TEST_F(ExecCallTest, DroppingAnExecStillRunningCancelsItInsteadOfWaiting) {
  auto gate = server_->HoldNext("ExecSync");
  auto call = client_->StartExecSync(container_, {"sleep", "1000"}, 0s);
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  const auto start = std::chrono::steady_clock::now();
  call.reset();  // the runtime still holds it: only a cancel lets the destructor return
  EXPECT_LT(std::chrono::steady_clock::now() - start, kWait);
  gate->Release();
}

TEST_F(ExecCallTest, OnAFakeClockTheWaitEndsWhenTheClockPassesIt) {
  auto gate = server_->HoldNext("ExecSync");
  auto call = client_->StartExecSync(container_, {"true"}, 0s);
  ASSERT_TRUE(gate->WaitUntilHeld(kWait).ok());
  FakeClock fake;
  bool ended_in_time = true;
  std::thread waiter([&] { ended_in_time = call->Wait(fake, 30s); });
  ASSERT_TRUE(fake.WaitForWaiters(1, 10s));
  fake.Advance(30s);
  waiter.join();
  EXPECT_FALSE(ended_in_time) << "30 s passed on the clock with the exec held";
  gate->Release();
  auto ended = std::make_shared<Notification>();
  call->Detach([&](const podlife::ExecResult&) { ended->Notify(); });
  EXPECT_TRUE(ended->WaitFor(kWait));
}

TEST_F(ExecCallTest, TheResultIsTheBlockingExecSyncsForAFailingCommand) {
  server_->ScriptExec({"sh", "-c", "fail"}, {.exit_code = 3, .stdout_text = "out", .stderr_text = "err", .delay = {}});
  const std::vector<std::string> command = {"sh", "-c", "fail"};
  podlife::ExecResult blocking = client_->ExecSync(container_, command, 0s);
  auto call = client_->StartExecSync(container_, command, 0s);
  ASSERT_TRUE(call->Wait(clock_, kWait));
  const podlife::ExecResult& started = call->result();
  EXPECT_EQ(started.exit_code, 3);
  EXPECT_EQ(started.error.message(), blocking.error.message());
  EXPECT_EQ(started.CombinedOutput(), blocking.CombinedOutput());
  EXPECT_THAT(started.error.message(), HasSubstr("exited with 3"));
}

}  // namespace
}  // namespace podlife::fakes
