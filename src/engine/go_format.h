// Go formatting helpers: the kubelet's messages are Go fmt output, and conformance compares them
// byte for byte, so the engine renders values the way Go's %q and %v would.
//
// Contract: GoQuote = fmt's %q of a string; GoSlice = %v of a []string ("[a b c]");
// RenderHandler = %v of a *LifecycleHandler (the API type's generated String()), per profile.
#pragma once

#include <string>
#include <vector>

#include "src/core/pod.h"
#include "src/core/profile.h"

namespace podlife {

std::string GoQuote(const std::string& s);
std::string GoSlice(const std::vector<std::string>& items);
std::string RenderHandler(const LifecycleHandler& handler, const Profile& profile);

}  // namespace podlife
