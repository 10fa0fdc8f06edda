// Tests of the real HttpGetter against real cpp-httplib servers on 127.0.0.1 port 0.
#include "src/http/http_getter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "src/http/tests/getter_ways.h"
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

class HttpGetterTest : public GetterWaysTest {};
INSTANTIATE_TEST_SUITE_P(Ways, HttpGetterTest, ::testing::Values(Way::kGet, Way::kPausedAtOnce, Way::kNeverPaused),
                         WayName);

TEST(UrlTest, BracketsIpv6Hosts) {
  EXPECT_EQ((Url{"http", "::1", 8080, "/a?b=c"}.ToString()), "http://[::1]:8080/a?b=c");
  EXPECT_EQ((Url{"https", "10.0.0.1", 443, "/"}.ToString()), "https://10.0.0.1:443/");
}

TEST_P(HttpGetterTest, SendsTheGivenHeadersAndVirtualHostAndReturnsAnyStatus) {
  TestServer s;
  s.server().Get("/users", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  s.Start();
  Request r = Get("http", s.port(), "/users?x=1");
  r.headers = {{"User-Agent", "kube-lifecycle/1.35"}, {"X-Custom", "a"}, {"X-Custom", "b"}};
  r.host_header = "example.test";
  auto result = Fetch(r, Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).status, 500);  // HT-08: a status is a response, not an error
  EXPECT_EQ(std::get<Response>(result).body, "boom");
  auto headers = s.last_headers();
  EXPECT_EQ(headers.find("User-Agent")->second, "kube-lifecycle/1.35");
  EXPECT_EQ(headers.count("X-Custom"), 2u);
  EXPECT_EQ(headers.find("Host")->second, "example.test");
  EXPECT_EQ(s.targets(), std::vector<std::string>{"/users?x=1"});
}

TEST_P(HttpGetterTest, DefaultHostHeaderIsHostColonPort) {
  TestServer s;
  s.server().Get("/", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  s.Start();
  auto result = Fetch(Get("http", s.port(), "/"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result));
  EXPECT_EQ(s.last_headers().find("Host")->second, "127.0.0.1:" + std::to_string(s.port()));
}

TEST_P(HttpGetterTest, ReadsAtMostMaxBodyBytes) {
  TestServer s;
  s.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100 * 1024, 'x'), "text/plain");
  });
  s.Start();
  auto result = Fetch(Get("http", s.port(), "/big"), Options{}, kNeverCancelled);
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

TEST_P(HttpGetterTest, ConnectionRefusedReadsLikeGo) {
  const int port = UnusedPort();
  auto result = Fetch(Get("http", port, "/x"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  const std::string hp = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"http://" + hp + "/x\": dial tcp " + hp + ": connect: connection refused");
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kTransport);
}

TEST_P(HttpGetterTest, UnsupportedScheme) {
  auto result = Fetch(Get("baz", 1, "/"), Options{}, kNeverCancelled);
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

TEST_P(HttpGetterTest, StopsAfterTenRequestsOfRedirects) {
  TestServer s;
  ServeEndlessRedirects(s);
  s.Start();
  for (auto policy : {RedirectPolicy::kGoDefault, RedirectPolicy::kSameHostOnly}) {
    Options options;
    options.redirects = policy;
    auto result = Fetch(Get("http", s.port(), "/r/0"), options, kNeverCancelled);
    ASSERT_TRUE(std::holds_alternative<Error>(result));
    EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kTooManyRedirects);
    EXPECT_EQ(std::get<Error>(result).message,
              "Get \"/r/10\": stopped after 10 redirects");  // Go names the Location it refused
  }
  EXPECT_EQ(s.targets().size(), 20u);  // ten requests per policy
}

TEST_P(HttpGetterTest, CrossHostRedirectFollowedByGoDefaultOnly) {
  TestServer target;
  target.server().Get("/final", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  target.Start();
  TestServer origin;
  const std::string elsewhere = "http://localhost:" + std::to_string(target.port()) + "/final";
  origin.server().Get("/start", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(elsewhere, 302); });
  origin.Start();

  Options same_host;
  same_host.redirects = RedirectPolicy::kSameHostOnly;
  auto kept = Fetch(Get("http", origin.port(), "/start"), same_host, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(kept));
  EXPECT_EQ(std::get<Response>(kept).status, 302);  // HT-10: the 3xx itself is the answer
  EXPECT_TRUE(target.targets().empty());

  Options go_default;
  go_default.redirects = RedirectPolicy::kGoDefault;
  auto followed = Fetch(Get("http", origin.port(), "/start"), go_default, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(followed)) << std::get<Error>(followed).message;
  EXPECT_EQ(std::get<Response>(followed).status, 204);
  EXPECT_EQ(std::get<Response>(followed).final_url, elsewhere);
}

TEST_P(HttpGetterTest, HttpsWithoutCertificateVerification) {
  auto cert = testsupport::SelfSignedCert::Generate();
  TestServer s(std::make_unique<httplib::SSLServer>(cert.cert(), cert.key()));
  s.server().Get("/secure", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  s.Start();
  auto result = Fetch(Get("https", s.port(), "/secure"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).body, "ok");
}

TEST_P(HttpGetterTest, HttpsToAPlainHttpServerIsRecognised) {
  TestServer s;
  std::atomic<int> handled{0};
  s.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    ++handled;
    res.status = 200;
  });
  s.Start();
  auto result = Fetch(Get("https", s.port(), "/"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kHttpResponseToHttps);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"https://127.0.0.1:" + std::to_string(s.port()) +
                                                 "/\": http: server gave HTTP response to HTTPS client");
  EXPECT_EQ(handled.load(), 0);  // the handshake is not a request the handler sees
}

// Accepts connections on 127.0.0.1 and closes each once the client stops sending; counts them.
class ClosingListener {
 public:
  explicit ClosingListener(int backlog = 16) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, backlog), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosingListener() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  void Serve() {
    thread_ = std::thread([this] {
      while (!stopping_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) continue;
        char buf[4096];
        pollfd c{conn, POLLIN, 0};
        while (poll(&c, 1, 200) == 1 && recv(conn, buf, sizeof(buf), 0) > 0) {
        }
        ++connections_;
        close(conn);
      }
    });
  }
  int port() const { return port_; }
  int fd() const { return fd_; }
  int connections() const { return connections_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST_P(HttpGetterTest, AHandshakeTheServerClosesIsEofOverOneConnection) {
  ClosingListener l;
  l.Serve();
  auto result = Fetch(Get("https", l.port(), "/x"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, ErrorKind::kTransport);
  EXPECT_EQ(std::get<Error>(result).message, "Get \"https://127.0.0.1:" + std::to_string(l.port()) + "/x\": EOF");
  EXPECT_EQ(l.connections(), 1);  // no second connection, no probe
}

TEST_P(HttpGetterTest, ADialPastTheConnectTimeoutIsGoIoTimeout) {
  // A listener whose accept queue is full drops SYNs: the connect neither succeeds nor fails.
  ClosingListener full(0);
  const int filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(full.port()));
  ASSERT_EQ(connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  Options options;
  options.connect_timeout = std::chrono::milliseconds(300);
  const auto began = std::chrono::steady_clock::now();
  auto result = Fetch(Get("http", full.port(), "/x"), options, kNeverCancelled);
  const auto took = std::chrono::steady_clock::now() - began;
  close(filler);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  const std::string hp = "127.0.0.1:" + std::to_string(full.port());
  EXPECT_EQ(std::get<Error>(result).message, "Get \"http://" + hp + "/x\": dial tcp " + hp + ": i/o timeout");
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_P(HttpGetterTest, InvalidPortsFailBeforeDialling) {
  auto result = Fetch(Get("http", 65536, "/x"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).message, "Get \"http://127.0.0.1:65536/x\": dial tcp: address 65536: invalid port");
}

TEST_P(HttpGetterTest, APortPast32BitsIsRefusedNotWrappedOntoAListener) {
  // 2^32 + P must not reach the listener on P: Go's dialer refuses the number as it is.
  ClosingListener l;
  const int64_t wrapped_onto_listener = (int64_t{1} << 32) + l.port();
  Request r = Get("http", 0, "/x");
  r.url.port = wrapped_onto_listener;
  auto result = Fetch(r, Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  const std::string n = std::to_string(wrapped_onto_listener);
  EXPECT_EQ(std::get<Error>(result).message,
            "Get \"http://127.0.0.1:" + n + "/x\": dial tcp: address " + n + ": invalid port");
  pollfd pending{l.fd(), POLLIN, 0};
  EXPECT_EQ(poll(&pending, 1, 0), 0) << "a connection reached the listener on port " << l.port();
}

TEST_P(HttpGetterTest, VerifyingClientRefusesAnUnknownAuthority) {
  auto cert = testsupport::SelfSignedCert::Generate();
  TestServer s(std::make_unique<httplib::SSLServer>(cert.cert(), cert.key()));
  s.server().Get("/secure", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  s.Start();
  Options options;
  options.verify_certificates = true;
  auto result = Fetch(Get("https", s.port(), "/secure"), options, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).message, "Get \"https://127.0.0.1:" + std::to_string(s.port()) +
                                                 "/secure\": x509: certificate signed by unknown authority");
  EXPECT_TRUE(s.targets().empty());
}

TEST_P(HttpGetterTest, DefaultHeadersAreGosAndAGzipBodyIsDecompressed) {
  TestServer s;
  const std::string text(4096, 'z');
  s.server().Get("/g", [&](const httplib::Request&, httplib::Response& res) { res.set_content(text, "text/plain"); });
  s.Start();
  auto result = Fetch(Get("http", s.port(), "/g"), Options{}, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).body, text);
  auto headers = s.last_headers();
  EXPECT_EQ(headers.find("Accept-Encoding")->second, "gzip");
  EXPECT_EQ(headers.find("User-Agent")->second, "Go-http-client/1.1");
  EXPECT_EQ(headers.count("Connection"), 0u);
  bool gzipped = false;
  for (const auto& h : std::get<Response>(result).headers) gzipped |= h.name == "Content-Encoding" && h.value == "gzip";
  EXPECT_TRUE(gzipped);  // the server really compressed it
}

TEST_P(HttpGetterTest, RedirectHopsCarryRefererAndDropCredentialsElsewhere) {
  TestServer other;
  other.server().Get("/c", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  other.Start();
  TestServer origin;
  origin.server().Get("/a", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/b", 302); });
  const std::string elsewhere = "http://localhost:" + std::to_string(other.port()) + "/c";
  httplib::Headers at_b;
  origin.server().Get("/b", [&](const httplib::Request& req, httplib::Response& res) {
    at_b = req.headers;
    res.set_redirect(elsewhere, 302);
  });
  origin.Start();
  Request r = Get("http", origin.port(), "/a");
  r.headers = {{"Authorization", "Bearer t"}, {"X-Keep", "1"}};
  r.host_header = "virtual.example";
  Options options;
  options.redirects = RedirectPolicy::kGoDefault;
  auto result = Fetch(r, options, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  const std::string origin_url = "http://127.0.0.1:" + std::to_string(origin.port());
  // A relative Location to the same host:port keeps the virtual host and the credentials.
  EXPECT_EQ(at_b.find("Host")->second, "virtual.example");
  EXPECT_EQ(at_b.find("Authorization")->second, "Bearer t");
  EXPECT_EQ(at_b.find("Referer")->second, origin_url + "/a");
  // An absolute Location to another host:port: its own Host, no credentials.
  auto at_c = other.last_headers();
  EXPECT_EQ(at_c.find("Host")->second, "localhost:" + std::to_string(other.port()));
  EXPECT_EQ(at_c.count("Authorization"), 0u);
  EXPECT_EQ(at_c.find("X-Keep")->second, "1");
  EXPECT_EQ(at_c.find("Referer")->second, origin_url + "/b");
}

TEST_P(HttpGetterTest, CancellationEndsAHungRequest) {
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
  auto result = Fetch(Get("http", s.port(), "/hang"), Options{}, [&] { return cancel.load(); });
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
