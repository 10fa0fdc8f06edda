// Fuzz target: the httpGet hook's client (src/http/http_getter.h) reading what a hostile hook
// server sends. The status line, headers and body are parsed by cpp-httplib; our code classifies
// its errors, follows redirects (Location resolution, the same-host rule, the 10-request limit,
// headers per hop), truncates the body and, for https, reads the server's first bytes to tell a
// plain-HTTP server from a broken TLS one. So the target drives the real client over a real
// loopback socket: a server thread answers every connection with the input's bytes (after the
// first byte, which picks http or https and the redirect policy) and closes it.
// Redirects stay on 127.0.0.1 (other hosts would need name resolution: not hermetic); a hop to
// another local port is a real connection. Each call is cancelled after 2 s.
// Contract checked: Get() returns (a response or an error with a message) without crashing,
// leaking or hanging; a response body is never longer than max_body_bytes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "src/http/http_getter.h"

namespace {

// A loopback server that answers each connection with the current response, then closes it.
class ScriptedServer {
 public:
  ScriptedServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("http_response_fuzz: loopback listener");
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    std::thread([this] { Serve(); }).detach();  // lives as long as the fuzzing process
  }

  int port() const { return port_; }
  void set_response(std::string response) {
    std::lock_guard lock(mu_);
    response_ = std::move(response);
  }

 private:
  void Serve() {
    while (true) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval timeout{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
      ReadRequestHead(fd);
      std::string response;
      {
        std::lock_guard lock(mu_);
        response = response_;
      }
      for (size_t sent = 0; sent < response.size();) {
        const ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      shutdown(fd, SHUT_WR);
      close(fd);
    }
  }

  // Reads up to the blank line that ends a request head (or a TLS ClientHello's first bytes).
  static void ReadRequestHead(int fd) {
    std::string head;
    char chunk[2048];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
      const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return;
      head.append(chunk, static_cast<size_t>(n));
      if (static_cast<unsigned char>(head[0]) == 0x16) return;  // a TLS handshake: answer at once
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::string response_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ScriptedServer* server = new ScriptedServer();
  static std::unique_ptr<podlife::http::HttpGetter> getter = podlife::http::NewHttpGetter();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  server->set_response(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));

  podlife::http::Request request;
  request.url.scheme = (mode & 1) ? "https" : "http";
  request.url.host = "127.0.0.1";
  request.url.port = server->port();
  request.url.target = "/hook?x=1";
  request.headers = {{"Authorization", "Bearer fuzz"}, {"X-Hook", "1"}};
  podlife::http::Options options;
  options.redirects = podlife::http::RedirectPolicy::kSameHostOnly;
  options.max_body_bytes = (mode & 2) ? 16 : 10 * 1024;
  options.connect_timeout = std::chrono::seconds(1);
  options.tls_handshake_timeout = std::chrono::seconds(1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  auto result = getter->Get(request, options, [&] { return std::chrono::steady_clock::now() > deadline; });
  if (auto* response = std::get_if<podlife::http::Response>(&result)) {
    if (response->body.size() > options.max_body_bytes) std::abort();
  } else if (std::get<podlife::http::Error>(result).message.empty()) {
    std::abort();
  }
  return 0;
}
