// CasesMarkdown: CASES.md, generated from the registered contract blocks and the list of spec
// behaviours the suite does not cover (uncovered.cc), so the document cannot drift from the code
// (a test compares it with conformance/CASES.md). Each spec ID in it links to its section of
// docs/behaviours.md.
//
// BehavioursMarkdown: docs/behaviours.md with its generated "checked by" blocks rewritten. The
// catalogue is written by hand except, under each behaviour, the block between
// `<!-- checked-by ID -->` and `<!-- end checked-by -->`, which lists the cases whose contracts
// name ID (or why none does). Every ID a case or uncovered.cc names must have a block and an
// anchor `<a id="id"></a>` (lower case, what CASES.md links to); otherwise the result is an error
// naming the ID, as is a block that is not closed or appears twice.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

namespace podlife::conformance {

struct UncoveredBehaviour {
  std::string id;
  std::string reason;
};
const std::vector<UncoveredBehaviour>& UncoveredBehaviours();

std::string CasesMarkdown();

// `document` is the current docs/behaviours.md, read from `source` (named in errors); the result
// is the same text with every checked-by block regenerated (unchanged when it is current).
absl::StatusOr<std::string> BehavioursMarkdown(const std::string& document, const std::string& source);

}  // namespace podlife::conformance
