#include "conformance/framework.h"

#include <grpcpp/create_channel.h>
#include <unistd.h>

#include <atomic>
#include <map>

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

void CaseFixture::SetUp() {
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
  const Contract& contract = found->contract;
  if (contract.profiles == Profiles::k121Only && profile() != "1.21") GTEST_SKIP() << "applies to profile 1.21 only";
  if (contract.profiles == Profiles::k135Only && profile() != "1.35") GTEST_SKIP() << "applies to profile 1.35 only";

  std::string error;
  implementation_ = MakeImplementation(CurrentSelection().implementation, &error);
  ASSERT_TRUE(implementation_) << error;
  runtime_ = MakeRuntime(CurrentSelection(), &error);
  ASSERT_TRUE(runtime_) << error;
  if (!implementation_->Supports(profile())) {
    GTEST_SKIP() << "implementation " << implementation_->name() << " does not support profile " << profile();
  }
  for (Capability c : contract.needs) {
    if (IsImplementationCapability(c)) {
      if (!implementation_->Has(c)) {
        GTEST_SKIP() << "needs " << CapabilityName(c) << ", which implementation " << implementation_->name() << " lacks";
      }
    } else if (!runtime_->Has(c)) {
      GTEST_SKIP() << "needs " << CapabilityName(c) << ", which runtime " << runtime_->name() << " lacks";
    }
  }
  RecordProperty("spec_ids", contract.ids);
}

void CaseFixture::TearDown() {
  if (pod_) pod_->Cancel();
  for (auto& retired : retired_pods_) retired->Cancel();
  for (auto& join : background_) join();
  background_.clear();
  retired_pods_.clear();
  if (pod_) {
    // Whatever the case left running is stopped and removed, so cases do not leak into each other.
    (void)pod_->Kill(0);
    (void)pod_->Remove();
    pod_.reset();
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
  retired_pods_.push_back(std::move(pod_));
  return HandOver();
}

PodUnderTest& CaseFixture::HandOver() {
  std::string error;
  pod_ = implementation_->Create(manifest_, runtime_->endpoint(), profile(), options_, &error);
  if (!pod_) throw std::runtime_error("implementation " + implementation_->name() + " refused the pod: " + error);
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

fakes::FakeHttpEndpoint& CaseFixture::http() {
  if (!http_) {
    std::string error;
    http_ = fakes::FakeHttpEndpoint::Start(fakes::FakeHttpEndpoint::Scheme::kHttp, &error);
    if (!http_) throw std::runtime_error("cannot start the HTTP hook endpoint: " + error);
  }
  return *http_;
}

fakes::FakeHttpEndpoint& CaseFixture::https() {
  if (!https_) {
    std::string error;
    https_ = fakes::FakeHttpEndpoint::Start(fakes::FakeHttpEndpoint::Scheme::kHttps, &error);
    if (!https_) throw std::runtime_error("cannot start the HTTPS hook endpoint: " + error);
  }
  return *https_;
}

std::string CaseFixture::Manifest(const std::string& spec_yaml, int64_t grace_seconds, bool host_network) {
  static std::atomic<int> counter{0};
  pod_name_ = "podlife-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  return SamePod(spec_yaml, grace_seconds, host_network);
}

std::string CaseFixture::SamePod(const std::string& spec_yaml, int64_t grace_seconds, bool host_network) {
  std::string spec = Replace(spec_yaml, "{IMAGE}", runtime_->image());
  spec = Replace(spec, "{WORKLOAD}", kWorkloadCommand);
  spec = Replace(spec, "{STUBBORN_WORKLOAD}", kStubbornWorkloadCommand);
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
  if (pod_->events().WaitForReason(reason, timeout, count)) return ::testing::AssertionSuccess();
  std::string seen;
  for (const auto& r : Reasons()) seen += (seen.empty() ? "" : ", ") + r;
  return ::testing::AssertionFailure() << "no " << count << "x " << reason << " event within " << timeout.count()
                                       << "ms; events so far: [" << seen << "]";
}

std::vector<fakes::CallRecord> CaseFixture::Calls(const std::string& method) { return fake().calls().Calls(method); }

int CaseFixture::CallIndex(const std::string& method, const std::string& container_id) {
  auto log = fake().calls().Snapshot();
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
