// The engine's CRI client against endpoints that are not a working CRI runtime, each a real
// socket (or file) made by the test: every call ends by its deadline with an error that says what
// went wrong, and a runtime that restarts on the same socket is reached again.
#include <gmock/gmock.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "src/cri/cri_client.h"
#include "testsupport/loopback_listener.h"
#include "testsupport/scoped_temp_dir.h"

namespace podlife {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kRequestTimeout = 500ms;
constexpr auto kBound = 5s;  // far above every deadline here: a call past it has hung

std::unique_ptr<GrpcCriClient> Connect(const std::string& endpoint, std::chrono::milliseconds timeout = kRequestTimeout) {
  CriClientOptions options;
  options.request_timeout = timeout;
  auto client = GrpcCriClient::Connect(endpoint, Profile135(), options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

// Version's error and how long it took.
struct Timed {
  absl::Status status;
  Steady::duration took;
};
Timed VersionOf(GrpcCriClient& client) {
  const auto began = Steady::now();
  absl::Status st = client.Version().status();
  return {st, Steady::now() - began};
}

// A TCP listener on 127.0.0.1 that runs `serve` on each connection it accepts, on one thread,
// until the test ends; closing the listener ends it.
class RawServer {
 public:
  explicit RawServer(std::function<void(int)> serve) : serve_(std::move(serve)) {
    const testsupport::LoopbackListener listener = testsupport::ListenOnLoopback();
    EXPECT_GE(listener.fd, 0) << "cannot listen on 127.0.0.1";
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { Loop(); });
  }
  ~RawServer() {
    stopping_ = true;
    thread_.join();
    for (int c : connections_) close(c);
    close(fd_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

 private:
  void Loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      ++accepted_;
      connections_.push_back(conn);  // kept open until the end: a silent peer stays silent
      serve_(conn);
    }
  }

  std::function<void(int)> serve_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> connections_;
  std::thread thread_;
};

TEST(HostileRuntimeTest, AnEndpointThatIsARegularFileFailsAtOnceNamingThePath) {
  testsupport::ScopedTempDir dir("podlife-hostile-cri");
  ASSERT_TRUE(dir.ok());
  const std::string path = (dir.path() / "not-a-socket").string();
  std::ofstream(path) << "plain file\n";
  auto client = Connect("unix://" + path);
  ASSERT_TRUE(client);
  Timed t = VersionOf(*client);
  EXPECT_EQ(t.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(t.status.message()), StartsWith("rpc error: code = Unavailable desc = "));
  EXPECT_THAT(std::string(t.status.message()), HasSubstr(path));
  EXPECT_LT(t.took, kBound);
}

TEST(HostileRuntimeTest, AClosedTcpPortFailsAtOnceNamingTheAddress) {
  int port = 0;
  {
    RawServer gone([](int) {});
    port = std::stoi(gone.endpoint().substr(gone.endpoint().rfind(':') + 1));
  }  // closed: nothing listens there now
  // A deadline far beyond kBound: the refusal must come first (under TSan it took over 500 ms).
  auto client = Connect("tcp://127.0.0.1:" + std::to_string(port), 30s);
  ASSERT_TRUE(client);
  Timed t = VersionOf(*client);
  EXPECT_EQ(t.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(t.status.message()), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_LT(t.took, kBound);
}

TEST(HostileRuntimeTest, AListenerThatNeverAnswersEndsAtTheRequestTimeout) {
  RawServer silent([](int) {});
  auto client = Connect(silent.endpoint());
  ASSERT_TRUE(client);
  Timed t = VersionOf(*client);
  EXPECT_EQ(t.status.code(), absl::StatusCode::kDeadlineExceeded) << t.status;
  EXPECT_THAT(std::string(t.status.message()), StartsWith("rpc error: code = DeadlineExceeded desc = "));
  EXPECT_GE(t.took, kRequestTimeout);
  EXPECT_LT(t.took, kBound);
  EXPECT_GE(silent.accepted(), 1);
}

TEST(HostileRuntimeTest, APlainHttpServerIsUnavailableBeforeTheDeadline) {
  RawServer http([](int conn) {
    char buf[1024];
    pollfd p{conn, POLLIN, 0};
    if (poll(&p, 1, 2000) == 1) (void)!recv(conn, buf, sizeof(buf), 0);
    const std::string answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
    shutdown(conn, SHUT_RDWR);
  });
  auto client = Connect(http.endpoint(), 3s);
  ASSERT_TRUE(client);
  Timed t = VersionOf(*client);
  EXPECT_FALSE(t.status.ok());
  EXPECT_THAT(std::string(t.status.message()), StartsWith("rpc error: code = "));
  EXPECT_LT(t.took, kBound);
}

TEST(HostileRuntimeTest, AGrpcServerWithoutTheRuntimeServiceIsUnimplemented) {
  // A gRPC server that serves something else: here only the base ImageService (every method
  // UNIMPLEMENTED), no runtime.v1.RuntimeService, so Version reaches an unknown service.
  cri::ImageService::Service not_a_runtime;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&not_a_runtime);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_TRUE(server);
  auto client = Connect("tcp://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(client);
  Timed t = VersionOf(*client);
  EXPECT_EQ(t.status.code(), absl::StatusCode::kUnimplemented) << t.status;
  EXPECT_THAT(std::string(t.status.message()), StartsWith("rpc error: code = Unimplemented desc = "));
  EXPECT_LT(t.took, kBound);
  server->Shutdown(std::chrono::system_clock::now() + 1s);
}

TEST(HostileRuntimeTest, ARuntimeThatDiesMidSyncFailsTheCallAndIsReachedAgainWhenItComesBack) {
  testsupport::ScopedTempDir dir("podlife-hostile-cri");
  ASSERT_TRUE(dir.ok());
  const std::string endpoint = "unix://" + (dir.path() / "cri.sock").string();
  fakes::FakeCriOptions options;
  options.listen = endpoint;
  std::string error;
  auto runtime = fakes::FakeCriServer::Start(options, &error);
  ASSERT_TRUE(runtime) << error;
  auto client = Connect(endpoint, 2s);
  ASSERT_TRUE(client);
  cri::PodSandboxConfig config;
  config.mutable_metadata()->set_name("p");
  config.mutable_metadata()->set_namespace_("default");
  config.mutable_metadata()->set_uid("uid-1");
  ASSERT_TRUE(client->RunPodSandbox(config).ok());

  // The runtime goes away between two calls of a sync: the next call fails, it does not hang.
  runtime->Shutdown();
  runtime.reset();
  Timed down = VersionOf(*client);
  EXPECT_EQ(down.status.code(), absl::StatusCode::kUnavailable) << down.status;
  EXPECT_LT(down.took, kBound);

  // It comes back on the same socket (state lost, as after a crash): the same client reaches it
  // within the kubelet's reconnect backoff (100 ms doubling to at most 3 s).
  runtime = fakes::FakeCriServer::Start(options, &error);
  ASSERT_TRUE(runtime) << error;
  const auto deadline = Steady::now() + kBound;
  absl::Status back = client->Version().status();
  while (!back.ok() && Steady::now() < deadline) back = client->Version().status();
  EXPECT_TRUE(back.ok()) << back;
}

TEST(HostileRuntimeTest, AStopGraceInsideGosDurationRangeReachesTheRuntime) {
  // 9223371000 s + 2 min still fits Go's int64 nanoseconds: a far deadline, not one in the past.
  fakes::FakeCriOptions options;
  std::string error;
  auto runtime = fakes::FakeCriServer::Start(options, &error);
  ASSERT_TRUE(runtime) << error;
  auto client = Connect(runtime->address(), 2min);
  ASSERT_TRUE(client);
  absl::Status st = client->StopContainer("no-such-container", 9223371000);
  EXPECT_NE(st.code(), absl::StatusCode::kDeadlineExceeded) << st;  // the runtime's own answer
  EXPECT_EQ(runtime->calls().Calls("StopContainer").size(), 1u);
}

TEST(HostileRuntimeTest, AStopGracePastGosDurationRangeIsAnExpiredContextAsInTheKubelet) {
  // remote_runtime: r.timeout + time.Duration(9300000000)*time.Second wraps negative, so the
  // context is done before the call: grpc-go fails it without sending anything.
  fakes::FakeCriOptions options;
  std::string error;
  auto runtime = fakes::FakeCriServer::Start(options, &error);
  ASSERT_TRUE(runtime) << error;
  auto client = Connect(runtime->address(), 2min);
  ASSERT_TRUE(client);
  absl::Status st = client->StopContainer("ctr", 9300000000);
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(st.message(), "rpc error: code = DeadlineExceeded desc = context deadline exceeded");
  EXPECT_TRUE(runtime->calls().Calls("StopContainer").empty());
}

}  // namespace
}  // namespace podlife
