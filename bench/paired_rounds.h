// Paired rounds: the method behind every ratio podlife's benchmark report judges. The variants of
// one comparison (a figure and its floor, or more) run one after another in the same process,
// round after round, so a change in the machine's speed falls on all of them alike; the report
// pairs them within a repetition and gives the median ratio over repetitions with a 95% interval.
//
// Contract:
// - A Round is one run of one variant: it fills the seconds of each measure (wall or CPU seconds,
//   as the benchmark defines its measures) and returns "" or what failed.
// - RunPairedRepetition runs an untimed warm-up round of each variant, then `cycles` x V timed
//   rounds, V = number of variants: round r runs the variants in order shifted by r, so each
//   variant takes each position equally often. It sets the counters `<measure>.<variant>` to the
//   mean over that repetition's rounds and the manual iteration time to the sum of every timed
//   second; false (the benchmark skipped with the failure) after a failed round.
// - RegisterPaired registers `body` with manual time, one iteration per repetition and
//   `repetitions` repetitions: one repetition is one pair (or tuple) for the report.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace podlife::bench {

using Seconds = std::vector<double>;  // one entry per measure
using Round = std::function<std::string(Seconds*)>;

bool RunPairedRepetition(benchmark::State& state, const std::vector<std::string>& variants,
                         const std::vector<std::string>& measures, std::vector<Round>& rounds, int cycles);

void RegisterPaired(const std::string& name, int repetitions, std::function<void(benchmark::State&)> body);

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The process's CPU seconds so far (every thread, the in-process fake included).
double ProcessCpuSeconds();

}  // namespace podlife::bench
