// Implements bench/paired_rounds.h.
#include "bench/paired_rounds.h"

#include <ctime>

#include "bench/benchmarks.h"

namespace podlife::bench {

bool RunPairedRepetition(benchmark::State& state, const std::vector<std::string>& variants,
                         const std::vector<std::string>& measures, std::vector<Round>& rounds, int cycles) {
  const size_t count = rounds.size();
  for (size_t v = 0; v < count; ++v) {  // warm-up, untimed
    Seconds ignored(measures.size(), 0);
    if (!Succeeded(state, rounds[v](&ignored))) return false;
  }
  std::vector<std::vector<double>> sums(measures.size(), std::vector<double>(count, 0));
  double total = 0;
  const int timed_rounds = cycles * static_cast<int>(count);
  for (int r = 0; r < timed_rounds; ++r) {
    for (size_t position = 0; position < count; ++position) {
      const size_t v = (position + static_cast<size_t>(r)) % count;
      Seconds seconds(measures.size(), 0);
      if (!Succeeded(state, rounds[v](&seconds))) return false;
      for (size_t m = 0; m < measures.size(); ++m) {
        sums[m][v] += seconds[m];
        total += seconds[m];
      }
    }
  }
  state.SetIterationTime(total);
  for (size_t m = 0; m < measures.size(); ++m) {
    for (size_t v = 0; v < count; ++v) state.counters[measures[m] + "." + variants[v]] = sums[m][v] / timed_rounds;
  }
  return true;
}

void RegisterPaired(const std::string& name, int repetitions, std::function<void(benchmark::State&)> body) {
  benchmark::RegisterBenchmark(name.c_str(), [body = std::move(body)](benchmark::State& state) { body(state); })
      ->UseManualTime()
      ->Iterations(1)
      ->Repetitions(repetitions)
      ->Unit(benchmark::kMillisecond);
}

double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace podlife::bench
