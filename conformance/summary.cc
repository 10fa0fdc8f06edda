#include "conformance/summary.h"

#include <algorithm>
#include <fstream>
#include <iomanip>

namespace podlife::conformance {

namespace {
std::string SkipReason(const ::testing::TestResult& result) {
  for (int i = 0; i < result.total_part_count(); ++i) {
    const auto& part = result.GetTestPartResult(i);
    if (part.skipped()) {
      std::string message = part.message();
      // gtest prefixes the reason with "Skipped\n" in some versions.
      if (message.rfind("Skipped\n", 0) == 0) message = message.substr(8);
      return message.empty() ? "(no reason given)" : message;
    }
  }
  return "(no reason given)";
}

// "file:line: message" of the first failure in `result`, on one line.
std::string FirstFailure(const ::testing::TestResult& result) {
  for (int i = 0; i < result.total_part_count(); ++i) {
    const auto& part = result.GetTestPartResult(i);
    if (!part.failed()) continue;
    std::string message = part.summary();
    // ADD_FAILURE() and FAIL() prefix the message with "Failed\n".
    if (message.rfind("Failed\n", 0) == 0) message = message.substr(7);
    std::replace(message.begin(), message.end(), '\n', ' ');
    if (part.file_name() == nullptr) return message;
    return std::string(part.file_name()) + ":" + std::to_string(part.line_number()) + ": " + message;
  }
  return "(no failure message)";
}
}  // namespace

void SummaryPrinter::OnTestIterationStart(const ::testing::UnitTest&, int) {
  std::lock_guard lock(mu_);
  // gtest reuses its TestInfos in every iteration (--gtest_repeat): only this one's ended cases.
  ended_.clear();
}

void SummaryPrinter::OnTestEnd(const ::testing::TestInfo& info) {
  std::lock_guard lock(mu_);
  ended_.push_back(&info);
}

void SummaryPrinter::Tally(const ::testing::TestInfo& info) {
  std::string area = info.test_suite_name();
  if (auto slash = area.rfind('/'); slash != std::string::npos) area = area.substr(slash + 1);
  Counts& counts = by_area_[area];
  const ::testing::TestResult& result = *info.result();
  if (result.Skipped()) {
    ++counts.skipped;
    ++skip_reasons_[SkipReason(result)];
  } else if (result.Failed()) {
    ++counts.failed;
    failed_.push_back(area + "." + info.name());
  } else {
    ++counts.passed;
  }
}

bool SummaryPrinter::Ended(const ::testing::TestInfo* info) const {
  return std::find(ended_.begin(), ended_.end(), info) != ended_.end();
}

// The verdicts are read here, not in OnTestEnd: gtest reports the iteration and decides the exit
// status from the results as they are now, and a result can still change after its case's
// OnTestEnd (a thread that outlived the case records into it, or into its suite).
void SummaryPrinter::OnTestIterationEnd(const ::testing::UnitTest& unit, int iteration) {
  std::lock_guard lock(mu_);
  const size_t named_before = failed_.size() + outside_cases_.size();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      // As gtest counts: every case selected to run (an ended one has its result).
      if (suite.GetTestInfo(j)->should_run()) Tally(*suite.GetTestInfo(j));
    }
    if (suite.ad_hoc_test_result().Failed()) {
      outside_cases_.push_back(std::string(suite.name()) + " (iteration " + std::to_string(iteration + 1) +
                               "): " + FirstFailure(suite.ad_hoc_test_result()));
    }
  }
  // The same predicate gtest's exit status comes from, evaluated on the same results.
  if (!unit.Passed()) {
    gtest_failed_ = true;
    if (failed_.size() + outside_cases_.size() == named_before && !unit.ad_hoc_test_result().Failed()) {
      outside_cases_.push_back("iteration " + std::to_string(iteration + 1) +
                               ": gtest failed it, and neither a case nor a suite says why");
    }
  }
  ended_.clear();
}

void SummaryPrinter::NoteFailureOutsideSuites(const ::testing::UnitTest& unit) {
  // gtest keeps this result over every iteration: a failure in it fails them all; list it once.
  if (unit.ad_hoc_test_result().Failed()) {
    outside_cases_.push_back("the run, outside every suite: " + FirstFailure(unit.ad_hoc_test_result()));
  }
}

bool SummaryPrinter::Conformant() const {
  for (const auto& [area, c] : by_area_) {
    if (c.failed > 0) return false;
  }
  return outside_cases_.empty() && !gtest_failed_;
}

void SummaryPrinter::OnTestProgramEnd(const ::testing::UnitTest& unit) {
  std::lock_guard lock(mu_);
  NoteFailureOutsideSuites(unit);
  Print(0);
}

int SummaryPrinter::ExitStatus(int gtest_status) {
  std::lock_guard lock(mu_);
  const bool conformant = Conformant();
  if ((gtest_status == 0) != conformant) {
    out_ << "podlife-conformance: gtest's verdict (exit status " << gtest_status << ") and the summary ("
         << (conformant ? "conformant" : "NOT conformant")
         << ") disagree: a failure was recorded after the summary was written; the exit status is 1\n";
    out_.flush();
  }
  return gtest_status == 0 && conformant ? 0 : 1;
}

void SummaryPrinter::Abandon(const ::testing::UnitTest& unit, const std::string& stuck_case, const std::string& why,
                             const std::string& junit_path) {
  std::lock_guard lock(mu_);
  for (const auto* info : ended_) Tally(*info);  // this iteration so far
  std::string area = stuck_case.substr(0, stuck_case.find('.'));
  if (auto slash = area.rfind('/'); slash != std::string::npos) area = area.substr(slash + 1);
  ++by_area_[area].failed;
  failed_.push_back(stuck_case + "  (" + why + ")");
  NoteFailureOutsideSuites(unit);
  int not_run = 0;
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const auto* info = suite.GetTestInfo(j);
      if (info->should_run() && !Ended(info)) ++not_run;
    }
  }
  Print(not_run - 1);  // the stuck case is counted as failed
  if (!junit_path.empty()) WriteJUnit(unit, stuck_case, why, junit_path);
}

void SummaryPrinter::Print(int not_run) {
  Counts total;
  for (const auto& [area, c] : by_area_) {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  // One case (as ctest runs them): no table, unless the run was cut short.
  if (total.passed + total.failed + total.skipped <= 1 && not_run == 0 && outside_cases_.empty()) return;
  out_ << "\n== podlife conformance summary: " << identity_.heading << "\n";
  out_ << std::left << std::setw(12) << "area" << std::right << std::setw(8) << "passed" << std::setw(8) << "failed"
       << std::setw(9) << "skipped" << "\n";
  for (const auto& [area, c] : by_area_) {
    out_ << std::left << std::setw(12) << area << std::right << std::setw(8) << c.passed << std::setw(8) << c.failed
         << std::setw(9) << c.skipped << "\n";
  }
  out_ << std::left << std::setw(12) << "total" << std::right << std::setw(8) << total.passed << std::setw(8)
       << total.failed << std::setw(9) << total.skipped << "\n";
  if (!skip_reasons_.empty()) {
    out_ << "skipped, by reason:\n";
    std::vector<std::pair<std::string, int>> reasons(skip_reasons_.begin(), skip_reasons_.end());
    std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [reason, n] : reasons) out_ << "  " << std::setw(4) << n << "  " << reason << "\n";
  }
  if (!failed_.empty()) {
    out_ << "failed:\n";
    for (const auto& name : failed_) out_ << "  " << name << "\n";
  }
  if (!outside_cases_.empty()) {
    out_ << "failed outside any case (gtest fails the run for these too):\n";
    for (const auto& what : outside_cases_) out_ << "  " << what << "\n";
  }
  if (not_run > 0) out_ << "not run: " << not_run << " case(s); the run ended early, see the failed case above\n";
  out_ << (Conformant() ? "RESULT: conformant for every case run\n" : "RESULT: NOT conformant\n");
  out_.flush();
}

namespace {
std::string XmlEscaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no other control characters than tab, newline and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The XML declaration and the <testsuites> element's opening tag: `counts` (attributes, or ""),
// then the run's identity as gtest writes recorded properties.
void OpenReport(std::ostream& xml, const RunIdentity& identity, const std::string& counts) {
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"podlife-conformance\"" << counts;
  for (const auto& [name, value] : identity.attributes) xml << " " << name << "=\"" << XmlEscaped(value) << "\"";
  xml << ">\n";
}

// One <testcase> of a case that ended, as gtest would write it (failures with file:line).
void WriteEndedCase(std::ostream& xml, const ::testing::TestInfo& info) {
  const auto& result = *info.result();
  xml << "    <testcase name=\"" << XmlEscaped(info.name()) << "\" classname=\"" << XmlEscaped(info.test_suite_name())
      << "\" time=\"" << result.elapsed_time() / 1000.0 << "\">\n";
  for (int k = 0; k < result.total_part_count(); ++k) {
    const auto& part = result.GetTestPartResult(k);
    if (part.skipped()) {
      xml << "      <skipped message=\"" << XmlEscaped(part.message()) << "\"/>\n";
    } else if (part.failed()) {
      const std::string where = std::string(part.file_name() ? part.file_name() : "") + ":" +
                                std::to_string(part.line_number());
      xml << "      <failure message=\"" << XmlEscaped(where + ": " + part.summary()) << "\" type=\"\">"
          << XmlEscaped(where + "\n" + part.message()) << "</failure>\n";
    }
  }
  xml << "    </testcase>\n";
}
}  // namespace

std::string WriteStartUpFailure(const std::string& path, const RunIdentity& identity, const std::string& error) {
  std::ofstream xml(path);
  if (!xml) return "cannot write the JUnit report " + path;
  OpenReport(xml, identity, " tests=\"1\" failures=\"1\"");
  xml << "  <testsuite name=\"podlife-conformance\" tests=\"1\" failures=\"1\">\n"
      << "    <testcase name=\"StartUp\" classname=\"podlife-conformance\">\n"
      << "      <failure message=\"" << XmlEscaped(error) << "\" type=\"\">" << XmlEscaped(error)
      << "; no case ran</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n";
  xml.close();
  return xml ? "" : "cannot write the JUnit report " + path;
}

void SummaryPrinter::WriteJUnit(const ::testing::UnitTest& unit, const std::string& stuck_case,
                                const std::string& why, const std::string& path) {
  std::ofstream xml(path);
  if (!xml) {
    out_ << "podlife-conformance: cannot write the JUnit report " << path << "\n";
    return;
  }
  OpenReport(xml, identity_, "");
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    if (suite.test_to_run_count() == 0) continue;
    xml << "  <testsuite name=\"" << XmlEscaped(suite.name()) << "\">\n";
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const auto* info = suite.GetTestInfo(j);
      if (!info->should_run()) continue;
      const std::string full = std::string(info->test_suite_name()) + "." + info->name();
      if (Ended(info)) {
        WriteEndedCase(xml, *info);
      } else if (full == stuck_case) {
        xml << "    <testcase name=\"" << XmlEscaped(info->name()) << "\" classname=\"" << XmlEscaped(suite.name())
            << "\">\n      <failure message=\"" << XmlEscaped(why) << "\" type=\"\">" << XmlEscaped(why)
            << "; see the test output for its diagnostics</failure>\n    </testcase>\n";
      } else {
        xml << "    <testcase name=\"" << XmlEscaped(info->name()) << "\" classname=\"" << XmlEscaped(suite.name())
            << "\">\n      <skipped message=\"not run: the run ended early when " << XmlEscaped(stuck_case)
            << " did not return\"/>\n    </testcase>\n";
      }
    }
    xml << "  </testsuite>\n";
  }
  xml << "</testsuites>\n";
}

}  // namespace podlife::conformance
