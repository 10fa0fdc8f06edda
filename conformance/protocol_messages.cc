#include "conformance/protocol_messages.h"

#include <limits>

namespace podlife::conformance {

namespace {

using nlohmann::json;

std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 80 ? text.substr(0, 80) + "..." : text;
}

// Typed reads of one JSON object's fields; the first wrong field is kept as `error`.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) Fail("", "an object", object_);
  }

  void String(const char* key, std::string* out) {
    if (const json* v = Find(key)) {
      if (v->is_string()) *out = v->get<std::string>();
      else Fail(key, "a string", *v);
    }
  }
  void Bool(const char* key, bool* out) {
    if (const json* v = Find(key)) {
      if (v->is_boolean()) *out = v->get<bool>();
      else Fail(key, "true or false", *v);
    }
  }
  // Integers only: a float (1e300) would be cast with undefined behaviour.
  void Int(const char* key, int* out) {
    const json* v = Find(key);
    if (v == nullptr) return;
    const bool fits = (v->is_number_integer() && v->get<int64_t>() >= std::numeric_limits<int>::min() &&
                       v->get<int64_t>() <= std::numeric_limits<int>::max()) ||
                      (v->is_number_unsigned() && v->get<uint64_t>() <= uint64_t{std::numeric_limits<int>::max()});
    if (fits) *out = static_cast<int>(v->get<int64_t>());
    else Fail(key, "a 32-bit integer", *v);
  }
  void Strings(const char* key, std::vector<std::string>* out) {
    const json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key, "an array of strings", *v);
    for (const json& item : *v) {
      if (!item.is_string()) return Fail(key, "an array of strings", *v);
      out->push_back(item.get<std::string>());
    }
  }
  const json* Find(const char* key) {
    if (!error_.empty() || !object_.is_object()) return nullptr;
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  void Fail(const std::string& key, const std::string& want, const json& got) {
    if (!error_.empty()) return;
    const std::string where = key.empty() ? path_ : path_ + "." + key;
    error_ = where + ": must be " + want + ", got " + Shown(got);
  }
  const std::string& error() const { return error_; }

 private:
  const json& object_;
  std::string path_;
  std::string error_;
};

}  // namespace

ImplementationLine DecodeImplementationLine(const std::string& line) {
  ImplementationLine out;
  if (line.empty()) return out;
  json m = json::parse(line, nullptr, false);
  if (m.is_discarded() || !m.is_object()) {
    out.kind = ImplementationLine::Kind::kMalformed;
    out.error = "not a JSON object";
    return out;
  }
  auto event = m.find("event");
  if (event == m.end()) {
    out.kind = ImplementationLine::Kind::kMessage;
    out.message = std::move(m);
    return out;
  }
  FieldReader read(*event, "event");
  std::string object = "pod";
  read.String("type", &out.event.type);
  read.String("reason", &out.event.reason);
  read.String("object", &object);
  read.String("message", &out.event.message);
  if (!read.error().empty()) {
    out.kind = ImplementationLine::Kind::kMalformed;
    out.error = read.error();
    return out;
  }
  out.kind = ImplementationLine::Kind::kEvent;
  out.event.field_path = object == "pod" ? "" : object;
  return out;
}

std::variant<HelloMessage, std::string> DecodeHello(const json& hello) {
  HelloMessage out;
  FieldReader read(hello, "hello");
  read.String("name", &out.name);
  int protocol = 0;
  read.Int("protocol", &protocol);
  read.Strings("profiles", &out.profiles);
  read.Strings("capabilities", &out.capabilities);
  if (!read.error().empty()) return read.error();
  if (protocol != 1) {
    auto given = hello.find("protocol");
    return "implementation speaks protocol " + (given != hello.end() ? Shown(*given) : std::string("0")) + ", want 1";
  }
  return out;
}

std::variant<SyncReply, std::string> DecodeSyncResult(const json& result) {
  SyncReply out;
  FieldReader read(result, "result");
  read.Bool("ok", &out.ok);
  read.String("error", &out.error);
  if (const json* containers = read.Find("containers")) {
    if (!containers->is_array()) read.Fail("containers", "an array", *containers);
    for (size_t i = 0; read.error().empty() && containers->is_array() && i < containers->size(); ++i) {
      ContainerReply c;
      FieldReader item((*containers)[i], "result.containers[" + std::to_string(i) + "]");
      item.String("name", &c.name);
      item.Bool("init", &c.init);
      item.String("containerId", &c.container_id);
      item.String("reason", &c.reason);
      item.String("message", &c.message);
      if (!item.error().empty()) return item.error();
      out.containers.push_back(std::move(c));
    }
  }
  if (!read.error().empty()) return read.error();
  return out;
}

std::variant<ExecReply, std::string> DecodeExecResult(const json& result) {
  ExecReply out;
  FieldReader read(result, "result");
  read.Int("exitCode", &out.exit_code);
  read.String("stdout", &out.stdout_text);
  read.String("stderr", &out.stderr_text);
  read.String("error", &out.error);
  if (!read.error().empty()) return read.error();
  return out;
}

std::variant<DoneReply, std::string> DecodeDoneResult(const json& result) {
  DoneReply out;
  FieldReader read(result, "result");
  read.Bool("ok", &out.ok);
  read.String("error", &out.error);
  if (!read.error().empty()) return read.error();
  if (out.ok) out.error.clear();
  return out;
}

}  // namespace podlife::conformance
