// Implements bench/process_stats.h from /proc.
#include "bench/process_stats.h"

#include <unistd.h>

#include <fstream>

namespace podlife::bench {

size_t ResidentSetBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0;
  size_t resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace podlife::bench
