// LocalHttpServer: the httpGet hooks' endpoint and the HTTP floor's server: a bare cpp-httplib
// server on 127.0.0.1 (a free port) answering every GET with 200 "ok". It records nothing and is
// not scriptable, so the floor and the hook reach the same server and their ratio is the
// client side's cost alone.
//
// Contract: Start() returns a listening server (connections are accepted from the moment it
// returns) or nullptr and *error. The destructor stops the server and joins its thread.
// BareHttpGet() is the floor's client: a fresh cpp-httplib client per call (a new connection,
// as the engine's getter makes), GET with the hook's own headers (Go's User-Agent and
// `Accept-Encoding: gzip`, so the server gzips the answer for both and both undo it), "" on a 200
// whose body is "ok", or what failed.
#pragma once

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace podlife::bench {

class LocalHttpServer {
 public:
  static std::unique_ptr<LocalHttpServer> Start(std::string* error);
  ~LocalHttpServer();

  int port() const { return port_; }

 private:
  LocalHttpServer();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

std::string BareHttpGet(int port, const std::string& path);

}  // namespace podlife::bench
