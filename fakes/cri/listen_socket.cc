#include "fakes/cri/listen_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <variant>

#include "fakes/common/private_dir.h"

namespace podlife::fakes {

namespace fs = std::filesystem;

namespace {

// Whether a server answers on the unix socket at `path`: "" when nobody does (a stale socket),
// otherwise why the path cannot be taken.
std::string WhyTaken(const std::string& listen, const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return "";  // gRPC's bind reports the length itself
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "cannot check " + listen + ": " + std::strerror(errno);
  const int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int connect_errno = errno;
  close(fd);
  if (rc == 0) {
    return "cannot listen on " + listen +
           ": a server is already listening there (another podlife-fake-cri, proxy or runtime); "
           "stop it or choose another address";
  }
  if (connect_errno == ECONNREFUSED) return "";
  return "cannot listen on " + listen + ": cannot tell whether the socket there is in use (" +
         std::strerror(connect_errno) + ")";
}

bool PrepareUnixPath(ListenPlan* plan, std::string* error) {
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
    if (std::string taken = WhyTaken(plan->listen, path.string()); !taken.empty()) {
      *error = taken;
      return false;
    }
    fs::remove(path, ec);  // a stale socket from an earlier run: nobody answers on it
  } else if (fs::exists(fs::symlink_status(path, ec))) {
    *error = "cannot listen on " + plan->listen + ": the path exists and is not a socket";
    return false;
  }
  plan->socket_path = plan->endpoint.path;
  // A name nobody else uses, beside the chosen path (gRPC removes whatever is at a path before
  // binding it, too). Too long for a unix socket: bind the chosen path itself.
  static std::atomic<unsigned> counter{0};
  const std::string beside = (path.parent_path() / (".podlife-" + std::to_string(getpid()) + "-" +
                                                    std::to_string(counter++) + ".sock")).string();
  if (beside.size() < sizeof(sockaddr_un::sun_path) && !fs::exists(fs::symlink_status(beside, ec))) {
    plan->bind_path = beside;
    plan->bind_target = "unix:" + beside;
  }
  return true;
}

// Moves the bound socket from beside the chosen path onto it, never over another file.
bool MoveIntoPlace(const ListenPlan& plan, std::string* error) {
  if (renameat2(AT_FDCWD, plan.bind_path.c_str(), AT_FDCWD, plan.socket_path.c_str(), RENAME_NOREPLACE) == 0) {
    return true;
  }
  int why = errno;
  if (why == EINVAL || why == ENOSYS) {  // a file system without RENAME_NOREPLACE: a hard link
    if (link(plan.bind_path.c_str(), plan.socket_path.c_str()) == 0) {
      unlink(plan.bind_path.c_str());
      return true;
    }
    why = errno;
  }
  unlink(plan.bind_path.c_str());
  *error = why == EEXIST ? "cannot listen on " + plan.listen + ": another server took the path while this one started"
                         : "cannot listen on " + plan.listen + ": " + std::strerror(why);
  return false;
}

}  // namespace

bool PrepareListen(const std::string& listen, ListenPlan* plan, std::string* error) {
  plan->listen = listen;
  if (listen.empty()) {
    std::error_code ec;
    SweepStalePrivateDirs(fs::temp_directory_path(ec).string());
    std::string why;
    plan->private_dir = MakePrivateDir(kSocketDirPrefix, &why);
    if (plan->private_dir.empty()) {
      *error = "cannot create a private socket directory: " + why;
      return false;
    }
    plan->listen = "unix://" + plan->private_dir + "/cri.sock";
  }
  auto parsed = ParseEndpoint(plan->listen);
  if (auto* e = std::get_if<EndpointError>(&parsed)) {
    *error = "--listen: " + e->message;
    return false;
  }
  plan->endpoint = std::get<Endpoint>(parsed);
  plan->bind_target = plan->endpoint.GrpcTarget();
  if (plan->endpoint.kind != Endpoint::Kind::kUnix || !plan->private_dir.empty()) {
    plan->socket_path = plan->endpoint.kind == Endpoint::Kind::kUnix ? plan->endpoint.path : "";
    return true;
  }
  return PrepareUnixPath(plan, error);
}

std::string FinishListen(ListenPlan* plan, int tcp_port, std::string* error) {
  if (plan->endpoint.kind == Endpoint::Kind::kUnix) {
    const std::string& bound = plan->bind_path.empty() ? plan->socket_path : plan->bind_path;
    chmod(bound.c_str(), 0600);  // before it is visible at the chosen path
    struct stat st {};
    if (lstat(bound.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      plan->socket_device = st.st_dev;
      plan->socket_inode = st.st_ino;
    }
    if (!plan->bind_path.empty() && !MoveIntoPlace(*plan, error)) return "";
    return "unix://" + plan->endpoint.path;
  }
  std::string host = plan->endpoint.host_port.substr(0, plan->endpoint.host_port.rfind(':'));
  return "tcp://" + host + ":" + std::to_string(tcp_port);
}

void RemoveListen(const ListenPlan& plan) {
  if (!plan.bind_path.empty()) unlink(plan.bind_path.c_str());  // a start that failed before the move
  if (!plan.socket_path.empty() && plan.socket_inode != 0) {
    struct stat st {};
    if (lstat(plan.socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == plan.socket_device &&
        st.st_ino == plan.socket_inode) {
      unlink(plan.socket_path.c_str());
    }
  }
  RemovePrivateDir(plan.private_dir);
}

}  // namespace podlife::fakes
