#include "fakes/cri/flavor.h"

namespace podlife::fakes {

const char* FlavorName(Flavor flavor) {
  switch (flavor) {
    case Flavor::kCri: return "cri";
    case Flavor::kContainerd1_6_20: return "containerd-1.6.20";
  }
  return "cri";
}

std::optional<Flavor> ParseFlavor(const std::string& name) {
  for (Flavor f : {Flavor::kCri, Flavor::kContainerd1_6_20}) {
    if (name == FlavorName(f)) return f;
  }
  return std::nullopt;
}

std::string FlavorChoices() {
  return std::string(FlavorName(Flavor::kCri)) + ", " + FlavorName(Flavor::kContainerd1_6_20);
}

}  // namespace podlife::fakes
