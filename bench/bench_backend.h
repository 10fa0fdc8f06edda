// BenchBackend: the CRI runtime a benchmark runs against.
//
// Contract:
// - StartFake() starts the in-process fake CRI runtime with a bounded call log
//   (kFakeCallLogCapacity records) and exec hooks (kExecHookCommand) scripted to exit 0 at once.
// - ForEndpoint() uses a runtime already serving at `endpoint` (e.g. containerd from the
//   real-runtime lane); its hooks run for real, its pods use `image`, which must be present or
//   pullable there.
// - Benchmarks never branch on the backend: they run the same bench pods on both. CallsServed()
//   is the one capability that differs: the number of RPCs the runtime received, where it can
//   tell (the fake's call log), nullopt elsewhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "fakes/cri/fake_cri_server.h"

namespace podlife::bench {

inline constexpr size_t kFakeCallLogCapacity = 1024;

class BenchBackend {
 public:
  // nullptr and *error when the fake cannot listen.
  static std::unique_ptr<BenchBackend> StartFake(std::string* error);
  static std::unique_ptr<BenchBackend> ForEndpoint(std::string endpoint, std::string image);

  const std::string& name() const { return name_; }  // "fake" or "real": the `backend:` in names
  const std::string& endpoint() const { return endpoint_; }
  const std::string& image() const { return image_; }
  std::optional<uint64_t> CallsServed() const;

 private:
  BenchBackend() = default;

  std::string name_;
  std::string endpoint_;
  std::string image_;
  std::unique_ptr<fakes::FakeCriServer> fake_;
};

}  // namespace podlife::bench
