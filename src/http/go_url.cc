#include "src/http/go_url.h"

#include <algorithm>
#include <cctype>

namespace podlife::http {

namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// url's shouldEscape(c, encodePath).
bool ShouldEscapeInPath(unsigned char c) {
  if (std::isalnum(c)) return false;
  switch (c) {
    case '-': case '_': case '.': case '~':
      return false;
    case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '?': case '@':
      return c == '?';
    default:
      return true;
  }
}

// url's validEncoded(s, encodePath): the raw form may be kept as written.
bool ValidEncodedPath(const std::string& s) {
  for (unsigned char c : s) {
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
      case '=': case ':': case '@': case '[': case ']': case '%':
        continue;
      default:
        if (ShouldEscapeInPath(c)) return false;
    }
  }
  return true;
}

// url's unescape: the first bad %-escape, or nullopt when every escape is valid.
std::optional<std::string> BadEscape(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return s.substr(i, 3);
    i += 2;
  }
  return std::nullopt;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool ValidOptionalPort(const std::string& port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  return std::all_of(port.begin() + 1, port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// url's parseAuthority/parseHost, as far as their errors go.
std::string AuthorityError(const std::string& authority) {
  const size_t at = authority.rfind('@');
  const std::string host = at == std::string::npos ? authority : authority.substr(at + 1);
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return "missing ']' in host";
    const std::string port = host.substr(close + 1);
    if (!ValidOptionalPort(port)) return "invalid port " + GoQuote(port) + " after host";
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    const std::string port = host.substr(colon);
    if (!ValidOptionalPort(port)) return "invalid port " + GoQuote(port) + " after host";
  }
  if (auto bad = BadEscape(host)) return "invalid URL escape " + GoQuote(*bad);
  return "";
}

// url's getScheme: the scheme and the rest, or an error.
bool SplitScheme(const std::string& raw, std::string* scheme, std::string* rest, std::string* error) {
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = raw[i];
    if (std::isalpha(c)) continue;
    if (std::isdigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) {
        *error = "missing protocol scheme";
        return false;
      }
      *scheme = raw.substr(0, i);
      std::transform(scheme->begin(), scheme->end(), scheme->begin(), [](unsigned char x) { return std::tolower(x); });
      *rest = raw.substr(i + 1);
      return true;
    }
    break;  // any other character: no scheme
  }
  *rest = raw;
  return true;
}

}  // namespace

GoUrlResult GoParseUrl(const std::string& raw) {
  if (std::any_of(raw.begin(), raw.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return {std::nullopt, "net/url: invalid control character in URL"};
  }
  const size_t hash = raw.find('#');
  const std::string before_fragment = raw.substr(0, hash);
  GoUrl url;
  std::string rest;
  std::string error;
  if (before_fragment == "*") {
    url.raw_path = "*";
  } else {
    if (!SplitScheme(before_fragment, &url.scheme, &rest, &error)) return {std::nullopt, error};
    if (!rest.empty() && rest.back() == '?' && std::count(rest.begin(), rest.end(), '?') == 1) {
      url.force_query = true;
      rest.pop_back();
    } else if (const size_t q = rest.find('?'); q != std::string::npos) {
      url.raw_query = rest.substr(q + 1);
      rest.resize(q);
    }
    if (rest.empty() || rest[0] != '/') {
      if (!url.scheme.empty()) {
        url.opaque = rest;
        rest.clear();
      } else if (rest.substr(0, rest.find('/')).find(':') != std::string::npos) {
        return {std::nullopt, "first path segment in URL cannot contain colon"};
      }
    }
    if ((!url.scheme.empty() || rest.rfind("///", 0) != 0) && rest.rfind("//", 0) == 0 && url.opaque.empty()) {
      const size_t slash = rest.find('/', 2);
      url.has_authority = true;
      url.authority = rest.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
      rest = slash == std::string::npos ? "" : rest.substr(slash);
      if (std::string e = AuthorityError(url.authority); !e.empty()) return {std::nullopt, e};
    }
    if (auto bad = BadEscape(rest)) return {std::nullopt, "invalid URL escape " + GoQuote(*bad)};
    url.raw_path = rest;
  }
  if (hash != std::string::npos) {
    if (auto bad = BadEscape(raw.substr(hash + 1))) return {std::nullopt, "invalid URL escape " + GoQuote(*bad)};
  }
  return {url, ""};
}

std::string GoEscapePath(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (ShouldEscapeInPath(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string GoEscapedPath(const std::string& raw_path) {
  if (ValidEncodedPath(raw_path) && !BadEscape(raw_path)) return raw_path;
  return GoEscapePath(Unescape(raw_path));
}

std::string GoQuote(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "\"";
}

}  // namespace podlife::http
