// The part of Go's net/url that decides what an httpGet hook's request line and errors look like:
// url.Parse (scheme, authority, opaque, query, fragment, percent-escapes) and URL.EscapedPath.
//
// Contract: pure functions, no I/O. GoParseUrl(raw) splits `raw` as url.Parse does (not via a
// request, so `//host/path` has an authority and `///path` does not) or returns Go's error text
// for it (`net/url: invalid control character in URL`, `invalid URL escape "%zz"`, `missing
// protocol scheme`, `first path segment in URL cannot contain colon`, `invalid port ":x" after
// host`, `missing ']' in host`), without the `parse "<url>": ` prefix Go's url.Error adds.
// GoEscapedPath(raw_path) is the path as URL.EscapedPath writes it for a path parsed from raw_path;
// GoEscapePath(path) is url's escape(path, encodePath), used for a path that was never parsed.
// GoQuote(s) is strconv.Quote, which net/url and net/http use to show bad input in their errors.
// Checked against go1.19's net/url (src/engine/tests/http_hook_test.cc has the table).
#pragma once

#include <optional>
#include <string>

namespace podlife::http {

struct GoUrl {
  std::string scheme;     // lower-cased; "" when none
  bool has_authority = false;
  std::string authority;  // userinfo@host:port as written
  std::string opaque;     // set when a scheme is followed by something other than '/'
  std::string raw_path;   // still escaped, as written
  std::string raw_query;
  bool force_query = false;  // a lone trailing '?'
};

struct GoUrlResult {
  std::optional<GoUrl> url;  // nullopt: `error` says why
  std::string error;
};

GoUrlResult GoParseUrl(const std::string& raw);
std::string GoEscapedPath(const std::string& raw_path);
std::string GoEscapePath(const std::string& path);
// strconv.Quote of a byte string: printable ASCII as is, `"` and `\` escaped, \a \b \f \n \r \t \v
// by name, every other byte as \xNN (the bytes podlife quotes are not decoded as UTF-8).
std::string GoQuote(const std::string& s);

}  // namespace podlife::http
