// The hook's HTTP client against servers that answer badly, each a raw socket server written
// here (real sockets, no mocks): what the kubelet's Go client does with each, and that every
// request ends by its deadline or its cancellation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "src/http/http_getter.h"
#include "src/http/response_head.h"
#include "src/http/tests/getter_ways.h"
#include "testsupport/loopback_listener.h"

namespace podlife::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kBound = 10s;  // a request still running past this has hung

// A TCP server on 127.0.0.1 that reads each request's head, then runs `answer` on the
// connection until it returns or the test ends (stopping() turns true).
class HostileServer {
 public:
  using Answer = std::function<void(HostileServer&, int fd)>;
  explicit HostileServer(Answer answer) : answer_(std::move(answer)) {
    const testsupport::LoopbackListener listener = testsupport::ListenOnLoopback();
    EXPECT_GE(listener.fd, 0) << "cannot listen on 127.0.0.1";
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { Loop(); });
  }
  ~HostileServer() {
    stopping_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  bool stopping() const { return stopping_.load(); }
  int requests() const { return requests_.load(); }
  size_t sent() const { return sent_.load(); }

  // Writes all of `data` unless the peer goes away or the test ends; false then.
  bool Send(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      if (stopping()) return false;
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
      sent_ += static_cast<size_t>(n);
    }
    return true;
  }
  // Waits up to `d` for the peer to close (or the test to end), as a server's pacing.
  bool PeerStillThereAfter(int fd, std::chrono::milliseconds d) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(d.count())) == 0) return !stopping();
    char c;
    return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0 && !stopping();
  }

 private:
  void Loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      if (ReadHead(conn)) {
        ++requests_;
        answer_(*this, conn);
      }
      close(conn);
    }
  }
  bool ReadHead(int conn) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && !stopping_) {
      pollfd p{conn, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      head.append(buf, static_cast<size_t>(n));
    }
    return !stopping_;
  }

  Answer answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

Request Get(const std::string& scheme, int port, const std::string& target = "/hook") {
  Request r;
  r.url = Url{scheme, "127.0.0.1", port, target};
  return r;
}

std::string UrlOf(const std::string& scheme, int port, const std::string& target = "/hook") {
  return scheme + "://127.0.0.1:" + std::to_string(port) + target;
}

// A cancellation that fires once `condition` holds or `bound` has passed, like a grace period
// ending; records which.
struct Canceller {
  std::function<bool()> condition;
  Steady::time_point bound = Steady::now() + kBound;
  std::atomic<bool> timed_out{false};
  std::function<bool()> AsCallback() {
    return [this] {
      if (condition && condition()) return true;
      if (Steady::now() >= bound) return timed_out = true;
      return false;
    };
  }
};

struct Outcome {
  Result result;
  Steady::duration took;
};
class HostileHookServerTest : public GetterWaysTest {
 protected:
  Outcome GetTimed(const Request& r, const Options& options, const std::function<bool()>& cancelled) {
    const auto began = Steady::now();
    Result result = Fetch(r, options, cancelled);
    return {std::move(result), Steady::now() - began};
  }
};
INSTANTIATE_TEST_SUITE_P(Ways, HostileHookServerTest,
                         ::testing::Values(Way::kGet, Way::kPausedAtOnce, Way::kNeverPaused), WayName);

const std::function<bool()> kNeverCancelled = [] { return false; };

TEST_P(HostileHookServerTest, AnEndlessBodyIsReadTo10KiBAndTheHookSucceeds) {
  // HT-13: both kubelets read at most 10 KiB of the body and close; any status is success.
  HostileServer server([](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")) return;
    const std::string chunk(64 * 1024, 'x');
    while (s.Send(fd, chunk)) {
    }
  });
  Canceller guard;
  Outcome o = GetTimed(Get("http", server.port()), Options{}, guard.AsCallback());
  ASSERT_TRUE(std::holds_alternative<Response>(o.result)) << std::get<Error>(o.result).message;
  EXPECT_EQ(std::get<Response>(o.result).status, 200);
  EXPECT_EQ(std::get<Response>(o.result).body.size(), 10u * 1024);
  EXPECT_FALSE(guard.timed_out);
}

TEST_P(HostileHookServerTest, EndlessHeadersFailAtGosTenMebibyteLimit) {
  // Go's transport reads at most 10 MiB of response head (maxHeaderResponseSize), then fails.
  HostileServer server([](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\n")) return;
    const std::string line = "X-Endless: " + std::string(1000, 'h') + "\r\n";
    std::string block;
    for (int i = 0; i < 64; ++i) block += line;
    while (s.Send(fd, block)) {
    }
  });
  Canceller guard;
  Outcome o = GetTimed(Get("http", server.port()), Options{}, guard.AsCallback());
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_FALSE(guard.timed_out) << "the request ran until the test's bound";
  EXPECT_EQ(std::get<Error>(o.result).message,
            "Get \"" + UrlOf("http", server.port()) + "\": net/http: server response headers exceeded 10485760 bytes; aborted");
}

TEST_P(HostileHookServerTest, OneEndlessHeaderLineFailsAtTheSameLimit) {
  HostileServer server([](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\nX-Endless: ")) return;
    const std::string chunk(64 * 1024, 'h');
    while (s.Send(fd, chunk)) {
    }
  });
  Canceller guard;
  Outcome o = GetTimed(Get("http", server.port()), Options{}, guard.AsCallback());
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_FALSE(guard.timed_out) << "the request ran until the test's bound";
  EXPECT_THAT(std::get<Error>(o.result).message, HasSubstr("server response headers exceeded 10485760 bytes; aborted"));
}

TEST_P(HostileHookServerTest, ASlowLorisHeadBlocksUntilTheHookIsCancelledAsInTheKubelet) {
  // HT-09: the hook's client has no timeout of its own; the kubelet's wait (grace) ends it.
  HostileServer server([](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\n")) return;
    while (s.Send(fd, "X") && s.PeerStillThereAfter(fd, 20ms)) {
    }
  });
  Canceller cancel;
  cancel.condition = [&] { return server.sent() >= 40; };  // well into the trickle
  Outcome o = GetTimed(Get("http", server.port()), Options{}, cancel.AsCallback());
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_EQ(std::get<Error>(o.result).kind, ErrorKind::kCancelled);
  EXPECT_FALSE(cancel.timed_out);
  EXPECT_LT(o.took, kBound);
}

TEST_P(HostileHookServerTest, ARedirectLoopStopsAfterTenRequests) {
  HostileServer server([](HostileServer& s, int fd) {
    s.Send(fd, "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
  });
  Options options;
  options.redirects = RedirectPolicy::kGoDefault;
  Outcome o = GetTimed(Get("http", server.port()), options, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_EQ(std::get<Error>(o.result).kind, ErrorKind::kTooManyRedirects);
  EXPECT_EQ(std::get<Error>(o.result).message, "Get \"/loop\": stopped after 10 redirects");
  EXPECT_EQ(server.requests(), 10);
}

// Go's http.ReadResponse texts for a broken status line.
struct BadStatusLine {
  std::string line;
  std::string go_error;
};

TEST_P(HostileHookServerTest, InvalidStatusLinesFailWithGosMalformedResponseErrors) {
  const std::vector<BadStatusLine> cases = {
      {"garbage", "malformed HTTP response \"garbage\""},
      {"HTTP/1.1 abc OK", "malformed HTTP status code \"abc\""},
      {"HTTP/1.1 2000 OK", "malformed HTTP status code \"2000\""},
      {"HTTP/1.1 a\tb OK", "malformed HTTP status code \"a\\tb\""},  // strconv.Quote names a tab \t
      {"HTTP/1.1 a\x01" "b OK", "malformed HTTP status code \"a\\x01b\""},
      {"HTTP/9 200 OK", "malformed HTTP version \"HTTP/9\""},
  };
  for (const auto& c : cases) {
    HostileServer server([&](HostileServer& s, int fd) { s.Send(fd, c.line + "\r\nContent-Length: 0\r\n\r\n"); });
    Outcome o = GetTimed(Get("http", server.port()), Options{}, kNeverCancelled);
    ASSERT_TRUE(std::holds_alternative<Error>(o.result)) << c.line;
    EXPECT_EQ(std::get<Error>(o.result).message, "Get \"" + UrlOf("http", server.port()) + "\": " + c.go_error);
  }
}

TEST_P(HostileHookServerTest, AStalledTlsHandshakeEndsAtTheHandshakeTimeoutIn121sTransport) {
  // HT-09 Δ21: http.DefaultTransport's TLSHandshakeTimeout (10 s; 300 ms here).
  HostileServer silent([](HostileServer& s, int fd) {
    while (s.PeerStillThereAfter(fd, 20ms)) {
    }
  });
  Options options;
  options.tls_handshake_timeout = 300ms;
  Outcome o = GetTimed(Get("https", silent.port()), options, kNeverCancelled);
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_EQ(std::get<Error>(o.result).message,
            "Get \"" + UrlOf("https", silent.port()) + "\": net/http: TLS handshake timeout");
  EXPECT_GE(o.took, 300ms);
  EXPECT_LT(o.took, kBound);
}

TEST_P(HostileHookServerTest, AStalledTlsHandshakeWaitsForCancellationIn135sTransport) {
  // HT-09: the 1.35 hook client's transport has no handshake timeout; the kubelet's wait ends it.
  HostileServer silent([](HostileServer& s, int fd) {
    while (s.PeerStillThereAfter(fd, 20ms)) {
    }
  });
  Canceller grace;  // the kubelet's wait, 500 ms here
  grace.bound = Steady::now() + 500ms;
  Outcome o = GetTimed(Get("https", silent.port()), Options{}, grace.AsCallback());
  ASSERT_TRUE(std::holds_alternative<Error>(o.result));
  EXPECT_EQ(std::get<Error>(o.result).kind, ErrorKind::kCancelled);
  EXPECT_TRUE(grace.timed_out);
  EXPECT_GE(o.took, 500ms);
  EXPECT_LT(o.took, kBound);
}

// A one-shot gate with a deadline, opened by the test.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitOpen() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kBound, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(PausedGetTest, AGetPausedMidAnswerGoesOnOverItsConnectionWithNoSecondRequest) {
  // EX-06 for an httpGet preStop hook: past the grace the kubelet stops waiting and the request
  // goes on. A GetUntil paused there hands its connection on: the rest reads the answer's end
  // from the same connection, and the server sees one request, once.
  Gate gate;
  std::atomic<size_t> bytes_after_the_request{0};
  HostileServer server([&](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")) return;
    if (!gate.WaitOpen()) return;
    if (!s.Send(fd, "cde")) return;
    char buf[256];  // anything the client sends from here on (nothing: it closes)
    while (s.PeerStillThereAfter(fd, 20ms)) {
      const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) bytes_after_the_request += static_cast<size_t>(n);
    }
  });
  auto getter = NewHttpGetter();
  const auto began = Steady::now();
  Begun begun = getter->GetUntil(Get("http", server.port()), Options{}, kNeverCancelled, began + 200ms);
  EXPECT_GE(Steady::now() - began, 200ms);  // it waited on the caller's thread until its pause
  ASSERT_TRUE(std::holds_alternative<Unfinished>(begun));
  gate.Open();
  Result result;
  std::thread elsewhere([&] { result = std::get<Unfinished>(begun).rest(); });
  elsewhere.join();
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).status, 200);
  EXPECT_EQ(std::get<Response>(result).body, "abcde");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(bytes_after_the_request.load(), 0u);
}

TEST(PausedGetTest, AGetPausedMidHeadParsesTheWholeHeadAfterwards) {
  Gate gate;
  HostileServer server([&](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\nX-First: 1\r\n")) return;
    if (!gate.WaitOpen()) return;
    s.Send(fd, "X-Second: 2\r\nContent-Length: 2\r\n\r\nhi");
  });
  auto getter = NewHttpGetter();
  Begun begun = getter->GetUntil(Get("http", server.port()), Options{}, kNeverCancelled, Steady::now() + 200ms);
  ASSERT_TRUE(std::holds_alternative<Unfinished>(begun));
  gate.Open();
  Result result = std::get<Unfinished>(begun).rest();
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  const Response& response = std::get<Response>(result);
  EXPECT_EQ(response.body, "hi");
  auto has = [&](const std::string& name, const std::string& value) {
    return std::any_of(response.headers.begin(), response.headers.end(),
                       [&](const Header& h) { return h.name == name && h.value == value; });
  };
  EXPECT_TRUE(has("X-First", "1"));
  EXPECT_TRUE(has("X-Second", "2"));
  EXPECT_EQ(server.requests(), 1);
}

TEST(PausedGetTest, AServerThatNeverStopsSendingDoesNotHoldTheCallerPastThePause) {
  // Header lines in 1 MiB writes: bytes are always waiting for a client that parses them a byte at
  // a time, so only the pause ends the caller's part before Go's 10 MiB head limit would.
  HostileServer server([](HostileServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\n")) return;
    std::string lines;
    while (lines.size() < 1024 * 1024) lines += "X-Filler: 0123456789abcdef\r\n";
    while (s.Send(fd, lines)) {
    }
  });
  auto getter = NewHttpGetter();
  Begun begun = getter->GetUntil(Get("http", server.port()), Options{}, kNeverCancelled, Steady::now() + 50ms);
  ASSERT_TRUE(std::holds_alternative<Unfinished>(begun)) << "the caller read on past its pause";
  // The rest parses again what was read and goes on: the head limit still applies across the pause.
  Result result = std::get<Unfinished>(begun).rest();
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).message, "Get \"" + UrlOf("http", server.port()) + "\": " + kResponseHeadTooLong);
}

TEST(PausedGetTest, AGetThatEndsBeforeItsPauseIsDoneOnTheCallersThread) {
  HostileServer server([](HostileServer& s, int fd) { s.Send(fd, "HTTP/1.1 204 No Content\r\n\r\n"); });
  auto getter = NewHttpGetter();
  Begun begun = getter->GetUntil(Get("http", server.port()), Options{}, kNeverCancelled, Steady::now() + kBound);
  ASSERT_TRUE(std::holds_alternative<Result>(begun));
  const Result& result = std::get<Result>(begun);
  ASSERT_TRUE(std::holds_alternative<Response>(result)) << std::get<Error>(result).message;
  EXPECT_EQ(std::get<Response>(result).status, 204);
}

TEST(PausedGetTest, HttpsAndHostNamesRunWhollyInTheRest) {
  // A TLS handshake and a name lookup block where no pause reaches: they never begin inline.
  auto getter = NewHttpGetter();
  const auto far = Steady::now() + kBound;
  EXPECT_TRUE(std::holds_alternative<Unfinished>(getter->GetUntil(Get("https", 1), Options{}, kNeverCancelled, far)));
  Request by_name = Get("http", 1);
  by_name.url.host = "localhost";
  EXPECT_TRUE(std::holds_alternative<Unfinished>(getter->GetUntil(by_name, Options{}, kNeverCancelled, far)));
}

}  // namespace
}  // namespace podlife::http
