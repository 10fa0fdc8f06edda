// The podlife version and what `--version` prints.
//
// Contract: Version() is the CMake project's VERSION (e.g. "0.1.0"), compiled into this library
// alone, so every program reports the same one. VersionText("podlife") is
// "podlife 0.1.0\nprofiles: 1.21 1.35\n": the program, the version, and the kubelet profiles
// this build knows (ProfileNames(), in order), one line each.
#pragma once

#include <string>

namespace podlife {

const char* Version();
std::string VersionText(const std::string& program);

}  // namespace podlife
