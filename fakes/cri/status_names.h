// Status code names: gRPC status codes as they are written in logs and scenario files.
//
// Contract: StatusCodeName gives the canonical upper-case name ("DEADLINE_EXCEEDED");
// ParseStatusCode accepts those names in any case and returns nullopt for anything else.
#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>

namespace podlife::fakes {

const char* StatusCodeName(grpc::StatusCode code);
std::optional<grpc::StatusCode> ParseStatusCode(const std::string& name);

}  // namespace podlife::fakes
