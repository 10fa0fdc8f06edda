#include "cli/protocol_request.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace podlife::cli {

namespace {

using nlohmann::json;

// What a field held, short enough for an error line.
std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 80 ? text.substr(0, 80) + "..." : text;
}

struct Reader {
  const json& object;
  std::string error;

  const json* Find(const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }
  bool Fail(const char* key, const std::string& want, const json& got) {
    if (error.empty()) error = std::string(key) + ": must be " + want + ", got " + Shown(got);
    return false;
  }
  void String(const char* key, std::string* out) {
    const json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_string()) return (void)Fail(key, "a string", *v);
    *out = v->get<std::string>();
  }
  void OptionalString(const char* key, std::optional<std::string>* out) {
    if (Find(key) == nullptr) return;
    std::string value;
    String(key, &value);
    *out = value;
  }
  // Integers only (no fractions, no 1e300): a float would be cast with undefined behaviour.
  bool Integer(const char* key, int64_t min, int64_t max, int64_t* out) {
    const json* v = Find(key);
    if (v == nullptr) return false;
    const std::string want = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(max)) return Fail(key, want, *v);
      *out = static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      *out = v->get<int64_t>();
    } else {
      return Fail(key, want, *v);
    }
    if (*out < min || *out > max) return Fail(key, want, *v);
    return true;
  }
  void Strings(const char* key, std::vector<std::string>* out) {
    const json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return (void)Fail(key, "an array of strings", *v);
    for (const json& item : *v) {
      if (!item.is_string()) return (void)Fail(key, "an array of strings", *v);
      out->push_back(item.get<std::string>());
    }
  }
};

}  // namespace

std::variant<ProtocolRequest, ProtocolRequestError> DecodeRequest(const std::string& line) {
  const json request = json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return ProtocolRequestError{"", "request is not a JSON object: " + line.substr(0, 200)};
  }
  ProtocolRequest out;
  Reader read{request, ""};
  read.String("op", &out.op);
  read.OptionalString("pod", &out.pod);
  read.OptionalString("podUid", &out.pod_uid);
  read.String("profile", &out.profile);
  read.String("runtimeEndpoint", &out.runtime_endpoint);
  int64_t value = 0;
  if (read.Integer("runtimeRequestTimeoutMs", 0, 24 * 3600 * 1000, &value)) {
    out.runtime_request_timeout = std::chrono::milliseconds(value);
  }
  if (read.Integer("gracePeriodOverride", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &value)) {
    out.grace_period_override = value;
  }
  read.String("containerId", &out.container_id);
  read.Strings("command", &out.command);
  if (read.Integer("timeoutSeconds", 0, std::numeric_limits<int32_t>::max(), &value)) out.exec_timeout = std::chrono::seconds(value);
  if (!read.error.empty()) return ProtocolRequestError{out.op, "bad request field " + read.error};
  return out;
}

}  // namespace podlife::cli
