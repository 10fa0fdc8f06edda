// Tests of PooledCall's wait: it honours its bound whether it polls or sleeps, and a negative
// bound (a grace Go's timer fires at once) does not wait at all.
#include "src/core/pooled_call.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "src/core/clock.h"

namespace podlife {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<PooledCall<int>> HeldCall(const std::shared_ptr<Notification>& release) {
  return PooledCall<int>::Start([release] {
    release->WaitFor(30s);
    return 7;
  });
}

TEST(PooledCallTest, AWaitShorterThanThePollingEndsAtItsBound) {
  RealClock clock;
  auto release = std::make_shared<Notification>();
  auto call = HeldCall(release);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(call->Wait(clock, 50us));
  // Polling for its full 300 us instead of the 50 us asked would still pass this; what it
  // catches is a wait that ignores its bound (sleeps until the call ends, 30 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  release->Notify();
  ASSERT_TRUE(call->Wait(clock, 10s));
  EXPECT_EQ(call->result(), 7);
}

TEST(PooledCallTest, AWaitLongerThanThePollingSleepsOnUntilTheCallEnds) {
  RealClock clock;
  auto release = std::make_shared<Notification>();
  auto call = HeldCall(release);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(call->Wait(clock, 20ms)) << "ended while held";
  // Giving up when the polling ends, instead of sleeping out the rest of the bound, shows here.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  auto waiter = std::async(std::launch::async, [&] { return call->Wait(clock, 30s); });
  release->Notify();
  ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(call->result(), 7);
}

TEST(PooledCallTest, ANegativeBoundDoesNotWait) {
  RealClock clock;
  auto release = std::make_shared<Notification>();
  auto call = HeldCall(release);
  EXPECT_FALSE(call->Wait(clock, -1s));
  release->Notify();
  EXPECT_TRUE(call->Wait(clock, 10s));
}

}  // namespace
}  // namespace podlife
