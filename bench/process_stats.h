// Process statistics the benchmarks report as counters.
//
// Contract: ResidentSetBytes() is this process's resident set size now (from /proc/self/statm),
// 0 when it cannot be read.
#pragma once

#include <cstddef>

namespace podlife::bench {

size_t ResidentSetBytes();

}  // namespace podlife::bench
