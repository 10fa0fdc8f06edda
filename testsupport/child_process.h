// ChildProcess: runs a program with its stdout and stderr captured, for tests that drive the
// project's binaries as a user would.
//
// Contract: Start() spawns argv[0] (a path) with argv, false when it cannot be started; ReadLine()
// (ReadErrLine()) returns the next stdout (stderr) line or nullopt when the deadline passes or the
// stream closes; Wait()
// returns the exit status (or 128+signal) or nullopt on timeout; the destructor kills a child
// still running. No sleeps. The child gets SIGKILL when the thread that started it ends
// (PR_SET_PDEATHSIG), so a test process that is killed (a ctest timeout) leaves no program
// running; start children from the test's own thread, not from a short-lived one.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace podlife::testsupport {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(10));
    }
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }

  bool Start(const std::vector<std::string>& argv) {
    int out[2], err[2], exec_failed[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(exec_failed, O_CLOEXEC) != 0) return false;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec (the test process has threads).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent is already gone
      dup2(out[1], 1);
      dup2(err[1], 2);
      execve(args[0], args.data(), environ);
      const int error = errno;
      (void)!write(exec_failed[1], &error, sizeof error);
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    close(exec_failed[1]);
    out_ = out[0];
    err_ = err[0];
    int error = 0;
    // Closed unread by a successful exec (close-on-exec); holds errno when the exec failed.
    const bool failed = pid_ < 0 || read(exec_failed[0], &error, sizeof error) > 0;
    close(exec_failed[0]);
    if (failed) {
      if (pid_ > 0) waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return false;
    }
    waiter_ = std::async(std::launch::async, [pid = pid_] {
      int status = 0;
      waitpid(pid, &status, 0);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    });
    return true;
  }

  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto nl = stdout_.find('\n');
      if (nl != std::string::npos) {
        std::string line = stdout_.substr(0, nl);
        stdout_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(out_, &stdout_, left)) return std::nullopt;
    }
  }

  // The next stderr line, as ReadLine() for stdout.
  std::optional<std::string> ReadErrLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto nl = stderr_.find('\n');
      if (nl != std::string::npos) {
        std::string line = stderr_.substr(0, nl);
        stderr_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(err_, &stderr_, left)) return std::nullopt;
    }
  }

  void Signal(int sig) { kill(pid_, sig); }
  pid_t pid() const { return pid_; }

  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    if (exited_) return exit_code_;
    if (!waiter_.valid() || waiter_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    exited_ = true;
    exit_code_ = waiter_.get();
    return exit_code_;
  }

  // Everything the child wrote to stdout (not yet read as lines) and stderr, once it has exited.
  std::string DrainStdout() {
    while (ReadSome(out_, &stdout_, std::chrono::milliseconds(2000))) {
    }
    return stdout_;
  }
  std::string DrainStderr() {
    while (ReadSome(err_, &stderr_, std::chrono::milliseconds(2000))) {
    }
    return stderr_;
  }

 private:
  static bool ReadSome(int fd, std::string* into, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into->append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string stdout_, stderr_;
  std::future<int> waiter_;
  bool exited_ = false;
  int exit_code_ = -1;
};

}  // namespace podlife::testsupport
