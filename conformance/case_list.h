// CaseList: `podlife-conformance --list-cases`, the suite's case runs in a form a test driver
// reads (cmake/PodlifeConformance.cmake registers one ctest test per line, labelled by area,
// profile and spec IDs).
//
// Contract: one JSON object per line, one line per case run: every gtest test that `selected`
// accepts (its `Area.Case/vNNN` name) and whose case applies to the test's profile (a case of
// one profile is listed under that profile only; its other run would only skip), in gtest's
// registration order:
//   {"test":"Http.PathFormsTheUrlPerProfile/v135","area":"Http","case":"PathFormsTheUrlPerProfile",
//    "profile":"1.35","ids":["HT-03"],"needs":["call-log"],"must":"..."}
// `test` is unique and is the --filter value that runs exactly that run. Returns the number of
// lines written.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace podlife::conformance {

int WriteCaseList(std::ostream& out, const std::function<bool(const std::string& test)>& selected);

}  // namespace podlife::conformance
