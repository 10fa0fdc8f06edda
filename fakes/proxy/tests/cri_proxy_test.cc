// Tests of the CRI proxy over real sockets: a proxy in front of an in-process fake CRI server as
// its upstream, driven by a real gRPC client. Waits are conditions with deadlines; gates order
// the races (a held call, a cancel, an upstream that dies).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/generic/generic_stub.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "fakes/cri/tests/cri_test_client.h"
#include "fakes/proxy/cri_proxy.h"

#include "testsupport/scoped_temp_dir.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using testing::CriTestClient;
using namespace std::chrono_literals;
namespace cri = ::runtime::v1;
namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

constexpr auto kWait = 10s;

// Releases a gate when the test leaves, so a failed assertion never leaves a call parked.
struct GateGuardForTest {
  std::shared_ptr<Gate> gate;
  ~GateGuardForTest() {
    if (gate) gate->Release();
  }
};

class CriProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    upstream_ = FakeCriServer::Start({}, &error);
    ASSERT_TRUE(upstream_) << error;
    proxy_ = CriProxy::Start({"", upstream_->address()}, &error);
    ASSERT_TRUE(proxy_) << error;
    client_ = std::make_unique<CriTestClient>(proxy_->NewChannel());
    direct_ = std::make_unique<CriTestClient>(upstream_->NewChannel());
  }
  void TearDown() override {
    if (proxy_) {
      auto consumed = proxy_->VerifyAllConsumed();
      EXPECT_TRUE(consumed.ok()) << consumed.message();
    }
    proxy_.reset();
    upstream_.reset();
  }

  grpc::Status Version(CriTestClient& client, cri::VersionResponse* out, grpc::ClientContext* ctx = nullptr) {
    auto own = CriTestClient::Context();
    return client.runtime->Version(ctx ? ctx : own.get(), cri::VersionRequest(), out);
  }

  std::unique_ptr<FakeCriServer> upstream_;
  std::unique_ptr<CriProxy> proxy_;
  std::unique_ptr<CriTestClient> client_;  // through the proxy
  std::unique_ptr<CriTestClient> direct_;  // to the upstream
};

// Answers through the proxy equal the upstream's own answers, call by call.
template <class Resp>
void ExpectSameAnswer(const grpc::Status& via_proxy, const Resp& proxied, const grpc::Status& direct,
                      const Resp& answered, const std::string& method) {
  EXPECT_EQ(via_proxy.error_code(), direct.error_code()) << method;
  EXPECT_EQ(via_proxy.error_message(), direct.error_message()) << method;
  EXPECT_TRUE(MessageDifferencer::Equals(proxied, answered))
      << method << ": via proxy " << proxied.ShortDebugString() << ", direct " << answered.ShortDebugString();
}

TEST_F(CriProxyTest, APodsLifeThroughTheProxyAnswersAsTheUpstreamDoes) {
  // The mutating calls go through the proxy; the upstream's state shows they arrived.
  const std::string sandbox = client_->Pod("web");
  ASSERT_TRUE(upstream_->Sandbox(sandbox).has_value());
  const std::string app = client_->Started(sandbox, "app");  // PullImage, CreateContainer, StartContainer
  ASSERT_TRUE(upstream_->Container(app).has_value());
  // The proxy's log keeps the ids the creating calls answered (traces name containers by them).
  ASSERT_EQ(proxy_->calls().Calls("RunPodSandbox").size(), 1u);
  EXPECT_EQ(proxy_->calls().Calls("RunPodSandbox")[0].answered_id, sandbox);
  ASSERT_EQ(proxy_->calls().Calls("CreateContainer").size(), 1u);
  EXPECT_EQ(proxy_->calls().Calls("CreateContainer")[0].answered_id, app);
  EXPECT_EQ(proxy_->calls().Calls("StartContainer")[0].answered_id, "");
  EXPECT_EQ(upstream_->Container(app)->state, cri::CONTAINER_RUNNING);
  upstream_->ScriptExec({"big"}, {0, std::string(6 * 1024 * 1024, 'x'), "err", 0ms}, 1);
  cri::ExecSyncResponse exec;
  ASSERT_TRUE(client_->Exec(app, {"big"}, 0, &exec).ok()) << "a 6 MiB answer passes the 16 MiB limit";
  EXPECT_EQ(exec.stdout().size(), 6u * 1024 * 1024);
  EXPECT_EQ(exec.stderr(), "err");

  // Read-only calls: the same answer through the proxy as directly.
  auto both = [&](auto call, auto request, auto response, const std::string& method) {
    auto proxied = response, answered = response;
    grpc::Status p = call(*client_, request, &proxied);
    grpc::Status d = call(*direct_, request, &answered);
    ExpectSameAnswer(p, proxied, d, answered, method);
  };
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->Version(CriTestClient::Context().get(), r, o); },
       cri::VersionRequest(), cri::VersionResponse(), "Version");
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->Status(CriTestClient::Context().get(), r, o); },
       cri::StatusRequest(), cri::StatusResponse(), "Status");
  cri::PodSandboxStatusRequest sandbox_status;
  sandbox_status.set_pod_sandbox_id(sandbox);
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->PodSandboxStatus(CriTestClient::Context().get(), r, o); },
       sandbox_status, cri::PodSandboxStatusResponse(), "PodSandboxStatus");
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->ListPodSandbox(CriTestClient::Context().get(), r, o); },
       cri::ListPodSandboxRequest(), cri::ListPodSandboxResponse(), "ListPodSandbox");
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->ListContainers(CriTestClient::Context().get(), r, o); },
       cri::ListContainersRequest(), cri::ListContainersResponse(), "ListContainers");
  cri::ContainerStatusRequest status;
  status.set_container_id(app);
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->ContainerStatus(CriTestClient::Context().get(), r, o); },
       status, cri::ContainerStatusResponse(), "ContainerStatus");
  status.set_container_id("no-such-container");  // an error passes through as it is
  both([](CriTestClient& c, auto& r, auto* o) { return c.runtime->ContainerStatus(CriTestClient::Context().get(), r, o); },
       status, cri::ContainerStatusResponse(), "ContainerStatus (unknown id)");
  both([](CriTestClient& c, auto& r, auto* o) { return c.images->ListImages(CriTestClient::Context().get(), r, o); },
       cri::ListImagesRequest(), cri::ListImagesResponse(), "ListImages");
  cri::ImageStatusRequest image;
  image.mutable_image()->set_image("busybox");
  both([](CriTestClient& c, auto& r, auto* o) { return c.images->ImageStatus(CriTestClient::Context().get(), r, o); },
       image, cri::ImageStatusResponse(), "ImageStatus");
  cri::ImageFsInfoResponse fs_info;
  ASSERT_TRUE(client_->images->ImageFsInfo(CriTestClient::Context().get(), {}, &fs_info).ok());
  ASSERT_EQ(fs_info.image_filesystems_size(), 1);  // its timestamp is the time of the answer
  EXPECT_EQ(fs_info.image_filesystems(0).fs_id().mountpoint(), "/var/lib/podlife-fake-cri/images");

  // The rest of a pod's life, through the proxy.
  ASSERT_TRUE(client_->Stop(app, 0).ok());
  EXPECT_EQ(upstream_->Container(app)->state, cri::CONTAINER_EXITED);
  cri::RemoveContainerRequest remove;
  remove.set_container_id(app);
  cri::RemoveContainerResponse removed;
  ASSERT_TRUE(client_->runtime->RemoveContainer(CriTestClient::Context().get(), remove, &removed).ok());
  EXPECT_FALSE(upstream_->Container(app).has_value());
  cri::StopPodSandboxRequest stop_pod;
  stop_pod.set_pod_sandbox_id(sandbox);
  cri::StopPodSandboxResponse stopped_pod;
  ASSERT_TRUE(client_->runtime->StopPodSandbox(CriTestClient::Context().get(), stop_pod, &stopped_pod).ok());
  cri::RemovePodSandboxRequest remove_pod;
  remove_pod.set_pod_sandbox_id(sandbox);
  cri::RemovePodSandboxResponse removed_pod;
  ASSERT_TRUE(client_->runtime->RemovePodSandbox(CriTestClient::Context().get(), remove_pod, &removed_pod).ok());
  EXPECT_FALSE(upstream_->Sandbox(sandbox).has_value());
  cri::RemoveImageRequest remove_image;
  remove_image.mutable_image()->set_image("busybox");
  cri::RemoveImageResponse removed_image;
  ASSERT_TRUE(client_->images->RemoveImage(CriTestClient::Context().get(), remove_image, &removed_image).ok());

  // Every call made through the proxy reached the upstream, in the same order (the direct calls
  // above are in the upstream's log only).
  std::vector<std::string> forwarded, reached;
  for (const auto& r : proxy_->calls().Snapshot()) forwarded.push_back(r.method);
  for (const auto& r : upstream_->calls().Snapshot()) reached.push_back(r.method);
  size_t next = 0;
  for (const auto& method : reached) {
    if (next < forwarded.size() && method == forwarded[next]) ++next;
  }
  EXPECT_EQ(next, forwarded.size()) << "a call made through the proxy is missing upstream or out of order";
  EXPECT_GE(forwarded.size(), 16u);
}

// A call of `path` ("/runtime.v1.RuntimeService/Version") with an empty request, by name. It uses
// a completion queue on this thread rather than the callback API: the callback runs on a gRPC
// thread, and the hand-over inside gRPC (built without ThreadSanitizer) is invisible to the tsan
// preset, which then reports gRPC's own call state as racing.
grpc::Status CallByName(grpc::GenericStub& stub, const std::string& path) {
  grpc::ClientContext ctx;
  const auto deadline = std::chrono::system_clock::now() + kWait;
  ctx.set_deadline(deadline);
  grpc::Slice empty("");  // an empty message: every field at its default
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::CompletionQueue queue;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&ctx, path, request, &queue);
  call->StartCall();
  call->Finish(&response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  // The call's own deadline ends it; the queue's is a backstop.
  const bool answered = queue.AsyncNext(&tag, &ok, deadline + 5s) == grpc::CompletionQueue::GOT_EVENT;
  if (!answered) {
    ctx.TryCancel();
    queue.Next(&tag, &ok);
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return answered ? status : grpc::Status(grpc::StatusCode::INTERNAL, "no answer");
}

// Every method of the proto's two services, read from its descriptors, is forwarded: a method
// added to the proto without its PODLIFE_FORWARD line fails here (gRPC answers UNIMPLEMENTED for
// it before the proxy could record it).
TEST_F(CriProxyTest, EveryMethodOfTheProtoIsForwarded) {
  grpc::GenericStub via_proxy(proxy_->NewChannel());
  grpc::GenericStub direct(upstream_->NewChannel());
  int methods = 0;
  for (const std::string service_name : {"runtime.v1.RuntimeService", "runtime.v1.ImageService"}) {
    const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const auto* method = service->method(i);
      SCOPED_TRACE(method->full_name());
      ASSERT_FALSE(method->client_streaming() || method->server_streaming())
          << "PODLIFE_FORWARD forwards unary methods; a streaming one needs a forwarder of its own";
      const std::string path = "/" + service_name + "/" + method->name();
      const uint64_t before = proxy_->calls().total();
      const grpc::Status proxied = CallByName(via_proxy, path);
      const grpc::Status answered = CallByName(direct, path);
      EXPECT_EQ(proxied.error_code(), answered.error_code()) << proxied.error_message();
      EXPECT_EQ(proxied.error_message(), answered.error_message());
      CallRecord recorded;
      EXPECT_TRUE(proxy_->calls().WaitForFinished(Call(method->name()), kWait, &recorded, before).ok())
          << "the proxy does not serve " << method->name();
    }
  }
  EXPECT_GE(methods, 27);
}

TEST_F(CriProxyTest, TheClientsDeadlineReachesTheUpstream) {
  cri::VersionResponse out;
  grpc::ClientContext ctx;
  const auto client_deadline = std::chrono::system_clock::now() + 7s;
  ctx.set_deadline(client_deadline);
  ASSERT_TRUE(Version(*client_, &out, &ctx).ok());
  CallRecord seen;
  ASSERT_TRUE(upstream_->calls().WaitFor(Call("Version"), kWait, &seen).ok());
  ASSERT_TRUE(seen.deadline.has_value()) << "the upstream call had no deadline";
  // The same instant, give or take gRPC's encoding of timeouts on the wire (rounded up).
  const auto upstream_deadline = seen.received_at + *seen.deadline;
  EXPECT_LT(std::chrono::abs(upstream_deadline - client_deadline), 100ms)
      << "the upstream's deadline is " << seen.deadline->count() << "ms after its arrival";

  grpc::ClientContext no_deadline;
  ASSERT_TRUE(Version(*client_, &out, &no_deadline).ok());
  ASSERT_TRUE(upstream_->calls().WaitFor(Call("Version"), kWait, &seen, seen.seq).ok());
  EXPECT_FALSE(seen.deadline.has_value()) << "no deadline is passed on as none";
}

TEST_F(CriProxyTest, TheClientsMetadataReachesTheUpstream) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kWait);
  ctx.AddMetadata("x-podlife-trace", "pod-7");
  cri::VersionResponse out;
  ASSERT_TRUE(Version(*client_, &out, &ctx).ok());
  CallRecord seen;
  ASSERT_TRUE(upstream_->calls().WaitFor(Call("Version"), kWait, &seen).ok());
  auto it = seen.metadata.find("x-podlife-trace");
  ASSERT_NE(it, seen.metadata.end());
  EXPECT_EQ(it->second, "pod-7");
  EXPECT_EQ(seen.metadata.count("x-podlife-trace"), 1u);
  CallRecord at_proxy;
  ASSERT_TRUE(proxy_->calls().WaitFor(Call("Version"), kWait, &at_proxy).ok());
  EXPECT_EQ(at_proxy.metadata.count("x-podlife-trace"), 1u);
}

TEST_F(CriProxyTest, AClientCancelCancelsTheUpstreamCall) {
  auto held = upstream_->HoldNext("Version");
  GateGuardForTest guard{held};
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  auto call = std::async(std::launch::async, [&] {
    cri::VersionResponse out;
    return Version(*client_, &out, &ctx);
  });
  ASSERT_TRUE(held->WaitUntilHeld(kWait).ok());
  ctx.TryCancel();
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(call.get().error_code(), grpc::StatusCode::CANCELLED);
  CallRecord ended;
  ASSERT_TRUE(upstream_->calls().WaitForFinished(Call("Version"), kWait, &ended).ok())
      << "the upstream call did not end when the client cancelled";
  EXPECT_EQ(ended.code, grpc::StatusCode::CANCELLED) << ended.Describe();
  EXPECT_FALSE(held->released()) << "the call ended by the cancel, not by the gate";
}

TEST_F(CriProxyTest, FaultsAreAnsweredByTheProxyWithoutTheUpstreamSeeingTheCall) {
  proxy_->front().FailNext("StartContainer", grpc::StatusCode::UNAVAILABLE, "scripted outage");
  const std::string sandbox = client_->Pod("web");
  std::string app;
  ASSERT_TRUE(client_->Create(sandbox, "app", &app).ok());
  grpc::Status st = client_->Start(app);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "scripted outage");
  EXPECT_TRUE(upstream_->calls().ExpectNoCall("StartContainer").ok());
  EXPECT_EQ(upstream_->Container(app)->state, cri::CONTAINER_CREATED);
  CallRecord faulted;
  ASSERT_TRUE(proxy_->calls().WaitForFinished(Call("StartContainer"), kWait, &faulted).ok());
  EXPECT_EQ(faulted.code, grpc::StatusCode::UNAVAILABLE);

  // One-shot: the next StartContainer is forwarded.
  ASSERT_TRUE(client_->Start(app).ok());
  EXPECT_EQ(upstream_->Container(app)->state, cri::CONTAINER_RUNNING);

  // An empty answer, and a hang until the client's deadline: neither reaches the upstream.
  proxy_->front().AnswerEmptyNext("ContainerStatus");
  cri::ContainerStatus status;
  ASSERT_TRUE(client_->Status(app, &status).ok());
  EXPECT_EQ(status.id(), "") << "the empty answer has no status";
  proxy_->front().HangUntilDeadline("ListContainers");
  cri::ListContainersResponse listed;
  auto short_deadline = CriTestClient::Context(300ms);
  st = client_->runtime->ListContainers(short_deadline.get(), {}, &listed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(upstream_->calls().ExpectNoCall("ContainerStatus").ok());
  EXPECT_TRUE(upstream_->calls().ExpectNoCall("ListContainers").ok());

  // Latency delays the forwarded call by at least that much.
  proxy_->front().AddLatency("Version", 300ms, 1);
  const auto began = std::chrono::steady_clock::now();
  cri::VersionResponse out;
  ASSERT_TRUE(Version(*client_, &out).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - began, 300ms);
  EXPECT_EQ(out.runtime_name(), "podlife-fake-cri") << "answered by the upstream after the delay";
}

TEST_F(CriProxyTest, AGateHoldsTheCallAtTheProxyUntilReleased) {
  auto held = proxy_->front().HoldNext("Version");
  GateGuardForTest guard{held};
  auto call = std::async(std::launch::async, [&] {
    cri::VersionResponse out;
    return Version(*client_, &out);
  });
  ASSERT_TRUE(held->WaitUntilHeld(kWait).ok());
  EXPECT_TRUE(upstream_->calls().ExpectNoCall("Version").ok()) << "a held call has not been forwarded yet";
  held->Release();
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(call.get().ok());
  EXPECT_TRUE(upstream_->calls().WaitForFinished(Call("Version"), kWait).ok());
}

TEST_F(CriProxyTest, ScriptingAMethodNobodyServesIsAnError) {
  EXPECT_THROW(proxy_->front().FailNext("StartContainr", grpc::StatusCode::UNKNOWN, "typo"), std::invalid_argument);
  EXPECT_THROW(proxy_->front().HoldNext("StartContainr"), std::invalid_argument);
}

// The same calls against the fake directly and through a proxy give records of the same shape:
// method, request, deadline, metadata, outcome.
TEST_F(CriProxyTest, TheCallLogHasTheFakesShape) {
  auto run = [](CriTestClient& client) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 20s);
    ctx.AddMetadata("x-podlife-trace", "same");
    cri::VersionResponse version;
    (void)client.runtime->Version(&ctx, cri::VersionRequest(), &version);
    cri::PullImageRequest pull;
    pull.mutable_image()->set_image("busybox");
    cri::PullImageResponse pulled;
    (void)client.images->PullImage(CriTestClient::Context().get(), pull, &pulled);
    cri::ContainerStatus status;
    (void)client.Status("no-such-container", &status);
    grpc::ClientContext no_deadline;
    cri::StatusResponse runtime_status;
    (void)client.runtime->Status(&no_deadline, cri::StatusRequest(), &runtime_status);
  };
  std::string error;
  auto fake = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(fake) << error;
  CriTestClient fake_client(fake->NewChannel());
  run(fake_client);
  run(*client_);
  const auto expected = fake->calls().Snapshot();
  const auto got = proxy_->calls().Snapshot();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(expected[i].Describe());
    EXPECT_EQ(got[i].seq, expected[i].seq);
    EXPECT_EQ(got[i].method, expected[i].method);
    EXPECT_TRUE(MessageDifferencer::Equals(*got[i].request, *expected[i].request));
    EXPECT_EQ(typeid(*got[i].request), typeid(*expected[i].request));
    EXPECT_EQ(got[i].deadline.has_value(), expected[i].deadline.has_value());
    EXPECT_EQ(got[i].metadata.count("x-podlife-trace"), expected[i].metadata.count("x-podlife-trace"));
    EXPECT_TRUE(got[i].finished);
    EXPECT_EQ(got[i].code, expected[i].code);
    EXPECT_EQ(got[i].status_message, expected[i].status_message);
    EXPECT_EQ(KeyFields(got[i], nullptr), KeyFields(expected[i], nullptr));
  }
}

// An upstream that dies with a call in flight: the client gets UNAVAILABLE; calls while it is
// down get UNAVAILABLE; a new runtime on the same socket is served again.
TEST(CriProxyUpstreamTest, AnUpstreamThatDiesGivesUnavailableAndOneThatComesBackIsServed) {
  testsupport::ScopedTempDir temp("podlife-proxy");
  ASSERT_TRUE(temp.ok());
  const std::string socket = "unix://" + (temp.path() / "runtime.sock").string();
  std::string error;
  auto first = FakeCriServer::Start({socket}, &error);
  ASSERT_TRUE(first) << error;
  auto proxy = CriProxy::Start({"", socket}, &error);
  ASSERT_TRUE(proxy) << error;
  CriTestClient client(proxy->NewChannel());
  auto version = [&](std::chrono::milliseconds deadline = kWait) {
    cri::VersionResponse out;
    return client.runtime->Version(CriTestClient::Context(deadline).get(), cri::VersionRequest(), &out);
  };
  ASSERT_TRUE(version().ok());

  auto held = first->HoldNext("Version");
  auto call = std::async(std::launch::async, [&] { return version(30s); });
  ASSERT_TRUE(held->WaitUntilHeld(kWait).ok());
  first->Shutdown();
  ASSERT_EQ(call.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(call.get().error_code(), grpc::StatusCode::UNAVAILABLE);

  grpc::Status down = version();
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  CallRecord recorded;
  ASSERT_TRUE(proxy->calls().WaitForFinished(Call("Version"), kWait, &recorded, proxy->calls().total() - 1).ok());
  EXPECT_EQ(recorded.code, grpc::StatusCode::UNAVAILABLE) << "the proxy's log shows the outage";

  auto second = FakeCriServer::Start({socket}, &error);
  ASSERT_TRUE(second) << error;
  ASSERT_TRUE(proxy->WaitForUpstream(kWait).ok());
  EXPECT_TRUE(version().ok());
  EXPECT_TRUE(second->calls().WaitForFinished(Call("Version"), kWait).ok()) << "the new upstream served it";
  proxy.reset();
  second.reset();
  first.reset();
}

TEST(CriProxyStartTest, BadAddressesAreErrorsNamingThem) {
  std::string error;
  EXPECT_EQ(CriProxy::Start({"", ""}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("--upstream"));
  EXPECT_EQ(CriProxy::Start({"", "ftp://nowhere"}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("--upstream"));
  EXPECT_EQ(CriProxy::Start({"unix:///tmp/podlife-same.sock", "unix:///tmp/podlife-same.sock"}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("the proxy would call itself"));
}

TEST(CriProxyScenarioTest, OnlyFaultsAndTheLogBoundApply) {
  auto parsed = ParseScenario("faults:\n  - method: StartContainer\n    code: UNAVAILABLE\ncallLogCapacity: 5\n", "ok.yaml");
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  EXPECT_EQ(CheckProxyScenario(std::get<Scenario>(parsed), "ok.yaml"), "");
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {"exec:\n  - command: [true]\n", "exec"},
           {"defaultExec: {exitCode: 1}\n", "defaultExec"},
           {"workloads:\n  - container: app\n    ignoresSigterm: true\n", "workloads"},
           {"podIPs: [10.0.0.1]\n", "podIPs"}}) {
    auto s = ParseScenario(text, "bad.yaml");
    ASSERT_TRUE(std::holds_alternative<Scenario>(s)) << text;
    EXPECT_THAT(CheckProxyScenario(std::get<Scenario>(s), "bad.yaml"), HasSubstr("bad.yaml: " + key + ": not for the proxy"));
  }
}

}  // namespace
}  // namespace podlife::fakes
