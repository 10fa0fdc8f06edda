// `podlife --version`: the project's version and the kubelet profiles this build knows, as a user
// (or a CI log) sees them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testsupport/child_process.h"

namespace podlife {
namespace {

using namespace std::chrono_literals;

TEST(PodlifeVersionTest, PrintsTheProjectVersionAndBothProfiles) {
  testsupport::ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "--version"}));
  auto code = p.Wait(30s);
  ASSERT_TRUE(code.has_value()) << "podlife --version did not finish";
  EXPECT_EQ(*code, 0) << p.DrainStderr();
  EXPECT_EQ(p.DrainStdout(), std::string("podlife ") + PODLIFE_VERSION + "\nprofiles: 1.21 1.35\n");
}

TEST(PodlifeVersionTest, TheUsageListsVersion) {
  testsupport::ChildProcess p;
  ASSERT_TRUE(p.Start({PODLIFE_BIN, "--help"}));
  auto code = p.Wait(30s);
  ASSERT_TRUE(code.has_value()) << "podlife --help did not finish";
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(p.DrainStdout(), ::testing::HasSubstr("--version "));
}

}  // namespace
}  // namespace podlife
