#include "fakes/common/private_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace podlife::fakes {

namespace fs = std::filesystem;

namespace {

// The registry the signal handler reads: fixed storage, no allocation, slot states as atomics.
enum SlotState : int { kFree = 0, kWriting = 1, kLive = 2 };
struct Slot {
  std::atomic<int> state{kFree};
  char path[kPrivateDirPathMax];
};
Slot g_slots[kPrivateDirSlots];

void Register(const std::string& path) {
  if (path.size() >= kPrivateDirPathMax) return;
  for (auto& slot : g_slots) {
    int expected = kFree;
    if (!slot.state.compare_exchange_strong(expected, kWriting)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.state.store(kLive);
    return;
  }
}

void Unregister(const std::string& path) {
  for (auto& slot : g_slots) {
    if (slot.state.load() == kLive && path == slot.path) {
      slot.state.store(kFree);
      return;
    }
  }
}

// Removes everything under the open directory `dir` (closed here), with async-signal-safe calls
// only: getdents64, unlinkat, openat. `depth` bounds the recursion.
void RemoveContentsAt(int dir, int depth) {
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buf + off);
      off += entry->d_reclen;
      const char* name = entry->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
      if (unlinkat(dir, name, 0) == 0) continue;
      if (depth <= 0) continue;
      int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) continue;
      RemoveContentsAt(sub, depth - 1);
      unlinkat(dir, name, AT_REMOVEDIR);
    }
  }
  close(dir);
}

void RemoveRegisteredDirs() {
  for (auto& slot : g_slots) {
    if (slot.state.load() != kLive) continue;
    int dir = open(slot.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir >= 0) RemoveContentsAt(dir, 8);
    rmdir(slot.path);
  }
}

void OnFatalSignal(int sig) {
  const int saved_errno = errno;
  RemoveRegisteredDirs();
  errno = saved_errno;
  // SA_RESETHAND restored the default disposition; dying of the same signal keeps the exit status
  // (and a core dump) what it would have been without us.
  raise(sig);
}

constexpr int kFatalSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGILL,  SIGTRAP, SIGABRT, SIGBUS,  SIGFPE, SIGSEGV,
                                 SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGSYS};

// True when a unix socket in `dir` still answers: someone (a process in another PID namespace,
// say) is serving from it, whatever its name says.
bool HoldsLiveSocket(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_socket(ec)) continue;
    const std::string path = entry.path().string();
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) continue;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    const bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (live) return true;
  }
  return false;
}

}  // namespace

std::string MakePrivateDir(const std::string& prefix, std::string* error) {
  std::error_code ec;
  const fs::path temp = fs::temp_directory_path(ec);
  if (ec) {
    *error = "cannot find the temp folder: " + ec.message();
    return "";
  }
  std::string tmpl = (temp / (prefix + "-" + std::to_string(getpid()) + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) {  // mkdtemp creates the directory mode 0700
    *error = "cannot create a private directory under " + temp.string() + ": " + std::strerror(errno);
    return "";
  }
  Register(tmpl);
  return tmpl;
}

void RemovePrivateDir(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  fs::remove_all(path, ec);
  Unregister(path);  // after the removal: a signal in between finds the directory gone, harmlessly
}

int InstallPrivateDirCleanup() {
  int installed = 0;
  for (int sig : kFatalSignals) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;  // the program's own
    struct sigaction ours {};
    ours.sa_handler = OnFatalSignal;
    sigemptyset(&ours.sa_mask);
    ours.sa_flags = SA_RESETHAND | SA_NODEFER;
    if (sigaction(sig, &ours, nullptr) == 0) ++installed;
  }
  return installed;
}

int PrivateDirOwner(const std::string& name) {
  std::string rest;
  for (const char* prefix : {kLogDirPrefix, kSocketDirPrefix}) {  // the longer one first
    const std::string with_dash = std::string(prefix) + "-";
    if (name.rfind(with_dash, 0) == 0) {
      rest = name.substr(with_dash.size());
      break;
    }
  }
  size_t digits = 0;
  while (digits < rest.size() && digits < 10 && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0 || digits >= rest.size() || rest[digits] != '-') return 0;
  const long pid = std::strtol(rest.substr(0, digits).c_str(), nullptr, 10);
  return pid > 0 && pid <= 0x3fffffff ? static_cast<int>(pid) : 0;
}

int SweepStalePrivateDirs(const std::string& temp_dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(temp_dir, ec)) {
    const int pid = PrivateDirOwner(entry.path().filename().string());
    if (pid == 0 || pid == getpid()) continue;
    struct stat st {};
    if (lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask): keep
    if (HoldsLiveSocket(entry.path())) continue;
    std::error_code remove_error;
    if (fs::remove_all(entry.path(), remove_error) > 0 && !remove_error) ++removed;
  }
  return removed;
}

}  // namespace podlife::fakes
