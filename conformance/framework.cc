#include "conformance/framework.h"

#include <grpcpp/create_channel.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>

#include "conformance/interruption.h"
#include "conformance/watchdog.h"
#include "fakes/http/every_endpoint.h"
#include "runtime/v1/api.grpc.pb.h"
#include "src/core/endpoint.h"

namespace podlife::conformance {

std::string CapabilityName(Capability c) {
  switch (c) {
    case Capability::kCallLog: return "call-log";
    case Capability::kFaults: return "faults";
    case Capability::kPodIp: return "pod-ip";
    case Capability::kProbeExec: return "probe-exec";
    case Capability::kExitControl: return "exit-control";
    case Capability::kRunsCommands: return "runs-commands";
    case Capability::kExecScript: return "exec-script";
    case Capability::kClockControl: return "clock-control";
  }
  return "?";
}

namespace {
std::vector<RegisteredCase>& Registry() {
  static std::vector<RegisteredCase> cases;
  return cases;
}
bool IsImplementationCapability(Capability c) { return c == Capability::kProbeExec; }

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}
}  // namespace

const std::vector<RegisteredCase>& AllCases() { return Registry(); }

CaseRegistration::CaseRegistration(const char* area, const char* name, Contract contract) {
  Registry().push_back({area, name, std::move(contract)});
}

const ContainerReport* SyncReport::Find(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const ContainerReport& SyncReport::Get(const std::string& name) const {
  if (const ContainerReport* found = Find(name)) return *found;
  throw std::runtime_error("the implementation reported no result for container " + name + " (sync error: '" + error +
                           "')");
}

Selection& CurrentSelection() {
  static Selection selection;
  return selection;
}

std::vector<std::string> ProfilesUnderTest() { return CurrentSelection().profiles; }

std::string ProfileParamName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param == "1.21" ? "v121" : "v135";
}

namespace {
// A pod under test as the fixture hands it to cases: the implementation's pod, with pod().Exec
// checked against the contract (probe-exec).
class CheckedPod final : public PodUnderTest {
 public:
  CheckedPod(std::unique_ptr<PodUnderTest> inner, std::function<void()> on_exec)
      : inner_(std::move(inner)), on_exec_(std::move(on_exec)) {}
  SyncReport Sync() override { return inner_->Sync(); }
  SyncReport SyncChanged(const std::string& manifest_yaml) override { return inner_->SyncChanged(manifest_yaml); }
  std::string Kill(std::optional<int64_t> grace_override) override { return inner_->Kill(grace_override); }
  std::string KillDeleted(const std::string& uid, std::optional<int64_t> grace_override) override {
    return inner_->KillDeleted(uid, grace_override);
  }
  std::string Remove() override { return inner_->Remove(); }
  ExecReport Exec(const std::string& container_id, const std::vector<std::string>& cmd, int timeout_seconds) override {
    on_exec_();
    return inner_->Exec(container_id, cmd, timeout_seconds);
  }
  void Cancel() override { inner_->Cancel(); }
  EventLog& events() override { return inner_->events(); }

 private:
  std::unique_ptr<PodUnderTest> inner_;
  std::function<void()> on_exec_;
};

const char* CapabilityEnumerator(Capability c) {
  switch (c) {
    case Capability::kCallLog: return "kCallLog";
    case Capability::kFaults: return "kFaults";
    case Capability::kPodIp: return "kPodIp";
    case Capability::kProbeExec: return "kProbeExec";
    case Capability::kExitControl: return "kExitControl";
    case Capability::kRunsCommands: return "kRunsCommands";
    case Capability::kExecScript: return "kExecScript";
    case Capability::kClockControl: return "kClockControl";
  }
  return "?";
}
}  // namespace

std::string CaseFixture::CaseName() const {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? std::string(info->test_suite_name()) + "." + info->name() : "?";
}

std::string CaseFixture::Setting() const {
  return "implementation " + (implementation_ ? implementation_->name() : CurrentSelection().implementation) +
         ", runtime " + (runtime_ ? runtime_->name() : CurrentSelection().runtime) + ", profile " + profile();
}

void CaseFixture::SetUp() {
  started_ = std::chrono::system_clock::now();
  started_steady_ = std::chrono::steady_clock::now();
  CaseWatchdog::Instance().Arm(CaseName(), [this] { OnWatchdog(); });
  // After Arm: a signal that comes later expires this case through the watchdog.
  if (const int signal = InterruptingSignal()) GTEST_SKIP() << "not run: the run was interrupted by " << SignalName(signal);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string area = info->test_suite_name();
  if (auto slash = area.find('/'); slash != std::string::npos) area = area.substr(slash + 1);
  std::string name = info->name();
  name = name.substr(0, name.find('/'));
  const RegisteredCase* found = nullptr;
  for (const auto& c : AllCases()) {
    if (c.area == area && c.name == name) found = &c;
  }
  ASSERT_NE(found, nullptr) << "case " << area << "." << name << " has no contract block";
  contract_ = &found->contract;
  const Contract& contract = found->contract;
  if (contract.profiles == Profiles::k121Only && profile() != "1.21") GTEST_SKIP() << "applies to profile 1.21 only";
  if (contract.profiles == Profiles::k135Only && profile() != "1.35") GTEST_SKIP() << "applies to profile 1.35 only";

  std::string error;
  auto implementation = MakeImplementation(CurrentSelection().implementation, &error);
  ASSERT_TRUE(implementation) << error;
  auto runtime = MakeRuntime(CurrentSelection(), &error);
  ASSERT_TRUE(runtime) << error;
  {
    std::lock_guard lock(parts_mu_);
    implementation_ = std::move(implementation);
    runtime_ = std::move(runtime);
  }
  if (!implementation_->Supports(profile())) {
    GTEST_SKIP() << "implementation " << implementation_->name() << " does not support profile " << profile();
  }
  for (Capability c : contract.needs) {
    if (IsImplementationCapability(c)) {
      if (!implementation_->Has(c)) {
        GTEST_SKIP() << "needs " << CapabilityName(c) << ", which implementation " << implementation_->name() << " lacks";
      }
    } else if (!runtime_->Has(c)) {
      const std::string why = runtime_->WhyLacks(c);
      GTEST_SKIP() << "needs " << CapabilityName(c) << ", which runtime " << runtime_->name() << " lacks"
                   << (why.empty() ? "" : ": " + why);
    }
  }
  RecordProperty("spec_ids", contract.ids);
  // After the skips: gtest appends a trace to skip messages too, and the summary groups by them.
  trace_.emplace(__FILE__, __LINE__, Setting());
}

void CaseFixture::TearDown() {
  {
    std::lock_guard lock(parts_mu_);
    if (pod_) pod_->Cancel();
    for (auto& retired : retired_pods_) retired->Cancel();
  }
  for (auto& join : background_) join();
  background_.clear();
  if (!watchdog_fired_ && !IsSkipped()) CheckEverythingConsumed();
  // Only for a case that passed: a failed assertion may have ended it before it used everything.
  if (!watchdog_fired_ && !IsSkipped() && !HasFailure()) CheckEveryNeedUsed();
  if (HasFailure() && !watchdog_fired_) {
    std::cout << Diagnostics() << std::flush;
    RecordProperty("diagnostics", Diagnostics());
  }
  if (!CurrentSelection().trace_dir.empty() && !IsSkipped() && (HasFailure() || CurrentSelection().trace_all)) {
    WriteTrace();
  }
  ReleaseParts();
  trace_.reset();
  CaseWatchdog::Instance().Disarm();
}

void CaseFixture::CheckEverythingConsumed() {
  auto report = [](const std::string& what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::string list;
    for (const auto& item : items) list += "\n  " + item;
    ADD_FAILURE() << "strict fakes: the case scripted " << what << " but never exercised it:" << list;
  };
  if (runtime_) {
    report(runtime_->fake() ? "the fake CRI runtime" : "the CRI proxy in front of " + runtime_->name(),
           runtime_->Unconsumed());
  }
  if (http_) report("the HTTP hook endpoint " + http_->base_url(), http_->Unconsumed());
  if (https_) report("the HTTPS hook endpoint " + https_->base_url(), https_->Unconsumed());
}

void CaseFixture::ReleaseParts() {
  std::unique_ptr<PodUnderTest> pod;
  std::vector<std::unique_ptr<PodUnderTest>> retired;
  {
    std::lock_guard lock(parts_mu_);
    pod = std::move(pod_);
    retired = std::move(retired_pods_);
  }
  retired.clear();
  if (pod) {
    // Whatever the case left running is stopped and removed, so cases do not leak into each other.
    (void)pod->Kill(0);
    (void)pod->Remove();
    pod.reset();
  }
  std::unique_ptr<fakes::FakeHttpEndpoint> http, https;
  std::unique_ptr<RuntimeBackend> runtime;
  {
    std::lock_guard lock(parts_mu_);
    http = std::move(http_);
    https = std::move(https_);
    runtime = std::move(runtime_);
  }
}

void CaseFixture::OnWatchdog() {
  watchdog_fired_ = true;
  const auto timeout = std::chrono::duration_cast<std::chrono::seconds>(CaseWatchdog::Instance().timeout());
  std::lock_guard lock(parts_mu_);
  if (const int signal = InterruptingSignal()) {
    ADD_FAILURE() << "interrupted by " << SignalName(signal) << ": " << CaseName() << " (" << Setting()
                  << ") was still running; it is released now (implementations killed, gates opened, pods "
                     "cancelled, the fake and the hook endpoints shut down) and no further case runs";
  } else {
    ADD_FAILURE() << "watchdog: " << CaseName() << " (" << Setting() << ") did not finish within " << timeout.count()
                  << " s (--case-timeout); it is released now (gates opened, pods cancelled, the fake and the hook "
                     "endpoints shut down) and the run goes on";
  }
  std::cout << Diagnostics() << std::flush;
  // Unblock: every gate and every wait for an event or a call (they may never come, and a wait
  // longer than the grace would end the run), every pod (a command implementation's busy process
  // group is killed), then the servers (their request waits end), so a call the case is waiting
  // on ends.
  fakes::ReleaseEveryGate();
  if (runtime_ && runtime_->front()) runtime_->front()->calls().AbandonWaits();
  if (pod_) pod_->Cancel();
  for (auto& retired : retired_pods_) retired->Cancel();
  if (runtime_) runtime_->Shutdown();
  if (http_) http_->Shutdown();
  if (https_) https_->Shutdown();
  fakes::ShutdownEveryEndpoint();  // also those the case started itself
}

void CaseFixture::Uses(Capability c, const std::string& what, const std::source_location& where) {
  if (contract_ == nullptr) return;
  {
    std::lock_guard lock(uses_mu_);
    used_.insert(c);
    if (std::find(contract_->needs.begin(), contract_->needs.end(), c) != contract_->needs.end()) return;
    if (!reported_uses_.insert(c).second) return;
  }
  ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
      << "the case uses capability " << CapabilityName(c) << " (" << what
      << ") but its contract does not declare it: add Capability::" << CapabilityEnumerator(c)
      << " to .needs (then run ci/gen-cases), so CASES.md says what the case needs and runtimes or "
         "implementations without it skip the case";
}

void CaseFixture::CheckEveryNeedUsed() {
  if (contract_ == nullptr) return;
  std::lock_guard lock(uses_mu_);
  for (Capability c : contract_->needs) {
    // Whether a case relies on a runtime that runs commands is not visible from here.
    if (c == Capability::kRunsCommands || used_.count(c)) continue;
    ADD_FAILURE() << "the contract declares capability " << CapabilityName(c)
                  << " in .needs but the case never used it in this run: remove Capability::" << CapabilityEnumerator(c)
                  << " from .needs (then run ci/gen-cases), or runtimes and implementations without it skip the case "
                     "for nothing";
  }
}

::testing::AssertionResult KilledWithin(const ContainerView& view, std::chrono::system_clock::time_point began,
                                        std::chrono::milliseconds earliest, std::chrono::milliseconds latest) {
  if (!view.found) return ::testing::AssertionFailure() << "the runtime does not know the container: " << view.error;
  if (view.state != "CONTAINER_EXITED" || view.exit_code != 137) {
    return ::testing::AssertionFailure() << "want CONTAINER_EXITED with exit code 137 (SIGKILL), got " << view.state
                                         << " exit " << view.exit_code;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(view.finished_at - began);
  if (took < earliest || took >= latest) {
    return ::testing::AssertionFailure() << "killed " << took.count() << " ms after the kill began, want ["
                                         << earliest.count() << ", " << latest.count() << ") ms";
  }
  return ::testing::AssertionSuccess();
}

PodUnderTest& CaseFixture::RestartImplementation() {
  if (!pod_) throw std::runtime_error("RestartImplementation before Pod()");
  pod_->Cancel();
  {
    std::lock_guard lock(parts_mu_);
    retired_pods_.push_back(std::move(pod_));
  }
  return HandOver();
}

PodUnderTest& CaseFixture::HandOver() {
  std::string error;
  auto created = implementation_->Create(manifest_, runtime_->endpoint(), profile(), options_, &error);
  if (!created) throw std::runtime_error("implementation " + implementation_->name() + " refused the pod: " + error);
  auto pod = std::make_unique<CheckedPod>(std::move(created),
                                          [this] { Uses(Capability::kProbeExec, "pod().Exec, the protocol's exec op"); });
  std::unique_ptr<PodUnderTest> replaced;
  {
    std::lock_guard lock(parts_mu_);
    replaced = std::move(pod_);
    pod_ = std::move(pod);
  }
  return *pod_;
}

namespace {
std::unique_ptr<::runtime::v1::RuntimeService::Stub> RuntimeStub(const std::string& endpoint) {
  auto parsed = ParseEndpoint(endpoint);
  if (auto* bad = std::get_if<EndpointError>(&parsed)) throw std::runtime_error("runtime endpoint: " + bad->message);
  return ::runtime::v1::RuntimeService::NewStub(
      grpc::CreateChannel(std::get<Endpoint>(parsed).GrpcTarget(), grpc::InsecureChannelCredentials()));
}
}  // namespace

std::string CaseFixture::RemoveContainerOf(const std::string& container_id) {
  namespace cri = ::runtime::v1;
  auto stub = RuntimeStub(runtime_->endpoint());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  cri::RemoveContainerRequest request;
  request.set_container_id(container_id);
  cri::RemoveContainerResponse response;
  grpc::Status st = stub->RemoveContainer(&context, request, &response);
  return st.ok() ? "" : "RemoveContainer: " + st.error_message();
}

std::string CaseFixture::StopSandboxOf(const std::string& container_id) {
  namespace cri = ::runtime::v1;
  auto stub = RuntimeStub(runtime_->endpoint());
  grpc::ClientContext list_context;
  list_context.set_deadline(std::chrono::system_clock::now() + 10s);
  cri::ListContainersRequest list;
  list.mutable_filter()->set_id(container_id);
  cri::ListContainersResponse listed;
  grpc::Status st = stub->ListContainers(&list_context, list, &listed);
  if (!st.ok()) return "ListContainers: " + st.error_message();
  if (listed.containers().empty()) return "the runtime lists no container " + container_id;
  grpc::ClientContext stop_context;
  stop_context.set_deadline(std::chrono::system_clock::now() + 30s);
  cri::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(listed.containers(0).pod_sandbox_id());
  cri::StopPodSandboxResponse stopped;
  st = stub->StopPodSandbox(&stop_context, stop, &stopped);
  return st.ok() ? "" : "StopPodSandbox: " + st.error_message();
}

ContainerView CaseFixture::Observe(const std::string& container_id) {
  namespace cri = ::runtime::v1;
  auto stub = RuntimeStub(runtime_->endpoint());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  cri::ContainerStatusRequest request;
  request.set_container_id(container_id);
  cri::ContainerStatusResponse response;
  const grpc::Status st = stub->ContainerStatus(&context, request, &response);
  ContainerView view;
  if (!st.ok()) {
    view.error = st.error_message();
    return view;
  }
  const auto& s = response.status();
  auto at = [](int64_t ns) { return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns))); };
  view.found = true;
  view.state = cri::ContainerState_Name(s.state());
  view.exit_code = s.exit_code();
  view.reason = s.reason();
  view.created_at = at(s.created_at());
  view.started_at = at(s.started_at());
  view.finished_at = at(s.finished_at());
  return view;
}

namespace {
// `released`: the watchdog released the case; an endpoint started after that is shut down at
// once, so no wait on it outlasts the grace (OnWatchdog shut down those that existed).
fakes::FakeHttpEndpoint& StartedEndpoint(std::unique_ptr<fakes::FakeHttpEndpoint>& slot, std::mutex& mu,
                                         fakes::FakeHttpEndpoint::Scheme scheme, const std::atomic<bool>& released) {
  if (!slot) {
    std::string error;
    auto started = fakes::FakeHttpEndpoint::Start(scheme, &error);
    const char* name = scheme == fakes::FakeHttpEndpoint::Scheme::kHttps ? "HTTPS" : "HTTP";
    if (!started) throw std::runtime_error(std::string("cannot start the ") + name + " hook endpoint: " + error);
    std::lock_guard lock(mu);
    slot = std::move(started);
    if (released) slot->Shutdown();
  }
  return *slot;
}
}  // namespace

fakes::FakeHttpEndpoint& CaseFixture::http() {
  return StartedEndpoint(http_, parts_mu_, fakes::FakeHttpEndpoint::Scheme::kHttp, watchdog_fired_);
}

fakes::FakeHttpEndpoint& CaseFixture::https() {
  return StartedEndpoint(https_, parts_mu_, fakes::FakeHttpEndpoint::Scheme::kHttps, watchdog_fired_);
}

std::string CaseFixture::Manifest(const std::string& spec_yaml, int64_t grace_seconds, bool host_network) {
  if (!host_network) Uses(Capability::kPodIp, "a pod with its own network, host_network false");
  static std::atomic<int> counter{0};
  pod_name_ = "podlife-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  return SamePod(spec_yaml, grace_seconds, host_network);
}

std::string CaseFixture::SamePod(const std::string& spec_yaml, int64_t grace_seconds, bool host_network) {
  std::string spec = Replace(spec_yaml, "{IMAGE}", runtime_->image());
  spec = Replace(spec, "{WORKLOAD}", runtime_->workload_command(false));
  spec = Replace(spec, "{STUBBORN_WORKLOAD}", runtime_->workload_command(true));
  if (spec.find("{HTTP_PORT}") != std::string::npos) spec = Replace(spec, "{HTTP_PORT}", std::to_string(http().port()));
  if (spec.find("{HTTPS_PORT}") != std::string::npos) spec = Replace(spec, "{HTTPS_PORT}", std::to_string(https().port()));
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + pod_name_ + "\n  uid: " + PodUid() +
         "\nspec:\n  hostNetwork: " + (host_network ? "true" : "false") +
         "\n  terminationGracePeriodSeconds: " + std::to_string(grace_seconds) + "\n" + spec;
}

PodUnderTest& CaseFixture::Pod(const std::string& spec_yaml, int64_t grace_seconds, PodOptions options,
                               bool host_network) {
  manifest_ = Manifest(spec_yaml, grace_seconds, host_network);
  options_ = options;
  return HandOver();
}

std::vector<Event> CaseFixture::EventsWithReason(const std::string& reason) {
  std::vector<Event> out;
  for (auto& e : pod_->events().Events()) {
    if (e.reason == reason) out.push_back(e);
  }
  return out;
}

::testing::AssertionResult CaseFixture::WaitForEvent(const std::string& reason, std::chrono::milliseconds timeout,
                                                     size_t count) {
  // The event log knows nothing of the watchdog: the event may never come, and a wait past the
  // grace would end the run.
  if (WaitUnlessReleased(timeout, [&](auto slice) { return pod_->events().WaitForReason(reason, slice, count); })) {
    return ::testing::AssertionSuccess();
  }
  std::string seen;
  for (const auto& r : Reasons()) seen += (seen.empty() ? "" : ", ") + r;
  return ::testing::AssertionFailure() << "no " << count << "x " << reason << " event within " << timeout.count()
                                       << "ms; events so far: [" << seen << "]";
}

bool CaseFixture::WaitUnlessReleased(std::chrono::milliseconds timeout,
                                     const std::function<bool(std::chrono::milliseconds slice)>& wait) {
  constexpr auto kSlice = std::chrono::milliseconds(100);
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (wait(std::clamp(left, std::chrono::milliseconds(0), kSlice))) return true;
    if (left <= kSlice || watchdog_fired_) return false;
  }
}

::testing::AssertionResult Awaited(const fakes::WaitResult& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.message();
}

::testing::AssertionResult CaseFixture::WaitForCall(const fakes::CallMatcher& matcher, std::chrono::milliseconds timeout,
                                                    fakes::CallRecord* found, uint64_t after_seq,
                                                    std::source_location where) {
  return Awaited(fake().calls(where).WaitFor(matcher, timeout, found, after_seq));
}

::testing::AssertionResult CaseFixture::WaitForFinishedCall(const fakes::CallMatcher& matcher,
                                                            std::chrono::milliseconds timeout, fakes::CallRecord* found,
                                                            uint64_t after_seq, std::source_location where) {
  return Awaited(fake().calls(where).WaitForFinished(matcher, timeout, found, after_seq));
}

::testing::AssertionResult CaseFixture::WaitForRequest(const fakes::FakeHttpEndpoint& endpoint, const std::string& path,
                                                       std::chrono::milliseconds timeout, fakes::RecordedRequest* found,
                                                       int count) {
  return Awaited(endpoint.WaitForRequest(path, timeout, found, count));
}

::testing::AssertionResult CaseFixture::WaitUntilHeld(fakes::Gate& gate, std::chrono::milliseconds timeout, int count) {
  return Awaited(gate.WaitUntilHeld(timeout, count));
}

std::vector<fakes::CallRecord> CaseFixture::Calls(const std::string& method, std::source_location where) {
  return fake().calls(where).Calls(method);
}

int CaseFixture::CallIndex(const std::string& method, const std::string& container_id, std::source_location where) {
  auto log = fake().calls(where).Snapshot();
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].method != method) continue;
    if (container_id.empty()) return static_cast<int>(i);
    const auto& req = *log[i].request;
    const auto* field = req.GetDescriptor()->FindFieldByName("container_id");
    if (field && req.GetReflection()->GetString(req, field) == container_id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace podlife::conformance
