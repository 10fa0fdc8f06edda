// Unit tests of the simulated shell: its filesystem model, ExecSync results, the plans of
// containers' own commands, scenario script checks and the CRI log format.
#include "fakes/cri/simulated_exec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class SimulatedShellTest : public ::testing::Test {
 protected:
  SimulatedShellTest() {
    SeedContainerFs(fs_, "web-0", {{"net.ipv4.ip_unprivileged_port_start", "0"}, {"kernel.shm_rmid_forced", "1"}});
  }
  SimulatedExec Exec(const std::vector<std::string>& argv) { return SimulateCommand(argv, context_); }
  SimulatedExec Sh(const std::string& script) { return Exec({"sh", "-c", script}); }
  WorkloadPlan Plan(const std::vector<std::string>& argv) { return PlanWorkload(argv, context_); }

  SimulatedFs fs_;
  ShellContext context_{&fs_, "web-0", {}};
};

TEST(SimulatedFsTest, PathsAreNormalisedAndParentsMustExist) {
  SimulatedFs fs;
  EXPECT_EQ(SimulatedFs::Normalize("a/./b/../c/"), "/a/c");
  EXPECT_EQ(SimulatedFs::Normalize("/.."), "/");
  EXPECT_EQ(fs.MakeDir("/a/b", false), "No such file or directory");
  EXPECT_EQ(fs.MakeDir("/a/b", true), "");
  EXPECT_EQ(fs.MakeDir("/a/b", false), "File exists");
  EXPECT_EQ(fs.Write("/missing/f", "x", false), "nonexistent directory");
  EXPECT_EQ(fs.Write("/a", "x", false), "Is a directory");
  EXPECT_EQ(fs.Write("/a/f", "x", false), "");
  EXPECT_EQ(fs.Write("a/f", "y", true), "");
  EXPECT_EQ(fs.Read("/a/f"), "xy");
  EXPECT_EQ(fs.Touch("/a/g"), "");
  EXPECT_EQ(fs.List("/a"), (std::vector<std::string>{"b", "f", "g"}));
  EXPECT_EQ(fs.List("/"), (std::vector<std::string>{"a"}));
}

TEST(SimulatedFsTest, SeedingPutsTheSysctlsAndTheHostnameWhereAContainerSeesThem) {
  SimulatedFs fs;
  SeedContainerFs(fs, "pod-a", {{"net.core.somaxconn", "1024"}});
  EXPECT_EQ(fs.Read("/proc/sys/net/core/somaxconn"), "1024\n");
  EXPECT_EQ(fs.Read("/etc/hostname"), "pod-a\n");
  EXPECT_TRUE(fs.IsDir("/tmp"));
}

TEST_F(SimulatedShellTest, EchoAndPrintfWriteStdout) {
  EXPECT_EQ(Exec({"echo", "-n", "hello"}).result.stdout_text, "hello");
  EXPECT_EQ(Exec({"echo", "a", "b"}).result.stdout_text, "a b\n");
  EXPECT_EQ(Sh("echo 'quoted  words' \"and more\"").result.stdout_text, "quoted  words and more\n");
  EXPECT_EQ(Sh("printf '%s-%d\\n' a 5").result.stdout_text, "a-5\n");
  EXPECT_EQ(Exec({"/bin/echo", "x"}).result.exit_code, 0);
}

// containerd keeps the first 16 MiB of each exec stream; a file grows no larger than that either
// (a full disk). Before the cap, this script made the fake hold 48 MiB for one answer, and a
// longer one hundreds of MB.
TEST_F(SimulatedShellTest, ExecOutputAndFilesAreCappedAt16MiB) {
  const std::string mib(1 << 20, 'x');
  ASSERT_TRUE(fs_.Write("/f", mib, false).empty());
  std::string cats = "cat";
  for (int i = 0; i < 24; ++i) cats += " /f";
  auto out = Sh(cats + "; " + cats + " >&2");
  EXPECT_EQ(out.result.stdout_text.size(), kMaxExecStreamBytes);
  EXPECT_EQ(out.result.stderr_text.size(), kMaxExecStreamBytes);
  EXPECT_EQ(out.result.exit_code, 0);

  auto grown = Sh(cats + " > /g");
  EXPECT_EQ(fs_.Read("/g")->size(), kMaxExecStreamBytes);
  EXPECT_THAT(grown.result.stderr_text, HasSubstr("sh: write error: No space left on device"));
}

TEST_F(SimulatedShellTest, ExitCodesAndStderrAreAShells) {
  EXPECT_EQ(Sh("exit 3").result.exit_code, 3);
  SimulatedExec mixed = Sh("echo out; echo err >&2; exit 3");
  EXPECT_EQ(mixed.result.stdout_text, "out\n");
  EXPECT_EQ(mixed.result.stderr_text, "err\n");
  EXPECT_EQ(mixed.result.exit_code, 3);
  EXPECT_EQ(Sh("echo a; exit 4; echo never").result.stdout_text, "a\n");
  EXPECT_EQ(Sh("false").result.exit_code, 1);
  EXPECT_EQ(Sh("false && echo no || echo yes").result.stdout_text, "yes\n");
  EXPECT_EQ(Sh("true && echo chained").result.stdout_text, "chained\n");
}

TEST_F(SimulatedShellTest, AnUnknownCommandIsNotFoundInAShellAndCannotStartAsAPlainArgv) {
  SimulatedExec in_shell = Sh("frobnicate --all");
  EXPECT_EQ(in_shell.result.exit_code, 127);
  EXPECT_EQ(in_shell.result.stderr_text, "sh: frobnicate: not found\n");
  EXPECT_TRUE(in_shell.start_error.empty());
  EXPECT_EQ(Sh("frobnicate; echo after").result.stdout_text, "after\n");
  EXPECT_EQ(Exec({"frobnicate"}).start_error, "exec: \"frobnicate\": executable file not found in $PATH");
  EXPECT_EQ(Exec({"/nonexistent"}).start_error, "exec: \"/nonexistent\": stat /nonexistent: no such file or directory");
}

TEST_F(SimulatedShellTest, CatReadsWhatTheFakeKnowsAndWhatEarlierCommandsWrote) {
  EXPECT_EQ(Exec({"cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"}).result.stdout_text, "0\n");
  EXPECT_EQ(Exec({"cat", "/etc/hostname"}).result.stdout_text, "web-0\n");
  EXPECT_EQ(Sh("echo one > /tmp/f").result.exit_code, 0);
  EXPECT_EQ(Sh("echo two >> /tmp/f").result.exit_code, 0);
  EXPECT_EQ(Exec({"cat", "/tmp/f"}).result.stdout_text, "one\ntwo\n");
  EXPECT_EQ(Sh("echo three > /tmp/f; cat /tmp/f").result.stdout_text, "three\n");
  SimulatedExec missing = Exec({"cat", "/nope"});
  EXPECT_EQ(missing.result.exit_code, 1);
  EXPECT_EQ(missing.result.stderr_text, "cat: can't open '/nope': No such file or directory\n");
  SimulatedExec no_dir = Sh("echo x > /nodir/f");
  EXPECT_EQ(no_dir.result.exit_code, 1);
  EXPECT_EQ(no_dir.result.stderr_text, "sh: can't create /nodir/f: nonexistent directory\n");
}

TEST_F(SimulatedShellTest, MkdirTouchLsAndTestShareTheContainersFilesystem) {
  EXPECT_EQ(Sh("mkdir /data && touch /data/ready && ls /data").result.stdout_text, "ready\n");
  EXPECT_EQ(Exec({"test", "-e", "/data/ready"}).result.exit_code, 0);
  EXPECT_EQ(Sh("[ -e /data/gone ]").result.exit_code, 1);
  EXPECT_EQ(Sh("[ -d /data ] && [ ! -f /data ]").result.exit_code, 0);
  EXPECT_EQ(Sh("test -e /data/ready && echo ok").result.stdout_text, "ok\n");
  EXPECT_EQ(Exec({"mkdir", "/a/b"}).result.stderr_text, "mkdir: can't create directory '/a/b': No such file or directory\n");
  EXPECT_EQ(Exec({"mkdir", "-p", "/a/b"}).result.exit_code, 0);
  EXPECT_EQ(Exec({"ls", "/nope"}).result.exit_code, 1);
}

TEST_F(SimulatedShellTest, IdAndHostnameFollowTheContainer) {
  EXPECT_EQ(Exec({"id"}).result.stdout_text, "uid=0(root) gid=0(root) groups=0(root)\n");
  EXPECT_EQ(Exec({"hostname"}).result.stdout_text, "web-0\n");
  context_.identity = {1000, 3000, ""};
  EXPECT_EQ(Exec({"id"}).result.stdout_text, "uid=1000 gid=3000 groups=3000\n");
  EXPECT_EQ(Exec({"id", "-u"}).result.stdout_text, "1000\n");
  EXPECT_EQ(Exec({"whoami"}).result.exit_code, 1);
}

TEST_F(SimulatedShellTest, SleepAddsRunTimeAndALoopNeverEnds) {
  EXPECT_EQ(Exec({"sleep", "2"}).result.delay, 2s);
  EXPECT_EQ(Sh("sleep 1; sleep 0.5; echo done").result.delay, 1500ms);
  EXPECT_GT(Sh("while true; do sleep 1; done").result.delay, std::chrono::hours(24));
  EXPECT_EQ(Exec({"sleep", "-1"}).result.exit_code, 1);
}

TEST_F(SimulatedShellTest, WhatItCannotParseIsASyntaxErrorNotASuccess) {
  SimulatedExec unterminated = Sh("echo 'oops");
  EXPECT_EQ(unterminated.result.exit_code, 2);
  EXPECT_THAT(unterminated.result.stderr_text, HasSubstr("unterminated"));
  EXPECT_EQ(Sh("cat /etc/hostname | wc -l").result.exit_code, 2);
}

TEST_F(SimulatedShellTest, AnEchoingCommandWritesItsOutputAndExitsZeroAtOnce) {
  WorkloadPlan plan = Plan({"echo", "hello"});
  ASSERT_EQ(plan.output.size(), 1u);
  EXPECT_EQ(plan.output[0].text, "hello\n");
  EXPECT_EQ(plan.output[0].at, 0ms);
  EXPECT_FALSE(plan.output[0].to_stderr);
  EXPECT_EQ(plan.exits_after, 0ms);
  EXPECT_EQ(plan.exit_code, 0);
}

TEST_F(SimulatedShellTest, AScriptsOutputIsTimedBySleepsAndItsExitCodeIsItsLast) {
  WorkloadPlan plan = Plan({"sh", "-c", "echo start; sleep 2; echo oops >&2; exit 3"});
  ASSERT_EQ(plan.output.size(), 2u);
  EXPECT_EQ(plan.output[1].at, 2s);
  EXPECT_TRUE(plan.output[1].to_stderr);
  EXPECT_EQ(plan.exits_after, 2s);
  EXPECT_EQ(plan.exit_code, 3);
}

TEST_F(SimulatedShellTest, APlainSleepAsPid1IgnoresSigterm) {
  WorkloadPlan plan = Plan({"sleep", "3600"});
  EXPECT_EQ(plan.exits_after, 3600s);
  EXPECT_TRUE(plan.ignores_sigterm);
}

TEST_F(SimulatedShellTest, ATermTrapDecidesWhatAStopDoes) {
  WorkloadPlan handled = Plan({"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"});
  EXPECT_EQ(handled.exits_after, 3600s);
  EXPECT_FALSE(handled.ignores_sigterm);
  EXPECT_EQ(handled.exit_code_on_term, 0);
  EXPECT_TRUE(Plan({"sh", "-c", "trap '' TERM; sleep 3600 & wait"}).ignores_sigterm);
  WorkloadPlan loop = Plan({"sh", "-c", "trap 'echo bye; exit 5' TERM; while true; do sleep 1; done"});
  EXPECT_FALSE(loop.exits_after.has_value());
  EXPECT_FALSE(loop.ignores_sigterm);
  EXPECT_EQ(loop.exit_code_on_term, 5);
  EXPECT_EQ(loop.term_output, "bye\n");
  EXPECT_EQ(Plan({"sh", "-c", "trap 'echo bye' TERM; sleep infinity"}).exit_code_on_term, 143);
}

TEST_F(SimulatedShellTest, AnUnknownProgramOrTheImagesOwnCommandRunsUntilStoppedAndHandlesTerm) {
  for (const auto& argv : std::vector<std::vector<std::string>>{{"nginx", "-g", "daemon off;"}, {}}) {
    WorkloadPlan plan = Plan(argv);
    EXPECT_FALSE(plan.exits_after.has_value()) << JoinCommand(argv);
    EXPECT_FALSE(plan.ignores_sigterm) << JoinCommand(argv);
    EXPECT_EQ(plan.exit_code_on_term, 0);
  }
}

TEST(ValidateWorkloadScriptTest, NamesAnUnknownCommandOrABadSleep) {
  EXPECT_EQ(ValidateWorkloadScript("echo hi; sleep 1.5; exit 2"), "");
  EXPECT_EQ(ValidateWorkloadScript("trap 'exit 0' TERM; while true; do sleep 1; done"), "");
  EXPECT_THAT(ValidateWorkloadScript("echo hi; frobnicate"), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(ValidateWorkloadScript("sleep -1"), HasSubstr("sleep needs one non-negative number of seconds"));
  EXPECT_THAT(ValidateWorkloadScript("sh -c 'sleep soon'"), HasSubstr("got 'soon'"));
  EXPECT_THAT(ValidateWorkloadScript("echo 'oops"), HasSubstr("unterminated"));
  EXPECT_THAT(ValidateWorkloadScript("trap 'cleanup; exit 0' TERM; sleep infinity"), HasSubstr("unknown command 'cleanup'"));
  EXPECT_THAT(ValidateWorkloadScript("exec server --port 80"), HasSubstr("unknown command 'server'"));
  EXPECT_EQ(ValidateWorkloadScript("trap '' TERM; exec sleep 5"), "");
}

TEST(CriLogFormatTest, EachLineGetsATimestampItsStreamAndTheFullTag) {
  EXPECT_EQ(Rfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339Nano(1500000000), "1970-01-01T00:00:01.5Z");
  EXPECT_EQ(Rfc3339Nano(1780000000123456789), "2026-05-28T20:26:40.123456789Z");
  EXPECT_EQ(FormatCriLogLines("a\nb\n", false, 1500000000),
            "1970-01-01T00:00:01.5Z stdout F a\n1970-01-01T00:00:01.5Z stdout F b\n");
  EXPECT_EQ(FormatCriLogLines("no newline", true, 0), "1970-01-01T00:00:00Z stderr F no newline\n");
  EXPECT_EQ(FormatCriLogLines("", false, 0), "");
}

}  // namespace
}  // namespace podlife::fakes
