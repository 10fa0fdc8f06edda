// Unit tests of the httpGet decisions that differ per profile (HT-03..HT-07).
#include "src/engine/http_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podlife {
namespace {

Container WithPorts() {
  Container c;
  c.name = "app";
  c.image = "busybox";
  c.ports = {{"http", 8080, "TCP"}, {"8081", 9090, "TCP"}};
  return c;
}

std::string PortOrError(const Profile& p, const IntOrString& port) {
  auto r = ResolveHookPort(p, port, WithPorts());
  return r.ok() ? std::to_string(*r) : std::string(r.status().message());
}

TEST(HookPortTest, EmptyPortIs80In121AndAnErrorIn135) {
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::String("")), "80");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("")), "strconv.Atoi: parsing \"\": invalid syntax");
}

TEST(HookPortTest, NamedPortsResolveThroughTheContainersPorts) {
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::String("http")), "8080");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("http")), "8080");
}

TEST(HookPortTest, DigitStringsAreNumbersFirstIn121AndNamesFirstIn135) {
  // A port named "8081" exists: 1.35 looks names up first, 1.21 parses digits first.
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::String("8081")), "8081");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("8081")), "9090");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("70")), "70");
}

TEST(HookPortTest, OutOfRangePortsAreRejectedOnlyIn135) {
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::Int(0)), "0");
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::Int(70000)), "70000");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::Int(0)), "invalid port number: 0");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::Int(70000)), "invalid port number: 70000");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("65536")), "invalid port number: 65536");
}

TEST(HookPortTest, UnknownNamesFailWithEachProfilesMessage) {
  EXPECT_THAT(PortOrError(Profile121(), IntOrString::String("quux")),
              ::testing::StartsWith("couldn't find port: {1 0 quux} in &Container{Name:app,"));
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("quux")), "strconv.Atoi: parsing \"quux\": invalid syntax");
}

HttpGetAction Action(std::string path, std::string scheme = "") {
  HttpGetAction a;
  a.path = std::move(path);
  a.scheme = std::move(scheme);
  return a;
}

TEST(HookRequestTest, LeadingSlashPathsDoubleIn121) {
  EXPECT_EQ(BuildHookRequest(Profile121(), Action("/foo"), "10.0.0.1", 80).url.ToString(), "http://10.0.0.1:80//foo");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("/foo"), "10.0.0.1", 80).url.ToString(), "http://10.0.0.1:80/foo");
  EXPECT_EQ(BuildHookRequest(Profile121(), Action("foo"), "10.0.0.1", 80).url.target, "/foo");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("foo"), "10.0.0.1", 80).url.target, "/foo");
}

TEST(HookRequestTest, QueryIsKeptAndFragmentDropped) {
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("foo?k=v"), "h", 1).url.target, "/foo?k=v");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("foo#frag"), "h", 1).url.target, "/foo");
}

TEST(HookRequestTest, SchemeIsHonouredOnlyIn135) {
  EXPECT_EQ(BuildHookRequest(Profile121(), Action("/", "HTTPS"), "h", 443).url.scheme, "http");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("/", "HTTPS"), "h", 443).url.scheme, "https");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("/", "baz"), "h", 1).url.scheme, "baz");
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("/", ""), "h", 1).url.scheme, "http");
}

TEST(HookRequestTest, IPv6HostsAreBracketed) {
  EXPECT_EQ(BuildHookRequest(Profile135(), Action("/x"), "::1", 8080).url.ToString(), "http://[::1]:8080/x");
}

using Headers = std::vector<std::pair<std::string, std::string>>;
Headers HeadersOf(const http::Request& r) {
  Headers out;
  for (const auto& h : r.headers) out.emplace_back(h.name, h.value);
  return out;
}

TEST(HookRequestTest, HeadersIn135AreTheUsersPlusDefaults) {
  HttpGetAction a = Action("/");
  a.http_headers = {{"foo", "bar"}, {"x-multi", "1"}, {"X-Multi", "2"}, {"host", "from.header"}};
  auto req = BuildHookRequest(Profile135(), a, "10.0.0.1", 80);
  EXPECT_EQ(HeadersOf(req), (Headers{{"Foo", "bar"},
                                      {"X-Multi", "1"},
                                      {"X-Multi", "2"},
                                      {"User-Agent", "kube-lifecycle/1.35"},
                                      {"Accept", "*/*"}}));
  EXPECT_EQ(req.host_header, "from.header");
  EXPECT_EQ(req.url.host, "10.0.0.1");
}

TEST(HookRequestTest, UserAgentAndAcceptAreOnlyDefaults) {
  HttpGetAction a = Action("/");
  a.http_headers = {{"User-Agent", "mine"}, {"Accept", ""}};
  EXPECT_EQ(HeadersOf(BuildHookRequest(Profile135(), a, "h", 1)), (Headers{{"User-Agent", "mine"}}));
}

TEST(HookRequestTest, HeadersAreIgnoredIn121) {
  HttpGetAction a = Action("/");
  a.http_headers = {{"Foo", "bar"}, {"Host", "from.header"}};
  auto req = BuildHookRequest(Profile121(), a, "h", 1);
  EXPECT_EQ(HeadersOf(req), (Headers{{"User-Agent", "Go-http-client/1.1"}}));
  EXPECT_EQ(req.host_header, "");
}

}  // namespace
}  // namespace podlife
