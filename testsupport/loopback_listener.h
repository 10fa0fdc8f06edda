// ListenOnLoopback: a listening TCP socket on 127.0.0.1 at a port the kernel chose, for tests
// that play a hostile server by hand (raw bytes, silence, slow answers).
//
// Contract: returns the socket (close-on-exec, backlog 16) and its port, or fd -1 when it cannot
// be made; the caller owns and closes the socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace podlife::testsupport {

struct LoopbackListener {
  int fd = -1;
  int port = 0;
};

inline LoopbackListener ListenOnLoopback() {
  LoopbackListener l;
  l.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (l.fd < 0 || bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(l.fd, 16) != 0 ||
      getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (l.fd >= 0) close(l.fd);
    return {};
  }
  l.port = ntohs(addr.sin_port);
  return l;
}

}  // namespace podlife::testsupport
