// Small checks shared by the case files.
//
// Contract: PostStartFailureOf(report) returns the postStart failure message of container "app"
// and adds a gtest failure (it does not abort the case) when "app" is missing or its reason is not
// PostStartHookError: bare in 1.35, `PostStartHookError: <the hook's own error>` in 1.21 (PS-07),
// whose error the message must contain.
#pragma once

#include <gmock/gmock.h>

#include <string>

#include "conformance/framework.h"

namespace podlife::conformance {

inline std::string PostStartFailureOf(const SyncReport& r) {
  const ContainerReport* app = r.Find("app");
  if (app == nullptr) {
    ADD_FAILURE() << "no report for app";
    return "<no report for app>";
  }
  const std::string prefix = "PostStartHookError: ";
  EXPECT_THAT(app->reason, ::testing::AnyOf("PostStartHookError", ::testing::StartsWith(prefix)));
  if (app->reason.size() > prefix.size()) {
    EXPECT_THAT(app->message, ::testing::HasSubstr(app->reason.substr(prefix.size())))
        << "1.21's reason names the hook's own error, which its message wraps";
  }
  return app->message;
}

}  // namespace podlife::conformance
