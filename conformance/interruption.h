// Interruption: SIGINT, SIGTERM or SIGHUP end the conformance run in order, with its reports,
// instead of killing it where it stands (and leaving implementations behind).
//
// Contract:
// - HandleInterruptions(on_first) once, at the start of main, before any other thread exists:
//   the three signals are blocked in every thread the process will have, and a thread of its own
//   waits for them (sigwait). Children get them back (ImplementationProcess unblocks them).
// - The first signal: every implementation's process group is killed
//   (ImplementationProcess::KillEveryGroup), InterruptingSignal() becomes the signal, and
//   `on_first` runs on that thread (main's: the watchdog releases the running case at once, which
//   fails it as interrupted). Cases that start afterwards are skipped as not run, so gtest ends
//   its run normally: the summary and the JUnit report are written and destructors run. main then
//   exits 128 + the signal.
// - A second signal: the groups are killed again and the process exits 128 + the signal at once.
#pragma once

#include <functional>
#include <string>

namespace podlife::conformance {

void HandleInterruptions(std::function<void()> on_first);
// 0 until a signal came; then the first signal's number.
int InterruptingSignal();
// "SIGTERM", "SIGINT" or "SIGHUP".
std::string SignalName(int signal);

}  // namespace podlife::conformance
