// Tests of the real HttpGetter against real cpp-httplib servers on 127.0.0.1 port 0.
#include "src/http/http_getter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "testsupport/self_signed_cert.h"

namespace podlife::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A running httplib server and what it saw.
class TestServer {
 public:
  explicit TestServer(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {
    // Recorded before the route answers: httplib's logger runs only after the response is
    // written, so a client could read what the server saw before it was recorded.
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard lock(mu_);
      targets_.push_back(req.target);
      last_headers_ = req.headers;
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  ~TestServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& server() { return *server_; }
  void Start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });  // already listening: connects queue
  }
  int port() const { return port_; }
  std::vector<std::string> targets() {
    std::lock_guard lock(mu_);
    return targets_;
  }
  httplib::Headers last_headers() {
    std::lock_guard lock(mu_);
    return last_headers_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> targets_;
  httplib::Headers last_headers_;
};

Request Get(const std::string& scheme, int port, const std::string& target) {
  Request r;
  r.url = Url{scheme, "127.0.0.1", port, target};
  return r;
}

const std::function<bool()> kNeverCancelled = [] { return false; };

TEST(UrlTest, BracketsIpv6Hosts) {
  EXPECT_EQ((Url{"http", "::1", 8080, "/a?b=c"}.ToString()), "http://[::1]:8080/a?b=c");
  EXPECT_EQ((Url{"https", "10.0.0.1", 443, "/"}.ToString()), "https://10.0.0.1:443/");
}

TEST(HttpGetterTest, SendsTheGivenHeadersAndVirtualHostAndReturnsAnyStatus) {
  TestServer s;
  s.server().Get("/users", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  s.Start();
  Request r = Get("http", s.port(), "/users?x=1");
  r.headers = {{"User-Agent", "kube-lifecycle/1.35"}, {"X-Custom", "a"}, {"X-Custom", "b"}};
  r.host_header = "example.test";
  auto result = NewHttpGetter()->Get(r, Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).status, 500);  // HT-08: a status is a response, not an error
  EXPECT_EQ(std::get<Response>(result).body, "boom");
  auto headers = s.last_headers();
  EXPECT_EQ(headers.find("User-Agent")->second, "kube-lifecycle/1.35");
  EXPECT_EQ(headers.count("X-Custom"), 2u);
  EXPECT_EQ(headers.find("Host")->second, "example.test");
  EXPECT_EQ(s.targets(), std::vector<std::string>{"/users?x=1"});
}

TEST(HttpGetterTest, DefaultHostHeaderIsHostColonPort) {
  TestServer s;
  s.server().Get("/", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  s.Start();
  auto result = NewHttpGetter()->Get(Get("http", s.port(), "/"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result));
  EXPECT_EQ(s.last_headers().find("Host")->second, "127.0.0.1:" + std::to_string(s.port()));
}

TEST(HttpGetterTest, ReadsAtMostMaxBodyBytes) {
  TestServer s;
  s.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100 * 1024, 'x'), "text/plain");
  });
  s.Start();
  auto result = NewHttpGetter()->Get(Get("http", s.port(), "/big"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).status, 200);
  EXPECT_EQ(std::get<Response>(result).body.size(), 10u * 1024);
}

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);  // nothing listens there now
  return ntohs(addr.sin_port);
}

TEST(HttpGetterTest, ConnectionRefusedReadsLikeGo) {
  const int port = UnusedPort();
  auto result = NewHttpGetter()->Get(Get("http", port, "/x"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  const std::string hp = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"http://" + hp + "/x\": dial tcp " + hp + ": connect: connection refused");
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kTransport);
}

TEST(HttpGetterTest, UnsupportedScheme) {
  auto result = NewHttpGetter()->Get(Get("baz", 1, "/"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kUnsupportedScheme);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"baz://127.0.0.1:1/\": unsupported protocol scheme \"baz\"");
}

// /r/N redirects to /r/N+1 forever.
void ServeEndlessRedirects(TestServer& s) {
  s.server().Get(R"(/r/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect("/r/" + std::to_string(std::stoi(req.matches[1]) + 1), 302);
  });
}

TEST(HttpGetterTest, StopsAfterTenRequestsOfRedirects) {
  TestServer s;
  ServeEndlessRedirects(s);
  s.Start();
  for (auto policy : {RedirectPolicy::kGoDefault, RedirectPolicy::kSameHostOnly}) {
    Options options;
    options.redirects = policy;
    auto result = NewHttpGetter()->Get(Get("http", s.port(), "/r/0"), options, kNeverCancelled);
    ASSERT_TRUE(std::holds_alternative<Error>(result));
    EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kTooManyRedirects);
    EXPECT_EQ(std::get<Error>(result).message,
              "Get \"http://127.0.0.1:" + std::to_string(s.port()) + "/r/9\": stopped after 10 redirects");
  }
  EXPECT_EQ(s.targets().size(), 20u);  // ten requests per policy
}

TEST(HttpGetterTest, CrossHostRedirectFollowedByGoDefaultOnly) {
  TestServer target;
  target.server().Get("/final", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  target.Start();
  TestServer origin;
  const std::string elsewhere = "http://localhost:" + std::to_string(target.port()) + "/final";
  origin.server().Get("/start", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(elsewhere, 302); });
  origin.Start();

  Options same_host;
  same_host.redirects = RedirectPolicy::kSameHostOnly;
  auto kept = NewHttpGetter()->Get(Get("http", origin.port(), "/start"), same_host, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(kept));
  EXPECT_EQ(std::get<Response>(kept).status, 302);  // HT-10: the 3xx itself is the answer
  EXPECT_TRUE(target.targets().empty());

  Options go_default;
  go_default.redirects = RedirectPolicy::kGoDefault;
  auto followed = NewHttpGetter()->Get(Get("http", origin.port(), "/start"), go_default, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(followed)) << std::get<Error>(followed).message;
  EXPECT_EQ(std::get<Response>(followed).status, 204);
  EXPECT_EQ(std::get<Response>(followed).final_url, elsewhere);
}

TEST(HttpGetterTest, HttpsWithoutCertificateVerification) {
  auto cert = testsupport::SelfSignedCert::Generate();
  TestServer s(std::make_unique<httplib::SSLServer>(cert.cert(), cert.key()));
  s.server().Get("/secure", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  s.Start();
  auto result = NewHttpGetter()->Get(Get("https", s.port(), "/secure"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).body, "ok");
}

TEST(HttpGetterTest, HttpsToAPlainHttpServerIsRecognised) {
  TestServer s;
  std::atomic<int> handled{0};
  s.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++handled;
    res.status = 200;
  });
  s.Start();
  auto result = NewHttpGetter()->Get(Get("https", s.port(), "/"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kHttpResponseToHttps);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"https://127.0.0.1:" + std::to_string(s.port()) +
                                                 "/\": http: server gave HTTP response to HTTPS client");
  EXPECT_EQ(handled.load(), 0);  // neither the handshake nor the probe is a request the handler sees
}

TEST(HttpGetterTest, CancellationEndsAHungRequest) {
  std::mutex mu;
  std::condition_variable cv;
  bool arrived = false;
  bool release = false;
  TestServer s;
  s.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu);
    arrived = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });  // a gate, released at the end of the test
    res.status = 200;
  });
  s.Start();
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return arrived; });
    cancel = true;
  });
  auto result = NewHttpGetter()->Get(Get("http", s.port(), "/hang"), Options{}, [&] { return cancel.load(); });
  canceller.join();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kCancelled);
  EXPECT_THAT(std::get<Error>(result).message, StartsWith("Get \"http://127.0.0.1:"));
  EXPECT_THAT(std::get<Error>(result).message, HasSubstr("context canceled"));
}

}  // namespace
}  // namespace podlife::http
