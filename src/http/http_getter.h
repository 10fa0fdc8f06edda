// HttpGetter: performs the single HTTP GET of an httpGet lifecycle hook, as Go's net/http client
// configured by the kubelet would, and classifies how it failed.
//
// Contract:
// - Get() sends GET `url` (scheme http or https, host, port, target = path?query) over one new
//   connection per request (redirect hops included): the Host header is `host_header` when set,
//   else url's authority as written (no port when the URL had none); then User-Agent (its first
//   value only, as Go writes it), the given headers (in order, duplicates kept) and
//   `Accept-Encoding: gzip` unless the headers name Accept-Encoding or Range (then a gzip body is
//   decompressed, as Go's transport does). No body is sent.
// - Dialling: one connect per address, no retry; Go's error texts (`dial tcp H:P: connect:
//   connection refused`, `dial tcp H:P: i/o timeout` after options.connect_timeout, `dial tcp:
//   address N: invalid port`). connect_timeout 0 = none of our own (the kernel's applies).
// - https: TLS with certificate verification only when options.verify_certificates (Go's x509
//   texts); tls_handshake_timeout 0 = none. A handshake failure is classified from the bytes the
//   server sent (Go's tls.RecordHeaderError): `HTTP/` first gives kind kHttpResponseToHttps
//   (`http: server gave HTTP response to HTTPS client`, what triggers the kubelet's HTTPS->HTTP
//   fallback); a server closing first gives `EOF`. No second connection, no probe bytes.
// - Redirects follow `options.redirects`: kGoDefault follows any 3xx with a Location up to 10
//   requests; kSameHostOnly follows only same-hostname redirects and returns a cross-host 3xx as
//   the response. Past 10: kind kTooManyRedirects, `Get "<Location as sent>": stopped after 10
//   redirects`. Each hop carries Referer (the previous URL, unless https to http), keeps the
//   virtual host only for a relative Location, and drops Authorization/Cookie when the target's
//   host:port is not the first request's (or a subdomain of it), as Go's client does.
// - The response head is read as Go's transport reads it: past 10 MiB it fails with
//   `net/http: server response headers exceeded 10485760 bytes; aborted` (nothing more is kept), a
//   status line Go refuses fails with Go's `malformed HTTP ...` text (response_head.h).
// - The response body is read up to `options.max_body_bytes` and returned (truncated there), so an
//   endless body ends there too.
// - A server that never answers, or trickles its head byte by byte, blocks the call until
//   `cancelled()` turns true (checked at least every 100 ms; the kubelet's client has no timeout
//   either, HT-09), then it ends with kind kCancelled. An empty `cancelled` never cancels, and
//   costs the call no watch.
// - Errors carry a Go-style text `Get "<url>": <cause>` (HT-17) and a kind.
// - GetUntil() is the same GET begun on the calling thread, for a caller that stops waiting at
//   `pause_at` (a preStop hook at its grace) while the GET goes on. It returns the Result when the
//   GET ended first; else an Unfinished whose rest(), run once on any thread, continues that GET
//   (the same connection: no second connect, no byte of the request sent twice; what was read is
//   parsed again) and returns its Result. The real getter does this for http to a numeric IP; for
//   https or a host name, and in the default of this interface, nothing runs on the calling
//   thread: rest() is the whole Get().
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
  int64_t port = 0;  // as the caller resolved it; outside 0-65535 the dial refuses it, as Go's does
  std::string target = "/";  // path plus ?query, never empty
  bool port_explicit = true;  // false: the URL was written without a port (a Location header)

  // host[:port] as written, IPv6 hosts in brackets: what Go puts in the Host header.
  std::string Authority() const;
  // scheme://authority/target.
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
  std::chrono::milliseconds connect_timeout{0};        // 0 = none of our own
  std::chrono::milliseconds tls_handshake_timeout{0};  // 0 = none
  bool verify_certificates = false;                     // false = InsecureSkipVerify
};

using Result = std::variant<Response, Error>;

// The rest of a GET that GetUntil paused. rest() may be called once; it uses the getter.
struct Unfinished {
  std::function<Result()> rest;
};
using Begun = std::variant<Result, Unfinished>;

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;
  virtual Result Get(const Request& request, const Options& options, const std::function<bool()>& cancelled) = 0;
  virtual Begun GetUntil(const Request& request, const Options& options, std::function<bool()> cancelled,
                         std::chrono::steady_clock::time_point pause_at);
};

// The real getter (cpp-httplib with OpenSSL).
std::unique_ptr<HttpGetter> NewHttpGetter();

}  // namespace podlife::http
