// The end-of-run summary of the conformance suite: one row per area (passed, failed, skipped),
// then the skipped cases grouped by reason and the failed cases by name.
//
// Contract: SummaryPrinter is a gtest event listener; append it to the listeners before
// RUN_ALL_TESTS and it prints the summary to `out` when the test program ends. The area is the
// test suite's name (`Http`, `PreStop`, ...) and the profile comes from the parameter suffix.
// - The summary counts gtest's own verdicts: at the end of each iteration (--gtest_repeat) it
//   reads every case's result as gtest's iteration report and exit decision read them, right
//   after; a failure gtest records outside any case (SetUpTestSuite, TearDownTestSuite, a thread
//   that outlived its case) is listed too. RESULT says NOT conformant exactly when some iteration
//   failed for gtest, and ExitStatus() gives main's exit status from the same tally.
// - The run's identity (RunIdentity: podlife's version, implementation, runtime, profiles) heads
//   the summary, and its attributes go on the <testsuites> element of Abandon()'s report as
//   gtest puts them on its own.
// - Abandon() is for a run that cannot end normally (a case that never returned after the
//   watchdog released it): it prints the summary with that case failed, the cases of the
//   iteration that ended so far counted and the others not run, and writes a JUnit XML report
//   of that iteration to `junit_path` (if not empty), since gtest writes its own only at the end.
//   Thread-safe against the listener calls.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace podlife::conformance {

// What a run tests with what: `heading` for the summary, `attributes` (name, value) for the JUnit
// report's <testsuites> element.
struct RunIdentity {
  std::string heading;
  std::vector<std::pair<std::string, std::string>> attributes;
};

// The JUnit XML report of a run that ended at its start-up check (exit 3: the runtime or the
// implementation cannot be used): one failed testcase `StartUp` whose message is `error`, the
// run's identity on <testsuites>, so that a CI job's report step finds the reason rather than no
// file. Returns "" or why `path` could not be written.
std::string WriteStartUpFailure(const std::string& path, const RunIdentity& identity, const std::string& error);

class SummaryPrinter : public ::testing::EmptyTestEventListener {
 public:
  SummaryPrinter(std::ostream& out, RunIdentity identity) : out_(out), identity_(std::move(identity)) {}
  void OnTestIterationStart(const ::testing::UnitTest& unit, int iteration) override;
  void OnTestEnd(const ::testing::TestInfo& info) override;
  void OnTestIterationEnd(const ::testing::UnitTest& unit, int iteration) override;
  void OnTestProgramEnd(const ::testing::UnitTest& unit) override;
  void Abandon(const ::testing::UnitTest& unit, const std::string& stuck_case, const std::string& why,
               const std::string& junit_path);
  // main's exit status: 1 when the summary said NOT conformant or gtest failed the run
  // (`gtest_status`, RUN_ALL_TESTS's), else 0. Says so on `out` when the two disagree, which
  // only a failure recorded after the last iteration's report can cause.
  int ExitStatus(int gtest_status);

 private:
  // Counts one ended case by its result (the lock held).
  void Tally(const ::testing::TestInfo& info);
  bool Ended(const ::testing::TestInfo* info) const;
  // Lists a failure gtest recorded in the run's own result, outside every suite (once).
  void NoteFailureOutsideSuites(const ::testing::UnitTest& unit);
  bool Conformant() const;
  void Print(int not_run);
  void WriteJUnit(const ::testing::UnitTest& unit, const std::string& stuck_case, const std::string& why,
                  const std::string& path);

  struct Counts {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
  };
  std::ostream& out_;
  RunIdentity identity_;
  std::map<std::string, Counts> by_area_;
  std::map<std::string, int> skip_reasons_;
  std::vector<std::string> failed_;
  std::vector<std::string> outside_cases_;  // failures gtest recorded outside any case
  bool gtest_failed_ = false;               // some iteration ended with !UnitTest::Passed()
  std::vector<const ::testing::TestInfo*> ended_;  // the cases of the current iteration that ended
  std::mutex mu_;
};

}  // namespace podlife::conformance
