// gmock stand-ins for the engine's collaborators, for unit tests of decision logic only.
// Conformance and end-to-end tests use the real fake CRI server and real HTTP endpoints.
#pragma once

#include <gmock/gmock.h>

#include "src/cri/cri_client.h"
#include "src/http/http_getter.h"

namespace podlife::testing {

class MockCriClient : public CriClient {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, Version, (), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, RunPodSandbox, (const cri::PodSandboxConfig&), (override));
  MOCK_METHOD(absl::Status, StopPodSandbox, (const std::string&), (override));
  MOCK_METHOD(absl::Status, RemovePodSandbox, (const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<cri::PodSandboxStatus>, PodSandboxStatus, (const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<bool>, ImagePresent, (const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, PullImage, (const std::string&, const cri::PodSandboxConfig&), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, CreateContainer,
              (const std::string&, const cri::ContainerConfig&, const cri::PodSandboxConfig&), (override));
  MOCK_METHOD(absl::Status, StartContainer, (const std::string&), (override));
  MOCK_METHOD(absl::Status, StopContainer, (const std::string&, int64_t), (override));
  MOCK_METHOD(absl::Status, RemoveContainer, (const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<cri::ContainerStatus>, ContainerStatus, (const std::string&), (override));
  MOCK_METHOD((absl::StatusOr<std::vector<cri::PodSandbox>>), ListPodSandbox,
              ((const std::map<std::string, std::string>&)), (override));
  MOCK_METHOD((absl::StatusOr<std::vector<cri::Container>>), ListContainers, (const std::string&), (override));
  MOCK_METHOD(ExecResult, ExecSync, (const std::string&, const std::vector<std::string>&, std::chrono::seconds),
              (override));
};

class MockHttpGetter : public http::HttpGetter {
 public:
  MOCK_METHOD(http::Result, Get, (const http::Request&, const http::Options&, const std::function<bool()>&),
              (override));
};

inline cri::PodSandboxStatus SandboxWithIp(const std::string& ip) {
  cri::PodSandboxStatus s;
  s.mutable_network()->set_ip(ip);
  return s;
}

}  // namespace podlife::testing

namespace podlife {
// Parameterised tests print their profile by name (ctest names them "... # GetParam() = 1.35").
inline void PrintTo(const Profile* profile, std::ostream* os) { *os << profile->name; }
}  // namespace podlife
