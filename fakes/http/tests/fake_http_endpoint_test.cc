// Tests of the fake hook endpoints, driven by the project's real HTTP client.
#include "fakes/http/fake_http_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

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
  gate->Release();
  ASSERT_TRUE(std::holds_alternative<http::Response>(pending.get()));
}

TEST(FakeHttpEndpointTest, AFailedWaitSaysWhatArrived) {
  auto ep = StartOrFail(FakeHttpEndpoint::Scheme::kHttp);
  (void)Get(*ep, "http", "/other");
  auto w = ep->WaitForRequest("/expected", 50ms);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.message(), HasSubstr("waiting for 1 GET /expected"));
  EXPECT_THAT(w.message(), HasSubstr("GET /other from 127.0.0.1:"));
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
