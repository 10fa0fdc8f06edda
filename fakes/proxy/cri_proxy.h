// CriProxy: a recording, fault-injecting CRI runtime.v1 proxy in front of any CRI runtime
// (containerd, CRI-O, or podlife's fake). A node agent (the kubelet, podlife's engine, yours)
// talks to the proxy's socket; the proxy forwards every RuntimeService and ImageService call to
// the upstream runtime, records it in the same CallLog the fake keeps, and applies the same
// faults, gates, hangs and latency (CallFront, fakes/cri/call_front.h) before forwarding.
//
// Contract:
// - Start() listens like the fake (a private 0700 directory with a 0600 socket when `listen` is
//   empty, else the address given) and connects lazily to `upstream`; a bad address is an error
//   naming it. address() reads the listening address back as `unix:///...` or `tcp://host:PORT`.
// - Every method of proto/runtime/v1/api.proto is forwarded. A forwarded call carries the client's
//   deadline, is cancelled when the client cancels (grpc::ClientContext::FromServerContext), and
//   carries the client's own metadata (not gRPC's transport headers). Messages up to 16 MiB pass
//   both ways, as the kubelet allows.
// - The upstream's answer (response and status) is the client's answer. An upstream that is down
//   gives UNAVAILABLE; the channel reconnects (backoff at most 1 s), so once the upstream is back the
//   proxy serves again. WaitForUpstream() waits, with a deadline, until it is connected.
// - A faulted call never reaches the upstream. Strict like the fake: Unconsumed() lists one-shot
//   faults and gates nobody used.
// - Thread-safe. Shutdown() (also run by the destructor) releases every gate and held call, stops
//   the server, and removes the socket (and the private directory when it made one).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/cri/call_front.h"
#include "fakes/cri/listen_socket.h"
#include "fakes/cri/scenario.h"

namespace podlife::fakes {

struct CriProxyOptions {
  // "" = a unix socket in a fresh private directory; or "unix:///path", "tcp://127.0.0.1:0".
  std::string listen;
  std::string upstream;  // the runtime: "unix:///run/containerd/containerd.sock", "tcp://host:port"
  size_t call_log_capacity = 0;  // 0 = keep every call
};

class CriProxy {
 public:
  // Returns nullptr and sets *error when an address is bad or the proxy cannot listen.
  static std::unique_ptr<CriProxy> Start(const CriProxyOptions& options, std::string* error);
  ~CriProxy();
  CriProxy(const CriProxy&) = delete;
  CriProxy& operator=(const CriProxy&) = delete;

  const std::string& address() const { return address_; }
  const std::string& upstream() const { return upstream_; }
  std::string grpc_target() const;
  std::shared_ptr<grpc::Channel> NewChannel() const;

  // The record/fault layer: call log and faults, with the fake's API (FailNext, HoldNext, ...).
  CallFront& front() { return front_; }
  CallLog& calls() { return front_.calls(); }

  // Waits until the channel to the upstream is connected (it tries to connect meanwhile).
  [[nodiscard]] WaitResult WaitForUpstream(Millis timeout) const;

  std::vector<std::string> Unconsumed() const { return front_.Unconsumed(); }
  WaitResult VerifyAllConsumed() const;

  void Shutdown();

 private:
  class RuntimeForwarder;
  class ImageForwarder;

  CriProxy();

  // Records the call, applies faults, and forwards it with `call` on `stub`.
  template <class Stub, class Req, class Resp>
  grpc::Status Forward(const char* method, grpc::ServerContext* ctx, const Req& req, Resp* resp, Stub* stub,
                       grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*));

  std::mutex mu_;  // the front's waits (latency, hangs) sleep on it; the proxy has no state
  std::condition_variable wake_;
  CallFront front_{&mu_, &wake_};
  std::atomic<bool> shut_down_{false};

  std::shared_ptr<grpc::Channel> upstream_channel_;
  std::unique_ptr<RuntimeForwarder> runtime_service_;
  std::unique_ptr<ImageForwarder> image_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::string upstream_;
  ListenPlan plan_;
};

// What a scenario file may script on the proxy: faults and callLogCapacity. Exec results,
// workloads and pod IPs belong to a simulated runtime; a real one runs real commands and assigns
// real addresses, so such a section is an error naming it (and the file). "" when it applies.
std::string CheckProxyScenario(const Scenario& scenario, const std::string& source_name);
void ApplyProxyScenario(const Scenario& scenario, CriProxy& proxy);

}  // namespace podlife::fakes
