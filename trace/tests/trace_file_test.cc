#include "trace/trace_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testsupport/scoped_temp_dir.h"

namespace podlife::trace {
namespace {

using ::testing::HasSubstr;

TEST(TraceFileTest, WritesTheTextAndNamesPathAndCauseWhenItCannot) {
  testsupport::ScopedTempDir tmp("podlife-trace-test");
  const std::string dir_path = tmp.path().string();
  const std::string path = dir_path + "/t.json";
  EXPECT_EQ(PrepareTraceFile(path), "");
  EXPECT_EQ(WriteTraceFile(path, "{}"), "");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{}");
  EXPECT_EQ(PrepareTraceFile(dir_path + "/missing/t.json"),
            "cannot write " + dir_path + "/missing/t.json: No such file or directory");
  EXPECT_EQ(PrepareTraceFile(dir_path), "cannot write " + dir_path + ": it is a directory");
}

TEST(TraceFileTest, PrepareTraceDirCreatesParentsAndRefusesAFile) {
  testsupport::ScopedTempDir tmp("podlife-trace-test");
  const std::string dir_path = tmp.path().string();
  EXPECT_EQ(PrepareTraceDir(dir_path + "/a/b"), "");
  std::ofstream(dir_path + "/file") << "x";
  EXPECT_THAT(PrepareTraceDir(dir_path + "/file"), HasSubstr("cannot write traces to " + dir_path + "/file: "));
  EXPECT_THAT(PrepareTraceDir(dir_path + "/file/sub"), HasSubstr("cannot write traces to " + dir_path + "/file/sub: "));
}

TEST(TraceFileTest, CaseNamesBecomeFileNames) {
  EXPECT_EQ(TraceFileName("PostStartHook.KillsContainer/1_35"), "PostStartHook.KillsContainer_1_35.json");
  EXPECT_EQ(TraceFileName("a b:c"), "a_b_c.json");
}

}  // namespace
}  // namespace podlife::trace
