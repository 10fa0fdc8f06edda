// ImplementationProcess: a command implementation (`/bin/sh -c CMD`) in a process group of its
// own, which nothing it starts outlives: not the end of its case, not the suite's interruption,
// not even the suite being killed by SIGKILL.
//
// Contract:
// - Start(command) first starts a guard as the leader of a new process group: a shell that waits
//   on a lifeline pipe whose only writer is the suite (close-on-exec, so no other child holds it)
//   and SIGKILLs its whole group when the pipe closes, which happens when the suite ends in any
//   way. The implementation then joins that group, with its stdin and stdout piped to the suite,
//   its stderr the suite's, SIGPIPE at its default and no signal blocked. Whatever it forks stays
//   in the group unless it leaves it on purpose (setsid, setpgid), which is out of reach.
// - The group id is the guard's pid, and the guard is reaped only after the group was killed, so
//   the id names this group and no other as long as a signal can be sent to it.
// - KillGroup() SIGKILLs the whole group now (thread-safe, idempotent).
// - End(grace) closes the implementation's stdin (PROTOCOL.md: it must then exit), waits up to
//   `grace` for it to exit, kills the group and reaps the implementation and the guard. After
//   End, nothing of the group runs. The destructor calls End(0) if End was not called.
// - ExitDescription(wait): how the implementation ended ("exited with status 3", "was killed by
//   signal 11 (Segmentation fault)"), waiting up to `wait` for it to end (its output may close
//   just before it does); "" while it runs. It does not reap it.
// - KillEveryGroup() SIGKILLs the group of every ImplementationProcess alive (the suite's
//   interruption path).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace podlife::conformance {

class ImplementationProcess {
 public:
  // nullptr with `error` set when a pipe or a process cannot be made.
  static std::unique_ptr<ImplementationProcess> Start(const std::string& command, std::string* error);
  ~ImplementationProcess();
  ImplementationProcess(const ImplementationProcess&) = delete;
  ImplementationProcess& operator=(const ImplementationProcess&) = delete;

  int to_child() const { return to_child_; }      // the implementation's stdin (write end)
  int from_child() const { return from_child_; }  // its stdout (read end, non-blocking)
  pid_t group() const { return group_; }
  // Readable once the implementation has exited (a pidfd), even while a process it left behind
  // still holds its stdout open; -1 if the kernel has no pidfds.
  int exit_fd() const { return pidfd_; }

  void KillGroup();
  void End(std::chrono::milliseconds grace);
  std::string ExitDescription(std::chrono::milliseconds wait);

  static void KillEveryGroup();

 private:
  ImplementationProcess() = default;

  pid_t group_ = -1;   // the guard's pid, the group's id
  pid_t child_ = -1;   // the implementation (/bin/sh -c CMD)
  int pidfd_ = -1;     // the implementation's pidfd: readable once it has exited
  int to_child_ = -1;
  int from_child_ = -1;
  int lifeline_ = -1;  // write end; the guard kills the group when it closes
  std::mutex mu_;
  bool ended_ = false;
};

}  // namespace podlife::conformance
