// FakeHttpEndpoint: a real HTTP or HTTPS server on 127.0.0.1, port 0, that lifecycle httpGet hooks
// are aimed at. It records every request and answers as the test scripts it.
//
// Contract:
// - Start(kHttp|kHttps) listens on 127.0.0.1 with a free port; kHttps uses a self-signed
//   certificate generated in memory at start. A kHttp endpoint is also the "plain-HTTP listener"
//   an `https` hook is aimed at to exercise the HTTPS->HTTP fallback.
// - Every request is recorded (method, target, path, headers in arrival order, peer, time) before
//   it is answered. Requests(), RequestsTo(path) read the record; WaitForRequest(path, timeout)
//   waits with a deadline and, on failure, says what did arrive.
// - Script(path, response): requests whose path (target without query) matches get `response`:
//   status, headers, a body of any size, a delay, a redirect (Location + 3xx), a body held back
//   after a prefix at a caller's Gate. Unscripted paths get 200 "ok". HoldNext(path) parks the
//   next request to path at a Gate until released.
// - Script(path) and HoldNext(path) take a path that starts with '/' and has no query; anything
//   else throws std::invalid_argument naming it (it could never match a request).
// - Strict: Unconsumed() / VerifyAllConsumed() report HoldNext gates no request reached and
//   scripted paths nobody requested.
// - Shutdown() (also run by the destructor; idempotent, callable from any thread) ends every
//   WaitForRequest that no request recorded so far satisfies (none can come), releases every
//   gate it made and abandons a held body, then stops the server, even when it runs right after
//   Start() (before the listen thread has reached accept()); nothing blocks past it.
// SilentTcpListener: accepts connections on 127.0.0.1:0, reads what arrives, and closes without
// answering (a server that drops the request: Go's client reports EOF).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fakes/common/gate.h"
#include "fakes/common/wait_result.h"

namespace httplib {
class Server;
}

namespace podlife::fakes {

struct HttpHeaderField {
  std::string name;
  std::string value;
};

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // without the query
  std::vector<HttpHeaderField> headers;
  std::string peer;  // "ip:port" of the client
  std::chrono::steady_clock::time_point at;
  // When the answer's head was ready (after a scripted gate or delay) and its status; unset while
  // the request is still held.
  std::optional<std::chrono::steady_clock::time_point> answered_at;
  int status = 0;

  // The first value of a header (case-insensitive name), or nullopt.
  std::optional<std::string> Header(const std::string& name) const;
  int HeaderCount(const std::string& name) const;
};

struct HttpResponseScript {
  int status = 200;
  std::vector<HttpHeaderField> headers;
  std::string body = "ok";
  Millis delay{0};
  std::string redirect_to;  // when set: Location header, status 302 unless status is 3xx
  // When set: the headers (Content-Length of the whole body) and the first `body_prefix_bytes`
  // go out, then the rest of the body waits until this gate is released (a slow or endless body).
  std::shared_ptr<Gate> hold_body = nullptr;
  size_t body_prefix_bytes = 0;
};

class FakeHttpEndpoint {
 public:
  enum class Scheme { kHttp, kHttps };

  static std::unique_ptr<FakeHttpEndpoint> Start(Scheme scheme, std::string* error);
  // On a chosen address (e.g. 127.0.0.2:80 for the "empty port means 80" case); port 0 = free.
  static std::unique_ptr<FakeHttpEndpoint> StartOn(Scheme scheme, const std::string& host, int port, std::string* error);
  ~FakeHttpEndpoint();

  int port() const { return port_; }
  const std::string& host() const { return host_; }
  // e.g. "http://127.0.0.1:41234"
  std::string base_url() const;

  void Script(const std::string& path, HttpResponseScript response);
  std::shared_ptr<Gate> HoldNext(const std::string& path);

  std::vector<RecordedRequest> Requests() const;
  std::vector<RecordedRequest> RequestsTo(const std::string& path) const;
  WaitResult WaitForRequest(const std::string& path, Millis timeout, RecordedRequest* found = nullptr,
                            int count = 1) const;
  // Describes every request seen, one per line, for failure messages.
  std::string Describe() const;

  std::vector<std::string> Unconsumed() const;
  WaitResult VerifyAllConsumed() const;

  void Shutdown();

 private:
  FakeHttpEndpoint() = default;

  Scheme scheme_ = Scheme::kHttp;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::string host_;
  std::atomic<bool> stopping_{false};
  std::mutex shutdown_mu_;  // one Shutdown at a time; a second waits for the first to finish

  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::vector<RecordedRequest> requests_;
  std::map<std::string, HttpResponseScript> scripts_;
  std::map<std::string, std::vector<std::shared_ptr<Gate>>> gates_;
  std::vector<std::shared_ptr<Gate>> all_gates_;
};

class SilentTcpListener {
 public:
  static std::unique_ptr<SilentTcpListener> Start(std::string* error);
  ~SilentTcpListener();
  int port() const { return port_; }
  // Connections accepted and closed so far.
  int connections() const { return connections_.load(); }

 private:
  SilentTcpListener() = default;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace podlife::fakes
