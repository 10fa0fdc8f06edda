// Implements bench/local_http_server.h on cpp-httplib.
#include "bench/local_http_server.h"

#include <httplib.h>

namespace podlife::bench {

LocalHttpServer::LocalHttpServer() : server_(std::make_unique<httplib::Server>()) {}

std::unique_ptr<LocalHttpServer> LocalHttpServer::Start(std::string* error) {
  std::unique_ptr<LocalHttpServer> s(new LocalHttpServer());
  s->server_->Get(".*", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", "text/plain");
  });
  s->port_ = s->server_->bind_to_any_port("127.0.0.1");
  if (s->port_ <= 0) {
    *error = "cannot listen on 127.0.0.1";
    return nullptr;
  }
  // The socket already listens: connections queue until the accept loop takes them.
  s->thread_ = std::thread([server = s->server_.get()] { server->listen_after_bind(); });
  return s;
}

LocalHttpServer::~LocalHttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string BareHttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  auto result = client.Get(path);
  if (!result) return "GET " + path + ": " + httplib::to_string(result.error());
  return result->status == 200 ? "" : "GET " + path + ": status " + std::to_string(result->status);
}

}  // namespace podlife::bench
