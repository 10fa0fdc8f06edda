// Fuzz target: the conformance suite reading an implementation's output lines
// (conformance/protocol_messages.h): each line of the input is decoded as the suite's reader
// decodes it (event, message, or malformed), and every hello or result it carries is decoded as
// each kind of reply the suite may be waiting for.
// Contract checked: nothing throws (the suite's reader thread must never terminate the suite),
// crashes or hangs; every rejection says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <variant>

#include "conformance/protocol_messages.h"

namespace {

template <typename Reply>
void CheckDecoded(const std::variant<Reply, std::string>& decoded) {
  if (auto* error = std::get_if<std::string>(&decoded); error != nullptr && error->empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using podlife::conformance::ImplementationLine;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(in, line);) {
    ImplementationLine decoded = podlife::conformance::DecodeImplementationLine(line);
    if (decoded.kind == ImplementationLine::Kind::kMalformed && decoded.error.empty()) std::abort();
    if (decoded.kind != ImplementationLine::Kind::kMessage) continue;
    const auto& m = decoded.message;
    if (auto hello = m.find("hello"); hello != m.end()) CheckDecoded(podlife::conformance::DecodeHello(*hello));
    if (auto result = m.find("result"); result != m.end()) {
      CheckDecoded(podlife::conformance::DecodeSyncResult(*result));
      CheckDecoded(podlife::conformance::DecodeExecResult(*result));
      CheckDecoded(podlife::conformance::DecodeDoneResult(*result));
    }
  }
  return 0;
}
