// Go's Duration arithmetic as the kubelet's grace-period waits use it (src/core/go_duration.h).
#include "src/core/go_duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace podlife {
namespace {

using std::chrono::nanoseconds;

TEST(GoDurationTest, SecondsAreExactUpToTheLargestWholeSecondDuration) {
  EXPECT_EQ(GoSeconds(30), nanoseconds(30'000'000'000));
  EXPECT_EQ(GoSeconds(9223372036), nanoseconds(9'223'372'036'000'000'000));
}

TEST(GoDurationTest, SecondsPastTheRangeWrapAsGosMultiplicationDoes) {
  // Values Go itself gives for time.Duration(n) * time.Second.
  EXPECT_EQ(GoSeconds(9223372037), nanoseconds(-9'223'372'036'709'551'616));
  EXPECT_EQ(GoSeconds(9300000000), nanoseconds(-9'146'744'073'709'551'616));
  EXPECT_EQ(GoSeconds(18446744074), nanoseconds(290'448'384));
}

TEST(GoDurationTest, AddingWrapsAsWell) {
  const nanoseconds two_minutes = std::chrono::minutes(2);
  EXPECT_EQ(GoAdd(two_minutes, GoSeconds(30)), nanoseconds(150'000'000'000));
  EXPECT_LT(GoAdd(two_minutes, GoSeconds(9223372000)).count(), 0);  // remote_runtime's StopContainer deadline
  EXPECT_GT(GoAdd(two_minutes, GoSeconds(9223371000)).count(), 0);
}

TEST(GoDurationTest, ADeadlinePastTheClocksEndSaturatesInsteadOfWrappingIntoThePast) {
  using Steady = std::chrono::steady_clock;
  const Steady::time_point now = Steady::now();
  EXPECT_EQ(DeadlineAfter(now, GoSeconds(9223372036)), Steady::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, std::chrono::hours(std::numeric_limits<int32_t>::max())), Steady::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, GoSeconds(9300000000)), now);  // a negative Duration fires at once
  EXPECT_EQ(DeadlineAfter(now, std::chrono::seconds(5)), now + std::chrono::seconds(5));
  using System = std::chrono::system_clock;
  const System::time_point wall = System::now();
  EXPECT_EQ(DeadlineAfter(wall, std::chrono::milliseconds(9'223'372'036'000'000)), System::time_point::max());
}

}  // namespace
}  // namespace podlife
