// BenchBackend: the CRI runtime a benchmark runs against.
//
// Contract:
// - StartFake() starts the in-process fake CRI runtime with a bounded call log
//   (kFakeCallLogCapacity records) and exec hooks (kExecHookCommand) scripted to exit 0 at once.
// - ForEndpoint() uses a runtime already serving at `endpoint` (e.g. containerd from the
//   real-runtime lane); its hooks run for real, its pods use `image`, which must be present or
//   pullable there.
// - ThroughProxy() starts an in-process CriProxy (fakes/proxy) on a private socket in front of
//   `upstream`, with a bounded call log (kFakeCallLogCapacity): the same runtime reached the way
//   the suite's real-runtime backend reaches it; its name is `name`, its image the upstream's.
// - Benchmarks never branch on the backend: they run the same bench pods on both. CallsServed()
//   is the one capability that differs: the number of RPCs the runtime received, where it can
//   tell (the fake's call log), nullopt elsewhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/proxy/cri_proxy.h"

namespace podlife::bench {

inline constexpr size_t kFakeCallLogCapacity = 1024;

class BenchBackend {
 public:
  // nullptr and *error when the fake cannot listen.
  static std::unique_ptr<BenchBackend> StartFake(std::string* error);
  static std::unique_ptr<BenchBackend> ForEndpoint(std::string endpoint, std::string image);
  // nullptr and *error when the proxy cannot listen.
  static std::unique_ptr<BenchBackend> ThroughProxy(const BenchBackend& upstream, std::string name,
                                                    std::string* error);

  const std::string& name() const { return name_; }  // "fake", "real", "proxy", ...: the `backend:` in names
  const std::string& endpoint() const { return endpoint_; }
  const std::string& image() const { return image_; }
  std::optional<uint64_t> CallsServed() const;

 private:
  BenchBackend() = default;

  std::string name_;
  std::string endpoint_;
  std::string image_;
  std::unique_ptr<fakes::FakeCriServer> fake_;
  std::unique_ptr<fakes::CriProxy> proxy_;
};

}  // namespace podlife::bench
