// ExecCall: a CRI ExecSync under way whose caller may stop waiting for it, as the kubelet stops
// waiting for a preStop hook at the grace while the exec goes on (EX-06).
//
// Contract:
// - Wait(clock, d) waits at most `d` on `clock`; true once the exec ended, then result() is
//   what CriClient::ExecSync would have returned. With GrpcCriClient and a real-time clock the
//   waiting thread drives the RPC itself, as a blocking call does: an exec that ends within the
//   wait costs no other thread and no hand-off. (On a FakeClock the RPC is driven from the pool.)
// - Detach(ended): the caller waits no more; `ended` runs once with the result: at once on the
//   caller's thread if the exec already ended, else on a TaskPool worker when it ends. At most
//   once; not while a Wait is under way. The call keeps itself alive until then.
// - Cancel() ends a GrpcCriClient exec still running (its result is then `rpc error: code =
//   Canceled ...`); the pooled default (a blocking CriClient::ExecSync) cannot be cancelled.
// - Thread-safe.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>

#include <absl/status/status.h>

#include <functional>
#include <memory>
#include <string>

#include "runtime/v1/api.grpc.pb.h"
#include "src/core/clock.h"

namespace podlife {

struct ExecResult {
  std::string stdout_text;
  std::string stderr_text;
  int exit_code = 0;
  absl::Status error;  // OK only when the command ran and exited 0

  // RunInContainer's output: stdout then stderr (EX-02).
  std::string CombinedOutput() const { return stdout_text + stderr_text; }
};

class ExecCall {
 public:
  virtual ~ExecCall() = default;
  virtual bool Wait(Clock& clock, Duration d) = 0;
  virtual const ExecResult& result() const = 0;
  virtual void Detach(std::function<void(const ExecResult&)> ended) = 0;
  virtual void Cancel() = 0;
};

// A blocking exec (any CriClient's ExecSync) run on TaskPool::Shared().
std::shared_ptr<ExecCall> StartPooledExecCall(std::function<ExecResult()> exec);

// The ExecSync RPC on `stub` with `request`, deadline `deadline` from now (0: none); `to_result`
// turns its status and response into the ExecResult. `stub` must outlive the call.
using ExecResultOf = std::function<ExecResult(const grpc::Status&, const runtime::v1::ExecSyncResponse&)>;
std::shared_ptr<ExecCall> StartGrpcExecCall(runtime::v1::RuntimeService::StubInterface& stub,
                                            const runtime::v1::ExecSyncRequest& request,
                                            std::chrono::milliseconds deadline, ExecResultOf to_result);

}  // namespace podlife
