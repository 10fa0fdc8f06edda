// Fuzz target: the fake CRI server's scenario parser (fakes/cri/scenario.h), fed any bytes as a
// scenario file. Contract checked: ParseScenario never throws, crashes or hangs; an error names
// the source.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "fakes/cri/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = podlife::fakes::ParseScenario(text, "fuzz.yaml");
  if (auto* error = std::get_if<podlife::fakes::ScenarioError>(&parsed)) {
    if (error->message.rfind("fuzz.yaml", 0) != 0) std::abort();  // errors name the file
  }
  return 0;
}
