// podlife's Go formatting (src/engine/go_format.h) against Go itself: go_format_golden.jsonl holds
// what Go printed for a table of tricky inputs (tools/go-golden generates it; run by hand when the
// table changes). Each row is one rendering: {"format", "name", "in" (hex strings) or "port",
// "want_hex"}; the first line names the Go release and its Unicode version.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/engine/go_format.h"

namespace podlife {
namespace {

struct GoldenRow {
  int line = 0;
  std::string format;
  std::string name;
  std::vector<std::string> in;
  IntOrString port;
  std::string want;
};

struct Golden {
  std::string go_version;
  std::string unicode_version;
  std::vector<GoldenRow> rows;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // the generator writes lower case only
}

std::string FromHex(const std::string& hex, const std::string& where) {
  if (hex.size() % 2 != 0) throw std::runtime_error(where + ": odd-length hex \"" + hex + "\"");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = HexDigit(hex[i]), low = HexDigit(hex[i + 1]);
    if (high < 0 || low < 0) throw std::runtime_error(where + ": not hex at offset " + std::to_string(i) + ": \"" + hex + "\"");
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

GoldenRow ParseRow(const nlohmann::json& j, const std::string& where) {
  GoldenRow row;
  row.format = j.at("format").get<std::string>();
  row.name = j.at("name").get<std::string>();
  row.want = FromHex(j.at("want_hex").get<std::string>(), where + " want_hex");
  if (j.contains("in")) {
    for (const auto& item : j.at("in")) row.in.push_back(FromHex(item.get<std::string>(), where + " in"));
  }
  if (j.contains("port")) {
    const auto& p = j.at("port");
    const int64_t type = p.at("type").get<int64_t>();
    if (type != 0 && type != 1) throw std::runtime_error(where + ": port type must be 0 or 1, got " + std::to_string(type));
    row.port = type == 0 ? IntOrString::Int(p.at("int_val").get<int64_t>())
                         : IntOrString::String(FromHex(p.at("str_val_hex").get<std::string>(), where + " str_val_hex"));
  }
  return row;
}

// Reads the golden file; a malformed line throws naming the file and line.
Golden ReadGolden() {
  const std::string path = PODLIFE_GO_GOLDEN_FILE;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Golden golden;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    const std::string where = path + ":" + std::to_string(line);
    try {
      nlohmann::json j = nlohmann::json::parse(text);
      if (line == 1) {
        golden.go_version = j.at("go").get<std::string>();
        golden.unicode_version = j.at("unicode").get<std::string>();
        continue;
      }
      GoldenRow row = ParseRow(j, where);
      row.line = line;
      golden.rows.push_back(std::move(row));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(where + ": " + e.what());
    }
  }
  return golden;
}

const Golden& TheGolden() {
  static const Golden golden = ReadGolden();
  return golden;
}

// The rows of one format; fails the test when the file has none (the check would be empty).
std::vector<GoldenRow> RowsOf(const std::string& format) {
  std::vector<GoldenRow> rows;
  for (const auto& row : TheGolden().rows) {
    if (row.format == format) rows.push_back(row);
  }
  EXPECT_FALSE(rows.empty()) << "no " << format << " rows in " << PODLIFE_GO_GOLDEN_FILE;
  return rows;
}

std::string Describe(const GoldenRow& row) {
  return std::string(PODLIFE_GO_GOLDEN_FILE) + ":" + std::to_string(row.line) + " " + row.format + " of " + row.name;
}

TEST(GoFormatGoldenTest, EveryLineIsARowOfAKnownFormat) {
  std::map<std::string, int> counts;
  for (const auto& row : TheGolden().rows) ++counts[row.format];
  EXPECT_EQ(counts.size(), 4u) << "formats beyond %q, %v []string, %q []string, %v intstr.IntOrString";
  EXPECT_GE(counts["%q"], 40);
}

TEST(GoFormatGoldenTest, PrintableRunesFollowTheSameUnicodeVersionAsTheGolden) {
  // The table GoQuote reads and the golden file come from one run of the generator.
  EXPECT_EQ(TheGolden().unicode_version, GoUnicodeVersion()) << "golden made with " << TheGolden().go_version;
}

TEST(GoFormatGoldenTest, QuoteMatchesStrconvQuote) {
  for (const auto& row : RowsOf("%q")) {
    ASSERT_EQ(row.in.size(), 1u) << Describe(row);
    EXPECT_EQ(GoQuote(row.in[0]), row.want) << Describe(row);
  }
}

TEST(GoFormatGoldenTest, SliceMatchesPercentV) {
  for (const auto& row : RowsOf("%v []string")) EXPECT_EQ(GoSlice(row.in), row.want) << Describe(row);
}

TEST(GoFormatGoldenTest, QuotedSliceMatchesPercentQ) {
  for (const auto& row : RowsOf("%q []string")) EXPECT_EQ(GoQuotedSlice(row.in), row.want) << Describe(row);
}

TEST(GoFormatGoldenTest, IntOrStringMatchesPercentV) {
  for (const auto& row : RowsOf("%v intstr.IntOrString")) EXPECT_EQ(GoIntOrString(row.port), row.want) << Describe(row);
}

}  // namespace
}  // namespace podlife
