#include "conformance/case_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "conformance/framework.h"

namespace podlife::conformance {

namespace {
const RegisteredCase* FindCase(const std::string& area, const std::string& name) {
  for (const auto& c : AllCases()) {
    if (c.area == area && c.name == name) return &c;
  }
  return nullptr;
}

// The profile whose parameter name (ProfileParamName) is `suffix`, among those under test; "".
std::string ProfileNamed(const std::string& suffix) {
  for (const auto& profile : ProfilesUnderTest()) {
    if (ProfileParamName(::testing::TestParamInfo<std::string>(profile, 0)) == suffix) return profile;
  }
  return "";
}

bool AppliesTo(Profiles profiles, const std::string& profile) {
  return profiles == Profiles::kBoth || (profiles == Profiles::k121Only && profile == "1.21") ||
         (profiles == Profiles::k135Only && profile == "1.35");
}
}  // namespace

int WriteCaseList(std::ostream& out, const std::function<bool(const std::string& test)>& selected) {
  int written = 0;
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    std::string area = suite.name();
    if (auto slash = area.find('/'); slash != std::string::npos) area = area.substr(slash + 1);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const std::string gtest_name = suite.GetTestInfo(j)->name();  // Case/v135
      const std::string test = std::string(suite.name()) + "." + gtest_name;
      const size_t slash = gtest_name.find('/');
      if (slash == std::string::npos || !selected(test)) continue;
      const RegisteredCase* registered = FindCase(area, gtest_name.substr(0, slash));
      const std::string profile = ProfileNamed(gtest_name.substr(slash + 1));
      if (registered == nullptr || profile.empty() || !AppliesTo(registered->contract.profiles, profile)) continue;
      nlohmann::ordered_json ids = nlohmann::ordered_json::array();
      std::istringstream id_words(registered->contract.ids);
      for (std::string id; id_words >> id;) ids.push_back(id);
      nlohmann::ordered_json needs = nlohmann::ordered_json::array();
      for (Capability c : registered->contract.needs) needs.push_back(CapabilityName(c));
      const nlohmann::ordered_json line = {{"test", test},        {"area", area}, {"case", registered->name},
                                   {"profile", profile},  {"ids", ids},   {"needs", needs},
                                   {"must", registered->contract.must}};
      out << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
      ++written;
    }
  }
  return written;
}

}  // namespace podlife::conformance
