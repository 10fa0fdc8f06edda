#include "src/engine/http_hook.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "src/engine/go_format.h"
#include "src/http/go_url.h"

#include "src/engine/go_format.h"

namespace podlife {

namespace {

// strconv.Atoi on a 64-bit platform: optional sign and decimal digits, in int64 range. The
// error is Go's text: invalid syntax, or value out of range for digits past int64.
absl::StatusOr<int64_t> Atoi(const std::string& s) {
  const auto fail = [&](const char* why) {
    return absl::InvalidArgumentError("strconv.Atoi: parsing " + GoQuote(s) + ": " + why);
  };
  const bool negative = !s.empty() && s[0] == '-';
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return fail("invalid syntax");
  uint64_t magnitude = 0;
  bool overflow = false;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return fail("invalid syntax");
    const uint64_t digit = static_cast<uint64_t>(s[j] - '0');
    if (magnitude > (UINT64_MAX - digit) / 10) overflow = true;
    if (!overflow) magnitude = magnitude * 10 + digit;
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || magnitude > limit) return fail("value out of range");
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

std::optional<int> NamedPort(const Container& c, const std::string& name) {
  for (const auto& p : c.ports) {
    if (p.name == name) return p.container_port;
  }
  return std::nullopt;
}

std::string RenderContainerForPortError(const Container& c) {
  // 1.21 printed the whole v1.Container with %v; its leading fields are enough to recognise it.
  std::string ports;
  for (const auto& p : c.ports) {
    ports += "{" + p.name + " 0 " + std::to_string(p.container_port) + " " + p.protocol + " }";
  }
  return "&Container{Name:" + c.name + ",Image:" + c.image + ",Ports:[" + ports + "],...}";
}

}  // namespace

absl::StatusOr<int64_t> ResolveHookPort(const Profile& profile, const IntOrString& port, const Container& container) {
  if (!profile.http_port_range_checked) {
    // HT-04 (1.21 resolvePort): ints as they are; strings: "" = 80, digits (Go's int is 64 bits:
    // "4294971760" stays that number, for the dial to refuse), then names.
    if (port.is_int) return port.int_value;
    if (port.str_value.empty() && profile.http_empty_port_is_80) return 80;
    if (auto n = Atoi(port.str_value); n.ok()) return *n;
    if (auto named = NamedPort(container, port.str_value)) return *named;
    // %v of the IntOrString value: {1 0 name}.
    return absl::InvalidArgumentError("couldn't find port: " + GoIntOrString(port) + " in " +
                                      RenderContainerForPortError(container));
  }
  // HT-04 (1.35 ResolveContainerPort): names first, then Atoi, then 0 < port < 65536.
  int64_t value = 0;
  if (port.is_int) {
    value = port.int_value;
  } else if (auto named = NamedPort(container, port.str_value)) {
    value = *named;
  } else if (auto n = Atoi(port.str_value); n.ok()) {
    value = *n;
  } else {
    return n.status();
  }
  if (value <= 0 || value >= 65536) {
    return absl::InvalidArgumentError("invalid port number: " + std::to_string(value));
  }
  return value;
}

std::string CanonicalHeaderName(const std::string& name) {
  std::string out = name;
  bool upper = true;
  for (char& c : out) {
    if (c == ' ') return name;  // Go leaves keys with spaces alone
    c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

namespace {

std::string JoinHostPort(const std::string& host, int64_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The request target of a parsed URL as Go's URL.RequestURI writes it after String() and a
// second parse: the escaped path (at least "/"), then ?query.
std::string RequestTarget(const http::GoUrl& url) {
  std::string path = http::GoEscapedPath(url.raw_path);
  if (path.empty() || path[0] != '/') path = "/" + path;
  if (url.force_query || !url.raw_query.empty()) path += "?" + url.raw_query;
  return path;
}

// HT-05 (1.35): url.Parse(path), or &url.URL{Path: path} when it fails; scheme and host replaced.
absl::Status SetTarget135(const std::string& path, http::Url* url) {
  http::GoUrlResult parsed = http::GoParseUrl(path);
  if (!parsed.url) {
    std::string escaped = http::GoEscapePath(path);
    url->target = escaped.empty() || escaped[0] != '/' ? "/" + escaped : escaped;
    return absl::OkStatus();
  }
  if (!parsed.url->opaque.empty()) {
    // url.String() writes scheme:opaque, which has no host: Go's transport refuses it.
    std::string written = url->scheme + ":" + parsed.url->opaque;
    if (parsed.url->force_query || !parsed.url->raw_query.empty()) written += "?" + parsed.url->raw_query;
    return absl::InvalidArgumentError("Get \"" + written + "\": http: no Host in request URL");
  }
  url->target = RequestTarget(*parsed.url);
  return absl::OkStatus();
}

// HT-03/HT-05 (1.21): http.Get("http://host:port/" + path), which parses the whole string.
absl::Status SetTarget121(const std::string& host, int64_t port, const std::string& path, http::Url* url) {
  const std::string written = "http://" + JoinHostPort(host, port) + "/" + path;
  http::GoUrlResult parsed = http::GoParseUrl(written);
  if (!parsed.url) return absl::InvalidArgumentError("parse " + GoQuote(written) + ": " + parsed.error);
  url->target = RequestTarget(*parsed.url);
  return absl::OkStatus();
}

// HT-07 (1.35): user headers through http.Header.Add (canonical names, duplicates kept), then
// newProbeRequest's defaults: User-Agent and Accept when absent; a first Accept that is empty
// deletes every Accept; req.Host = the first Host value.
void SetHeaders135(const Profile& profile, const HttpGetAction& action, http::Request* req) {
  std::optional<std::string> first_host;
  std::optional<std::string> first_accept;
  bool has_user_agent = false;
  for (const auto& h : action.http_headers) {
    std::string name = CanonicalHeaderName(h.name);
    if (name == "Host") {
      if (!first_host) first_host = h.value;
      continue;  // Go's Request.write never sends Header["Host"]
    }
    has_user_agent = has_user_agent || name == "User-Agent";
    if (name == "Accept" && !first_accept) first_accept = h.value;
    req->headers.push_back({name, h.value});
  }
  if (first_accept && first_accept->empty()) {
    std::erase_if(req->headers, [](const http::Header& h) { return h.name == "Accept"; });
  }
  if (!has_user_agent) req->headers.push_back({"User-Agent", profile.http_default_user_agent});
  if (!first_accept) req->headers.push_back({"Accept", "*/*"});
  req->host_header = first_host.value_or("");
}

}  // namespace

absl::StatusOr<http::Request> BuildHookRequest(const Profile& profile, const HttpGetAction& action,
                                               const std::string& host, int64_t port) {
  http::Request req;
  req.url.host = host;
  req.url.port = port;
  if (profile.http_url_parses_path) {
    std::string scheme = action.scheme;
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    req.url.scheme = scheme.empty() ? "http" : scheme;
    if (absl::Status s = SetTarget135(action.path, &req.url); !s.ok()) return s;
  } else {
    req.url.scheme = "http";  // HT-03 (1.21): the scheme is ignored
    if (absl::Status s = SetTarget121(host, port, action.path, &req.url); !s.ok()) return s;
  }
  if (!profile.http_user_headers) {
    req.headers.push_back({"User-Agent", profile.http_default_user_agent});  // HT-07 (1.21)
    return req;
  }
  SetHeaders135(profile, action, &req);
  return req;
}

http::Options HookClientOptions(const Profile& profile) {
  http::Options options;
  options.redirects =
      profile.http_same_host_redirects_only ? http::RedirectPolicy::kSameHostOnly : http::RedirectPolicy::kGoDefault;
  if (profile.http_go_default_transport) {
    // HT-09 (1.21): &http.Client{} uses http.DefaultTransport.
    options.connect_timeout = std::chrono::seconds(30);
    options.tls_handshake_timeout = std::chrono::seconds(10);
    options.verify_certificates = true;
  }
  return options;
}

}  // namespace podlife
