// Implements bench/bench_backend.h: the in-process fake, scripted for exec hooks, or a given endpoint.
#include "bench/bench_backend.h"

#include "bench/bench_pod.h"

namespace podlife::bench {

namespace {
// The image the bench pods use on every backend; the fake accepts any reference.
constexpr const char* kFakeImage = "localhost/busybox:podlife";
}  // namespace

std::unique_ptr<BenchBackend> BenchBackend::StartFake(std::string* error) {
  fakes::FakeCriOptions options;
  options.call_log_capacity = kFakeCallLogCapacity;
  auto fake = fakes::FakeCriServer::Start(options, error);
  if (!fake) return nullptr;
  fake->ScriptExec(kExecHookCommand, fakes::ExecResult{}, /*times=*/0);  // exit 0 at once, every time
  std::unique_ptr<BenchBackend> backend(new BenchBackend());
  backend->name_ = "fake";
  backend->endpoint_ = fake->address();
  backend->image_ = kFakeImage;
  backend->fake_ = std::move(fake);
  return backend;
}

std::unique_ptr<BenchBackend> BenchBackend::ForEndpoint(std::string endpoint, std::string image) {
  std::unique_ptr<BenchBackend> backend(new BenchBackend());
  backend->name_ = "real";
  backend->endpoint_ = std::move(endpoint);
  backend->image_ = std::move(image);
  return backend;
}

std::unique_ptr<BenchBackend> BenchBackend::ThroughProxy(const BenchBackend& upstream, std::string name,
                                                         std::string* error) {
  fakes::CriProxyOptions options;
  options.upstream = upstream.endpoint();
  options.call_log_capacity = kFakeCallLogCapacity;
  auto proxy = fakes::CriProxy::Start(options, error);
  if (!proxy) return nullptr;
  std::unique_ptr<BenchBackend> backend(new BenchBackend());
  backend->name_ = std::move(name);
  backend->endpoint_ = proxy->address();
  backend->image_ = upstream.image();
  backend->proxy_ = std::move(proxy);
  return backend;
}

std::optional<uint64_t> BenchBackend::CallsServed() const {
  if (!fake_) return std::nullopt;
  return fake_->calls().total();
}

}  // namespace podlife::bench
