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

// The request, failing the test when building it failed.
http::Request Build(const Profile& p, const HttpGetAction& a, const std::string& host, int64_t port) {
  auto r = BuildHookRequest(p, a, host, port);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : http::Request{};
}

TEST(HookPortTest, DigitStringsKeepTheirWhole64BitValue) {
  // Go's int is 64 bits: "4294971760" (2^32 + 4464) stays that number; the dial refuses it (1.21).
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::String("4294971760")), "4294971760");
  EXPECT_EQ(PortOrError(Profile121(), IntOrString::String("-4294962832")), "-4294962832");
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("4294971760")), "invalid port number: 4294971760");
  EXPECT_EQ(Build(Profile121(), Action("x"), "10.0.0.1", 4294971760).url.port, 4294971760);
}

TEST(HookPortTest, DigitsPastInt64AreAtoisRangeError) {
  const std::string huge = "99999999999999999999";
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String(huge)),
            "strconv.Atoi: parsing \"" + huge + "\": value out of range");
  EXPECT_THAT(PortOrError(Profile121(), IntOrString::String(huge)),
              ::testing::StartsWith("couldn't find port: {1 0 " + huge + "} in &Container{"));
  EXPECT_EQ(PortOrError(Profile135(), IntOrString::String("9223372036854775807")),
            "invalid port number: 9223372036854775807");
}

TEST(HookRequestTest, LeadingSlashPathsDoubleIn121) {
  EXPECT_EQ(Build(Profile121(), Action("/foo"), "10.0.0.1", 80).url.ToString(), "http://10.0.0.1:80//foo");
  EXPECT_EQ(Build(Profile135(), Action("/foo"), "10.0.0.1", 80).url.ToString(), "http://10.0.0.1:80/foo");
  EXPECT_EQ(Build(Profile121(), Action("foo"), "10.0.0.1", 80).url.target, "/foo");
  EXPECT_EQ(Build(Profile135(), Action("foo"), "10.0.0.1", 80).url.target, "/foo");
}

TEST(HookRequestTest, QueryIsKeptAndFragmentDropped) {
  EXPECT_EQ(Build(Profile135(), Action("foo?k=v"), "h", 1).url.target, "/foo?k=v");
  EXPECT_EQ(Build(Profile135(), Action("foo#frag"), "h", 1).url.target, "/foo");
}

TEST(HookRequestTest, SchemeIsHonouredOnlyIn135) {
  EXPECT_EQ(Build(Profile121(), Action("/", "HTTPS"), "h", 443).url.scheme, "http");
  EXPECT_EQ(Build(Profile135(), Action("/", "HTTPS"), "h", 443).url.scheme, "https");
  EXPECT_EQ(Build(Profile135(), Action("/", "baz"), "h", 1).url.scheme, "baz");
  EXPECT_EQ(Build(Profile135(), Action("/", ""), "h", 1).url.scheme, "http");
}

TEST(HookRequestTest, IPv6HostsAreBracketed) {
  EXPECT_EQ(Build(Profile135(), Action("/x"), "::1", 8080).url.ToString(), "http://[::1]:8080/x");
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
  auto req = Build(Profile135(), a, "10.0.0.1", 80);
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
  EXPECT_EQ(HeadersOf(Build(Profile135(), a, "h", 1)), (Headers{{"User-Agent", "mine"}}));
}

TEST(HookRequestTest, HeadersAreIgnoredIn121) {
  HttpGetAction a = Action("/");
  a.http_headers = {{"Foo", "bar"}, {"Host", "from.header"}};
  auto req = Build(Profile121(), a, "h", 1);
  EXPECT_EQ(HeadersOf(req), (Headers{{"User-Agent", "Go-http-client/1.1"}}));
  EXPECT_EQ(req.host_header, "");
}


// Request targets and pre-connection errors for tricky paths, per profile, as go1.19's net/http
// and net/url produce them (1.35: the kubelet's formatURL; 1.21: "http://h:p/" + path). "ERR "
// marks an error the hook fails with.
struct PathCase {
  std::string path;
  std::string v121;
  std::string v135;
};
const std::vector<PathCase> kGoPathTable = {
      {"", "/", "/"},
      {"foo", "/foo", "/foo"},
      {"/foo", "//foo", "/foo"},
      {"//foo", "///foo", "/"},
      {"//evil/x", "///evil/x", "/x"},
      {"//evil", "///evil", "/"},
      {"///x", "////x", "///x"},
      {"/a b", "//a%20b", "/a%20b"},
      {"a b", "/a%20b", "/a%20b"},
      {"%zz", "ERR parse \"http://10.0.0.1:8080/%zz\": invalid URL escape \"%zz\"", "/%25zz"},
      {"/x%2Fy", "//x%2Fy", "/x%2Fy"},
      {"/x?y", "//x?y", "/x?y"},
      {"/x?", "//x?", "/x?"},
      {"?q", "/?q", "/?q"},
      {"#f", "/", "/"},
      {"/x#f?y", "//x", "/x"},
      {"/x#%zz", "ERR parse \"http://10.0.0.1:8080//x#%zz\": invalid URL escape \"%zz\"", "/x%23%25zz"},
      {"http://other/y", "/http://other/y", "/y"},
      {"HTTP://other/y?q", "/HTTP://other/y?q", "/y?q"},
      {"mailto:x", "/mailto:x", "ERR Get \"http:x\": http: no Host in request URL"},
      {"mailto:x?y", "/mailto:x?y", "ERR Get \"http:x?y\": http: no Host in request URL"},
      {"a:b/c", "/a:b/c", "ERR Get \"http:b/c\": http: no Host in request URL"},
      {"/a:b", "//a:b", "/a:b"},
      {"//user@evil:99/p?q", "///user@evil:99/p?q", "/p?q"},
      {"//evil:abc/x", "///evil:abc/x", "//evil:abc/x"},
      {"//[::1/x", "///[::1/x", "//%5B::1/x"},
      {"/ü", "//%C3%BC", "/%C3%BC"},
      {"/a\tb", "ERR parse \"http://10.0.0.1:8080//a\\tb\": net/url: invalid control character in URL", "/a%09b"},
      {"//evil?x", "///evil?x", "/?x"},
      {"/a%20b", "//a%20b", "/a%20b"},
      {"/a%20b c", "//a%20b%20c", "/a%20b%20c"},
      {"/~a!$&'()*+,;=:@b", "//~a!$&'()*+,;=:@b", "/~a!$&'()*+,;=:@b"},
      {"/a\"b", "//a%22b", "/a%22b"},
      {"/a<b>", "//a%3Cb%3E", "/a%3Cb%3E"},
      {"/a{b}|\\^`", "//a%7Bb%7D%7C%5C%5E%60", "/a%7Bb%7D%7C%5C%5E%60"},
      {"/x?a b", "//x?a b", "/x?a b"},
      {"/x?%zz", "//x?%zz", "/x?%zz"},
      {":x", "/:x", "/:x"},
      {"1a:b", "/1a:b", "/1a:b"},
      {"a b:c", "/a%20b:c", "/a%20b:c"},
      {"*", "/*", "/*"},
      {"/x?a?b", "//x?a?b", "/x?a?b"},
};

std::string TargetOrError(const Profile& p, const std::string& path) {
  auto r = BuildHookRequest(p, Action(path), "10.0.0.1", 8080);
  return r.ok() ? r->url.target : "ERR " + std::string(r.status().message());
}

TEST(HookRequestTest, TargetsMatchGoForTrickyPaths) {
  for (const auto& c : kGoPathTable) {
    EXPECT_EQ(TargetOrError(Profile121(), c.path), c.v121) << "1.21, path " << c.path;
    EXPECT_EQ(TargetOrError(Profile135(), c.path), c.v135) << "1.35, path " << c.path;
  }
}

TEST(HookRequestTest, DuplicateHeadersFollowGoHeaderIn135) {
  HttpGetAction a = Action("/");
  a.http_headers = {{"Host", "first"}, {"host", "second"}, {"Accept", "text/plain"}, {"accept", ""}};
  auto req = Build(Profile135(), a, "h", 1);
  EXPECT_EQ(req.host_header, "first");  // req.Host = Header.Get("Host"): the first value
  EXPECT_EQ(HeadersOf(req), (Headers{{"Accept", "text/plain"}, {"Accept", ""}, {"User-Agent", "kube-lifecycle/1.35"}}));
  a.http_headers = {{"Accept", ""}, {"Accept", "text/plain"}, {"Host", ""}, {"Host", "later"}};
  req = Build(Profile135(), a, "h", 1);
  EXPECT_EQ(req.host_header, "");  // an empty first Host: the URL's host
  EXPECT_EQ(HeadersOf(req), (Headers{{"User-Agent", "kube-lifecycle/1.35"}}));  // Header.Del("Accept")
}

TEST(HookClientTest, OneTwentyOneUsesGoDefaultTransportAndOneThirtyFiveHasNoTimeouts) {
  const http::Options old_client = HookClientOptions(Profile121());
  EXPECT_EQ(old_client.connect_timeout, std::chrono::seconds(30));
  EXPECT_EQ(old_client.tls_handshake_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(old_client.verify_certificates);
  EXPECT_EQ(old_client.redirects, http::RedirectPolicy::kGoDefault);
  const http::Options new_client = HookClientOptions(Profile135());
  EXPECT_EQ(new_client.connect_timeout.count(), 0);  // M9: the kernel's connect timeout applies
  EXPECT_EQ(new_client.tls_handshake_timeout.count(), 0);
  EXPECT_FALSE(new_client.verify_certificates);
  EXPECT_EQ(new_client.redirects, http::RedirectPolicy::kSameHostOnly);
}

}  // namespace
}  // namespace podlife
