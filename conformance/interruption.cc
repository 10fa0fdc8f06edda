#include "conformance/interruption.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "conformance/implementation_process.h"

namespace podlife::conformance {

namespace {
std::atomic<int> interrupting_signal{0};

sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  return set;
}
}  // namespace

std::string SignalName(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
  }
  return "signal " + std::to_string(signal);
}

int InterruptingSignal() { return interrupting_signal.load(); }

void HandleInterruptions(std::function<void()> on_first) {
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // Detached: it lives as long as the process and holds nothing a destructor needs.
  std::thread([set, on_first = std::move(on_first)] {
    while (true) {
      int signal = 0;
      if (sigwait(&set, &signal) != 0) continue;
      ImplementationProcess::KillEveryGroup();
      int expected = 0;
      if (!interrupting_signal.compare_exchange_strong(expected, signal)) {
        std::fprintf(stderr, "\npodlife-conformance: %s again: exiting now\n", SignalName(signal).c_str());
        std::fflush(nullptr);
        _exit(128 + expected);
      }
      std::fprintf(stderr,
                   "\npodlife-conformance: %s: implementations killed, the running case is released and the "
                   "others are not run; the summary and reports follow (send it again to exit at once)\n",
                   SignalName(signal).c_str());
      if (on_first) on_first();
    }
  }).detach();
}

}  // namespace podlife::conformance
