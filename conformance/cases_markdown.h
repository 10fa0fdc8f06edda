// CasesMarkdown: CASES.md, generated from the registered contract blocks and the list of spec
// behaviours the suite does not cover (uncovered.cc), so the document cannot drift from the code
// (a test compares it with conformance/CASES.md).
#pragma once

#include <string>
#include <vector>

namespace podlife::conformance {

struct UncoveredBehaviour {
  std::string id;
  std::string reason;
};
const std::vector<UncoveredBehaviour>& UncoveredBehaviours();

std::string CasesMarkdown();

}  // namespace podlife::conformance
