// ProtocolRequest: one request line of the conformance command protocol (conformance/PROTOCOL.md)
// as `podlife implement` reads it from the suite, decoded into typed fields before anything acts
// on it.
//
// Contract: DecodeRequest never throws. A line that is not a JSON object, or a known field of the
// wrong type or out of range, gives an error naming the field, what it must be and what it was
// (`runtimeRequestTimeoutMs: must be an integer from 0 to 86400000, got 1e+300`). Unknown fields
// are ignored (later protocol versions may add some). Absent fields keep the defaults below.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace podlife::cli {

struct ProtocolRequest {
  std::string op;                          // sync, kill, remove, exec (judged by the server)
  std::optional<std::string> pod;          // the Pod manifest's YAML text
  std::optional<std::string> pod_uid;      // kill of a deleted pod
  std::string profile = "1.35";
  std::string runtime_endpoint;
  std::chrono::milliseconds runtime_request_timeout{120000};
  std::optional<int64_t> grace_period_override;
  std::string container_id;                // exec
  std::vector<std::string> command;        // exec
  std::chrono::seconds exec_timeout{0};    // exec: timeoutSeconds
};

struct ProtocolRequestError {
  std::string op;  // the op when it could be read, else ""
  std::string message;
};

std::variant<ProtocolRequest, ProtocolRequestError> DecodeRequest(const std::string& line);

}  // namespace podlife::cli
