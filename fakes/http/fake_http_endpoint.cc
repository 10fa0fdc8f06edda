#include "fakes/http/fake_http_endpoint.h"

#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "fakes/http/every_endpoint.h"
#include "testsupport/self_signed_cert.h"

namespace podlife::fakes {

namespace {
constexpr Millis kGatePoll{50};

// httplib's Server::stop() does nothing until the listen thread has marked the server running, so
// a stop that races the thread's start leaves the thread in accept() for ever (the hang of
// PreStop.HttpHookIsNotSentWithZeroGrace). The endpoint therefore stops the server through its
// listening socket: this accessor reaches that (protected) member of any httplib::Server.
struct ListenSocket : httplib::Server {
  static std::atomic<socket_t>& Of(httplib::Server& server) { return server.*(&ListenSocket::svr_sock_); }
};

void CheckPath(const char* what, const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find('?') != std::string::npos) {
    throw std::invalid_argument(std::string("FakeHttpEndpoint::") + what +
                                ": want a path that starts with '/' and has no query (requests are "
                                "matched on the path alone), got '" + path + "'");
  }
}
}  // namespace

std::optional<std::string> RecordedRequest::Header(const std::string& name) const {
  for (const auto& h : headers) {
    if (strcasecmp(h.name.c_str(), name.c_str()) == 0) return h.value;
  }
  return std::nullopt;
}

int RecordedRequest::HeaderCount(const std::string& name) const {
  int n = 0;
  for (const auto& h : headers) n += strcasecmp(h.name.c_str(), name.c_str()) == 0;
  return n;
}

namespace {
// Every live endpoint, for ShutdownEveryEndpoint(). A leaf lock but for the Shutdown calls made
// under it, which never take it. Never destroyed, so an endpoint that outlives static destruction
// still finds them.
std::mutex& LiveMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::set<FakeHttpEndpoint*>& Live() {
  static auto* endpoints = new std::set<FakeHttpEndpoint*>;
  return *endpoints;
}
}  // namespace

int ShutdownEveryEndpoint() {
  std::lock_guard lock(LiveMutex());
  for (FakeHttpEndpoint* endpoint : Live()) endpoint->Shutdown();
  return static_cast<int>(Live().size());
}

std::unique_ptr<FakeHttpEndpoint> FakeHttpEndpoint::Start(Scheme scheme, std::string* error) {
  return StartOn(scheme, "127.0.0.1", 0, error);
}

std::unique_ptr<FakeHttpEndpoint> FakeHttpEndpoint::StartOn(Scheme scheme, const std::string& host, int port,
                                                            std::string* error) {
  std::unique_ptr<FakeHttpEndpoint> ep(new FakeHttpEndpoint());
  {
    std::lock_guard lock(LiveMutex());
    Live().insert(ep.get());
  }
  ep->host_ = host;
  ep->scheme_ = scheme;
  if (scheme == Scheme::kHttps) {
    try {
      auto cert = testsupport::SelfSignedCert::Generate();
      ep->server_ = std::make_unique<httplib::SSLServer>(cert.cert(), cert.key());  // copies both
    } catch (const std::exception& e) {
      *error = e.what();
      return nullptr;
    }
  } else {
    ep->server_ = std::make_unique<httplib::Server>();
  }
  FakeHttpEndpoint* self = ep.get();
  self->server_->Get(R"(.*)", [self](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest rec;
    rec.method = req.method;
    rec.target = req.target;
    rec.path = req.target.substr(0, req.target.find('?'));
    for (const auto& [name, value] : req.headers) {
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
      rec.headers.push_back({name, value});
    }
    rec.peer = req.remote_addr + ":" + std::to_string(req.remote_port);
    rec.at = std::chrono::steady_clock::now();
    HttpResponseScript script;
    std::shared_ptr<Gate> gate;
    size_t index = 0;
    {
      std::lock_guard lock(self->mu_);
      index = self->requests_.size();
      self->requests_.push_back(rec);
      if (auto it = self->scripts_.find(rec.path); it != self->scripts_.end()) script = it->second;
      if (auto it = self->gates_.find(rec.path); it != self->gates_.end() && !it->second.empty()) {
        gate = it->second.front();
        it->second.erase(it->second.begin());
      }
      self->arrived_.notify_all();
    }
    if (gate) gate->Park([self] { return self->stopping_.load(); }, kGatePoll);
    if (script.delay.count() > 0) {
      // A scripted delay is the behaviour under test (a slow endpoint), not synchronisation.
      std::unique_lock lock(self->mu_);
      self->arrived_.wait_for(lock, script.delay, [self] { return self->stopping_.load(); });
    }
    res.status = script.status;
    for (const auto& h : script.headers) res.set_header(h.name, h.value);
    if (!script.redirect_to.empty()) {
      res.set_header("Location", script.redirect_to);
      if (res.status < 300 || res.status > 399) res.status = 302;
    }
    {
      std::lock_guard lock(self->mu_);
      self->requests_[index].answered_at = std::chrono::steady_clock::now();
      self->requests_[index].status = res.status;
    }
    if (!script.hold_body) {
      res.set_content(script.body, "text/plain");
      return;
    }
    auto body = std::make_shared<std::string>(std::move(script.body));
    const size_t prefix = std::min(script.body_prefix_bytes, body->size());
    res.set_content_provider(
        body->size(), "text/plain",
        [self, body, prefix, gate = script.hold_body](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset < prefix) return sink.write(body->data() + offset, prefix - offset);
          if (!gate->Park([self] { return self->stopping_.load(); }, kGatePoll)) return false;
          return sink.write(body->data() + offset, body->size() - offset);
        });
  });
  // httplib's default adds SO_REUSEPORT, which lets a second process bind the same fixed port
  // (127.0.0.2:80) and take this endpoint's connections; an endpoint's port must be its own.
  self->server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (port == 0) {
    self->port_ = self->server_->bind_to_any_port(host);
  } else if (self->server_->bind_to_port(host, port)) {
    self->port_ = port;
  }
  if (self->port_ <= 0) {
    *error = "cannot bind " + host + ":" + std::to_string(port);
    return nullptr;
  }
  self->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return ep;
}

FakeHttpEndpoint::~FakeHttpEndpoint() {
  {
    std::lock_guard lock(LiveMutex());
    Live().erase(this);
  }
  Shutdown();
}

void FakeHttpEndpoint::Shutdown() {
  std::lock_guard once(shutdown_mu_);
  stopping_ = true;
  {
    std::lock_guard lock(mu_);
    for (auto& g : all_gates_) g->Release();
    arrived_.notify_all();
  }
  if (!server_) return;
  // Taking the socket away ends the accept loop whether or not it has started: a thread not yet
  // in the loop finds no socket, one in accept() is woken by the shutdown. The socket is closed
  // only after the join, so its number cannot be reused under a thread about to call accept().
  const socket_t sock = ListenSocket::Of(*server_).exchange(INVALID_SOCKET);
  if (sock != INVALID_SOCKET) ::shutdown(sock, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  if (sock != INVALID_SOCKET) ::close(sock);
}

std::string FakeHttpEndpoint::base_url() const {
  return std::string(scheme_ == Scheme::kHttps ? "https" : "http") + "://" + host_ + ":" + std::to_string(port_);
}

void FakeHttpEndpoint::Script(const std::string& path, HttpResponseScript response) {
  CheckPath("Script", path);
  std::lock_guard lock(mu_);
  scripts_[path] = std::move(response);
}

std::shared_ptr<Gate> FakeHttpEndpoint::HoldNext(const std::string& path) {
  CheckPath("HoldNext", path);
  auto gate = std::make_shared<Gate>("GET " + path);
  std::lock_guard lock(mu_);
  gates_[path].push_back(gate);
  all_gates_.push_back(gate);
  return gate;
}

std::vector<RecordedRequest> FakeHttpEndpoint::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeHttpEndpoint::RequestsTo(const std::string& path) const {
  std::vector<RecordedRequest> out;
  for (auto& r : Requests()) {
    if (r.path == path) out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> FakeHttpEndpoint::Unconsumed() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [path, gates] : gates_) {
    for (size_t i = 0; i < gates.size(); ++i) out.push_back("gate on GET " + path + " never reached");
  }
  for (const auto& entry : scripts_) {  // not a structured binding: clang 14 cannot capture one
    const std::string& path = entry.first;
    const auto& script = entry.second;
    const bool requested = std::any_of(requests_.begin(), requests_.end(), [&](const auto& r) { return r.path == path; });
    if (!requested) {
      out.push_back("scripted answer for GET " + path + " (status " + std::to_string(script.status) +
                    ") never requested");
    }
  }
  return out;
}

WaitResult FakeHttpEndpoint::VerifyAllConsumed() const {
  const auto items = Unconsumed();
  if (items.empty()) return WaitResult::Ok();
  std::string message = "fake HTTP endpoint " + base_url() + ": scripted items nobody consumed:\n";
  for (const auto& item : items) message += "  " + item + "\n";
  return WaitResult::Failure(message + Describe());
}

std::string FakeHttpEndpoint::Describe() const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << requests_.size() << " request(s) at " << base_url() << (requests_.empty() ? "" : ":");
  for (const auto& r : requests_) {
    out << "\n  " << r.method << " " << r.target << " from " << r.peer;
    for (const auto& h : r.headers) out << "\n    " << h.name << ": " << h.value;
  }
  return out.str();
}

WaitResult FakeHttpEndpoint::WaitForRequest(const std::string& path, Millis timeout, RecordedRequest* found,
                                            int count) const {
  std::unique_lock lock(mu_);
  auto matching = [&] {
    int n = 0;
    for (const auto& r : requests_) {
      if (r.path == path && ++n == count) {
        if (found) *found = r;
        return true;
      }
    }
    return false;
  };
  arrived_.wait_for(lock, timeout, [&] { return matching() || stopping_; });
  if (matching()) return WaitResult::Ok();
  const bool stopped = stopping_;
  lock.unlock();
  return WaitResult::Failure((stopped ? std::string("the endpoint was shut down")
                                      : "timed out after " + std::to_string(timeout.count()) + "ms") +
                             " waiting for " + std::to_string(count) + " GET " + path + "; " + Describe());
}

std::unique_ptr<SilentTcpListener> SilentTcpListener::Start(std::string* error) {
  std::unique_ptr<SilentTcpListener> l(new SilentTcpListener());
  l->fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (l->fd_ < 0 || bind(l->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(l->fd_, 16) != 0 ||
      getsockname(l->fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = "cannot listen on 127.0.0.1:0";
    return nullptr;
  }
  l->port_ = ntohs(addr.sin_port);
  SilentTcpListener* self = l.get();
  l->thread_ = std::thread([self] {
    while (!self->stopping_) {
      pollfd p{self->fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int conn = accept4(self->fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      // Read the request head (until a blank line or the client stops sending), then drop it.
      std::string got;
      char buf[4096];
      pollfd c{conn, POLLIN, 0};
      while (got.find("\r\n\r\n") == std::string::npos && poll(&c, 1, 1000) == 1) {
        const ssize_t n = recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      ++self->connections_;  // counted before the close the client observes
      close(conn);
    }
  });
  return l;
}

SilentTcpListener::~SilentTcpListener() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

}  // namespace podlife::fakes
