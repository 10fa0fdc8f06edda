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
  // The hook's own request headers (Go's client: its User-Agent, and gzip asked for and undone),
  // so that the server does the same work for the floor as for the hook: it gzips either answer.
  auto result = client.Get(path, {{"User-Agent", "Go-http-client/1.1"}, {"Accept-Encoding", "gzip"}});
  if (!result) return "GET " + path + ": " + httplib::to_string(result.error());
  if (result->status != 200) return "GET " + path + ": status " + std::to_string(result->status);
  return result->body == "ok" ? "" : "GET " + path + ": the body is not the server's \"ok\" (not decompressed?)";
}

}  // namespace podlife::bench
