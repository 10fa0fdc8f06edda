#include "src/core/version.h"

#include "src/core/profile.h"

#ifndef PODLIFE_VERSION
#error "PODLIFE_VERSION (the CMake project's VERSION) must be defined by src/core/CMakeLists.txt"
#endif

namespace podlife {

const char* Version() { return PODLIFE_VERSION; }

std::string VersionText(const std::string& program) {
  std::string text = program + " " + Version() + "\nprofiles:";
  for (const auto& name : ProfileNames()) text += " " + name;
  return text + "\n";
}

}  // namespace podlife
