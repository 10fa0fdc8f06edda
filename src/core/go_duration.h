// Go's time arithmetic where the kubelet waits on a grace period or a sleep, so the engine waits
// exactly as long as the kubelet would for any int64 number of seconds.
//
// Contract (pure functions, no I/O):
// - GoSeconds(n) is `time.Duration(n) * time.Second`: int64 nanoseconds, wrapping on overflow as
//   Go's signed multiplication does (the kubelet's executePreStopHook, waitForTurn and the sleep
//   handler write exactly this). Up to 9223372036 s it is n seconds; past it the product wraps,
//   e.g. 9300000000 s becomes about -9.15e18 ns, a timer that fires at once.
// - GoAdd(a, b) is Go's `a + b` on Durations: wrapping (remote_runtime's StopContainer deadline,
//   `r.timeout + time.Duration(timeout)*time.Second`).
// - DeadlineAfter(now, d) is where a Go timer set for d fires (runtime `when`): now for d <= 0,
//   and the end of time, not a wrapped past, when now + d overflows.
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>

namespace podlife {

inline std::chrono::nanoseconds GoSeconds(int64_t seconds) {
  // Unsigned multiplication wraps by definition; the cast back gives Go's two's-complement value.
  return std::chrono::nanoseconds(static_cast<int64_t>(static_cast<uint64_t>(seconds) * 1000000000ULL));
}

inline std::chrono::nanoseconds GoAdd(std::chrono::nanoseconds a, std::chrono::nanoseconds b) {
  return std::chrono::nanoseconds(
      static_cast<int64_t>(static_cast<uint64_t>(a.count()) + static_cast<uint64_t>(b.count())));
}

template <class Clock, class Duration, class Rep, class Period>
std::chrono::time_point<Clock, Duration> DeadlineAfter(std::chrono::time_point<Clock, Duration> now,
                                                       std::chrono::duration<Rep, Period> d) {
  using TimePoint = std::chrono::time_point<Clock, Duration>;
  if (d.count() <= 0) return now;
  using Given = std::chrono::duration<Rep, Period>;
  const Duration room = TimePoint::max() - now;
  // Compared in the coarser unit, so that no conversion can overflow.
  if constexpr (std::ratio_greater_equal_v<Period, typename Duration::period>) {
    if (d >= std::chrono::floor<Given>(room)) return TimePoint::max();
  } else {
    if (std::chrono::ceil<Duration>(d) >= room) return TimePoint::max();
  }
  return now + std::chrono::ceil<Duration>(d);
}

}  // namespace podlife
