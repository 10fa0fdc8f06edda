// The implementation's side of the command protocol (PROTOCOL.md) as the suite reads it: each
// output line decoded into typed values before a case looks at it.
//
// Contract: nothing here throws, whatever the implementation prints. A line that is not a JSON
// object, or an event or result whose field has the wrong type, is a protocol error whose text
// names the field, what it must be and what it was (`event.reason: must be a string, got 7`), so
// the case fails saying so instead of the suite aborting. Absent fields take the defaults below.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

#include "src/core/events.h"

namespace podlife::conformance {

struct ImplementationLine {
  enum class Kind { kBlank, kMalformed, kEvent, kMessage };
  Kind kind = Kind::kBlank;
  Event event;              // kEvent: "pod" as the object becomes an empty field path
  nlohmann::json message;   // kMessage: the whole object (hello or result)
  std::string error;        // kMalformed: why
};

ImplementationLine DecodeImplementationLine(const std::string& line);

struct HelloMessage {
  std::string name = "?";
  std::vector<std::string> profiles;
  std::vector<std::string> capabilities;
};

struct ContainerReply {
  std::string name;
  bool init = false;
  std::string container_id;
  std::string reason;
  std::string message;
};

struct SyncReply {
  bool ok = false;
  std::string error;
  std::vector<ContainerReply> containers;
};

struct ExecReply {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
  std::string error;
};

struct DoneReply {
  bool ok = false;
  std::string error = "failed without an error text";
};

// Each returns the decoded value or the protocol error's text. `hello` and `result` are the
// values of the message's "hello" and "result" keys. A hello whose protocol is not 1 is an error.
std::variant<HelloMessage, std::string> DecodeHello(const nlohmann::json& hello);
std::variant<SyncReply, std::string> DecodeSyncResult(const nlohmann::json& result);
std::variant<ExecReply, std::string> DecodeExecResult(const nlohmann::json& result);
std::variant<DoneReply, std::string> DecodeDoneResult(const nlohmann::json& result);

}  // namespace podlife::conformance
