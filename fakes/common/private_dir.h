// Private directories: where podlife's servers put their sockets and logs (a fresh directory of
// mode 0700 under the temp folder), and how they are removed also when the process ends badly.
//
// Contract:
// - MakePrivateDir(prefix) creates `<temp>/<prefix>-<pid>-XXXXXX` mode 0700 (the owner's PID is in
//   the name so a later process can tell a leftover from a live one) and registers it in a
//   process-wide registry; RemovePrivateDir(path) removes it with everything in it and forgets it.
//   A directory the registry has no room for (more than kPrivateDirSlots alive at once, or a path
//   longer than kPrivateDirPathMax) still works; only the fatal-signal removal below misses it.
// - InstallPrivateDirCleanup() installs, for each fatal signal whose disposition is still the
//   default (SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGPIPE,
//   SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGSYS), a handler that removes every
//   registered directory with async-signal-safe calls only, then dies of the same signal as before
//   (default disposition, re-raised). A signal the program (or a sanitizer) already handles or
//   ignores is left alone, so install it after your own handlers. Returns how many were installed.
//   SIGKILL cannot be caught: SweepStalePrivateDirs covers it.
// - SweepStalePrivateDirs(temp) removes `podlife-cri-<pid>-*` and `podlife-cri-logs-<pid>-*`
//   directories under `temp` that belong to this user, whose PID is not alive, and in which no
//   socket still answers; it returns how many it removed. Directories without a PID in the name
//   (older podlife) are left alone. Private socket directories run it before making a new one.
//
// How a program uses it: call InstallPrivateDirCleanup() once in main, after installing its own
// signal handlers (a program that turns SIGINT/SIGTERM into a normal return keeps those, and its
// destructors remove the directories). Servers made with FakeCriServer / CriProxy register their
// directories themselves.
#pragma once

#include <cstddef>
#include <string>

namespace podlife::fakes {

inline constexpr size_t kPrivateDirSlots = 128;
inline constexpr size_t kPrivateDirPathMax = 512;
inline constexpr const char* kSocketDirPrefix = "podlife-cri";
inline constexpr const char* kLogDirPrefix = "podlife-cri-logs";

// "" with *error set when the directory cannot be made.
std::string MakePrivateDir(const std::string& prefix, std::string* error);
void RemovePrivateDir(const std::string& path);

int InstallPrivateDirCleanup();

int SweepStalePrivateDirs(const std::string& temp_dir);

// The owner PID in a private directory's name, or 0 when the name is not one of ours.
int PrivateDirOwner(const std::string& name);

}  // namespace podlife::fakes
