// Unit tests of scripting: scenario files (and their errors) and the Script's consumption rules.
#include "fakes/cri/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "fakes/cri/script.h"
#include "fakes/cri/tests/scenario_parse.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::ParseError;
using testing::ParseOk;

TEST(ScenarioTest, ParsesEverySection) {
  Scenario s = ParseOk(R"(
podIPs: ["127.0.0.1"]
callLogCapacity: 100
defaultExec: {exitCode: 0, stdout: "ok"}
exec:
  - command: [sh, -c, "exit 3"]
    exitCode: 3
    stderr: boom
    times: 1
  - command: [sleep, "10"]
    delayMs: 10000
faults:
  - method: StartContainer
    code: unavailable
    message: runtime down
    times: 2
  - method: ExecSync
    latencyMs: 50
  - method: StopContainer
    hangUntilDeadline: true
workloads:
  - container: app
    ignoresSigterm: true
)");
  ASSERT_TRUE(s.pod_ips.has_value());
  EXPECT_EQ(*s.pod_ips, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(s.call_log_capacity, 100u);
  ASSERT_EQ(s.exec_rules.size(), 2u);
  EXPECT_EQ(s.exec_rules[0].command, (std::vector<std::string>{"sh", "-c", "exit 3"}));
  EXPECT_EQ(s.exec_rules[0].result.exit_code, 3);
  EXPECT_EQ(s.exec_rules[0].result.stderr_text, "boom");
  EXPECT_EQ(s.exec_rules[0].times, 1);
  EXPECT_EQ(s.exec_rules[1].result.delay, Millis(10000));
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0].code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.faults[0].times, 2);
  EXPECT_EQ(s.faults[1].latency, Millis(50));
  EXPECT_TRUE(s.faults[2].hang_until_deadline);
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_TRUE(s.workloads[0].ignores_sigterm);
  EXPECT_EQ(s.default_exec->stdout_text, "ok");
}

TEST(ScenarioTest, EmptyDocumentScriptsNothing) {
  Scenario s = ParseOk("");
  EXPECT_TRUE(s.faults.empty());
  EXPECT_FALSE(s.pod_ips.has_value());
}

TEST(ScenarioTest, FlavorPicksWhoseAnswersTheFakeGives) {
  EXPECT_FALSE(ParseOk("podIPs: []\n").flavor.has_value());
  EXPECT_EQ(ParseOk("flavor: containerd-1.6.20\n").flavor, Flavor::kContainerd1_6_20);
  EXPECT_EQ(ParseOk("flavor: cri\n").flavor, Flavor::kCri);
}

TEST(ScenarioTest, UnknownFlavorIsNamedWithItsLine) {
  EXPECT_EQ(ParseError("podIPs: []\nflavor: containerd-2.0\n"),
            "s.yaml:2: flavor: unknown flavour 'containerd-2.0' (expected one of cri, containerd-1.6.20)");
}

TEST(ScenarioTest, RuntimeHandlersAndAppArmorProfilesDescribeTheRuntimesHost) {
  Scenario s = ParseOk("runtimeHandlers: [runc, kata]\nappArmorProfiles: [podlife-test]\n");
  EXPECT_EQ(s.runtime_handlers, (std::vector<std::string>{"runc", "kata"}));
  EXPECT_EQ(s.apparmor_profiles, (std::vector<std::string>{"podlife-test"}));
  EXPECT_FALSE(ParseOk("podIPs: []\n").apparmor_profiles.has_value()) << "absent: AppArmor stays off";
}

TEST(ScenarioTest, EmptyRuntimeHandlersAreNamedWithTheirLine) {
  EXPECT_EQ(ParseError("podIPs: []\nruntimeHandlers: []\n"),
            "s.yaml:2: runtimeHandlers: needs at least one handler (the first is the default)");
  EXPECT_EQ(ParseError("runtimeHandlers: [runc, \"\"]\n"), "s.yaml:1: runtimeHandlers: a handler name must not be empty");
}

TEST(ScenarioTest, UnknownFieldIsNamedWithItsPathAndLine) {
  EXPECT_EQ(ParseError("exec:\n  - command: [true]\n    exitcode: 3\n"),
            "s.yaml:3: exec[0].exitcode: unknown field (did you mean exitCode? expected one of: command, delayMs, "
            "exitCode, stderr, stdout, times)");
}

TEST(ScenarioTest, PodIpThatIsNotAnIpIsNamedWithItsLine) {
  EXPECT_EQ(ParseError("podIPs:\n  - 10.0.0.1\n  - 10.0.0.300\n"), "s.yaml:3: podIPs[1]: not an IPv4 or IPv6 address: '10.0.0.300'");
  EXPECT_EQ(ParseError("podIPs: [localhost]\n"), "s.yaml:1: podIPs[0]: not an IPv4 or IPv6 address: 'localhost'");
  EXPECT_EQ(ParseOk("podIPs: [10.0.0.1, \"fd00::1\"]\n").pod_ips->size(), 2u);
}

TEST(ScenarioTest, SecondYamlDocumentIsRejected) {
  EXPECT_EQ(ParseError("podIPs: [10.0.0.1]\n---\nflavor: cri\n"),
            "s.yaml:3: (document 2): a second YAML document: one file holds one object (split the file)");
}

TEST(ScenarioTest, DirectoryIsRejectedNamingIt) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  auto loaded = LoadScenarioFile(dir);
  ASSERT_TRUE(std::holds_alternative<ScenarioError>(loaded));
  EXPECT_EQ(std::get<ScenarioError>(loaded).message, dir + ": is a directory, not a scenario file");
}

TEST(ScenarioTest, BadStatusCodeIsNamedWithItsPathAndLine) {
  EXPECT_THAT(ParseError("faults:\n  - method: StartContainer\n    code: EXPLODED\n"),
              StartsWith("s.yaml:3: faults[0].code: unknown gRPC status code 'EXPLODED'"));
}

TEST(ScenarioTest, UnknownMethodIsRejected) {
  EXPECT_THAT(ParseError("faults:\n  - method: StartContainers\n    code: UNKNOWN\n"),
              StartsWith("s.yaml:2: faults[0].method: unknown CRI method 'StartContainers'"));
}

TEST(ScenarioTest, FaultWithoutAnEffectIsRejected) {
  EXPECT_THAT(ParseError("faults:\n  - method: StartContainer\n"),
              HasSubstr("faults[0]: a fault needs at least one of code, latencyMs, hangUntilDeadline"));
}

TEST(ScenarioTest, WrongTypesAreNamed) {
  EXPECT_THAT(ParseError("exec:\n  - exitCode: three\n"),
              StartsWith("s.yaml:2: exec[0].exitCode: expected a whole number, got 'three'"));
  EXPECT_THAT(ParseError("exec:\n  - exitCode: 300\n"), HasSubstr("exec[0].exitCode: must be between 0 and 255"));
  EXPECT_THAT(ParseError("podIPs: 127.0.0.1\n"), StartsWith("s.yaml:1: podIPs: expected a list of strings"));
  EXPECT_THAT(ParseError("workloads:\n  - ignoresSigterm: maybe\n"),
              HasSubstr("workloads[0].ignoresSigterm: expected true or false, got 'maybe'"));
}

TEST(ScenarioTest, AWorkloadCanExitByItselfAfterFractionalSeconds) {
  Scenario s = ParseOk("workloads:\n  - container: job\n    exitsAfterSeconds: 1.25\n    exitCode: 3\n"
                       "  - container: sidecar\n");
  ASSERT_EQ(s.workloads.size(), 2u);
  EXPECT_EQ(s.workloads[0].container_name, "job");
  EXPECT_EQ(s.workloads[0].exits_after, Millis(1250));
  EXPECT_EQ(s.workloads[0].exit_code, 3);
  EXPECT_FALSE(s.workloads[1].exits_after.has_value()) << "without the key a workload runs until stopped";
  EXPECT_EQ(ParseOk("workloads:\n  - exitsAfterSeconds: 0\n").workloads[0].exits_after, Millis(0));
}

TEST(ScenarioTest, BadExitTimingIsNamedWithItsPathAndLine) {
  EXPECT_EQ(ParseError("workloads:\n  - container: job\n    exitsAfterSeconds: -1\n"),
            "s.yaml:3: workloads[0].exitsAfterSeconds: must be between 0 and 86400 seconds, got -1");
  EXPECT_EQ(ParseError("workloads:\n  - exitsAfterSeconds: soon\n"),
            "s.yaml:2: workloads[0].exitsAfterSeconds: expected a number of seconds such as 1 or 0.5, got 'soon'");
  EXPECT_EQ(ParseError("workloads:\n  - exitsAfterSeconds: 1\n    exitCode: 256\n"),
            "s.yaml:3: workloads[0].exitCode: must be between 0 and 255");
  EXPECT_EQ(ParseError("workloads:\n  - container: job\n    exitCode: 1\n"),
            "s.yaml:3: workloads[0].exitCode: needs exitsAfterSeconds (when the workload exits by itself)");
  EXPECT_EQ(ParseError("workloads:\n  - container: job\n    exitAfterSeconds: 1\n"),
            "s.yaml:3: workloads[0].exitAfterSeconds: unknown field (did you mean exitsAfterSeconds? expected one of: "
            "container, exitCode, "
            "exitCodeOnTerm, exitsAfterSeconds, ignoresSigterm, script)");
}

TEST(ScenarioTest, StatsAreScriptedPerContainerName) {
  Scenario s = ParseOk("stats:\n  - container: app\n    cpuNanoCores: 250000000\n    memoryWorkingSetBytes: 52428800\n"
                       "    writableLayerBytes: 4096\n  - memoryWorkingSetBytes: 1024\n");
  ASSERT_EQ(s.stats.size(), 2u);
  EXPECT_EQ(s.stats[0].container_name, "app");
  EXPECT_EQ(s.stats[0].cpu_nano_cores, 250000000u);
  EXPECT_EQ(s.stats[0].memory_working_set_bytes, 52428800u);
  EXPECT_EQ(s.stats[0].writable_layer_bytes, 4096u);
  EXPECT_EQ(s.stats[1].container_name, "") << "no container: every container";
  EXPECT_FALSE(s.stats[1].cpu_nano_cores.has_value());
}

TEST(ScenarioTest, BadStatsAreNamedWithTheirPathAndLine) {
  EXPECT_EQ(ParseError("stats:\n  - container: app\n    memoryWorkingSetBytes: -5\n"),
            "s.yaml:3: stats[0].memoryWorkingSetBytes: must be between 1 and 1125899906842624");
  EXPECT_THAT(ParseError("stats:\n  - container: app\n    cpu: 5\n"),
              StartsWith("s.yaml:3: stats[0].cpu: unknown field (expected one of: container, cpuNanoCores, "
                         "memoryWorkingSetBytes, writableLayerBytes)"));
  EXPECT_EQ(ParseError("stats:\n  - container: app\n"),
            "s.yaml:2: stats[0]: a stats rule needs at least one of cpuNanoCores, memoryWorkingSetBytes, "
            "writableLayerBytes");
}

TEST(ScenarioTest, AWorkloadScriptIsCheckedWhereItIsWritten) {
  Scenario s = ParseOk("workloads:\n  - container: job\n    script: \"echo working; sleep 0.5; exit 3\"\n");
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_EQ(s.workloads[0].script, "echo working; sleep 0.5; exit 3");
  EXPECT_THAT(ParseError("workloads:\n  - container: job\n    script: \"echo hi; frobnicate --now\"\n"),
              StartsWith("s.yaml:3: workloads[0].script: unknown command 'frobnicate' (the simulated shell knows "));
  EXPECT_EQ(ParseError("workloads:\n  - container: job\n    script: \"sleep -1\"\n"),
            "s.yaml:3: workloads[0].script: sleep needs one non-negative number of seconds or `infinity`, got '-1'");
  EXPECT_EQ(ParseError("workloads:\n  - container: job\n    script: \"exit 1\"\n    ignoresSigterm: true\n"),
            "s.yaml:4: workloads[0].ignoresSigterm: cannot be combined with script (the script decides how the "
            "workload ends and what TERM does)");
}

TEST(ScenarioTest, TheDocumentedExampleLoads) {
  auto loaded = LoadScenarioFile(PODLIFE_CRI_SCENARIO_EXAMPLE);
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<ScenarioError>(loaded).message;
  const Scenario& s = std::get<Scenario>(loaded);
  EXPECT_EQ(s.workloads.size(), 3u);
  EXPECT_EQ(s.stats.size(), 1u);
}

TEST(ScenarioTest, InvalidYamlNamesTheLine) {
  EXPECT_THAT(ParseError("exec:\n  - command: [a, b\n"), StartsWith("s.yaml:"));
  EXPECT_THAT(ParseError("exec:\n  - command: [a, b\n"), HasSubstr("invalid YAML"));
}

TEST(ScenarioTest, MissingFileIsAClearError) {
  auto parsed = LoadScenarioFile("/nonexistent/scenario.yaml");
  ASSERT_TRUE(std::holds_alternative<ScenarioError>(parsed));
  EXPECT_EQ(std::get<ScenarioError>(parsed).message, "/nonexistent/scenario.yaml: cannot read the scenario file");
}

TEST(ScriptTest, ExecRulesMatchExactCommandInOrderAndCountTheirUses) {
  Script script;
  script.AddExecRule({{"sh", "-c", "exit 3"}, {3, "", "boom", Millis(0)}, 1, 0});
  script.AddExecRule({{}, {7, "", "", Millis(0)}, 0, 0});
  EXPECT_EQ(script.TakeExecResult({"sh", "-c", "exit 3"}).exit_code, 3);
  EXPECT_EQ(script.TakeExecResult({"sh", "-c", "exit 3"}).exit_code, 7);  // one-shot used up
  EXPECT_EQ(script.TakeExecResult({"other"}).exit_code, 7);
  EXPECT_TRUE(script.Unconsumed().empty());
}

TEST(ScriptTest, UnscriptedExecUsesTheDefaultResult) {
  Script script;
  EXPECT_EQ(script.TakeExecResult({"true"}).exit_code, 0);
  script.SetDefaultExecResult({1, "", "nope", Millis(0)});
  EXPECT_EQ(script.TakeExecResult({"true"}).exit_code, 1);
}

TEST(ScriptTest, OneShotFaultsAreUsedOnceAndStickyOnesAlways) {
  Script script;
  Fault once;
  once.method = "StartContainer";
  once.code = grpc::StatusCode::UNAVAILABLE;
  once.times = 1;
  Fault sticky;
  sticky.method = "StartContainer";
  sticky.code = grpc::StatusCode::INTERNAL;
  script.AddFault(once);
  script.AddFault(sticky);
  auto first = script.TakeFaults("StartContainer");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].code, grpc::StatusCode::UNAVAILABLE);
  for (int i = 0; i < 3; ++i) {
    auto next = script.TakeFaults("StartContainer");
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].code, grpc::StatusCode::INTERNAL);
  }
  EXPECT_TRUE(script.TakeFaults("CreateContainer").empty());
}

TEST(ScriptTest, UnconsumedListsEveryUnusedOneShotItem) {
  Script script;
  Fault f;
  f.method = "StopContainer";
  f.code = grpc::StatusCode::UNKNOWN;
  f.message = "x";
  f.times = 2;
  script.AddFault(f);
  script.AddExecRule({{"echo", "hi"}, {}, 1, 0});
  script.AddGate("StartContainer");
  auto items = script.Unconsumed();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], "fault on StopContainer (UNKNOWN \"x\") used 0 of 2 times");
  EXPECT_EQ(items[1], "exec result for [echo hi] used 0 of 1 times");
  EXPECT_EQ(items[2], "gate on StartContainer never reached");
}

TEST(ScriptTest, AFaultOrGateForAnUnknownMethodIsRejectedWhenWritten) {
  Script script;
  Fault typo;
  typo.method = "StartContainr";
  typo.code = grpc::StatusCode::UNKNOWN;
  try {
    script.AddFault(typo);
    ADD_FAILURE() << "AddFault accepted an unknown method";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), StartsWith("fault: unknown CRI method 'StartContainr' (the fake serves Version "));
  }
  EXPECT_THROW(script.AddGate("UpdateContainerResources"), std::invalid_argument);
  EXPECT_THROW(script.ClearFaults("startcontainer"), std::invalid_argument);
  EXPECT_TRUE(script.Unconsumed().empty());  // nothing was written
}

TEST(ScriptTest, ReleaseEveryGateReleasesTheGatesStillClosed) {
  Script script;
  auto open = script.AddGate("StartContainer");
  open->Release();
  auto closed = script.AddGate("StopContainer");
  EXPECT_EQ(ReleaseEveryGate(), 1);
  EXPECT_TRUE(closed->released());
}

// The watchdog's release also ends a case's wait for a call that never reaches a gate (an
// implementation that failed before it): such a wait outlasted the watchdog's grace, so a case
// timeout of 5 s ended the whole run at a case waiting 10 s for its gate.
TEST(ScriptTest, ReleaseEveryGateEndsAWaitForACallThatNeverComes) {
  Script script;
  auto gate = script.AddGate("StartContainer");
  const auto started = std::chrono::steady_clock::now();
  auto wait = std::async(std::launch::async, [&] { return gate->WaitUntilHeld(std::chrono::seconds(30)); });
  EXPECT_EQ(ReleaseEveryGate(), 1);
  const WaitResult result = wait.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.message(), HasSubstr("released by the watchdog while waiting for 1 StartContainer call(s)"));
}

TEST(ScriptTest, AGateHoldsOnlyOneCall) {
  Script script;
  auto gate = script.AddGate("StartContainer");
  EXPECT_EQ(script.TakeGate("StartContainer"), gate);
  EXPECT_EQ(script.TakeGate("StartContainer"), nullptr);
}

}  // namespace
}  // namespace podlife::fakes
