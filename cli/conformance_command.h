// `podlife conformance`: runs the conformance suite (the podlife-conformance program, built in
// conformance/) with the same options, so users have one command to remember.
//
// Contract: finds podlife-conformance ($PODLIFE_CONFORMANCE, else beside this program's build or
// install location, else on PATH), replaces this process with it and passes every argument
// through. Returns only on failure to start it: 2 with a message naming what was tried.
#pragma once

#include <string>
#include <vector>

namespace podlife::cli {

extern const char* const kConformanceUsage;
int ConformanceCommand(const std::vector<std::string>& args);

}  // namespace podlife::cli
