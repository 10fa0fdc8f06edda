// The conformance framework: cases written once, run against any implementation of the kubelet's
// container lifecycle (the builtin engine, or an external program through the command protocol,
// PROTOCOL.md) and any CRI runtime (the fake, or a real one such as containerd).
//
// Contract:
// - A case is `PODLIFE_CASE(Area, Name, {.ids, .profiles, .needs, .must})` followed by its body. The
//   contract block is registered before main and is the source of CASES.md (`--cases-markdown`).
// - Each case runs once per selected profile. SetUp skips it, with the reason, when the contract
//   excludes the profile or a required capability is missing from the runtime or implementation.
//   No case branches on a backend: it asks for capabilities and uses the fixture's interfaces.
// - Every case gets a fresh runtime backend (a new fake server, or a new CRI proxy, fakes/proxy, in
//   front of the shared real endpoint: the call log and faults hold on both) and
//   fresh hook endpoints; pods get unique names so cases do not see each other (shuffle- and
//   shard-safe). Every wait has a deadline.
// - Strict: a case that uses a capability its contract does not declare fails, naming it (the
//   fake's call log, faults and gates, exit control through fake(); probe-exec through
//   pod().Exec; pod-ip through a pod with its own network). At teardown a case fails when a
//   scripted fault, gate, exec result or HTTP answer was never consumed.
// - Explained failures: every failure in the case's thread names the implementation, runtime and
//   profile (a gtest trace), and when a case fails its output then shows, timed from the case
//   start, the CRI calls the fake (or the proxy) received, the events the implementation recorded and the HTTP
//   requests the hook endpoints saw. Waits return ::testing::AssertionResult saying what was
//   awaited and what arrived instead.
// - Bounded: a watchdog (watchdog.h, --case-timeout) fails a case that overruns, prints the same
//   diagnostics, and unblocks it (gates released, pods cancelled, fake and endpoints shut down).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <source_location>
#include <stdexcept>
#include <string>
#include <vector>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/http/fake_http_endpoint.h"
#include "src/core/events.h"

namespace podlife::conformance {

using namespace std::chrono_literals;

enum class Capability {
  kCallLog,         // the runtime records every CRI call with its request and deadline
  kFaults,          // the runtime can fail, delay or hold (gate) chosen CRI calls
  kPodIp,           // the runtime reports a pod IP that reaches the host's loopback
  kProbeExec,       // the implementation runs a probe-style ExecSync with a timeout (protocol op "exec")
  kExitControl,     // the runtime can end a container's workload on demand (as if PID 1 exited)
  kRunsCommands,    // the runtime really runs container commands (a workload exits by itself)
  kExecScript,      // the runtime's ExecSync results are scripted (the fake; a real runtime runs the command)
  kClockControl,    // the runtime can report a container's finish in the past (the fake's ExitContainerAgo)
};
std::string CapabilityName(Capability c);

// Container commands for real runtimes. A shell runs the workload so PID 1 has a TERM handler: a
// plain `sleep` as PID 1 of its PID namespace ignores SIGTERM, and every stop would wait out the
// grace. {WORKLOAD} exits 0 on TERM (the fake's default workload); {STUBBORN_WORKLOAD} ignores TERM
// and dies only by SIGKILL (137; on the fake, pair it with RuntimeBackend::IgnoreSigterm).
inline constexpr char kWorkloadCommand[] = "[sh, -c, \"trap 'exit 0' TERM; sleep 3600 & wait\"]";
inline constexpr char kStubbornWorkloadCommand[] = "[sh, -c, \"trap '' TERM; sleep 3600 & wait\"]";
// The same workloads on a real runtime, with exit control: PID 1 also traps USR1 and exits with the
// code written to /.podlife-exit (RuntimeBackend::ExitContainer writes it and signals PID 1).
inline constexpr char kExitableWorkloadCommand[] =
    "[sh, -c, \"trap 'exit 0' TERM; trap 'exit $(cat /.podlife-exit)' USR1; sleep 3600 & wait\"]";
inline constexpr char kExitableStubbornWorkloadCommand[] =
    "[sh, -c, \"trap '' TERM; trap 'exit $(cat /.podlife-exit)' USR1; sleep 3600 & wait\"]";

enum class Profiles { kBoth, k121Only, k135Only };

struct Contract {
  std::string ids = "";  // spec IDs, space-separated
  Profiles profiles = Profiles::kBoth;
  std::vector<Capability> needs = {};
  std::string must = "";  // one MUST sentence
};

struct RegisteredCase {
  std::string area;
  std::string name;
  Contract contract;
};
const std::vector<RegisteredCase>& AllCases();
struct CaseRegistration {
  CaseRegistration(const char* area, const char* name, Contract contract);
};

// --- runtime backends ----------------------------------------------------------------------
class RuntimeBackend {
 public:
  virtual ~RuntimeBackend() = default;
  virtual std::string name() const = 0;
  virtual std::string endpoint() const = 0;
  virtual bool Has(Capability c) const = 0;
  // Why a capability is missing (for the skip message); "" when there is nothing to add.
  virtual std::string WhyLacks(Capability c) const { return ""; }
  virtual std::string image() const = 0;
  // The container commands {WORKLOAD} and {STUBBORN_WORKLOAD} become (kWorkloadCommand...).
  virtual std::string workload_command(bool stubborn) const {
    return stubborn ? kStubbornWorkloadCommand : kWorkloadCommand;
  }
  // The fake server behind the endpoint, else nullptr. Cases reach it through CaseFixture::fake(),
  // which checks the contract declares each capability used.
  virtual fakes::FakeCriServer* fake() { return nullptr; }
  // The record/fault layer in front of the runtime (the fake's own, or a CRI proxy's in front of a
  // real runtime), else nullptr: the call log, faults and gates.
  virtual fakes::CallFront* front() { return nullptr; }
  // [exit-control] Ends the container's workload as if PID 1 exited with `exit_code`; returns once
  // the runtime reports it exited. "" or the error.
  virtual std::string ExitContainer(const std::string& container_id, int exit_code, const std::string& reason) {
    return "runtime " + name() + " cannot end a workload on demand";
  }
  // Script items nobody consumed (strictness), and unblocking everything (the watchdog).
  virtual std::vector<std::string> Unconsumed() { return {}; }
  virtual void Shutdown() {}
  // Makes the named container's workload ignore SIGTERM (the manifest's command does the same on
  // a real runtime: `trap '' TERM`).
  virtual void IgnoreSigterm(const std::string& container) {}
};

// --- implementations under test -----------------------------------------------------------
struct ContainerReport {
  std::string name;
  bool init = false;
  std::string container_id;
  std::string reason;   // "" = started; else PostStartHookError, CreateContainerError, ...
  std::string message;  // the full error message (what the kubelet puts in the status)
};

struct SyncReport {
  bool ok = false;
  std::string error;
  std::vector<ContainerReport> containers;
  const ContainerReport* Find(const std::string& name) const;
  // The report of `name`; throws (gtest fails the case, it does not crash) when there is none.
  const ContainerReport& Get(const std::string& name) const;
};

struct ExecReport {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
  std::string error;  // "" when the command ran and exited 0
};

class PodUnderTest {
 public:
  virtual ~PodUnderTest() = default;
  // Sync() again is the pod worker's next sync of the same pod; SyncChanged() syncs a changed
  // spec of it (same name and uid: CaseFixture::SamePod).
  virtual SyncReport Sync() = 0;
  virtual SyncReport SyncChanged(const std::string& manifest_yaml) = 0;
  virtual std::string Kill(std::optional<int64_t> grace_override) = 0;  // "" = ok, else the error
  // Kills the pod with uid `uid` as one whose spec is gone (deleted from the API while the
  // implementation was down): the implementation gets only the uid.
  virtual std::string KillDeleted(const std::string& uid, std::optional<int64_t> grace_override) = 0;
  virtual std::string Remove() = 0;
  virtual ExecReport Exec(const std::string& container_id, const std::vector<std::string>& cmd, int timeout_seconds) = 0;
  // Ends a Sync still waiting (e.g. for an init container) so a failed case can tear down.
  // Thread-safe: the watchdog calls it from its own thread.
  virtual void Cancel() = 0;
  // Every event the implementation recorded before this call (a command implementation's
  // output is read up to this moment first, so an event sent before a CRI call the case saw is
  // in the log).
  virtual EventLog& events() { return events_; }

 protected:
  EventLog events_;
};

struct PodOptions {
  std::chrono::milliseconds runtime_request_timeout = 2min;
};

class Implementation {
 public:
  virtual ~Implementation() = default;
  virtual std::string name() const = 0;
  virtual bool Has(Capability c) const = 0;
  virtual bool Supports(const std::string& profile) const = 0;
  // nullptr with `error` set when the pod cannot be handed over.
  virtual std::unique_ptr<PodUnderTest> Create(const std::string& manifest_yaml, const std::string& endpoint,
                                               const std::string& profile, const PodOptions& options,
                                               std::string* error) = 0;
};

// --- selection (from the command line) -----------------------------------------------------
struct Selection {
  std::string implementation = "builtin";  // or "command:CMD"
  std::string runtime = "fake";            // or "unix:///..."
  std::vector<std::string> profiles = {"1.21", "1.35"};
  std::string image = "localhost/busybox:podlife";
  std::string trace_dir;   // "" = no traces; else a Chrome trace per failing case (each with trace_all)
  bool trace_all = false;
};
Selection& CurrentSelection();
std::unique_ptr<Implementation> MakeImplementation(const std::string& spec, std::string* error);
std::unique_ptr<RuntimeBackend> MakeRuntime(const Selection& selection, std::string* error);
// Start-up check (main, before any case): "" when `runtime` is a fake or a CRI endpoint that
// answers (Version, 10 s), else what is wrong ("cannot connect to unix:///x.sock: ...").
std::string CheckRuntimeReachable(const std::string& runtime);
std::vector<std::string> ProfilesUnderTest();

// A container as the runtime reports it (CRI ContainerStatus); CaseFixture::Observe reads it.
struct ContainerView {
  bool found = false;  // false: ContainerStatus answered NOT_FOUND (or failed: see `error`)
  std::string error;
  std::string state;  // CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_EXITED, ...
  int exit_code = 0;
  std::string reason;
  std::chrono::system_clock::time_point created_at, started_at, finished_at;
};

// The container ended by SIGKILL (exit 137) between `earliest` and `latest` after `began`.
::testing::AssertionResult KilledWithin(const ContainerView& view, std::chrono::system_clock::time_point began,
                                        std::chrono::milliseconds earliest, std::chrono::milliseconds latest);

// A fake's wait or check as a gtest result: its message says what was awaited and what arrived.
::testing::AssertionResult Awaited(const fakes::WaitResult& result);

class CaseFixture;

// The fake CRI server as cases see it: FakeCriServer's scripting and records, each member first
// checking that the case's contract declares the capability it uses (named in brackets). On a
// runtime that is not the fake, a member throws (the case fails) naming the capability.
class CheckedFake {
 public:
  using Where = std::source_location;  // the case's line, named when a use is not declared
  explicit CheckedFake(CaseFixture& fixture) : fixture_(fixture) {}
  // [call-log]
  fakes::CallLog& calls(Where where = Where::current());
  std::optional<fakes::ContainerRecord> Container(const std::string& container_id,
                                                  Where where = Where::current());
  std::optional<fakes::SandboxRecord> Sandbox(const std::string& sandbox_id, Where where = Where::current());
  std::vector<fakes::ContainerRecord> Containers(Where where = Where::current());
  // [faults]: failures, latency, hangs and gates, applied by the record/fault layer in front of the
  // runtime (the fake's, or the CRI proxy's in front of a real runtime).
  void FailNext(const std::string& method, grpc::StatusCode code, const std::string& message, int times = 1,
                Where where = Where::current());
  void FailAlways(const std::string& method, grpc::StatusCode code, const std::string& message,
                  Where where = Where::current());
  void AddLatency(const std::string& method, fakes::Millis latency, int times = 0, Where where = Where::current());
  void HangUntilDeadline(const std::string& method, int times = 1, Where where = Where::current());
  void AnswerEmptyNext(const std::string& method, int times = 1, Where where = Where::current());
  void AddFault(fakes::Fault fault, Where where = Where::current());
  void ClearFaults(const std::string& method, Where where = Where::current());
  std::shared_ptr<fakes::Gate> HoldNext(const std::string& method, Where where = Where::current());
  // [exec-script]: exec results and workloads scripted on the fake's simulated runtime.
  void ScriptExec(std::vector<std::string> command, fakes::ExecResult result, int times = 0,
                  Where where = Where::current());
  void SetDefaultExecResult(fakes::ExecResult result, Where where = Where::current());
  void ScriptWorkload(fakes::WorkloadRule rule, Where where = Where::current());
  // [pod-ip]
  void SetPodIps(std::vector<std::string> ips, Where where = Where::current());
  // [exit-control]
  void ExitContainer(const std::string& container_id, int exit_code, const std::string& reason = "",
                     Where where = Where::current());
  // [clock-control] As if it exited `ago` earlier (its finishedAt that far back).
  void ExitContainerAgo(const std::string& container_id, int exit_code, std::chrono::nanoseconds ago,
                        Where where = Where::current());
  // No capability: running `command` in a container gives `result`. The fake is scripted with it
  // (one-shot `times`, checked at teardown like ScriptExec); a real runtime runs the command, which
  // gives the same: the case writes a real command (`echo out; echo err >&2; exit 1`) and the
  // result that command gives, so the case runs on both.
  void ExecGives(std::vector<std::string> command, fakes::ExecResult result, int times = 0);
  // No capability: the fixture checks these itself at teardown.
  std::vector<std::string> Unconsumed();
  fakes::WaitResult VerifyAllConsumed();

 private:
  fakes::FakeCriServer& Use(Capability c, const char* what, const Where& where);
  fakes::CallFront& UseFront(Capability c, const char* what, const Where& where);
  CaseFixture& fixture_;
};

// --- the fixture every case runs in --------------------------------------------------------
class CaseFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& profile() const { return GetParam(); }
  bool v135() const { return profile() == "1.35"; }
  RuntimeBackend& runtime() { return *runtime_; }
  CheckedFake& fake() { return fake_; }
  fakes::FakeHttpEndpoint& http();   // started on first use
  fakes::FakeHttpEndpoint& https();  // started on first use

  // A pod manifest: `spec_yaml` is the pod's spec (indented two spaces, under `spec:`); `{IMAGE}`
  // becomes the runtime's image, `{WORKLOAD}`/`{STUBBORN_WORKLOAD}` a container command (below)
  // and `{HTTP_PORT}`/`{HTTPS_PORT}` the endpoints' ports. The pod
  // gets a unique name and uid, and hostNetwork true.
  // `host_network` false gives the pod its own network (and, with kPodIp, a pod IP).
  std::string Manifest(const std::string& spec_yaml, int64_t grace_seconds = 30, bool host_network = true);
  // Hands the manifest to the implementation; throws (failing the case) when it refuses it.
  PodUnderTest& Pod(const std::string& spec_yaml, int64_t grace_seconds = 30, PodOptions options = {},
                    bool host_network = true);
  PodUnderTest& pod() { return *pod_; }
  // Starts the implementation over, as a kubelet restart does: a new instance (a new process for
  // `command`) for the same pod manifest, which becomes pod(). The old one is cancelled (a
  // `command` process is killed if it is busy) and kept until TearDown, so a Background call on
  // it can still finish.
  PodUnderTest& RestartImplementation();
  // The manifest of the current pod (same name and uid) with another spec, for SyncChanged().
  std::string SamePod(const std::string& spec_yaml, int64_t grace_seconds = 30, bool host_network = true);
  // Stops the sandbox of a container behind the implementation's back (CRI ListContainers, then
  // StopPodSandbox), as a node reboot or a runtime restart would; "" or the error.
  std::string StopSandboxOf(const std::string& container_id);
  // Removes a container behind the implementation's back (CRI RemoveContainer); "" or the error.
  std::string RemoveContainerOf(const std::string& container_id);
  // Runs `work` (a Sync or Kill of pod()) on another thread. TearDown cancels the pod and joins
  // it, so a failed assertion never leaves the case blocked on it.
  template <class F>
  auto Background(F work) -> std::shared_future<decltype(work())> {
    std::shared_future<decltype(work())> f = std::async(std::launch::async, std::move(work)).share();
    background_.push_back([f] { f.wait_for(60s); });
    return f;
  }
  std::string PodUid() const { return "uid-" + pod_name_; }
  // The pod as the kubelet prints it in messages: name_namespace(uid).
  std::string PodRef() const { return pod_name_ + "_default(uid-" + pod_name_ + ")"; }

  // Events recorded by the implementation, reasons only / one reason's messages.
  std::vector<std::string> Reasons() { return pod_->events().Reasons(); }
  std::vector<Event> EventsWithReason(const std::string& reason);
  ::testing::AssertionResult WaitForEvent(const std::string& reason, std::chrono::milliseconds timeout = 10s,
                                          size_t count = 1);
  // The runtime's own view of a container, through CRI ContainerStatus. Every runtime answers it,
  // so a case that observes only this (and events and hook endpoints) runs on real runtimes too.
  ContainerView Observe(const std::string& container_id);
  // The fake's call log (kCallLog): calls of one method, in order.
  std::vector<fakes::CallRecord> Calls(const std::string& method,
                                       std::source_location where = std::source_location::current());
  // Index in the call log of the first call of `method` (whose container name is `container`,
  // when given); -1 if none.
  int CallIndex(const std::string& method, const std::string& container_id = "",
                std::source_location where = std::source_location::current());

  // Waits as gtest results (ASSERT_TRUE(WaitForCall(...))): on failure they name what was awaited
  // and what arrived instead. Call waits use the call log (kCallLog).
  ::testing::AssertionResult WaitForCall(const fakes::CallMatcher& matcher, std::chrono::milliseconds timeout = 10s,
                                         fakes::CallRecord* found = nullptr, uint64_t after_seq = 0,
                                         std::source_location where = std::source_location::current());
  ::testing::AssertionResult WaitForFinishedCall(const fakes::CallMatcher& matcher,
                                                 std::chrono::milliseconds timeout = 10s,
                                                 fakes::CallRecord* found = nullptr, uint64_t after_seq = 0,
                                                 std::source_location where = std::source_location::current());
  ::testing::AssertionResult WaitForRequest(const fakes::FakeHttpEndpoint& endpoint, const std::string& path,
                                            std::chrono::milliseconds timeout = 10s,
                                            fakes::RecordedRequest* found = nullptr, int count = 1);
  ::testing::AssertionResult WaitUntilHeld(fakes::Gate& gate, std::chrono::milliseconds timeout = 10s, int count = 1);
  // For a case's own helpers, which the watchdog cannot reach: calls wait(slice), slices of at
  // most 100 ms, until it returns true (true), `timeout` passes or the watchdog released the case
  // (false), so that the case returns within the watchdog's grace.
  bool WaitUnlessReleased(std::chrono::milliseconds timeout,
                          const std::function<bool(std::chrono::milliseconds slice)>& wait);

  // What the case did so far, timed from its start: CRI calls, events, HTTP requests, and script
  // items not consumed. TearDown prints it after a failure, the watchdog when a case overruns.
  std::string Diagnostics();
  // The same records as a Chrome trace (trace/chrome_trace.h); TearDown writes it to
  // --trace-dir for a failed case (every case with --trace-all).
  std::string TraceJson();
  // Records that the case uses `c`, and fails it at `where` unless its contract declares `c`
  // (once per capability); `what` names the use.
  void Uses(Capability c, const std::string& what,
            const std::source_location& where = std::source_location::current());

 private:
  friend class CheckedFake;
  // The watchdog's work when the case overran: fail, print the diagnostics, unblock the case.
  void OnWatchdog();
  // Fails the case for every scripted item nobody consumed.
  void CheckEverythingConsumed();
  // Fails the case for every capability its contract declares that it did not use.
  void CheckEveryNeedUsed();
  // Cleans up what the case left; parts are moved out under parts_mu_ and destroyed outside it.
  void ReleaseParts();
  // Writes TraceJson() to the trace directory as <Area>.<Case>_<profile>.json; a failure to write
  // fails the case.
  void WriteTrace();
  std::string CaseName() const;
  std::string Setting() const;  // "implementation builtin, runtime fake, profile 1.35"
  // Gives manifest_ to a new instance of the implementation, which becomes pod_.
  PodUnderTest& HandOver();

  const Contract* contract_ = nullptr;
  CheckedFake fake_{*this};
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started_steady_ = std::chrono::steady_clock::now();
  std::optional<::testing::ScopedTrace> trace_;
  std::mutex uses_mu_;
  std::set<Capability> used_;           // capabilities the case used
  std::set<Capability> reported_uses_;  // undeclared ones already reported
  std::atomic<bool> watchdog_fired_{false};
  // Guards the parts below against the watchdog's thread: the case's thread holds it only to
  // create, replace or take out a part, never while a part works or is destroyed.
  std::mutex parts_mu_;
  std::unique_ptr<RuntimeBackend> runtime_;
  std::unique_ptr<Implementation> implementation_;
  std::unique_ptr<fakes::FakeHttpEndpoint> http_;
  std::unique_ptr<fakes::FakeHttpEndpoint> https_;
  std::unique_ptr<PodUnderTest> pod_;
  std::vector<std::unique_ptr<PodUnderTest>> retired_pods_;
  std::string manifest_;
  PodOptions options_;
  std::string pod_name_;
  std::vector<std::function<void()>> background_;
};

// Releases a gate when the case leaves its scope, so a failed assertion never leaves a call parked
// (and a pending Sync blocked) behind it.
struct GateGuard {
  std::shared_ptr<fakes::Gate> gate;
  ~GateGuard() {
    if (gate) gate->Release();
  }
};

std::string ProfileParamName(const ::testing::TestParamInfo<std::string>& info);

}  // namespace podlife::conformance

// Declares an area: a fixture run once per selected profile.
#define PODLIFE_AREA(Area)                                                        \
  class Area : public ::podlife::conformance::CaseFixture {};                     \
  INSTANTIATE_TEST_SUITE_P(, Area, ::testing::ValuesIn(::podlife::conformance::ProfilesUnderTest()), \
                           ::podlife::conformance::ProfileParamName)

// A case with its contract block; the body follows.
#define PODLIFE_CASE(Area, Name, ...)                                                           \
  static const ::podlife::conformance::CaseRegistration podlife_case_##Area##_##Name(#Area, #Name, \
                                                                                     __VA_ARGS__); \
  TEST_P(Area, Name)
