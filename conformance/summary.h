// The end-of-run summary of the conformance suite: one row per area (passed, failed, skipped),
// then the skipped cases grouped by reason and the failed cases by name.
//
// Contract: SummaryPrinter is a gtest event listener; append it to the listeners before
// RUN_ALL_TESTS and it prints the summary to `out` when the test program ends. The area is the
// test suite's name (`Http`, `PreStop`, ...) and the profile comes from the parameter suffix.
// Abandon() is for a run that cannot end normally (a case that never returned after the
// watchdog released it): it prints the summary with that case failed and the cases not run
// counted, and writes a JUnit XML report of the cases so far to `junit_path` (if not empty),
// since gtest writes its own only at the end. Thread-safe against OnTestEnd.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace podlife::conformance {

class SummaryPrinter : public ::testing::EmptyTestEventListener {
 public:
  SummaryPrinter(std::ostream& out, std::string heading) : out_(out), heading_(std::move(heading)) {}
  void OnTestEnd(const ::testing::TestInfo& info) override;
  void OnTestProgramEnd(const ::testing::UnitTest& unit) override;
  void Abandon(const ::testing::UnitTest& unit, const std::string& stuck_case, const std::string& why,
               const std::string& junit_path);

 private:
  void Print(int not_run);
  void WriteJUnit(const ::testing::UnitTest& unit, const std::string& stuck_case, const std::string& why,
                  const std::string& path);

  struct Counts {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
  };
  std::ostream& out_;
  std::string heading_;
  std::map<std::string, Counts> by_area_;
  std::map<std::string, int> skip_reasons_;
  std::vector<std::string> failed_;
  std::set<const ::testing::TestInfo*> ended_;
  std::mutex mu_;
};

}  // namespace podlife::conformance
