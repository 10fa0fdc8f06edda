// Tests of the fake hook endpoints, driven by the project's real HTTP client.
#include "fakes/http/fake_http_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "src/http/http_getter.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

http::Result Get(const FakeHttpEndpoint& ep, const std::string& scheme, const std::string& target,
                 std::vector<http::Header> headers = {}) {
  http::Request r;
  r.url = {scheme, "127.0.0.1", ep.port(), target};
  r.headers = std::move(headers);
  return http::NewHttpGetter()->Get(r, http::Options{}, [] { return false; });
}

std::unique_ptr<FakeHttpEndpoint> StartOrFail(FakeHttpEndpoint::Scheme scheme) {
  std::string error;
  auto ep = FakeHttpEndpoint::Start(scheme, &error);
  EXPECT_TRUE(ep) << error;
  return ep;
}

TEST(FakeHttpEndpointTest, RecordsEveryRequestWithHeadersAndPeer) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  auto r = Get(*ep, "http", "/users?id=7", {{"X-Trace", "1"}, {"X-Trace", "2"}});
  ASSERT_TRUE(std::holds_alternative<http::Response>(r));
  EXPECT_EQ(std::get<http::Response>(r).status, 200);
  RecordedRequest got;
  ASSERT_TRUE(ep->WaitForRequest("/users", 5s, &got).ok());
  EXPECT_EQ(got.method, "GET");
  EXPECT_EQ(got.target, "/users?id=7");
  EXPECT_EQ(got.HeaderCount("x-trace"), 2);
  EXPECT_THAT(got.peer, HasSubstr("127.0.0.1:"));
}

// Two endpoints (in this process or two suites run side by side) never share a port: the second
// bind fails instead of silently taking half of the first one's connections.
TEST(FakeHttpEndpointTest, AFixedPortIsNotSharedWithASecondEndpoint) {
  std::string error;
  auto first = FakeHttpEndpoint::StartOn(FakeHttpEndpoint::Scheme::kHttp, "127.0.0.1", 0, &error);
  ASSERT_TRUE(first) << error;
  auto second = FakeHttpEndpoint::StartOn(FakeHttpEndpoint::Scheme::kHttp, "127.0.0.1", first->port(), &error);
  EXPECT_FALSE(second) << "a second endpoint bound port " << first->port();
  EXPECT_THAT(error, ::testing::HasSubstr("cannot bind 127.0.0.1:" + std::to_string(first->port())));
}

TEST(FakeHttpEndpointTest, AnswersAsScripted) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  ep->Script("/big", {503, {{"X-Why", "busy"}}, std::string(20000, 'b'), 0ms, ""});
  ep->Script("/moved", {301, {}, "", 0ms, "/elsewhere"});
  auto big = Get(*ep, "http", "/big");
  ASSERT_TRUE(std::holds_alternative<http::Response>(big));
  EXPECT_EQ(std::get<http::Response>(big).status, 503);
  auto moved = Get(*ep, "http", "/moved");
  ASSERT_TRUE(std::holds_alternative<http::Response>(moved));
  EXPECT_EQ(std::get<http::Response>(moved).final_url, ep->base_url() + "/elsewhere");
  EXPECT_EQ(ep->RequestsTo("/elsewhere").size(), 1u);
}

TEST(FakeHttpEndpointTest, HttpsWithAGeneratedCertificate) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttps);
  auto r = Get(*ep, "https", "/secure");
  ASSERT_TRUE(std::holds_alternative<http::Response>(r)) << std::get<http::Error>(r).message;
  EXPECT_EQ(ep->RequestsTo("/secure").size(), 1u);
  EXPECT_EQ(ep->base_url().rfind("https://", 0), 0u);
}

TEST(FakeHttpEndpointTest, AGateHoldsTheRequestUntilReleased) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  auto gate = ep->HoldNext("/slow");
  auto pending = std::async(std::launch::async, [&] { return Get(*ep, "http", "/slow"); });
  ASSERT_TRUE(gate->WaitUntilHeld(5s).ok());
  EXPECT_EQ(pending.wait_for(0ms), std::future_status::timeout);  // held at the gate
  EXPECT_FALSE(ep->Requests().at(0).answered_at.has_value());     // not answered while held
  gate->Release();
  ASSERT_TRUE(std::holds_alternative<http::Response>(pending.get()));
  const RecordedRequest answered = ep->Requests().at(0);
  ASSERT_TRUE(answered.answered_at.has_value());
  EXPECT_GE(*answered.answered_at, answered.at);
  EXPECT_EQ(answered.status, 200);
}

TEST(FakeHttpEndpointTest, AFailedWaitSaysWhatArrived) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  (void)Get(*ep, "http", "/other");
  auto w = ep->WaitForRequest("/expected", 50ms);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.message(), HasSubstr("waiting for 1 GET /expected"));
  EXPECT_THAT(w.message(), HasSubstr("GET /other from 127.0.0.1:"));
}

// Destroying an endpoint right after Start() races the listen thread's start: the server must
// stop whether or not the thread has reached accept() yet (a destructor that waited forever on
// accept() hung PreStop.HttpHookIsNotSentWithZeroGrace). The loop runs on its own thread so a
// hang fails the test at a deadline instead of hanging the test binary.
TEST(FakeHttpEndpointTest, StopsRightAfterStartEveryTime) {
  constexpr int kRounds = 300;
  struct Progress {
    std::mutex mu;
    std::condition_variable cv;
    int rounds = 0;
    bool done = false;
    std::string error;
  };
  auto progress = std::make_shared<Progress>();
  std::thread rounds([progress] {
    for (int i = 0; i < kRounds; ++i) {
      std::string error;
      // Every 50th round is HTTPS (a certificate per start is slow); the rest plain HTTP.
      auto scheme = i % 50 == 0 ? FakeHttpEndpoint::Scheme::kHttps : FakeHttpEndpoint::Scheme::kHttp;
      auto ep = FakeHttpEndpoint::Start(scheme, &error);
      if (!ep) {
        std::lock_guard lock(progress->mu);
        progress->error = error;
        break;
      }
      ep.reset();
      std::lock_guard lock(progress->mu);
      ++progress->rounds;
    }
    std::lock_guard lock(progress->mu);
    progress->done = true;
    progress->cv.notify_all();
  });
  std::unique_lock lock(progress->mu);
  const bool finished = progress->cv.wait_for(lock, 30s, [&] { return progress->done; });
  lock.unlock();
  // Joined once done: the thread still runs OpenSSL's thread-exit handler after it signalled, and
  // a process exiting meanwhile tears down the lock that handler takes. Detached only when a stop
  // hangs, so the test still ends (and fails) at the deadline.
  if (finished) {
    rounds.join();
  } else {
    rounds.detach();
  }
  ASSERT_TRUE(finished) << "an endpoint destroyed right after Start() did not stop within 30 s (round "
                        << progress->rounds << " of " << kRounds << ")";
  EXPECT_EQ(progress->error, "");
  EXPECT_EQ(progress->rounds, kRounds);
}

TEST(FakeHttpEndpointTest, UnconsumedNamesGatesNeverReachedAndAnswersNeverRequested) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  ep->Script("/used", {201, {}, "made", 0ms, ""});
  ep->Script("/unused", {500, {}, "never", 0ms, ""});
  auto reached = ep->HoldNext("/used");
  auto never = ep->HoldNext("/held");
  auto pending = std::async(std::launch::async, [&] { return Get(*ep, "http", "/used"); });
  ASSERT_TRUE(reached->WaitUntilHeld(5s).ok());
  reached->Release();
  ASSERT_TRUE(std::holds_alternative<http::Response>(pending.get()));
  EXPECT_THAT(ep->Unconsumed(), ::testing::ElementsAre("gate on GET /held never reached",
                                                       "scripted answer for GET /unused (status 500) never requested"));
  auto verdict = ep->VerifyAllConsumed();
  EXPECT_FALSE(verdict.ok());
  EXPECT_THAT(verdict.message(), HasSubstr("GET /used from 127.0.0.1:"));  // and what did arrive
}

TEST(FakeHttpEndpointTest, AScriptThatCanNeverMatchIsRejected) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  EXPECT_THROW(ep->Script("users", {}), std::invalid_argument);
  EXPECT_THROW(ep->HoldNext("/users?id=1"), std::invalid_argument);
  try {
    ep->Script("users", {});
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("got 'users'"));
  }
}

TEST(FakeHttpEndpointTest, ShutdownReleasesAHeldRequestAndIsIdempotent) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  auto gate = ep->HoldNext("/slow");
  auto pending = std::async(std::launch::async, [&] { return Get(*ep, "http", "/slow"); });
  ASSERT_TRUE(gate->WaitUntilHeld(5s).ok());
  ep->Shutdown();  // from the test thread, as the conformance watchdog does
  EXPECT_TRUE(gate->released());
  EXPECT_EQ(pending.wait_for(10s), std::future_status::ready);
  ep->Shutdown();
}

TEST(SilentTcpListenerTest, ClosesWithoutAnswering) {
  std::string error;
  auto silent = SilentTcpListener::Start(&error);
  ASSERT_TRUE(silent) << error;
  http::Request r;
  r.url = {"http", "127.0.0.1", silent->port(), "/"};
  auto result = http::NewHttpGetter()->Get(r, http::Options{}, [] { return false; });
  ASSERT_TRUE(std::holds_alternative<http::Error>(result));
  EXPECT_THAT(std::get<http::Error>(result).message, HasSubstr(": EOF"));
  EXPECT_EQ(silent->connections(), 1);
}

}  // namespace
}  // namespace podlife::fakes
