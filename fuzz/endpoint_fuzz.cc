// Fuzz target: the CRI endpoint parser (src/core/endpoint.h), as a user writes --runtime-endpoint.
// Contract checked: ParseEndpoint never throws or crashes; an accepted endpoint round-trips
// through ToString() to the same endpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "src/core/endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = podlife::ParseEndpoint(text);
  if (auto* error = std::get_if<podlife::EndpointError>(&parsed)) {
    if (error->message.empty()) std::abort();  // every rejection says why
    return 0;
  }
  const auto& endpoint = std::get<podlife::Endpoint>(parsed);
  (void)endpoint.GrpcTarget();
  auto again = podlife::ParseEndpoint(endpoint.ToString());
  const auto* reparsed = std::get_if<podlife::Endpoint>(&again);
  if (reparsed == nullptr || reparsed->kind != endpoint.kind || reparsed->path != endpoint.path ||
      reparsed->host_port != endpoint.host_port) {
    std::abort();  // ToString() must name the same endpoint
  }
  return 0;
}
