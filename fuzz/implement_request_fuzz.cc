// Fuzz target: `podlife implement` reading the suite's request lines (cli/protocol_request.h):
// each line of the input is decoded as the request loop decodes it, then the parts a request
// carries are read as the server reads them before it reaches a runtime (the pod manifest, the
// runtime endpoint). The runtime itself is left out: a fuzzer must not drive a real CRI endpoint.
// Contract checked: nothing throws, crashes or hangs; every rejected line says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <variant>

#include "cli/protocol_request.h"
#include "src/core/endpoint.h"
#include "src/manifest/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto decoded = podlife::cli::DecodeRequest(line);
    if (auto* bad = std::get_if<podlife::cli::ProtocolRequestError>(&decoded)) {
      if (bad->message.empty()) std::abort();
      continue;
    }
    const auto& request = std::get<podlife::cli::ProtocolRequest>(decoded);
    if (request.pod) (void)podlife::manifest::ParsePod(*request.pod, "pod");
    if (!request.runtime_endpoint.empty()) (void)podlife::ParseEndpoint(request.runtime_endpoint);
  }
  return 0;
}
