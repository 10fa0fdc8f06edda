#include "src/manifest/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace podlife::yaml {

namespace {

// Sees where each document of a stream starts, to notice a parser that stops advancing.
class DocumentStarts final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = documents_ > 0 && mark.pos == last_.pos;
    last_ = mark;
    ++documents_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }
  const YAML::Mark& last() const { return last_; }

 private:
  size_t documents_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
  bool stuck_ = false;
};

// yaml-cpp 0.7's LoadAll loops forever, allocating a null document per turn, on streams where
// the parser meets a token no node starts with (`,` at the top, found by fuzz/manifest): it
// reports an empty document without consuming the token (jbeder/yaml-cpp#1040, fixed upstream by
// #1319, after Debian 12's 0.7.0). A first pass over the events fails where a document starts
// where the previous one did; LoadAll only runs on streams that advance.
void RejectStuckStream(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (!starts.stuck()) continue;
    const YAML::Mark& at = starts.last();
    std::ostringstream out;
    out << source << ":" << at.line + 1 << ":" << at.column + 1 << ": invalid YAML: unexpected ";
    const size_t pos = at.pos < 0 ? text.size() : static_cast<size_t>(at.pos);
    const unsigned char c = pos < text.size() ? static_cast<unsigned char>(text[pos]) : 0;
    if (c > 0x20 && c < 0x7f) {
      out << "'" << c << "'";
    } else {
      out << "token";
    }
    throw YamlError{out.str()};
  }
}

}  // namespace

YAML::Node YamlReader::Parse(const std::string& text) const {
  try {
    RejectStuckStream(text, source_);
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    // An empty document (a stray `---` at the end) holds nothing to misread.
    std::erase_if(documents, [](const YAML::Node& d) { return d.IsNull(); });
    if (documents.size() > 1) {
      Fail(documents[1], "(document 2)", "a second YAML document: one file holds one object (split the file)");
    }
    return documents.empty() ? YAML::Node() : documents.front();
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
    const std::string nearest = NearestName(key, allowed);
    Fail(kv.first, Field(path, key),
         "unknown field (" + (nearest.empty() ? "" : "did you mean " + nearest + "? ") + "expected one of: " + list + ")");
  }
}

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// neighbouring characters each cost 1 (`postStrat` is 1 from `postStart`).
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string NearestName(const std::string& name, const std::set<std::string>& candidates) {
  constexpr size_t kLongestNameWorthComparing = 256;  // a 1 MB key is no typo of a field name
  if (name.size() > kLongestNameWorthComparing) return "";
  std::string best;
  size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const size_t distance = EditDistance(Lower(name), Lower(candidate));
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A typo changes a few characters, not a third of the name.
  const size_t allowed = std::max<size_t>(2, name.size() / 3);
  return best_distance <= allowed ? best : "";
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
