// Flavor: which runtime's answers the fake CRI server gives where runtimes disagree.
//
// Contract: two flavours. `cri` follows the CRI contract (api.proto's comments) and current
// containerd (>= 1.6.35, >= 1.7.21, 2.x); `containerd-1.6.20` gives the answers of Debian 12's
// containerd 1.6.20, the runtime of podlife's real-runtime lane. Every answer that differs is
// listed in fakes/cri/README.md ("Flavours"). ParseFlavor accepts exactly the names FlavorName
// prints and returns nullopt for anything else.
#pragma once

#include <optional>
#include <string>

namespace podlife::fakes {

enum class Flavor {
  kCri,              // the CRI contract: StopContainer/StopPodSandbox of an unknown ID answer OK
  kContainerd1_6_20  // containerd 1.6.20: those stops answer NOT_FOUND
};

inline constexpr Flavor kDefaultFlavor = Flavor::kCri;

const char* FlavorName(Flavor flavor);
std::optional<Flavor> ParseFlavor(const std::string& name);
// "cri, containerd-1.6.20": for usage and error messages.
std::string FlavorChoices();

}  // namespace podlife::fakes
