// `podlife implement` reading hostile request lines from the suite: a field of the wrong type or
// out of range is a result naming the field, never undefined behaviour or a crash, and the
// process goes on reading the next request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "testsupport/child_process.h"
#include "testsupport/scoped_temp_dir.h"

namespace podlife {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using testsupport::ChildProcess;
using namespace std::chrono_literals;

constexpr char kPod[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: app, image: busybox}]}\n";

// Runs `podlife implement` with `lines` on stdin; returns the error of each result line, in order.
std::vector<std::string> ResultErrors(const std::vector<json>& lines) {
  testsupport::ScopedTempDir dir("podlife-implement-test");
  const std::string input = (dir.path() / "requests.jsonl").string();
  {
    std::ofstream out(input);
    for (const auto& line : lines) out << line.dump() << "\n";
  }
  ChildProcess p;
  EXPECT_TRUE(p.Start({"/bin/sh", "-c", std::string("exec \"$0\" implement < \"$1\""), PODLIFE_BIN, input}));
  std::vector<std::string> errors;
  while (auto line = p.ReadLine(30s)) {
    json m = json::parse(*line, nullptr, false);
    if (m.is_object() && m.contains("result")) errors.push_back(m["result"].value("error", ""));
  }
  EXPECT_EQ(p.Wait(30s), 0);
  return errors;
}

TEST(ImplementCommand, RejectsNonIntegerNumbersNamingTheField) {
  // 1e300 as an int is undefined behaviour; 1.5 is no whole number of milliseconds.
  const auto errors = ResultErrors({
      {{"op", "sync"}, {"pod", kPod}, {"runtimeEndpoint", "unix:///nonexistent/cri.sock"}, {"runtimeRequestTimeoutMs", 1e300}},
      {{"op", "exec"}, {"containerId", "c"}, {"timeoutSeconds", 1.5}},
      {{"op", "kill"}, {"podUid", "u"}, {"gracePeriodOverride", "5"}},
  });
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("runtimeRequestTimeoutMs: must be an integer from 0 to 86400000, got 1e+300"));
  EXPECT_THAT(errors[1], HasSubstr("timeoutSeconds: must be an integer"));
  EXPECT_THAT(errors[2], HasSubstr("gracePeriodOverride: must be an integer"));
}

TEST(ImplementCommand, RejectsWronglyTypedFieldsNamingTheFieldAndGoesOn) {
  const auto errors = ResultErrors({
      {{"op", "sync"}, {"pod", {{"kind", "Pod"}}}},
      {{"op", 7}},
      {{"op", "exec"}, {"command", {"sh", 1}}},
      {{"op", "remove"}},
  });
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], "bad request field pod: must be a string, got {\"kind\":\"Pod\"}");
  EXPECT_EQ(errors[1], "bad request field op: must be a string, got 7");
  EXPECT_EQ(errors[2], "bad request field command: must be an array of strings, got [\"sh\",1]");
  EXPECT_THAT(errors[3], HasSubstr("no pod: send sync first"));  // still reading after bad lines
}

}  // namespace
}  // namespace podlife
