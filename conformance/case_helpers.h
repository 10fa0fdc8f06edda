// Small checks shared by the case files.
//
// Contract: the manifest pieces build container entries of a pod spec (`{IMAGE}` and
// `{WORKLOAD}` are filled in by CaseFixture::Manifest); the call-log readers read requests out of
// the fake's records in order. PostStartFailureOf(report) returns the postStart failure message of container "app"
// and adds a gtest failure (it does not abort the case) when "app" is missing or its reason is not
// PostStartHookError: bare in 1.35, `PostStartHookError: <the hook's own error>` in 1.21 (PS-07),
// whose error the message must contain. UnusedLoopbackPort() is a port on 127.0.0.1 that nothing
// listens on (a connect to it is refused).
#pragma once

#include <gmock/gmock.h>

#include <optional>
#include <string>
#include <vector>

#include "conformance/framework.h"
#include "fakes/http/fake_http_endpoint.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {

inline constexpr char kWorkloadSpec[] = "    image: {IMAGE}\n    command: {WORKLOAD}\n";

// An image reference no runtime has, for cases about pulling: the implementation must pull it.
// The fake's pull of it succeeds (it pulls anything); a real runtime's fails (no registry serves
// it), so a case asserts on the pull itself, not on what follows it.
inline constexpr char kAbsentImage[] = "localhost/podlife-absent:never-pulled";

// A regular (or, with SidecarSpec, restartPolicy Always init) container running the workload;
// `extra` is appended under it (e.g. its lifecycle).
inline std::string Regular(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name + "\n" + kWorkloadSpec + extra;
}
inline std::string SidecarSpec(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name + "\n    restartPolicy: Always\n" + kWorkloadSpec + extra;
}

// The container names CreateContainer was called for, in order.
inline std::vector<std::string> CreatedNames(const std::vector<fakes::CallRecord>& creates) {
  std::vector<std::string> names;
  for (const auto& c : creates) {
    names.push_back(c.Request<::runtime::v1::CreateContainerRequest>().config().metadata().name());
  }
  return names;
}
// The container IDs StopContainer was called for, in order.
inline std::vector<std::string> StoppedIds(const std::vector<fakes::CallRecord>& stops) {
  std::vector<std::string> ids;
  for (const auto& s : stops) ids.push_back(s.Request<::runtime::v1::StopContainerRequest>().container_id());
  return ids;
}
// StopContainer's requested timeout for a container; nullopt when it was not stopped.
inline std::optional<int64_t> StopTimeout(const std::vector<fakes::CallRecord>& stops, const std::string& id) {
  for (const auto& s : stops) {
    const auto& request = s.Request<::runtime::v1::StopContainerRequest>();
    if (request.container_id() == id) return request.timeout();
  }
  return std::nullopt;
}

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

inline int UnusedLoopbackPort() {
  std::string error;
  auto silent = fakes::SilentTcpListener::Start(&error);
  return silent ? silent->port() : 1;  // closed again when `silent` goes
}

}  // namespace podlife::conformance
