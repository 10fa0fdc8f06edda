// The fixture's failure report (CaseFixture::Diagnostics) and its checked access to the fake
// (CheckedFake): what a case did, timed from its start, and which capabilities it used.
#include <iomanip>
#include <map>
#include <sstream>

#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"
#include "src/manifest/manifest.h"
#include "trace/chrome_trace.h"
#include "trace/trace_file.h"

namespace podlife::conformance {

namespace {

std::string Since(std::chrono::duration<double> elapsed) {
  std::ostringstream out;
  out << (elapsed.count() >= 0 ? "+" : "") << std::fixed << std::setprecision(3) << elapsed.count() << "s";
  return out.str();
}

std::string EventLines(PodUnderTest& pod, std::chrono::system_clock::time_point origin) {
  const auto events = pod.events().Events();
  if (events.empty()) return "  (no events)\n";
  std::ostringstream out;
  for (const auto& e : events) {
    out << "  " << Since(e.time - origin) << " " << e.type << " " << e.reason << " "
        << (e.field_path.empty() ? "pod" : e.field_path) << ": " << e.message << "\n";
  }
  return out.str();
}

std::string RequestLines(const fakes::FakeHttpEndpoint& endpoint, std::chrono::steady_clock::time_point origin) {
  const auto requests = endpoint.Requests();
  std::ostringstream out;
  out << "HTTP requests at " << endpoint.base_url() << " (" << requests.size() << "):\n";
  if (requests.empty()) out << "  (no requests)\n";
  for (const auto& r : requests) {
    out << "  " << Since(r.at - origin) << " " << r.method << " " << r.target << " from " << r.peer << " [";
    for (size_t i = 0; i < r.headers.size(); ++i) {
      out << (i ? ", " : "") << r.headers[i].name << ": " << r.headers[i].value;
    }
    out << "]\n";
  }
  for (const auto& item : endpoint.Unconsumed()) out << "  not consumed: " << item << "\n";
  return out.str();
}

}  // namespace

std::string CaseFixture::Diagnostics() {
  std::ostringstream out;
  out << "---- diagnostics of " << CaseName() << " (" << Setting() << "); times from the case start\n";
  fakes::FakeCriServer* server = runtime_ ? runtime_->fake() : nullptr;
  fakes::CallFront* front = runtime_ ? runtime_->front() : nullptr;
  if (front != nullptr) {
    std::map<std::string, std::string> names;  // container id -> name, for the containers the fake still has
    if (server != nullptr) {
      for (const auto& c : server->Containers()) names[c.id] = c.config.metadata().name();
    }
    auto namer = [&names](const std::string& id) {
      auto it = names.find(id);
      return it == names.end() ? std::string() : it->second;
    };
    out << "CRI calls " << (server ? "the fake" : "the proxy in front of " + runtime_->name()) << " received ("
        << front->calls().total() << "):\n"
        << front->calls().Timeline(started_, namer);
    for (const auto& item : runtime_->Unconsumed()) out << "  not consumed: " << item << "\n";
  } else {
    out << "CRI calls: not recorded (runtime " << (runtime_ ? runtime_->name() : "none") << " has no call log)\n";
  }
  const size_t instances = retired_pods_.size() + (pod_ ? 1 : 0);
  size_t instance = 0;
  auto events_of = [&](PodUnderTest& pod) {
    ++instance;
    out << "events the implementation recorded";
    if (instances > 1) out << " (instance " << instance << " of " << instances << ", RestartImplementation)";
    out << ":\n" << EventLines(pod, started_);
  };
  for (auto& retired : retired_pods_) events_of(*retired);
  if (pod_) events_of(*pod_);
  if (instances == 0) out << "events: none (no pod was handed to the implementation)\n";
  if (http_) out << RequestLines(*http_, started_steady_);
  if (https_) out << RequestLines(*https_, started_steady_);
  if (!http_ && !https_) out << "HTTP requests: none (the case started no hook endpoint)\n";
  out << "---- end of diagnostics of " << CaseName() << "\n";
  return out.str();
}

std::string CaseFixture::TraceJson() {
  trace::TraceRecords records;
  records.title = CaseName() + " (" + Setting() + ")";
  records.origin = started_;
  records.origin_steady = started_steady_;
  std::optional<podlife::Pod> spec;
  if (!manifest_.empty()) {
    auto parsed = manifest::ParsePod(manifest_, "manifest", {.lenient = true});
    if (auto* pod = std::get_if<podlife::Pod>(&parsed)) spec = std::move(*pod);
  }
  records.pod = spec ? &*spec : nullptr;
  fakes::FakeCriServer* server = runtime_ ? runtime_->fake() : nullptr;
  fakes::CallFront* front = runtime_ ? runtime_->front() : nullptr;
  records.calls_recorded = front != nullptr;
  if (front != nullptr) records.calls = front->calls().Snapshot();
  if (server != nullptr) {
    std::map<std::string, std::string> names;
    for (const auto& c : server->Containers()) {
      names[c.id] = c.config.metadata().name();
      if (c.state != ::runtime::v1::CONTAINER_EXITED) continue;
      records.exits.push_back(
          {c.id, std::chrono::system_clock::time_point(std::chrono::nanoseconds(c.finished_at)), c.exit_code});
    }
    records.namer = [names](const std::string& id) {
      auto it = names.find(id);
      return it == names.end() ? std::string() : it->second;
    };
  }
  for (auto& retired : retired_pods_) {
    for (auto& e : retired->events().Events()) records.events.push_back(std::move(e));
  }
  if (pod_) {
    for (auto& e : pod_->events().Events()) records.events.push_back(std::move(e));
  }
  for (const auto* endpoint : {http_.get(), https_.get()}) {
    if (endpoint != nullptr) records.http.push_back({endpoint->base_url(), endpoint->Requests()});
  }
  return trace::ChromeTraceJson(records);
}

void CaseFixture::WriteTrace() {
  const std::string path = CurrentSelection().trace_dir + "/" + trace::TraceFileName(CaseName());
  if (std::string error = trace::WriteTraceFile(path, TraceJson()); !error.empty()) {
    ADD_FAILURE() << "--trace-dir: " << error;
  }
}

fakes::FakeCriServer& CheckedFake::Use(Capability c, const char* what, const Where& where) {
  fixture_.Uses(c, std::string("fake().") + what, where);
  fakes::FakeCriServer* server = fixture_.runtime_ ? fixture_.runtime_->fake() : nullptr;
  if (server == nullptr) {
    throw std::runtime_error(std::string("fake().") + what + " needs capability " + CapabilityName(c) +
                             ", which runtime " + (fixture_.runtime_ ? fixture_.runtime_->name() : "?") +
                             " lacks (it is not the fake)");
  }
  return *server;
}

fakes::CallFront& CheckedFake::UseFront(Capability c, const char* what, const Where& where) {
  fixture_.Uses(c, std::string("fake().") + what, where);
  fakes::CallFront* front = fixture_.runtime_ ? fixture_.runtime_->front() : nullptr;
  if (front == nullptr) {
    throw std::runtime_error(std::string("fake().") + what + " needs capability " + CapabilityName(c) +
                             ", which runtime " + (fixture_.runtime_ ? fixture_.runtime_->name() : "?") +
                             " lacks (no call log or faults in front of it)");
  }
  return *front;
}

fakes::CallLog& CheckedFake::calls(Where where) { return UseFront(Capability::kCallLog, "calls()", where).calls(); }
std::optional<fakes::ContainerRecord> CheckedFake::Container(const std::string& container_id, Where where) {
  return Use(Capability::kCallLog, "Container()", where).Container(container_id);
}
std::optional<fakes::SandboxRecord> CheckedFake::Sandbox(const std::string& sandbox_id, Where where) {
  return Use(Capability::kCallLog, "Sandbox()", where).Sandbox(sandbox_id);
}
std::vector<fakes::ContainerRecord> CheckedFake::Containers(Where where) {
  return Use(Capability::kCallLog, "Containers()", where).Containers();
}
void CheckedFake::FailNext(const std::string& method, grpc::StatusCode code, const std::string& message, int times,
                           Where where) {
  UseFront(Capability::kFaults, "FailNext()", where).FailNext(method, code, message, times);
}
void CheckedFake::FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message,
                             Where where) {
  UseFront(Capability::kFaults, "FailAlways()", where).FailAlways(method, code, message);
}
void CheckedFake::AddLatency(const std::string& method, fakes::Millis latency, int times, Where where) {
  UseFront(Capability::kFaults, "AddLatency()", where).AddLatency(method, latency, times);
}
void CheckedFake::HangUntilDeadline(const std::string& method, int times, Where where) {
  UseFront(Capability::kFaults, "HangUntilDeadline()", where).HangUntilDeadline(method, times);
}
void CheckedFake::AnswerEmptyNext(const std::string& method, int times, Where where) {
  UseFront(Capability::kFaults, "AnswerEmptyNext()", where).AnswerEmptyNext(method, times);
}
void CheckedFake::AddFault(fakes::Fault fault, Where where) {
  UseFront(Capability::kFaults, "AddFault()", where).AddFault(std::move(fault));
}
void CheckedFake::ClearFaults(const std::string& method, Where where) {
  UseFront(Capability::kFaults, "ClearFaults()", where).ClearFaults(method);
}
std::shared_ptr<fakes::Gate> CheckedFake::HoldNext(const std::string& method, Where where) {
  return UseFront(Capability::kFaults, "HoldNext()", where).HoldNext(method);
}
void CheckedFake::ScriptExec(std::vector<std::string> command, fakes::ExecResult result, int times, Where where) {
  Use(Capability::kExecScript, "ScriptExec()", where).ScriptExec(std::move(command), std::move(result), times);
}
void CheckedFake::SetDefaultExecResult(fakes::ExecResult result, Where where) {
  Use(Capability::kExecScript, "SetDefaultExecResult()", where).SetDefaultExecResult(std::move(result));
}
void CheckedFake::ScriptWorkload(fakes::WorkloadRule rule, Where where) {
  Use(Capability::kExecScript, "ScriptWorkload()", where).ScriptWorkload(std::move(rule));
}
void CheckedFake::SetPodIps(std::vector<std::string> ips, Where where) {
  Use(Capability::kPodIp, "SetPodIps()", where).SetPodIps(std::move(ips));
}
void CheckedFake::ExitContainer(const std::string& container_id, int exit_code, const std::string& reason,
                                Where where) {
  fixture_.Uses(Capability::kExitControl, "fake().ExitContainer()", where);
  if (!fixture_.runtime_) throw std::runtime_error("fake().ExitContainer() before the runtime started");
  if (std::string error = fixture_.runtime_->ExitContainer(container_id, exit_code, reason); !error.empty()) {
    throw std::runtime_error("fake().ExitContainer(): " + error);
  }
}
void CheckedFake::ExitContainerAgo(const std::string& container_id, int exit_code, std::chrono::nanoseconds ago,
                                   Where where) {
  Use(Capability::kClockControl, "ExitContainerAgo()", where).ExitContainerAgo(container_id, exit_code, ago);
}
void CheckedFake::ExecGives(std::vector<std::string> command, fakes::ExecResult result, int times) {
  fakes::FakeCriServer* server = fixture_.runtime_ ? fixture_.runtime_->fake() : nullptr;
  if (server != nullptr) server->ScriptExec(std::move(command), std::move(result), times);
  // Any other runtime runs the command itself.
}
std::vector<std::string> CheckedFake::Unconsumed() {
  return fixture_.runtime_ ? fixture_.runtime_->Unconsumed() : std::vector<std::string>{};
}
fakes::WaitResult CheckedFake::VerifyAllConsumed() {
  auto items = Unconsumed();
  if (items.empty()) return fakes::WaitResult::Ok();
  std::string msg = "scripted items nobody consumed:\n";
  for (const auto& item : items) msg += "  " + item + "\n";
  return fakes::WaitResult::Failure(msg);
}

}  // namespace podlife::conformance
