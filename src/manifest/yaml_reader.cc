#include "src/manifest/yaml_reader.h"

#include <map>
#include <sstream>

namespace podlife::yaml {

YAML::Node YamlReader::Parse(const std::string& text) const {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream out;
    out << source_ << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": invalid YAML: " << e.msg;
    throw YamlError{out.str()};
  }
}

void YamlReader::Fail(const YAML::Node& node, const std::string& path, const std::string& what) const {
  std::ostringstream out;
  out << source_;
  if (node.IsDefined() && node.Mark().line >= 0) out << ":" << node.Mark().line + 1;
  out << ": " << (path.empty() ? "(document)" : path) << ": " << what;
  throw YamlError{out.str()};
}

void YamlReader::ExpectMap(const YAML::Node& node, const std::string& path) const {
  if (!node.IsMap()) Fail(node, path, "expected a mapping");
}

void YamlReader::ExpectKeys(const YAML::Node& node, const std::string& path, const std::set<std::string>& allowed) const {
  ExpectMap(node, path);
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Fail(kv.first, Field(path, key), "unknown field (expected one of: " + list + ")");
  }
}

std::string YamlReader::String(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) Fail(node, path, "expected a string");
  return node.as<std::string>();
}

int64_t YamlReader::Int(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) const {
  if (!node.IsScalar()) Fail(node, path, "expected a whole number");
  int64_t value = 0;
  try {
    value = node.as<int64_t>();
  } catch (const YAML::Exception&) {
    Fail(node, path, "expected a whole number, got '" + node.as<std::string>() + "'");
  }
  if (value < min || value > max) {
    Fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

bool YamlReader::Bool(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) Fail(node, path, "expected true or false");
  try {
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    Fail(node, path, "expected true or false, got '" + node.as<std::string>() + "'");
  }
}

std::vector<std::string> YamlReader::Strings(const YAML::Node& node, const std::string& path) const {
  if (!node.IsSequence()) Fail(node, path, "expected a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) out.push_back(String(node[i], Index(path, i)));
  return out;
}

std::map<std::string, std::string> YamlReader::StringMap(const YAML::Node& node, const std::string& path) const {
  ExpectMap(node, path);
  std::map<std::string, std::string> out;
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    out[key] = String(kv.second, Field(path, key));
  }
  return out;
}

}  // namespace podlife::yaml
