#include "src/engine/go_format.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

namespace podlife {

namespace {

struct RuneRange {
  char32_t first, last;
};

#include "src/engine/go_format_isprint.inc"

bool GoIsPrint(char32_t rune) {
  // The first range whose last rune is not below `rune`; printable when it starts at or before it.
  const auto* end = std::end(kGoPrintRanges);
  const auto* it = std::lower_bound(std::begin(kGoPrintRanges), end, rune,
                                    [](const RuneRange& r, char32_t c) { return r.last < c; });
  return it != end && it->first <= rune;
}

// utf8.DecodeRuneInString: the rune at s[pos] and its length, or nullopt when the bytes there are
// not well-formed UTF-8 (bad lead byte, truncated or bad continuation, overlong form, surrogate,
// beyond U+10FFFF); Go then consumes one byte.
std::optional<std::pair<char32_t, size_t>> DecodeRune(const std::string& s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return std::pair{char32_t{lead}, size_t{1}};
  size_t length = 0;
  char32_t rune = 0, min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, rune = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, rune = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, rune = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + length > s.size()) return std::nullopt;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
    rune = (rune << 6) | (byte(i) & 0x3F);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return std::nullopt;
  return std::pair{rune, length};
}

std::string Hex(unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", digits, value);
  return buf;
}

// strconv's appendEscapedRune for a double-quoted string; `bytes` is the rune's UTF-8 text.
void AppendEscapedRune(std::string& out, char32_t rune, std::string_view bytes) {
  if (rune == '"' || rune == '\\') {
    out += '\\';
    out += static_cast<char>(rune);
    return;
  }
  if (GoIsPrint(rune)) {
    out += bytes;
    return;
  }
  switch (rune) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (rune < ' ' || rune == 0x7F) {
    out += "\\x" + Hex(rune, 2);
  } else if (rune < 0x10000) {
    out += "\\u" + Hex(rune, 4);
  } else {
    out += "\\U" + Hex(rune, 8);
  }
}

}  // namespace

const char* GoUnicodeVersion() { return kGoUnicodeVersion; }

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (size_t pos = 0; pos < s.size();) {
    auto decoded = DecodeRune(s, pos);
    if (!decoded) {
      out += "\\x" + Hex(static_cast<unsigned char>(s[pos]), 2);
      ++pos;
      continue;
    }
    auto [rune, length] = *decoded;
    AppendEscapedRune(out, rune, std::string_view(s).substr(pos, length));
    pos += length;
  }
  return out + "\"";
}

std::string GoSlice(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

std::string GoQuotedSlice(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + GoQuote(items[i]);
  return out + "]";
}

std::string GoIntOrString(const IntOrString& value) {
  // Its String method has a pointer receiver, so %v of a value prints the fields: Type (0 int,
  // 1 string), IntVal, StrVal.
  return value.is_int ? "{0 " + std::to_string(value.int_value) + " }" : "{1 0 " + value.str_value + "}";
}

std::string RenderHandler(const LifecycleHandler& h, const Profile& profile) {
  std::string out = "&" + profile.handler_type_name + "{";
  out += "Exec:" + (h.exec ? "&ExecAction{Command:" + GoSlice(h.exec->command) + ",}" : std::string("nil")) + ",";
  if (h.http_get) {
    out += "HTTPGet:&HTTPGetAction{Path:" + h.http_get->path + ",Port:" + GoIntOrString(h.http_get->port) +
           ",Host:" + h.http_get->host + ",Scheme:" + h.http_get->scheme + ",HTTPHeaders:[]HTTPHeader{},},";
  } else {
    out += "HTTPGet:nil,";
  }
  out += "TCPSocket:" +
         (h.tcp_socket ? "&TCPSocketAction{Port:" + GoIntOrString(h.tcp_socket->port) + ",Host:" + h.tcp_socket->host + ",}"
                       : std::string("nil")) +
         ",";
  if (profile.sleep_action) {
    out += "Sleep:" + (h.sleep ? "&SleepAction{Seconds:" + std::to_string(h.sleep->seconds) + ",}" : std::string("nil")) +
           ",";
  }
  return out + "}";
}

}  // namespace podlife
