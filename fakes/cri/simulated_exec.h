// SimulatedExec: a small simulated shell, so that pods run against the fake (`podlife run`
// without --runtime-endpoint, `podlife-fake-cri --simulate`, the conformance suite) behave like
// a shell would for what lifecycle hooks, probes and CRI clients typically run. Nothing is
// executed: every command is a pure function of its argv and the container's SimulatedFs.
//
// Contract:
// - SimulatedFs is one container's filesystem as the shell sees it: directories and files
//   (contents in memory). SeedContainerFs fills it with what the fake knows of a container: the
//   usual top-level directories, /etc/hostname, and each sysctl of the sandbox config as
//   /proc/sys/<name with dots as slashes>.
// - The shell understands `sh -c SCRIPT` (also /bin/sh, bash, /bin/bash) or a plain argv. SCRIPT
//   is commands joined by `;`, newlines, `&&`, `||`, and `&` (background); words may be quoted
//   with '' or ""; redirections `>`, `>>`, `2>`, `2>>`, `>&2`, `2>&1`, `<`. Commands it knows:
//   echo [-n] [-e], printf, cat, ls, id, whoami, hostname, pwd, mkdir [-p], touch, test and [
//   (-e -f -d -s -n -z, = and !=, !), true, false, :, exit N, sleep N, wait, trap, cd, sh -c,
//   and `while COND; do ...; done` / `until` loops (which run until stopped). Paths are absolute
//   or relative to `/`. There is no variable expansion, globbing or pipes.
// - SimulateCommand (ExecSync): an unknown command inside a shell answers exit 127 and
//   `sh: <cmd>: not found` on stderr, as a shell does; a plain argv whose binary is unknown cannot
//   start, which SimulatedExec::start_error reports (containerd answers that with UNKNOWN). A
//   command that never ends (a loop, `sleep infinity`) has a delay of a year: the exec's timeout
//   or the client's deadline ends it. Files written with `>`/`>>`, mkdir and touch persist in
//   the container's SimulatedFs.
// - PlanWorkload (a container's own command): echo/printf output lines for the container log
//   (each at the time the script reaches it), and how PID 1 ends: by itself after N seconds with
//   a code (`sleep N`, `exit N`, the end of the script), or never (a loop, `sleep infinity`, a
//   `wait` on those, or a program the shell does not know, which stands for a real server), and
//   what SIGTERM does: `trap ACTION TERM` decides (an empty action ignores it; an action ending in
//   `exit N` exits N; another action exits 143 after writing its output); without a trap, a
//   shell or `sleep` as PID 1 ignores SIGTERM (a PID 1 without a handler does, so the stop's
//   SIGKILL ends it with 137), while an unknown program handles it and exits 0.
// - Output is bounded as on a real runtime: each ExecSync stream keeps its first
//   kMaxExecStreamBytes (containerd's cap per stream, pkg/cri/server/container_execsync.go; the
//   rest is dropped) and a file of the SimulatedFs grows no larger (a write past it fails as on a
//   full disk), so no script makes the fake hold more than that per stream or file.
// - ValidateWorkloadScript checks a scenario's script: every command known, every sleep a
//   non-negative number; it returns what is wrong, or "".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fakes/cri/script.h"

namespace podlife::fakes {

inline constexpr size_t kMaxExecStreamBytes = 16 * 1024 * 1024;

// Appends to `into` what fits under kMaxExecStreamBytes; false when some of `text` did not fit.
bool AppendCapped(std::string& into, const std::string& text);

class SimulatedFs {
 public:
  SimulatedFs();  // only "/"
  // `path` absolute or relative to "/"; "." and ".." resolved; trailing "/" ignored.
  static std::string Normalize(const std::string& path);

  bool IsDir(const std::string& path) const;
  bool IsFile(const std::string& path) const;
  bool Exists(const std::string& path) const { return IsDir(path) || IsFile(path); }
  std::optional<std::string> Read(const std::string& path) const;
  // The names directly under a directory, sorted.
  std::vector<std::string> List(const std::string& dir) const;

  // Each returns "" on success or the reason it failed (ENOENT-like or EEXIST-like), in words.
  std::string Write(const std::string& path, const std::string& content, bool append);
  std::string MakeDir(const std::string& path, bool parents);
  std::string Touch(const std::string& path);
  // Creates the directory and its parents, then the file (seeding: never fails).
  void Put(const std::string& path, const std::string& content);

 private:
  static std::string Parent(const std::string& path);
  std::set<std::string> dirs_;
  std::map<std::string, std::string> files_;
};

// Who the shell runs as: from the container's security context (default root).
struct ShellIdentity {
  int64_t uid = 0;
  int64_t gid = 0;
  std::string user;  // "" = a name derived from the uid (root for 0)
};

struct ShellContext {
  SimulatedFs* fs = nullptr;  // required
  std::string hostname;
  ShellIdentity identity;
};

// What the fake knows of a container: the top-level directories, /etc/hostname, the sandbox's
// sysctls under /proc/sys.
void SeedContainerFs(SimulatedFs& fs, const std::string& hostname, const std::map<std::string, std::string>& sysctls);

struct SimulatedExec {
  ExecResult result;
  std::string start_error;  // non-empty: the binary of a plain argv does not exist (the result is unused)
};

SimulatedExec SimulateCommand(const std::vector<std::string>& argv, ShellContext& context);

struct WorkloadOutput {
  Millis at{0};  // from the container's start
  bool to_stderr = false;
  std::string text;
};

struct WorkloadPlan {
  std::vector<WorkloadOutput> output;
  std::optional<Millis> exits_after;  // nullopt: runs until stopped
  int exit_code = 0;
  bool ignores_sigterm = false;
  int exit_code_on_term = 0;
  std::string term_output;  // what the TERM trap's action writes to stdout
};

// The container's process argv: ContainerConfig command + args. The fake's images have no
// entrypoint or default command, so args alone are the argv, and an empty argv stands for an
// image whose own command runs until stopped and handles SIGTERM (exit 0).
WorkloadPlan PlanWorkload(const std::vector<std::string>& argv, ShellContext& context);

std::string ValidateWorkloadScript(const std::string& script);

// ---- the container log, in the CRI log format ----

// `<RFC3339Nano timestamp> <stdout|stderr> F <line>\n` for each line of `text` (a last line
// without a newline is a full line too, as containerd writes it when the stream ends).
std::string FormatCriLogLines(const std::string& text, bool to_stderr, int64_t unix_nanos);
// Go's time.RFC3339Nano in UTC: 2026-11-30T06:11:32.5Z (trailing zeros of the fraction dropped).
std::string Rfc3339Nano(int64_t unix_nanos);

}  // namespace podlife::fakes
