#include "fakes/cri/call_log.h"

#include <iomanip>
#include <sstream>

#include "fakes/cri/status_names.h"
#include "runtime/v1/api.pb.h"

namespace podlife::fakes {

namespace {
constexpr size_t kRequestTextLimit = 300;
constexpr size_t kKeyTextLimit = 160;
namespace cri = ::runtime::v1;

std::string Truncated(std::string text, size_t limit) {
  return text.size() > limit ? text.substr(0, limit) + "..." : text;
}

std::string ShortId(const std::string& id) { return id.size() > 13 ? id.substr(0, 13) : id; }

std::string Container(const std::string& id, const ContainerNamer& namer) {
  std::string name = namer ? namer(id) : "";
  return "container=" + (name.empty() ? ShortId(id) : name);
}

std::string Command(const google::protobuf::RepeatedPtrField<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return "cmd=[" + Truncated(out, 80) + "]";
}

std::string Filter(const google::protobuf::Message& filter) {
  const std::string text = filter.ShortDebugString();
  return text.empty() ? "all" : "filter={" + Truncated(text, 80) + "}";
}

std::string Seconds(double seconds) {
  std::ostringstream out;
  out << (seconds >= 0 ? "+" : "") << std::fixed << std::setprecision(3) << seconds << "s";
  return out.str();
}
}  // namespace

std::string KeyFields(const CallRecord& record, const ContainerNamer& namer) {
  const google::protobuf::Message* m = record.request.get();
  if (m == nullptr) return "";
  if (auto* r = dynamic_cast<const cri::RunPodSandboxRequest*>(m)) {
    const auto& md = r->config().metadata();
    return "pod=" + md.name() + " attempt=" + std::to_string(md.attempt()) +
           (r->runtime_handler().empty() ? "" : " handler=" + r->runtime_handler());
  }
  if (auto* r = dynamic_cast<const cri::StopPodSandboxRequest*>(m)) return "sandbox=" + ShortId(r->pod_sandbox_id());
  if (auto* r = dynamic_cast<const cri::RemovePodSandboxRequest*>(m)) return "sandbox=" + ShortId(r->pod_sandbox_id());
  if (auto* r = dynamic_cast<const cri::PodSandboxStatusRequest*>(m)) return "sandbox=" + ShortId(r->pod_sandbox_id());
  if (auto* r = dynamic_cast<const cri::ListPodSandboxRequest*>(m)) return Filter(r->filter());
  if (auto* r = dynamic_cast<const cri::ListContainersRequest*>(m)) return Filter(r->filter());
  if (auto* r = dynamic_cast<const cri::CreateContainerRequest*>(m)) {
    const auto& c = r->config();
    return "container=" + c.metadata().name() + " attempt=" + std::to_string(c.metadata().attempt()) +
           " image=" + c.image().image() + " sandbox=" + ShortId(r->pod_sandbox_id());
  }
  if (auto* r = dynamic_cast<const cri::StartContainerRequest*>(m)) return Container(r->container_id(), namer);
  if (auto* r = dynamic_cast<const cri::RemoveContainerRequest*>(m)) return Container(r->container_id(), namer);
  if (auto* r = dynamic_cast<const cri::ContainerStatusRequest*>(m)) return Container(r->container_id(), namer);
  if (auto* r = dynamic_cast<const cri::StopContainerRequest*>(m)) {
    return Container(r->container_id(), namer) + " timeout=" + std::to_string(r->timeout()) + "s";
  }
  if (auto* r = dynamic_cast<const cri::ExecSyncRequest*>(m)) {
    return Container(r->container_id(), namer) + " " + Command(r->cmd()) + " timeout=" + std::to_string(r->timeout()) +
           "s";
  }
  if (auto* r = dynamic_cast<const cri::PullImageRequest*>(m)) return "image=" + r->image().image();
  if (auto* r = dynamic_cast<const cri::ImageStatusRequest*>(m)) return "image=" + r->image().image();
  if (auto* r = dynamic_cast<const cri::RemoveImageRequest*>(m)) return "image=" + r->image().image();
  return Truncated(m->ShortDebugString(), kKeyTextLimit);
}

std::string CallRecord::Describe() const {
  std::ostringstream out;
  out << "#" << seq << " " << method << " deadline=";
  if (deadline) {
    out << deadline->count() << "ms";
  } else {
    out << "none";
  }
  out << " -> " << (finished ? StatusCodeName(code) : "(in progress)");
  if (finished && code != grpc::StatusCode::OK) out << " \"" << status_message << "\"";
  if (request) {
    std::string text = request->ShortDebugString();
    if (text.size() > kRequestTextLimit) text = text.substr(0, kRequestTextLimit) + "...";
    out << " {" << text << "}";
  }
  return out.str();
}

uint64_t CallLog::Begin(CallRecord record) {
  std::lock_guard lock(mu_);
  record.seq = next_seq_++;
  uint64_t seq = record.seq;
  records_.push_back(std::move(record));
  if (capacity_ > 0) {
    while (records_.size() > capacity_) records_.pop_front();
  }
  cv_.notify_all();
  return seq;
}

void CallLog::Finish(uint64_t seq, const grpc::Status& status, std::string answered_id) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  if (records_.empty() || seq < records_.front().seq) return;  // evicted by the capacity
  CallRecord& r = records_[seq - records_.front().seq];
  r.finished = true;
  r.finished_at = now;
  r.answered_id = std::move(answered_id);
  r.code = status.error_code();
  r.status_message = status.error_message();
  cv_.notify_all();
}

std::vector<CallRecord> CallLog::Snapshot() const {
  std::lock_guard lock(mu_);
  return {records_.begin(), records_.end()};
}

std::vector<CallRecord> CallLog::Calls(std::string_view method) const {
  std::lock_guard lock(mu_);
  std::vector<CallRecord> out;
  for (const auto& r : records_) {
    if (r.method == method) out.push_back(r);
  }
  return out;
}

uint64_t CallLog::total() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

void CallLog::SetCapacity(size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = capacity;
  if (capacity_ > 0) {
    while (records_.size() > capacity_) records_.pop_front();
  }
}

void CallLog::Clear() {
  std::lock_guard lock(mu_);
  records_.clear();
}

WaitResult CallLog::WaitFor(const CallMatcher& matcher, std::chrono::milliseconds timeout, CallRecord* found,
                            uint64_t after_seq) const {
  return WaitImpl(matcher, timeout, found, after_seq, false);
}

WaitResult CallLog::WaitForFinished(const CallMatcher& matcher, std::chrono::milliseconds timeout,
                                    CallRecord* found, uint64_t after_seq) const {
  return WaitImpl(matcher, timeout, found, after_seq, true);
}

WaitResult CallLog::WaitImpl(const CallMatcher& matcher, std::chrono::milliseconds timeout, CallRecord* found,
                             uint64_t after_seq, bool need_finished) const {
  std::unique_lock lock(mu_);
  const CallRecord* hit = nullptr;
  auto search = [&] {
    for (const auto& r : records_) {
      if (r.seq > after_seq && matcher.Matches(r) && (!need_finished || r.finished)) {
        hit = &r;
        return true;
      }
    }
    return false;
  };
  if (!cv_.wait_for(lock, timeout, [&] { return search() || abandoned_; }) || hit == nullptr) {
    std::ostringstream msg;
    msg << (abandoned_ ? "the watchdog ended the wait" : "timed out after " + std::to_string(timeout.count()) + "ms")
        << " waiting for " << (need_finished ? "finished " : "")
        << "call " << matcher.Describe();
    if (after_seq > 0) msg << " after #" << after_seq;
    msg << "; the calls that arrived instead:\n" << CompactLocked();
    return WaitResult::Failure(msg.str());
  }
  if (found) *found = *hit;
  return WaitResult::Ok();
}

void CallLog::AbandonWaits() {
  std::lock_guard lock(mu_);
  abandoned_ = true;
  cv_.notify_all();
}

WaitResult CallLog::ExpectSubsequence(const std::vector<CallMatcher>& expected) const {
  std::lock_guard lock(mu_);
  size_t next = 0;
  for (const auto& r : records_) {
    if (next < expected.size() && expected[next].Matches(r)) ++next;
  }
  if (next == expected.size()) return WaitResult::Ok();
  std::ostringstream msg;
  msg << "expected calls in this order:\n";
  for (size_t i = 0; i < expected.size(); ++i) {
    msg << "  " << (i < next ? "[seen]    " : i == next ? "[MISSING] " : "[after]   ") << expected[i].Describe()
        << "\n";
  }
  msg << "call log:\n" << CompactLocked();
  return WaitResult::Failure(msg.str());
}

WaitResult CallLog::ExpectNoCall(const std::string& method) const {
  std::lock_guard lock(mu_);
  for (const auto& r : records_) {
    if (r.method == method) {
      return WaitResult::Failure("expected no " + method + " call, but saw " + r.Describe() + "\ncall log:\n" +
                                 CompactLocked());
    }
  }
  return WaitResult::Ok();
}

std::string CallLog::Format() const {
  std::lock_guard lock(mu_);
  return FormatLocked();
}

namespace {
// "#7 StopContainer container=app timeout=2s deadline=3999ms -> OK"
std::string Line(const CallRecord& r, const ContainerNamer& namer) {
  std::ostringstream out;
  out << "#" << r.seq << " " << r.method;
  if (const std::string key = KeyFields(r, namer); !key.empty()) out << " " << key;
  out << " deadline=" << (r.deadline ? std::to_string(r.deadline->count()) + "ms" : std::string("none")) << " -> ";
  if (!r.finished) {
    out << "(no answer yet)";
  } else {
    out << StatusCodeName(r.code);
    if (r.code != grpc::StatusCode::OK) out << " \"" << Truncated(r.status_message, kKeyTextLimit) << "\"";
  }
  return out.str();
}
}  // namespace

std::string CallLog::Timeline(std::chrono::system_clock::time_point origin, const ContainerNamer& namer) const {
  std::lock_guard lock(mu_);
  if (records_.empty()) return "  (no calls)\n";
  std::ostringstream out;
  if (records_.front().seq > 1) out << "  (" << records_.front().seq - 1 << " older calls evicted)\n";
  for (const auto& r : records_) {
    out << "  " << Seconds(std::chrono::duration<double>(r.received_at - origin).count()) << " " << Line(r, namer)
        << "\n";
  }
  return out.str();
}

std::string CallLog::CompactLocked() const {
  if (records_.empty()) return "  (no calls)\n";
  std::ostringstream out;
  if (records_.front().seq > 1) out << "  (" << records_.front().seq - 1 << " older calls evicted)\n";
  for (const auto& r : records_) out << "  " << Line(r, nullptr) << "\n";
  return out.str();
}

std::string CallLog::FormatLocked() const {
  if (records_.empty()) return "  (no calls)\n";
  std::ostringstream out;
  if (records_.front().seq > 1) out << "  (" << records_.front().seq - 1 << " older calls evicted)\n";
  for (const auto& r : records_) out << "  " << r.Describe() << "\n";
  return out.str();
}


}  // namespace podlife::fakes
