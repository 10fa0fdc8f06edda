// The runtime backends (fake, cri) and implementations (builtin, command) behind the framework's
// interfaces. The command implementation speaks PROTOCOL.md to a child process.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
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
#include "fakes/proxy/cri_proxy.h"
#include "runtime/v1/api.grpc.pb.h"
#include "src/core/endpoint.h"
#include "src/core/profile.h"
#include "src/engine/engine_session.h"
#include "src/manifest/manifest.h"

extern char** environ;

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

constexpr auto kResultTimeout = std::chrono::seconds(120);

// One child process: writes requests to its stdin, reads JSON lines from its stdout on a thread.
// Events travel on the same pipe as results but nobody waits for them, so the reader can lag
// behind what the fake already saw: ReadPending() lets a reader of the event log catch up first.
class ProtocolChild {
 public:
  static std::unique_ptr<ProtocolChild> Spawn(const std::string& command, std::string* error) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return nullptr;
    }
    // Only the suite's end: ReadPending() takes what the pipe holds without waiting for more.
    fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    // Its own process group, so ending it ends whatever `sh -c` started, exec'd or not; SIGPIPE
    // back to its default (the suite ignores it, and an ignored signal survives exec).
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t default_signals;
    sigemptyset(&default_signals);
    sigaddset(&default_signals, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &default_signals);
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, const_cast<char**>(argv), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
      close(in[1]);
      close(out[0]);
      *error = "cannot start `" + command + "`";
      return nullptr;
    }
    std::unique_ptr<ProtocolChild> c(new ProtocolChild());
    c->pid_ = pid;
    c->to_child_ = in[1];
    c->from_child_ = out[0];
    c->command_ = command;
    c->reader_ = std::thread([p = c.get()] { p->ReadLoop(); });
    return c;
  }

  ~ProtocolChild() {
    if (to_child_ >= 0) close(to_child_);  // EOF: the implementation exits, closing its stdout
    bool closed = false;
    {
      std::unique_lock lock(mu_);
      closed = cv_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
    }
    if (!closed) kill(-pid_, SIGKILL);  // it ignored EOF: end it so the reader thread ends too
    int status = 0;
    waitpid(pid_, &status, 0);
    if (reader_.joinable()) reader_.join();
    close(from_child_);
  }

  void set_events(EventLog* events) { events_ = events; }

  // SIGKILLs the child's process group when a request is outstanding (a Sync blocked in the
  // implementation, or a restart in the middle of one), and waits until it is gone, so nothing
  // it was doing carries on after this returns.
  void KillIfBusy() {
    if (!busy_) return;
    kill(-pid_, SIGKILL);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
  }

  // Writes one request line; "" or why it could not (EPIPE: the process is gone, e.g. killed by
  // a cancel, which fails this call instead of signalling the suite).
  std::string Send(const json& request) {
    busy_ = true;
    const std::string line = request.dump() + "\n";
    for (size_t written = 0; written < line.size();) {
      const ssize_t n = write(to_child_, line.data() + written, line.size() - written);
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
  std::optional<json> Next(const std::string& key, std::string* error) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kResultTimeout, [&] { return !messages_.empty() || closed_; })) {
      *error = "no " + key + " from `" + command_ + "` within " + std::to_string(kResultTimeout.count()) + "s";
      return std::nullopt;
    }
    if (messages_.empty()) {
      *error = "`" + command_ + "` closed its output before sending a " + key + (bad_line_.empty() ? "" : "; last bad line: " + bad_line_);
      return std::nullopt;
    }
    json m = std::move(messages_.front());
    messages_.pop_front();
    busy_ = false;
    if (!m.contains(key)) {
      *error = "expected a " + key + " message, got " + m.dump();
      return std::nullopt;
    }
    return m[key];
  }

 private:
  ProtocolChild() = default;

  void ReadLoop() {
    pollfd readable{from_child_, POLLIN, 0};
    while (true) {
      // Ends at the child's EOF; the destructor makes sure there is one (SIGKILL).
      if (poll(&readable, 1, -1) < 0 && errno != EINTR) break;
      std::lock_guard read_lock(read_mu_);
      if (!ReadAvailable()) break;
    }
    MarkClosed();
  }

  // Reads and handles what the pipe holds now; false at the end of the child's output. Whoever
  // holds read_mu_ has every line read so far handled: no line is half-way between the two.
  bool ReadAvailable() {
    char chunk[4096];
    while (true) {
      const ssize_t n = read(from_child_, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) return false;
      // Only the new bytes can hold a newline: scanning the whole partial line each time made a
      // long line quadratic (6 MiB in 4 KiB reads is 4.7 GB of searching).
      const size_t scanned = partial_line_.size();
      partial_line_.append(chunk, static_cast<size_t>(n));
      for (size_t nl = partial_line_.find('\n', scanned); nl != std::string::npos; nl = partial_line_.find('\n')) {
        Handle(partial_line_.substr(0, nl));
        partial_line_.erase(0, nl + 1);
      }
    }
  }

  void MarkClosed() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  void Handle(const std::string& line) {
    if (line.empty()) return;
    json m = json::parse(line, nullptr, false);
    std::lock_guard lock(mu_);
    if (m.is_discarded() || !m.is_object()) {
      bad_line_ = line;
      return;
    }
    if (m.contains("event") && events_ != nullptr) {
      const json& e = m["event"];
      const std::string object = e.value("object", "pod");
      events_->Record({e.value("type", ""), e.value("reason", ""), object == "pod" ? "" : object, e.value("message", ""), {}});
      return;
    }
    messages_.push_back(std::move(m));
    cv_.notify_all();
  }

  pid_t pid_ = 0;
  std::atomic<bool> busy_{false};
  int to_child_ = -1;
  int from_child_ = -1;
  std::string command_;
  std::thread reader_;
  std::mutex read_mu_;  // held while reading from the child and handling what was read
  std::string partial_line_;
  EventLog* events_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> messages_;
  bool closed_ = false;
  std::string bad_line_;
};

struct Hello {
  std::string name;
  std::vector<std::string> profiles;
  std::vector<std::string> capabilities;
};

std::optional<Hello> ReadHello(ProtocolChild& child, std::string* error) {
  auto hello = child.Next("hello", error);
  if (!hello) return std::nullopt;
  Hello h;
  h.name = hello->value("name", "?");
  if (hello->value("protocol", 0) != 1) {
    *error = "implementation speaks protocol " + hello->value("protocol", json(0)).dump() + ", want 1";
    return std::nullopt;
  }
  for (const auto& p : hello->value("profiles", json::array())) h.profiles.push_back(p.get<std::string>());
  for (const auto& c : hello->value("capabilities", json::array())) h.capabilities.push_back(c.get<std::string>());
  return h;
}

class CommandPod : public PodUnderTest {
 public:
  CommandPod(std::unique_ptr<ProtocolChild> child) : child_(std::move(child)) { child_->set_events(&events_); }
  ~CommandPod() override { child_.reset(); }

  std::optional<json> Call(const json& request, std::string* error) {
    std::lock_guard lock(call_mu_);
    if (std::string failed = child_->Send(request); !failed.empty()) {
      *error = failed;
      return std::nullopt;
    }
    return child_->Next("result", error);
  }

  SyncReport Sync() override {
    SyncReport out;
    std::string error;
    auto r = Call(sync_request_, &error);
    if (!r) {
      out.error = error;
      return out;
    }
    out.ok = r->value("ok", false);
    out.error = r->value("error", "");
    for (const auto& c : r->value("containers", json::array())) {
      out.containers.push_back({c.value("name", ""), c.value("init", false), c.value("containerId", ""),
                                c.value("reason", ""), c.value("message", "")});
    }
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
    return {r->value("exitCode", -1), r->value("stdout", ""), r->value("stderr", ""), r->value("error", "")};
  }

  json sync_request_;

 private:
  std::string Simple(const json& request) {
    std::string error;
    auto r = Call(request, &error);
    if (!r) return error;
    return r->value("ok", false) ? "" : r->value("error", std::string("failed without an error text"));
  }

  std::mutex call_mu_;
  std::unique_ptr<ProtocolChild> child_;
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
    auto pod = std::make_unique<CommandPod>(std::move(child));
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
