// HttpGetter: performs the single HTTP GET of an httpGet lifecycle hook, as Go's net/http client
// configured by the kubelet would, and classifies how it failed.
//
// Contract:
// - Get() sends GET `url` (scheme http or https, host, port, target = path?query) with exactly
//   the given headers (in order, duplicates kept); `host_header`, when non-empty, is sent as the
//   Host header while the TCP connection still goes to url's host:port. No body is sent.
// - https: TLS without certificate verification (the kubelet sets InsecureSkipVerify).
// - Redirects follow `options.redirects`: kGoDefault follows any 3xx with a Location up to 10
//   redirects; kSameHostOnly follows only same-hostname redirects (up to 10) and returns a
//   cross-host 3xx as the response. More than 10 is an error `stopped after 10 redirects`.
// - The response body is read up to `options.max_body_bytes` and returned (truncated there).
// - No timeout unless options.timeout > 0 (the kubelet sets none); a server that never answers
//   blocks the call until `cancelled()` turns true (checked at least every 100 ms), then it ends
//   with kind kCancelled.
// - Errors carry a Go-style text `Get "<url>": <cause>` (HT-17) and a kind; kind kHttpResponseToHttps is
//   returned when an https URL reached a server that answered in plain HTTP (Go's "server gave
//   HTTP response to HTTPS client"), which is what triggers the kubelet's HTTPS->HTTP fallback.
// Any HTTP status code is a response, not an error. Thread-safe: one getter serves many calls.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace podlife::http {

struct Url {
  std::string scheme;  // "http", "https", or anything else the user wrote (then Get fails)
  std::string host;    // IPv6 without brackets
  int port = 0;
  std::string target = "/";  // path plus ?query, never empty

  // scheme://host:port/target, with IPv6 hosts in brackets.
  std::string ToString() const;
};

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  Url url;
  std::vector<Header> headers;
  std::string host_header;  // virtual host; "" = url host:port
};

struct Response {
  int status = 0;
  std::vector<Header> headers;
  std::string body;  // at most max_body_bytes
  std::string final_url;  // after redirects
};

enum class ErrorKind {
  kTransport,            // DNS, connect, reset, malformed response, TLS failure
  kHttpResponseToHttps,  // https URL, plain-HTTP server
  kTooManyRedirects,
  kUnsupportedScheme,
  kCancelled,
};

struct Error {
  ErrorKind kind = ErrorKind::kTransport;
  std::string message;  // Go style: Get "<url>": <cause>
};

enum class RedirectPolicy { kGoDefault, kSameHostOnly };

struct Options {
  RedirectPolicy redirects = RedirectPolicy::kSameHostOnly;
  size_t max_body_bytes = 10 * 1024;
  std::chrono::milliseconds timeout{0};  // 0 = none
};

using Result = std::variant<Response, Error>;

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;
  virtual Result Get(const Request& request, const Options& options, const std::function<bool()>& cancelled) = 0;
};

// The real getter (cpp-httplib with OpenSSL).
std::unique_ptr<HttpGetter> NewHttpGetter();

}  // namespace podlife::http
