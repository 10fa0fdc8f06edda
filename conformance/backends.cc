// The runtime backends (fake, cri) and implementations (builtin, command) behind the framework's
// interfaces. The command implementation speaks PROTOCOL.md to a child process.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "conformance/framework.h"
#include "conformance/implementation_process.h"
#include "conformance/protocol_messages.h"
#include "fakes/proxy/cri_proxy.h"
#include "runtime/v1/api.grpc.pb.h"
#include "src/core/endpoint.h"
#include "src/core/profile.h"
#include "src/engine/engine_session.h"
#include "src/manifest/manifest.h"

namespace podlife::conformance {

namespace {

using nlohmann::json;
namespace cri = ::runtime::v1;

// --- runtimes --------------------------------------------------------------------------------

class FakeRuntime : public RuntimeBackend {
 public:
  explicit FakeRuntime(std::unique_ptr<fakes::FakeCriServer> server, std::string image)
      : server_(std::move(server)), image_(std::move(image)) {}
  std::string name() const override { return "fake"; }
  std::string endpoint() const override { return server_->address(); }
  bool Has(Capability c) const override { return c != Capability::kRunsCommands; }
  std::string image() const override { return image_; }
  fakes::FakeCriServer* fake() override { return server_.get(); }
  fakes::CallFront* front() override { return &server_->front(); }
  std::string ExitContainer(const std::string& container_id, int exit_code, const std::string& reason) override {
    server_->ExitContainer(container_id, exit_code, reason);
    return "";
  }
  std::vector<std::string> Unconsumed() override { return server_->Unconsumed(); }
  void Shutdown() override { server_->Shutdown(); }
  void IgnoreSigterm(const std::string& container) override {
    fakes::WorkloadRule rule;
    rule.container_name = container;
    rule.ignores_sigterm = true;
    server_->ScriptWorkload(rule);
  }

 private:
  std::unique_ptr<fakes::FakeCriServer> server_;
  std::string image_;
};

// A real CRI runtime behind an in-process CRI proxy (fakes/proxy): the implementation talks to the
// proxy, which records every call and applies the case's faults before forwarding. The suite's
// own side-channel calls for exit control go to the runtime directly, so they are not in the log.
class CriRuntime : public RuntimeBackend {
 public:
  CriRuntime(std::unique_ptr<fakes::CriProxy> proxy, std::string image)
      : proxy_(std::move(proxy)), image_(std::move(image)) {
    auto parsed = ParseEndpoint(proxy_->upstream());
    auto channel = grpc::CreateChannel(std::get<Endpoint>(parsed).GrpcTarget(), grpc::InsecureChannelCredentials());
    runtime_ = cri::RuntimeService::NewStub(channel);
  }
  std::string name() const override { return proxy_->upstream(); }
  std::string endpoint() const override { return proxy_->address(); }
  bool Has(Capability c) const override {
    return c == Capability::kRunsCommands || c == Capability::kCallLog || c == Capability::kFaults ||
           c == Capability::kExitControl;
  }
  std::string WhyLacks(Capability c) const override {
    switch (c) {
      case Capability::kExecScript:
        return "a real runtime runs the exec'd command itself, so its output and exit cannot be scripted";
      case Capability::kClockControl:
        return "a real runtime reports the time a container really finished; it cannot be set in the past";
      case Capability::kPodIp:
        return "a pod on its own network needs CNI, and its IP would not reach the host's loopback where the "
               "hook endpoints listen";
      default:
        return "";
    }
  }
  std::string image() const override { return image_; }
  std::string workload_command(bool stubborn) const override {
    return stubborn ? kExitableStubbornWorkloadCommand : kExitableWorkloadCommand;
  }
  fakes::CallFront* front() override { return &proxy_->front(); }
  std::vector<std::string> Unconsumed() override { return proxy_->Unconsumed(); }
  void Shutdown() override { proxy_->Shutdown(); }
  std::string ExitContainer(const std::string& container_id, int exit_code, const std::string& reason) override;

 private:
  std::string State(const std::string& container_id, int* exit_code);

  std::unique_ptr<fakes::CriProxy> proxy_;
  std::string image_;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;  // direct, past the proxy
  std::mutex poll_mu_;
  std::condition_variable poll_cv_;  // nobody notifies it: the wait between two polls of the runtime
};

std::string CriRuntime::State(const std::string& container_id, int* exit_code) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  cri::ContainerStatusRequest request;
  request.set_container_id(container_id);
  cri::ContainerStatusResponse response;
  grpc::Status st = runtime_->ContainerStatus(&context, request, &response);
  if (!st.ok()) return "ContainerStatus: " + st.error_message();
  *exit_code = response.status().exit_code();
  return cri::ContainerState_Name(response.status().state());
}

// The workload (kExitableWorkloadCommand) exits with the code in /.podlife-exit on SIGUSR1. The
// exec ends with the container (its process dies with PID 1), so its own outcome says nothing;
// the container's state does.
std::string CriRuntime::ExitContainer(const std::string& container_id, int exit_code, const std::string&) {
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    cri::ExecSyncRequest request;
    request.set_container_id(container_id);
    for (const char* arg : {"sh", "-c"}) request.add_cmd(arg);
    request.add_cmd("echo " + std::to_string(exit_code) + " > /.podlife-exit && kill -USR1 1");
    request.set_timeout(10);
    cri::ExecSyncResponse response;
    (void)runtime_->ExecSync(&context, request, &response);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string state;
  int code = -1;
  // containerd records the exit from its task event shortly after the process ended: poll for it.
  for (int polls = 0; std::chrono::steady_clock::now() < deadline; ++polls) {
    state = State(container_id, &code);
    if (state == "CONTAINER_EXITED") break;
    std::unique_lock lock(poll_mu_);
    poll_cv_.wait_for(lock, std::chrono::milliseconds(polls < 10 ? 10 : 50));
  }
  if (state != "CONTAINER_EXITED") {
    return "container " + container_id + " did not exit within 20 s of SIGUSR1 (state " + state +
           "); does its command come from {WORKLOAD} or {STUBBORN_WORKLOAD}?";
  }
  if (code != exit_code) {
    return "container " + container_id + " exited " + std::to_string(code) + ", want " + std::to_string(exit_code);
  }
  return "";
}

// --- builtin: the engine in-process ---------------------------------------------------------

class BuiltinPod : public PodUnderTest {
 public:
  static std::unique_ptr<BuiltinPod> Create(const std::string& manifest, const std::string& endpoint,
                                            const std::string& profile, const PodOptions& options, std::string* error) {
    std::unique_ptr<BuiltinPod> p(new BuiltinPod());
    if (*error = ReadPod(manifest, &p->pod_); !error->empty()) return nullptr;
    EngineSessionOptions session;
    session.endpoint = endpoint;
    session.profile = profile == "1.21" ? &Profile121() : &Profile135();
    session.request_timeout = options.runtime_request_timeout;
    auto connected = EngineSession::Connect(session, p->events_);
    if (!connected.ok()) {
      *error = std::string(connected.status().message());
      return nullptr;
    }
    p->engine_ = std::move(*connected);
    return p;
  }
  ~BuiltinPod() override {
    cancel_->Notify();
    engine_.reset();
  }

  SyncReport SyncChanged(const std::string& manifest) override {
    if (std::string error = ReadPod(manifest, &pod_); !error.empty()) return {false, error, {}};
    return Sync();
  }
  SyncReport Sync() override {
    PodSyncResult r = engine_->Sync(pod_, cancel_);
    SyncReport out;
    out.ok = r.ok();
    out.error = r.error;
    for (const auto& c : r.containers) {
      out.containers.push_back({c.name, c.init_container, c.start.container_id, c.start.error_reason, c.start.message});
    }
    return out;
  }
  std::string Kill(std::optional<int64_t> grace_override) override {
    auto st = engine_->Kill(pod_, grace_override);
    return st.ok() ? "" : std::string(st.message());
  }
  std::string KillDeleted(const std::string& uid, std::optional<int64_t> grace_override) override {
    auto st = engine_->KillDeletedPod(uid, grace_override);
    return st.ok() ? "" : std::string(st.message());
  }
  std::string Remove() override {
    auto st = engine_->Remove();
    return st.ok() ? "" : std::string(st.message());
  }
  void Cancel() override { cancel_->Notify(); }
  ExecReport Exec(const std::string& id, const std::vector<std::string>& cmd, int timeout_seconds) override {
    ExecResult r = engine_->cri().ExecSync(id, cmd, std::chrono::seconds(timeout_seconds));
    return {r.exit_code, r.stdout_text, r.stderr_text, r.error.ok() ? "" : std::string(r.error.message())};
  }

 private:
  BuiltinPod() = default;
  // The manifest as the API server would hand it over (defaults applied); "" or the error.
  static std::string ReadPod(const std::string& manifest, podlife::Pod* out) {
    auto parsed = manifest::ParsePod(manifest, "pod.yaml");
    if (auto* e = std::get_if<manifest::ManifestError>(&parsed)) return e->message;
    *out = std::get<podlife::Pod>(parsed);
    manifest::ApplyApiServerDefaults(*out);
    return "";
  }
  podlife::Pod pod_;
  std::unique_ptr<EngineSession> engine_;
  std::shared_ptr<Notification> cancel_ = std::make_shared<Notification>();
};

class BuiltinImplementation : public Implementation {
 public:
  std::string name() const override { return "builtin"; }
  bool Has(Capability c) const override { return true; }
  bool Supports(const std::string& profile) const override { return profile == "1.21" || profile == "1.35"; }
  std::unique_ptr<PodUnderTest> Create(const std::string& manifest, const std::string& endpoint,
                                       const std::string& profile, const PodOptions& options,
                                       std::string* error) override {
    return BuiltinPod::Create(manifest, endpoint, profile, options, error);
  }
};

// --- command: a child process speaking PROTOCOL.md -------------------------------------------

// How long the suite waits for an implementation's hello (it writes it first, unasked), for a
// result, and for the process to exit once its stdin closed before its group is killed.
constexpr auto kHelloTimeout = std::chrono::seconds(10);
constexpr auto kResultTimeout = std::chrono::seconds(120);
constexpr auto kExitGrace = std::chrono::seconds(2);
// The longest line the suite reads (PROTOCOL.md). An exec result carries at most the kubelet's
// 16 MiB of output, which JSON escapes can make a few times longer. A longer line is a protocol
// error; the suite never holds more than this much of it.
constexpr size_t kMaxLineBytes = size_t{64} << 20;

// At most 120 characters of an implementation's line, for messages.
std::string Excerpt(const std::string& line) {
  std::string shown = line.size() > 120 ? line.substr(0, 120) + "... (" + std::to_string(line.size()) + " bytes)" : line;
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return shown;
}

// "a string", "a number", ... for messages about a field of the wrong type.
std::string JsonKind(const json& v) { return std::string(v.type_name()); }

// One child process speaking PROTOCOL.md: writes requests to its stdin, reads JSON lines from its
// stdout on a thread. Events travel on the same pipe as results but nobody waits for them, so the
// reader can lag behind what the fake already saw: ReadPending() lets a reader of the event log
// catch up first. The first line that breaks the protocol (not a JSON object, an unknown message,
// a field of the wrong type, a result nobody asked for, a line over kMaxLineBytes) is kept, the
// rest of the output is drained unread, and every call from then on fails naming that line.
class ProtocolChild {
 public:
  static std::unique_ptr<ProtocolChild> Spawn(const std::string& command, std::string* error) {
    auto process = ImplementationProcess::Start(command, error);
    if (!process) return nullptr;
    std::unique_ptr<ProtocolChild> c(new ProtocolChild());
    if (pipe2(c->stop_, O_CLOEXEC) != 0) {
      *error = std::string("cannot make a pipe: ") + std::strerror(errno);
      return nullptr;
    }
    c->process_ = std::move(process);
    c->command_ = command;
    c->reader_ = std::thread([p = c.get()] { p->ReadLoop(); });
    return c;
  }

  ~ProtocolChild() {
    if (process_) process_->End(kExitGrace);  // EOF, then its whole process group is killed
    if (stop_[1] >= 0) close(stop_[1]);       // the reader ends even if something outside holds the pipe
    if (reader_.joinable()) reader_.join();
    for (int fd : stop_) {
      if (fd >= 0) close(fd);
    }
  }

  void set_events(EventLog* events) {
    std::lock_guard lock(mu_);  // the reader is running already
    events_ = events;
  }

  // SIGKILLs the child's whole process group now.
  void Kill() { process_->KillGroup(); }

  // SIGKILLs the child's process group when a request is outstanding (a Sync blocked in the
  // implementation, or a restart in the middle of one), and waits until its output closed, so
  // nothing it was doing carries on after this returns.
  void KillIfBusy() {
    if (!busy_) return;
    process_->KillGroup();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
  }

  // Writes one request line; "" or why it could not (EPIPE: the process is gone, e.g. killed by
  // a cancel, which fails this call instead of signalling the suite).
  std::string Send(const json& request) {
    busy_ = true;
    {
      std::lock_guard lock(mu_);
      ++outstanding_;
    }
    const std::string line = request.dump() + "\n";
    for (size_t written = 0; written < line.size();) {
      const ssize_t n = write(process_->to_child(), line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return "cannot write the " + request.value("op", std::string("?")) + " request to `" + command_ +
               "`: " + std::strerror(errno) + (errno == EPIPE ? " (the process closed its stdin or has ended)" : "");
      }
      written += static_cast<size_t>(n);
    }
    return "";
  }

  // Handles every line the child has written so far (events included) before returning.
  void ReadPending() {
    std::lock_guard read_lock(read_mu_);
    if (!ReadAvailable()) MarkClosed();
  }

  // The next message with `key` ("hello" or "result"), or an error text.
  std::optional<json> Next(const std::string& key, std::chrono::seconds timeout, std::string* error) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !messages_.empty() || closed_ || !violation_.empty(); })) {
      *error = "no " + key + " from `" + command_ + "` within " + std::to_string(timeout.count()) + " s";
      return std::nullopt;
    }
    // The lines read together with this message (one write, one read) are all handled once the
    // reader lets go of read_mu_: a violation among them (a second result) counts now.
    lock.unlock();
    { std::lock_guard settled(read_mu_); }
    lock.lock();
    if (!violation_.empty()) {
      *error = "`" + command_ + "` broke the protocol (conformance/PROTOCOL.md): " + violation_;
      return std::nullopt;
    }
    if (messages_.empty()) {
      lock.unlock();
      const std::string how = process_->ExitDescription(std::chrono::seconds(1));
      *error = "`" + command_ + "` closed its output before sending a " + key + (how.empty() ? "" : " (it " + how + ")");
      return std::nullopt;
    }
    json m = std::move(messages_.front());
    messages_.pop_front();
    busy_ = false;
    if (!m.contains(key)) {
      *error = "`" + command_ + "` sent " + Excerpt(m.dump()) + " where a " + key + " was due";
      return std::nullopt;
    }
    return m[key];
  }

 private:
  ProtocolChild() = default;

  void ReadLoop() {
    pollfd readable[3] = {{process_->from_child(), POLLIN, 0}, {stop_[0], POLLIN, 0}, {process_->exit_fd(), POLLIN, 0}};
    while (true) {
      // Ends at the child's EOF, when the child has exited (a process it left behind may hold its
      // stdout: what the child wrote is in the pipe by then, and is read first), or when the
      // destructor closes the stop pipe.
      if (poll(readable, 3, -1) < 0 && errno != EINTR) break;
      if (readable[1].revents != 0) break;
      std::lock_guard read_lock(read_mu_);
      if (!ReadAvailable() || readable[2].revents != 0) break;
    }
    MarkClosed();
  }

  // Reads and handles what the pipe holds now; false at the end of the child's output. Whoever
  // holds read_mu_ has every line read so far handled: no line is half-way between the two.
  bool ReadAvailable() {
    std::vector<char>& chunk = chunk_;
    while (true) {
      const ssize_t n = read(process_->from_child(), chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) return false;
      if (broken_) continue;  // drained unread after a protocol error
      size_t begin = 0;
      for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
        if (chunk[i] != '\n') continue;
        partial_line_.append(chunk.data() + begin, i - begin);
        ++line_number_;
        Handle(partial_line_);
        partial_line_.clear();
        begin = i + 1;
        if (broken_) break;
      }
      if (broken_) continue;
      const size_t rest = static_cast<size_t>(n) - begin;
      if (partial_line_.size() + rest > kMaxLineBytes) {  // checked before appending: never more in memory
        Violation("line " + std::to_string(line_number_ + 1) + " is longer than " +
                  std::to_string(kMaxLineBytes >> 20) + " MiB, the longest line the suite reads; it begins " +
                  Excerpt(partial_line_.substr(0, 120)));
        continue;
      }
      partial_line_.append(chunk.data() + begin, rest);
    }
  }

  void MarkClosed() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  // Keeps the first protocol error, drops what was buffered, and wakes every waiter.
  void Violation(const std::string& what) {
    std::lock_guard lock(mu_);
    broken_ = true;
    partial_line_.clear();
    partial_line_.shrink_to_fit();
    if (violation_.empty()) violation_ = what;
    cv_.notify_all();
  }

  void Handle(const std::string& line) {
    ImplementationLine decoded = DecodeImplementationLine(line);
    const std::string where = "line " + std::to_string(line_number_);
    switch (decoded.kind) {
      case ImplementationLine::Kind::kBlank:
        return;
      case ImplementationLine::Kind::kMalformed:
        return Violation(where + ": " + decoded.error + ": " + Excerpt(line));
      case ImplementationLine::Kind::kEvent: {
        std::lock_guard lock(mu_);
        if (events_ != nullptr) events_->Record(std::move(decoded.event));
        return;
      }
      case ImplementationLine::Kind::kMessage:
        break;
    }
    json& m = decoded.message;
    std::unique_lock lock(mu_);
    if (m.contains("hello")) {
      if (said_hello_) {
        lock.unlock();
        return Violation(where + ": a second hello: " + Excerpt(line));
      }
      said_hello_ = true;
    } else if (m.contains("result")) {
      if (outstanding_ == 0) {
        lock.unlock();
        return Violation(where + ": a result while no request was outstanding: " + Excerpt(line));
      }
      --outstanding_;
    } else {
      lock.unlock();
      return Violation(where + " is neither a hello, an event nor a result: " + Excerpt(line));
    }
    messages_.push_back(std::move(m));
    cv_.notify_all();
  }

  std::unique_ptr<ImplementationProcess> process_;
  int stop_[2] = {-1, -1};  // closed by the destructor to end the reader
  std::atomic<bool> busy_{false};
  std::string command_;
  std::thread reader_;
  std::mutex read_mu_;  // held while reading from the child and handling what was read
  std::vector<char> chunk_ = std::vector<char>(64 << 10);
  std::string partial_line_;
  size_t line_number_ = 0;
  bool broken_ = false;  // a protocol error was seen: the rest is drained unread (read_mu_)
  EventLog* events_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> messages_;
  int outstanding_ = 0;  // requests sent whose result has not arrived
  bool said_hello_ = false;
  bool closed_ = false;
  std::string violation_;
};

struct Hello {
  std::string name;
  std::vector<std::string> profiles;
  std::vector<std::string> capabilities;
};

// The hello's fields, or nullopt with `error` naming what is wrong (protocol_messages.h).
std::optional<Hello> DecodeHelloFields(const json& hello, std::string* error) {
  auto decoded = DecodeHello(hello);
  if (auto* bad = std::get_if<std::string>(&decoded)) {
    *error = *bad;
    return std::nullopt;
  }
  auto& h = std::get<HelloMessage>(decoded);
  return Hello{h.name, h.profiles, h.capabilities};
}

std::optional<Hello> ReadHello(ProtocolChild& child, std::string* error) {
  auto hello = child.Next("hello", kHelloTimeout, error);
  std::optional<Hello> decoded = hello ? DecodeHelloFields(*hello, error) : std::nullopt;
  if (!decoded) child.Kill();  // it will not serve this pod: no grace for it to exit
  return decoded;
}

// "" when `result` (the value of a result message) answers a request of `op` with fields of the
// types PROTOCOL.md gives, else what is wrong.
std::string CheckResult(const json& result, const std::string& op) {
  if (!result.is_object()) return "the result must be an object, got " + JsonKind(result);
  auto wrong = [](const json& object, const std::string& path, const char* key, json::value_t want) -> std::string {
    auto it = object.find(key);
    if (it == object.end()) return "";
    if (it->type() == want || (want == json::value_t::number_integer && it->is_number_integer())) return "";
    const char* kind = want == json::value_t::boolean  ? "true or false"
                       : want == json::value_t::string ? "a string"
                       : want == json::value_t::array  ? "an array"
                                                       : "an integer";
    return path + key + ": must be " + kind + ", got " + JsonKind(*it);
  };
  using T = json::value_t;
  if (auto it = result.find("op"); it != result.end()) {
    if (!it->is_string()) return "result.op: must be a string, got " + JsonKind(*it);
    if (*it != op) return "the result of the " + op + " request is a result for op \"" + it->get<std::string>() + "\"";
  }
  for (auto [key, type] : {std::pair{"ok", T::boolean}, {"error", T::string}, {"containers", T::array},
                           {"exitCode", T::number_integer}, {"stdout", T::string}, {"stderr", T::string}}) {
    if (std::string w = wrong(result, "result.", key, type); !w.empty()) return w;
  }
  size_t i = 0;
  for (const auto& c : result.value("containers", json::array())) {
    const std::string path = "result.containers[" + std::to_string(i++) + "].";
    if (!c.is_object()) return path.substr(0, path.size() - 1) + ": must be an object, got " + JsonKind(c);
    for (auto [key, type] : {std::pair{"name", T::string}, {"init", T::boolean}, {"containerId", T::string},
                             {"reason", T::string}, {"message", T::string}}) {
      if (std::string w = wrong(c, path, key, type); !w.empty()) return w;
    }
  }
  if (auto it = result.find("exitCode"); it != result.end() && (*it < INT32_MIN || *it > INT32_MAX)) {
    return "result.exitCode: must fit in 32 bits, got " + it->dump();
  }
  return "";
}

class CommandPod : public PodUnderTest {
 public:
  CommandPod(std::unique_ptr<ProtocolChild> child, std::string command)
      : child_(std::move(child)), command_(std::move(command)) {
    child_->set_events(&events_);
  }
  ~CommandPod() override { child_.reset(); }

  // The result of `request`, its fields checked against PROTOCOL.md (so reading them cannot
  // throw), or nullopt with the error.
  std::optional<json> Call(const json& request, std::string* error) {
    std::lock_guard lock(call_mu_);
    if (std::string failed = child_->Send(request); !failed.empty()) {
      *error = failed;
      return std::nullopt;
    }
    auto result = child_->Next("result", kResultTimeout, error);
    if (!result) return std::nullopt;
    if (std::string wrong = CheckResult(*result, request.value("op", "")); !wrong.empty()) {
      *error = "`" + command_ + "` broke the protocol (conformance/PROTOCOL.md): " + wrong + ": " + Excerpt(result->dump());
      return std::nullopt;
    }
    return result;
  }

  SyncReport Sync() override {
    SyncReport out;
    std::string error;
    auto r = Call(sync_request_, &error);
    if (!r) {
      out.error = error;
      return out;
    }
    auto decoded = DecodeSyncResult(*r);
    if (auto* bad = std::get_if<std::string>(&decoded)) {
      out.error = *bad;
      return out;
    }
    auto& result = std::get<SyncReply>(decoded);
    out.ok = result.ok;
    out.error = result.error;
    for (auto& c : result.containers) out.containers.push_back({c.name, c.init, c.container_id, c.reason, c.message});
    return out;
  }
  SyncReport SyncChanged(const std::string& manifest) override {
    sync_request_["pod"] = manifest;
    return Sync();
  }
  std::string Kill(std::optional<int64_t> grace_override) override {
    // The sync request's pod, profile and endpoint go along: a process that has not synced the
    // pod (it started over) must find it in the runtime (PROTOCOL.md).
    json req = sync_request_;
    req["op"] = "kill";
    if (grace_override) req["gracePeriodOverride"] = *grace_override;
    return Simple(req);
  }
  std::string KillDeleted(const std::string& uid, std::optional<int64_t> grace_override) override {
    json req = sync_request_;
    req.erase("pod");
    req["op"] = "kill";
    req["podUid"] = uid;
    if (grace_override) req["gracePeriodOverride"] = *grace_override;
    return Simple(req);
  }
  std::string Remove() override { return Simple({{"op", "remove"}}); }
  // The protocol has no cancel: a pod still syncing is ended by ending its process.
  void Cancel() override { child_->KillIfBusy(); }
  EventLog& events() override {
    child_->ReadPending();
    return events_;
  }
  ExecReport Exec(const std::string& id, const std::vector<std::string>& cmd, int timeout_seconds) override {
    std::string error;
    auto r = Call({{"op", "exec"}, {"containerId", id}, {"command", cmd}, {"timeoutSeconds", timeout_seconds}}, &error);
    if (!r) return {-1, "", "", error};
    auto decoded = DecodeExecResult(*r);
    if (auto* bad = std::get_if<std::string>(&decoded)) return {-1, "", "", *bad};
    auto& result = std::get<ExecReply>(decoded);
    return {result.exit_code, result.stdout_text, result.stderr_text, result.error};
  }

  json sync_request_;

 private:
  std::string Simple(const json& request) {
    std::string error;
    auto r = Call(request, &error);
    if (!r) return error;
    auto decoded = DecodeDoneResult(*r);
    if (auto* bad = std::get_if<std::string>(&decoded)) return *bad;
    return std::get<DoneReply>(decoded).error;
  }

  std::mutex call_mu_;
  std::unique_ptr<ProtocolChild> child_;
  std::string command_;
};

class CommandImplementation : public Implementation {
 public:
  explicit CommandImplementation(std::string command, Hello hello) : command_(std::move(command)), hello_(std::move(hello)) {}
  std::string name() const override { return "command:" + hello_.name; }
  bool Has(Capability c) const override {
    for (const auto& name : hello_.capabilities) {
      if (name == CapabilityName(c)) return true;
    }
    return false;
  }
  bool Supports(const std::string& profile) const override {
    for (const auto& p : hello_.profiles) {
      if (p == profile) return true;
    }
    return false;
  }
  std::unique_ptr<PodUnderTest> Create(const std::string& manifest, const std::string& endpoint,
                                       const std::string& profile, const PodOptions& options,
                                       std::string* error) override {
    auto child = ProtocolChild::Spawn(command_, error);
    if (!child) return nullptr;
    if (!ReadHello(*child, error)) return nullptr;
    auto pod = std::make_unique<CommandPod>(std::move(child), command_);
    pod->sync_request_ = {{"op", "sync"},
                          {"profile", profile},
                          {"runtimeEndpoint", endpoint},
                          {"runtimeRequestTimeoutMs", options.runtime_request_timeout.count()},
                          {"pod", manifest}};
    return pod;
  }

 private:
  std::string command_;
  Hello hello_;
};

}  // namespace

std::unique_ptr<Implementation> MakeImplementation(const std::string& spec, std::string* error) {
  // The suite writes to implementations that may have ended (a cancelled one is killed): such a
  // write must fail its call, and the case, not end the suite by SIGPIPE.
  static const bool sigpipe_ignored = signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  if (spec == "builtin") return std::make_unique<BuiltinImplementation>();
  if (spec.rfind("command:", 0) == 0 && spec.size() > 8) {
    static std::mutex mu;
    static std::map<std::string, Hello> hellos;  // one handshake per command per process
    std::lock_guard lock(mu);
    const std::string command = spec.substr(8);
    auto it = hellos.find(command);
    if (it == hellos.end()) {
      auto child = ProtocolChild::Spawn(command, error);
      if (!child) return nullptr;
      auto hello = ReadHello(*child, error);
      if (!hello) return nullptr;
      it = hellos.emplace(command, *hello).first;
    }
    return std::make_unique<CommandImplementation>(command, it->second);
  }
  *error = "--implementation: want builtin or command:CMD, got '" + spec + "'";
  return nullptr;
}

std::string CheckRuntimeReachable(const std::string& runtime) {
  if (runtime == "fake" || runtime.rfind("fake:", 0) == 0) return "";
  auto parsed = ParseEndpoint(runtime);
  if (auto* bad = std::get_if<EndpointError>(&parsed)) return bad->message;
  auto stub = cri::RuntimeService::NewStub(
      grpc::CreateChannel(std::get<Endpoint>(parsed).GrpcTarget(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  cri::VersionResponse response;
  const grpc::Status st = stub->Version(&context, cri::VersionRequest(), &response);
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return "cannot connect to " + runtime + ": " + st.error_message();
  }
  return "";
}

std::unique_ptr<RuntimeBackend> MakeRuntime(const Selection& selection, std::string* error) {
  if (selection.runtime == "fake" || selection.runtime.rfind("fake:", 0) == 0) {
    fakes::FakeCriOptions options;
    options.simulate_commands = true;  // shell-like exec results, so cases run unchanged on real runtimes
    options.private_logs = true;       // container logs in the fake's own directory, not /var/log/pods
    if (selection.runtime != "fake") {
      auto flavor = fakes::ParseFlavor(selection.runtime.substr(5));
      if (!flavor) {
        *error = "--runtime: unknown fake flavour in '" + selection.runtime + "' (want " + fakes::FlavorChoices() + ")";
        return nullptr;
      }
      options.flavor = *flavor;
    }
    auto server = fakes::FakeCriServer::Start(options, error);
    if (!server) return nullptr;
    server->SetPodIps({"127.0.0.1"});  // the pod IP reaches the host's loopback, where hook endpoints listen
    return std::make_unique<FakeRuntime>(std::move(server), selection.image);
  }
  if (selection.runtime.rfind("unix://", 0) == 0 || selection.runtime.rfind("tcp://", 0) == 0) {
    // A proxy of its own for each case: a fresh call log and fault script, as the fake gives.
    auto proxy = fakes::CriProxy::Start({"", selection.runtime}, error);
    if (!proxy) return nullptr;
    return std::make_unique<CriRuntime>(std::move(proxy), selection.image);
  }
  *error = "--runtime: want fake or unix:///path/to/cri.sock, got '" + selection.runtime + "'";
  return nullptr;
}

}  // namespace podlife::conformance
