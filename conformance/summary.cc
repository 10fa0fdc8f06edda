#include "conformance/summary.h"

#include <algorithm>
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
}  // namespace

void SummaryPrinter::OnTestEnd(const ::testing::TestInfo& info) {
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

void SummaryPrinter::OnTestProgramEnd(const ::testing::UnitTest&) {
  Counts total;
  for (const auto& [area, c] : by_area_) {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  if (total.passed + total.failed + total.skipped <= 1) return;  // one case (as ctest runs them): no table
  out_ << "\n== podlife conformance summary: " << heading_ << "\n";
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
  out_ << (total.failed == 0 ? "RESULT: conformant for every case run\n" : "RESULT: NOT conformant\n");
  out_.flush();
}

}  // namespace podlife::conformance
