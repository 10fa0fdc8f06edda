// WaitResult: the outcome of a wait or a check against a fake, to be consumed by the caller.
//
// Contract: ok() is true when the expected thing happened before the deadline; otherwise
// message() says what was expected and what the fake saw instead (its whole call log where that
// helps). [[nodiscard]] so a failed wait cannot be silently dropped. No gtest dependency: gtest
// users write `ASSERT_TRUE(r.ok()) << r.message();` or use conformance's AssertionResult adapter
// (`ASSERT_TRUE(Awaited(r))`, framework.h).
#pragma once

#include <string>
#include <utility>

namespace podlife::fakes {

class [[nodiscard]] WaitResult {
 public:
  static WaitResult Ok() { return WaitResult(true, ""); }
  static WaitResult Failure(std::string message) { return WaitResult(false, std::move(message)); }

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  WaitResult(bool ok, std::string message) : ok_(ok), message_(std::move(message)) {}
  bool ok_;
  std::string message_;
};

}  // namespace podlife::fakes
