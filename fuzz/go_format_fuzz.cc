// Fuzz target: the Go formatting functions (src/engine/go_format.h) and the Go URL functions the
// httpGet hook's request line and errors come from (src/http/go_url.h), on any bytes.
// Contract checked: nothing crashes; GoQuote's output is a quoted string with no raw control byte
// (Go's %q escapes them all); GoQuotedSlice is the quoted items between brackets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/engine/go_format.h"
#include "src/http/go_url.h"

namespace {

void CheckQuoted(const std::string& quoted) {
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') std::abort();
  for (unsigned char c : quoted) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}

// The input's NUL-separated pieces: the items of a []string.
std::vector<std::string> Pieces(const std::string& text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  for (size_t nul = text.find('\0'); nul != std::string::npos; nul = text.find('\0', start)) {
    pieces.push_back(text.substr(start, nul - start));
    start = nul + 1;
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  CheckQuoted(podlife::GoQuote(text));
  const auto items = Pieces(text);
  (void)podlife::GoSlice(items);
  std::string expected = "[";
  for (size_t i = 0; i < items.size(); ++i) expected += (i ? " " : "") + podlife::GoQuote(items[i]);
  if (podlife::GoQuotedSlice(items) != expected + "]") std::abort();
  (void)podlife::GoIntOrString(podlife::IntOrString::String(text));
  (void)podlife::GoIntOrString(podlife::IntOrString::Int(static_cast<int64_t>(size) - 64));

  auto url = podlife::http::GoParseUrl(text);
  if (url.url) {
    (void)podlife::http::GoEscapedPath(url.url->raw_path);
  } else if (url.error.empty()) {
    std::abort();  // a rejection always says why
  }
  (void)podlife::http::GoEscapePath(text);
  return 0;
}
