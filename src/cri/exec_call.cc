// Implements src/cri/exec_call.h.
#include "src/cri/exec_call.h"

#include <mutex>
#include <utility>

#include "src/core/go_duration.h"
#include "src/core/pooled_call.h"
#include "src/core/task_pool.h"

namespace podlife {

namespace {

class PooledExecCall final : public ExecCall {
 public:
  explicit PooledExecCall(std::function<ExecResult()> exec) : call_(PooledCall<ExecResult>::Start(std::move(exec))) {}
  bool Wait(Clock& clock, Duration d) override { return call_->Wait(clock, d); }
  const ExecResult& result() const override { return call_->result(); }
  void Detach(std::function<void(const ExecResult&)> ended) override { call_->Detach(std::move(ended)); }
  void Cancel() override {}  // a blocking ExecSync cannot be cancelled

 private:
  std::shared_ptr<PooledCall<ExecResult>> call_;
};

// The RPC on a completion queue of its own, which whoever waits drives: the waiting thread
// itself (AsyncNext up to its deadline, as a blocking call drives its own queue), or, once
// detached, a pool worker. Exactly one thread drives the queue at a time.
class GrpcExecCall final : public ExecCall, public std::enable_shared_from_this<GrpcExecCall> {
 public:
  explicit GrpcExecCall(ExecResultOf to_result) : to_result_(std::move(to_result)) {}

  ~GrpcExecCall() override {
    // Only once no thread drives the queue (a driving pool task holds the call). A call that
    // never ended is cancelled and its one event drained.
    if (context_) context_->TryCancel();
    ReleaseQueue();
    reader_.reset();
    context_.reset();
  }

  void Start(runtime::v1::RuntimeService::StubInterface& stub, const runtime::v1::ExecSyncRequest& request,
             std::chrono::milliseconds deadline) {
    if (deadline.count() > 0) context_->set_deadline(DeadlineAfter(std::chrono::system_clock::now(), deadline));
    reader_ = stub.AsyncExecSync(context_.get(), request, &queue_);
    reader_->Finish(&response_, &status_, this);
  }

  bool Wait(Clock& clock, Duration d) override {
    if (!clock.real_time()) {
      // The clock's time is not the queue's: a pool worker drives the RPC, the clock times the wait.
      DriveOnPool();
      return clock.WaitForNotification(ended_note_, d);
    }
    if (completion_.delivered()) return true;
    void* tag;
    bool ok;
    const auto deadline = DeadlineAfter(std::chrono::system_clock::now(), d);
    if (queue_.AsyncNext(&tag, &ok, deadline) != grpc::CompletionQueue::GOT_EVENT) return false;
    End();
    return true;
  }

  const ExecResult& result() const override { return completion_.result(); }

  void Detach(std::function<void(const ExecResult&)> ended) override {
    if (completion_.Detach(std::move(ended))) DriveOnPool();
  }

  void Cancel() override {
    std::lock_guard lock(mu_);
    if (context_) context_->TryCancel();
  }

 private:
  void DriveOnPool() {
    {
      std::lock_guard lock(mu_);
      if (pool_drives_ || completion_.delivered()) return;
      pool_drives_ = true;
    }
    TaskPool::Shared().Submit([self = shared_from_this()] {
      void* tag;
      bool ok;
      if (self->queue_.Next(&tag, &ok)) self->End();
    }, ended_note_);
  }

  // The RPC's one event arrived: the result; the call's hold on the channel released (so that
  // whoever the continuation tells may tear the client down); then the result delivered.
  void End() {
    ExecResult result;
    {
      std::lock_guard lock(mu_);  // against Cancel
      result = to_result_(status_, response_);
      reader_.reset();
      context_.reset();
    }
    ReleaseQueue();
    completion_.Deliver(std::move(result));
  }

  // Shuts the queue down and drains it (at most the RPC's one event); once is enough.
  void ReleaseQueue() {
    if (queue_released_) return;
    queue_released_ = true;
    queue_.Shutdown();
    void* tag;
    bool ok;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  const ExecResultOf to_result_;
  std::unique_ptr<grpc::ClientContext> context_ = std::make_unique<grpc::ClientContext>();
  grpc::CompletionQueue queue_;
  bool queue_released_ = false;  // only the driving thread, or the destructor, touches it
  std::unique_ptr<grpc::ClientAsyncResponseReaderInterface<runtime::v1::ExecSyncResponse>> reader_;
  runtime::v1::ExecSyncResponse response_;
  grpc::Status status_;

  std::mutex mu_;  // context_, reader_ and pool_drives_ between the driving thread and Cancel/Detach
  bool pool_drives_ = false;
  Completion<ExecResult> completion_;
  const std::shared_ptr<Notification> ended_note_ = std::make_shared<Notification>();
};

}  // namespace

std::shared_ptr<ExecCall> StartPooledExecCall(std::function<ExecResult()> exec) {
  return std::make_shared<PooledExecCall>(std::move(exec));
}

std::shared_ptr<ExecCall> StartGrpcExecCall(runtime::v1::RuntimeService::StubInterface& stub,
                                            const runtime::v1::ExecSyncRequest& request,
                                            std::chrono::milliseconds deadline, ExecResultOf to_result) {
  auto call = std::make_shared<GrpcExecCall>(std::move(to_result));
  call->Start(stub, request, deadline);
  return call;
}

}  // namespace podlife
