// The ways the getter tests drive the real HttpGetter, so each test checks every way alike.
//
// Contract: GetThrough(way, getter, ...) returns the GET's Result:
// - kGet: Get() on the calling thread;
// - kPausedAtOnce: GetUntil() paused at its first wait (pause_at = now), its rest() run on a
//   thread of its own, as a preStop hook past its grace goes on on the pool;
// - kNeverPaused: GetUntil() with a pause_at an hour away, which such a test never reaches.
// `paused` (optional) says whether GetUntil paused.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "src/http/http_getter.h"

namespace podlife::http {

enum class Way { kGet, kPausedAtOnce, kNeverPaused };

inline std::string WayName(const ::testing::TestParamInfo<Way>& info) {
  switch (info.param) {
    case Way::kGet: return "Get";
    case Way::kPausedAtOnce: return "PausedAtOnce";
    case Way::kNeverPaused: return "NeverPaused";
  }
  return "Unknown";
}

inline Result GetThrough(Way way, HttpGetter& getter, const Request& request, const Options& options,
                         const std::function<bool()>& cancelled, bool* paused = nullptr) {
  if (way == Way::kGet) return getter.Get(request, options, cancelled);
  const auto now = std::chrono::steady_clock::now();
  Begun begun = getter.GetUntil(request, options, cancelled, way == Way::kPausedAtOnce ? now : now + std::chrono::hours(1));
  if (paused != nullptr) *paused = std::holds_alternative<Unfinished>(begun);
  if (auto* done = std::get_if<Result>(&begun)) return *done;
  Result rest;
  std::thread elsewhere([&] { rest = std::get<Unfinished>(begun).rest(); });
  elsewhere.join();
  return rest;
}

// A test of the real getter, run once per Way.
class GetterWaysTest : public ::testing::TestWithParam<Way> {
 protected:
  Result Fetch(const Request& request, const Options& options, const std::function<bool()>& cancelled) {
    return GetThrough(GetParam(), *getter_, request, options, cancelled);
  }
  std::unique_ptr<HttpGetter> getter_ = NewHttpGetter();
};

}  // namespace podlife::http
