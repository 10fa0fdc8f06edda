#include "fakes/cri/listen_socket.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <variant>

namespace podlife::fakes {

namespace fs = std::filesystem;

bool PrepareListen(const std::string& listen, ListenPlan* plan, std::string* error) {
  plan->listen = listen;
  if (listen.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "podlife-cri-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {  // mkdtemp creates the directory mode 0700
      *error = "cannot create a private socket directory under " + fs::temp_directory_path().string();
      return false;
    }
    plan->private_dir = tmpl;
    plan->listen = "unix://" + tmpl + "/cri.sock";
  }
  auto parsed = ParseEndpoint(plan->listen);
  if (auto* e = std::get_if<EndpointError>(&parsed)) {
    *error = "--listen: " + e->message;
    return false;
  }
  plan->endpoint = std::get<Endpoint>(parsed);
  if (plan->endpoint.kind != Endpoint::Kind::kUnix) return true;
  std::error_code ec;
  fs::path path(plan->endpoint.path);
  if (!fs::exists(path.parent_path(), ec)) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      *error = "cannot create socket directory " + path.parent_path().string() + ": " + ec.message();
      return false;
    }
    fs::permissions(path.parent_path(), fs::perms::owner_all, ec);
  }
  if (fs::is_socket(path, ec)) {
    fs::remove(path, ec);  // a stale socket from an earlier run
  } else if (fs::exists(path, ec)) {
    *error = "cannot listen on " + plan->listen + ": the path exists and is not a socket";
    return false;
  }
  plan->socket_path = plan->endpoint.path;
  return true;
}

std::string FinishListen(const ListenPlan& plan, int tcp_port) {
  if (plan.endpoint.kind == Endpoint::Kind::kUnix) {
    chmod(plan.endpoint.path.c_str(), 0600);
    return "unix://" + plan.endpoint.path;
  }
  std::string host = plan.endpoint.host_port.substr(0, plan.endpoint.host_port.rfind(':'));
  return "tcp://" + host + ":" + std::to_string(tcp_port);
}

void RemoveListen(const ListenPlan& plan) {
  std::error_code ec;
  if (!plan.socket_path.empty()) fs::remove(plan.socket_path, ec);
  if (!plan.private_dir.empty()) fs::remove_all(plan.private_dir, ec);
}

}  // namespace podlife::fakes
