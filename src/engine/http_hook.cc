#include "src/engine/http_hook.h"

#include <algorithm>
#include <cctype>

#include "src/engine/go_format.h"

namespace podlife {

namespace {

// strconv.Atoi: optional sign and decimal digits, in int64 range.
std::optional<int64_t> Atoi(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  }
  if (s.size() - i > 18) return std::nullopt;
  return std::stoll(s);
}

std::string AtoiError(const std::string& s) { return "strconv.Atoi: parsing " + std::string("\"") + s + "\": invalid syntax"; }

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

absl::StatusOr<int> ResolveHookPort(const Profile& profile, const IntOrString& port, const Container& container) {
  if (!profile.http_port_range_checked) {
    // HT-04 (1.21 resolvePort): ints as they are; strings: "" = 80, digits, then names.
    if (port.is_int) return static_cast<int>(port.int_value);
    if (port.str_value.empty() && profile.http_empty_port_is_80) return 80;
    if (auto n = Atoi(port.str_value)) return static_cast<int>(*n);
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
  } else if (auto n = Atoi(port.str_value)) {
    value = *n;
  } else {
    return absl::InvalidArgumentError(AtoiError(port.str_value));
  }
  if (value <= 0 || value >= 65536) {
    return absl::InvalidArgumentError("invalid port number: " + std::to_string(value));
  }
  return static_cast<int>(value);
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

http::Request BuildHookRequest(const Profile& profile, const HttpGetAction& action, const std::string& host, int port) {
  http::Request req;
  req.url.host = host;
  req.url.port = port;
  std::string path = action.path;
  if (auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);  // fragments are not sent
  if (profile.http_url_parses_path) {
    // HT-05 (1.35): url.Parse(path); a relative path gets its leading slash from the host.
    std::string scheme = action.scheme;
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    req.url.scheme = scheme.empty() ? "http" : scheme;
    req.url.target = path.empty() || path[0] != '/' ? "/" + path : path;
  } else {
    // HT-03/HT-05 (1.21): always http, "http://host:port/" + path, so "/foo" becomes "//foo".
    req.url.scheme = "http";
    req.url.target = "/" + path;
  }
  if (!profile.http_user_headers) {
    req.headers.push_back({"User-Agent", profile.http_default_user_agent});  // HT-07 (1.21)
    return req;
  }
  // HT-07 (1.35): user headers (canonical names, duplicates kept); Host sets the virtual host;
  // User-Agent and Accept defaulted when absent; a present-but-empty Accept is dropped.
  bool has_user_agent = false;
  bool has_accept = false;
  for (const auto& h : action.http_headers) {
    std::string name = CanonicalHeaderName(h.name);
    if (name == "Host") {
      req.host_header = h.value;
      continue;
    }
    has_user_agent = has_user_agent || name == "User-Agent";
    if (name == "Accept") {
      has_accept = true;
      if (h.value.empty()) continue;
    }
    req.headers.push_back({name, h.value});
  }
  if (!has_user_agent) req.headers.push_back({"User-Agent", profile.http_default_user_agent});
  if (!has_accept) req.headers.push_back({"Accept", "*/*"});
  return req;
}

}  // namespace podlife
