#include "src/http/response_head.h"

#include <cctype>

#include "src/http/go_url.h"

namespace podlife::http {

namespace {

constexpr size_t kStatusLineKept = 4096;

// http.ParseHTTPVersion.
bool ValidHttpVersion(const std::string& v) {
  if (v == "HTTP/1.1" || v == "HTTP/1.0") return true;
  if (v.size() != 8 || v.compare(0, 5, "HTTP/") != 0 || v[6] != '.') return false;
  return std::isdigit(static_cast<unsigned char>(v[5])) && std::isdigit(static_cast<unsigned char>(v[7]));
}

}  // namespace

bool ResponseHeadWatch::Feed(const char* data, size_t size) {
  for (size_t i = 0; i < size && !head_done_; ++i) {
    const char c = data[i];
    ++head_bytes_;
    if (!status_line_complete_) {
      if (c == '\n') {
        status_line_complete_ = true;
        if (!status_line_.empty() && status_line_.back() == '\r') status_line_.pop_back();
      } else if (status_line_.size() < kStatusLineKept) {
        status_line_ += c;
      }
    }
    // textproto reads lines ending in LF (a CR before it optional): the head ends at an empty one.
    if (c == '\n') {
      head_done_ = blank_line_state_ == 1 && status_line_complete_;
      blank_line_state_ = 1;
    } else if (c != '\r') {
      blank_line_state_ = 0;
    }
  }
  if (!head_done_ && head_bytes_ > kMaxResponseHeadBytes) too_long_ = true;
  return !too_long_;
}

std::string GoStatusLineError(const std::string& line) {
  const size_t space = line.find(' ');
  if (space == std::string::npos) return "malformed HTTP response " + GoQuote(line);
  const std::string proto = line.substr(0, space);
  std::string status = line.substr(space + 1);
  status.erase(0, status.find_first_not_of(' ') == std::string::npos ? status.size() : status.find_first_not_of(' '));
  const std::string code = status.substr(0, status.find(' '));
  // Three bytes that strconv.Atoi reads as a number >= 0 ("+12" passes, "-12" does not).
  bool number = code.size() == 3 && (code[0] == '+' || std::isdigit(static_cast<unsigned char>(code[0])));
  for (size_t i = 1; number && i < code.size(); ++i) number = std::isdigit(static_cast<unsigned char>(code[i])) != 0;
  if (!number) return "malformed HTTP status code " + GoQuote(code);
  if (!ValidHttpVersion(proto)) return "malformed HTTP version " + GoQuote(proto);
  return "";
}

}  // namespace podlife::http
