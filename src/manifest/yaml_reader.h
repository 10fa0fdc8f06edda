// YamlReader: typed access to yaml-cpp nodes with errors that name the file, line and field path
// (`FILE:LINE: spec.containers[0].image: required`). Shared by the pod manifest parser and the
// fake CRI's scenario files so both report bad input the same way.
//
// Contract: every accessor either returns a value or throws YamlError whose message is complete
// and ready for a user; callers catch YamlError at their public boundary (they never let it
// escape a library API). yaml-cpp's own exceptions (syntax errors) are converted by Parse().
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace podlife::yaml {

struct YamlError {
  std::string message;
};

class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  // Parses a whole document; a syntax error becomes `SOURCE:LINE:COL: <yaml-cpp's message>`. A
  // second document (after `---`) is an error: a file holds one object.
  YAML::Node Parse(const std::string& text) const;

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& path, const std::string& what) const;

  // Fails unless `node` is a mapping. With `allowed`, any other key is an error naming it.
  void ExpectMap(const YAML::Node& node, const std::string& path) const;
  void ExpectKeys(const YAML::Node& node, const std::string& path, const std::set<std::string>& allowed) const;

  std::string String(const YAML::Node& node, const std::string& path) const;
  int64_t Int(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) const;
  bool Bool(const YAML::Node& node, const std::string& path) const;
  std::vector<std::string> Strings(const YAML::Node& node, const std::string& path) const;
  std::map<std::string, std::string> StringMap(const YAML::Node& node, const std::string& path) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// The candidate closest to `name` (edit distance, a swap of neighbours counting once, case
// ignored), or "" when none is close enough to be a likely typo.
std::string NearestName(const std::string& name, const std::set<std::string>& candidates);

// "path.key", or "key" at the root.
inline std::string Field(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
inline std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

}  // namespace podlife::yaml
