// What Go's HTTP/1 client enforces on a response head, for the hook's client to do the same.
//
// Contract (pure, no I/O):
// - ResponseHeadWatch is fed the bytes the client reads from the connection, in order. It counts
//   them until the head ends (the first blank line), keeps the status line (its first 4 KiB), and
//   says when the count passes kMaxResponseHeadBytes, the limit of Go's Transport
//   (maxHeaderResponseSize: 10 << 20 when MaxResponseHeaderBytes is 0, as in both kubelets).
//   After the head it counts nothing (Go lifts the limit for the body).
// - kResponseHeadTooLong is Go's error text for that case (without `Get "<url>": `).
// - GoStatusLineError(line) is the error http.ReadResponse gives for a status line (without its
//   CR LF): `malformed HTTP response "..."`, `malformed HTTP status code "..."`,
//   `malformed HTTP version "..."`, or "" when Go accepts the line.
#pragma once

#include <cstddef>
#include <string>

namespace podlife::http {

inline constexpr size_t kMaxResponseHeadBytes = size_t{10} << 20;
inline constexpr const char* kResponseHeadTooLong = "net/http: server response headers exceeded 10485760 bytes; aborted";

class ResponseHeadWatch {
 public:
  // Returns false once the head has grown past kMaxResponseHeadBytes.
  bool Feed(const char* data, size_t size);
  bool head_done() const { return head_done_; }
  bool too_long() const { return too_long_; }
  // The status line read so far, without CR LF; complete() says whether it ended.
  const std::string& status_line() const { return status_line_; }
  bool status_line_complete() const { return status_line_complete_; }

 private:
  size_t head_bytes_ = 0;
  int blank_line_state_ = 0;  // how much of "\r\n\r\n" (or "\n\n") was just seen
  bool head_done_ = false;
  bool too_long_ = false;
  std::string status_line_;
  bool status_line_complete_ = false;
};

std::string GoStatusLineError(const std::string& line);

}  // namespace podlife::http
