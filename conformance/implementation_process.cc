#include "conformance/implementation_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>

extern char** environ;

namespace podlife::conformance {

namespace {

// The groups alive, for KillEveryGroup. A group is registered from its start until it is killed
// for good in End, before its guard (whose pid is the group id) is reaped.
std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::set<pid_t>& Groups() {
  static std::set<pid_t> groups;
  return groups;
}

// The guard: leader of the group, it ignores the signals a terminal or a CI job sends and waits
// on stdin (the lifeline), which the suite never writes; end of file means the suite is gone or
// done with the group. `kill -KILL 0` then ends every process of the group, the guard included.
constexpr char kGuardScript[] = "trap '' HUP INT TERM; read _; kill -KILL 0";

// Spawns argv with `in` and `out` as its stdin and stdout, in process group `group` (0: a new
// one led by the child), with default signal handling and no signal blocked.
int Spawn(const char* const argv[], int in, int out, pid_t group, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  if (out >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The suite ignores SIGPIPE and blocks SIGINT/SIGTERM/SIGHUP for its signal thread; an ignored
  // signal and the mask both survive exec, so both go back to normal for the child.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attributes, group);
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  const int rc = posix_spawn(pid, argv[0], &actions, &attributes, const_cast<char**>(argv), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

void CloseIfOpen(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

}  // namespace

std::unique_ptr<ImplementationProcess> ImplementationProcess::Start(const std::string& command, std::string* error) {
  int lifeline[2], in[2], out[2];
  if (pipe2(lifeline, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe: ") + strerror(errno);
    return nullptr;
  }
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe: ") + strerror(errno);
    close(lifeline[0]);
    close(lifeline[1]);
    return nullptr;
  }
  std::unique_ptr<ImplementationProcess> p(new ImplementationProcess());
  p->lifeline_ = lifeline[1];
  p->to_child_ = in[1];
  p->from_child_ = out[0];
  // Only the suite's end: the reader takes what the pipe holds without waiting for more.
  fcntl(p->from_child_, F_SETFL, fcntl(p->from_child_, F_GETFL) | O_NONBLOCK);
  const char* guard_argv[] = {"/bin/sh", "-c", kGuardScript, "podlife-implementation-guard", nullptr};
  pid_t guard = -1;
  int rc = Spawn(guard_argv, lifeline[0], -1, 0, &guard);
  close(lifeline[0]);
  if (rc == 0) {
    p->group_ = guard;
    {
      std::lock_guard lock(RegistryMutex());
      Groups().insert(guard);
    }
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    pid_t child = -1;
    rc = Spawn(argv, in[0], out[1], guard, &child);
    if (rc == 0) p->child_ = child;
  }
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    *error = "cannot start `" + command + "`: " + strerror(rc);
    return nullptr;  // the destructor kills and reaps the guard
  }
  // glibc 2.36's <sys/pidfd.h> lacks extern "C", so the system call is made directly.
  p->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, p->child_, 0));
  return p;
}

ImplementationProcess::~ImplementationProcess() {
  End(std::chrono::milliseconds(0));
  // Only now: a reader may poll these until it is joined, which comes after End.
  CloseIfOpen(&from_child_);
  CloseIfOpen(&pidfd_);
}

void ImplementationProcess::KillGroup() {
  std::lock_guard lock(mu_);
  if (!ended_ && group_ > 0) kill(-group_, SIGKILL);
}

void ImplementationProcess::End(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    ended_ = true;
  }
  CloseIfOpen(&to_child_);  // end of file on its stdin: a well-behaved implementation exits now
  if (child_ > 0 && pidfd_ >= 0 && grace.count() > 0) {
    pollfd exited{pidfd_, POLLIN, 0};
    while (poll(&exited, 1, static_cast<int>(grace.count())) < 0 && errno == EINTR) {
    }
  }
  if (group_ > 0) {
    // Neither the guard (the leader) nor the implementation is reaped yet: the id is still ours.
    kill(-group_, SIGKILL);
    {
      std::lock_guard lock(RegistryMutex());
      Groups().erase(group_);
    }
    CloseIfOpen(&lifeline_);
    if (child_ > 0) waitpid(child_, nullptr, 0);
    waitpid(group_, nullptr, 0);
  }
  CloseIfOpen(&lifeline_);
}

std::string ImplementationProcess::ExitDescription(std::chrono::milliseconds wait) {
  std::lock_guard lock(mu_);
  if (ended_ || child_ <= 0) return "";
  if (pidfd_ >= 0) {
    pollfd exited{pidfd_, POLLIN, 0};
    while (poll(&exited, 1, static_cast<int>(wait.count())) < 0 && errno == EINTR) {
    }
  }
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(child_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return "";
  if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
  return "was killed by signal " + std::to_string(info.si_status) + " (" + strsignal(info.si_status) + ")";
}

void ImplementationProcess::KillEveryGroup() {
  std::lock_guard lock(RegistryMutex());
  for (pid_t group : Groups()) kill(-group, SIGKILL);
}

}  // namespace podlife::conformance
