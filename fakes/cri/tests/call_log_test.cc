// Unit tests of the call log: record, wait with a deadline, ordered checks, bounded capacity.
#include "fakes/cri/call_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "runtime/v1/api.pb.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;

CallRecord Record(const std::string& method, const std::string& container_id = "") {
  CallRecord r;
  r.method = method;
  auto req = std::make_shared<runtime::v1::StartContainerRequest>();
  req->set_container_id(container_id);
  r.request = req;
  return r;
}

TEST(CallLogTest, WaitForSeesACallRecordedLaterByAnotherThread) {
  CallLog log;
  std::thread producer([&] {
    log.Begin(Record("Version"));
    log.Begin(Record("StartContainer", "abc"));
  });
  CallRecord found;
  auto r = log.WaitFor(Call("StartContainer"), std::chrono::seconds(10), &found);
  producer.join();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(found.seq, 2u);
  EXPECT_EQ(found.Request<runtime::v1::StartContainerRequest>().container_id(), "abc");
}

TEST(CallLogTest, FailedWaitNamesWhatWasExpectedAndPrintsTheLog) {
  CallLog log;
  log.Begin(Record("Version"));
  auto r = log.WaitFor(Call("ExecSync"), std::chrono::milliseconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.message(), HasSubstr("waiting for call ExecSync"));
  EXPECT_THAT(r.message(), HasSubstr("#1 Version"));
}

TEST(CallLogTest, WaitForHonoursPredicateAndAfterSeq) {
  CallLog log;
  log.Begin(Record("StartContainer", "a"));
  log.Begin(Record("StartContainer", "b"));
  auto is_b = Call(
      "StartContainer",
      [](const CallRecord& r) { return r.Request<runtime::v1::StartContainerRequest>().container_id() == "b"; },
      "container_id == b");
  CallRecord found;
  ASSERT_TRUE(log.WaitFor(is_b, std::chrono::seconds(1), &found).ok());
  EXPECT_EQ(found.seq, 2u);
  auto r = log.WaitFor(Call("StartContainer"), std::chrono::milliseconds(10), &found, 2);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.message(), HasSubstr("after #2"));
}

TEST(CallLogTest, WaitForFinishedWaitsForTheOutcome) {
  CallLog log;
  uint64_t seq = log.Begin(Record("StopContainer"));
  EXPECT_FALSE(log.WaitForFinished(Call("StopContainer"), std::chrono::milliseconds(10)).ok());
  std::thread finisher([&] { log.Finish(seq, grpc::Status(grpc::StatusCode::NOT_FOUND, "gone")); });
  CallRecord found;
  auto r = log.WaitForFinished(Call("StopContainer"), std::chrono::seconds(10), &found);
  finisher.join();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(found.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(found.status_message, "gone");
}

TEST(CallLogTest, ExpectSubsequenceAcceptsOrderWithGapsAndRejectsWrongOrder) {
  CallLog log;
  for (const char* m : {"RunPodSandbox", "PodSandboxStatus", "CreateContainer", "StartContainer"}) {
    log.Begin(Record(m));
  }
  EXPECT_TRUE(log.ExpectSubsequence({Call("RunPodSandbox"), Call("StartContainer")}).ok());
  auto r = log.ExpectSubsequence({Call("StartContainer"), Call("CreateContainer")});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.message(), HasSubstr("[MISSING] CreateContainer"));
  EXPECT_TRUE(log.ExpectNoCall("StopContainer").ok());
  EXPECT_FALSE(log.ExpectNoCall("CreateContainer").ok());
}

TEST(CallLogTest, BoundedLogKeepsTheNewestAndCountsEveryCall) {
  CallLog log(3);
  for (int i = 0; i < 10; ++i) log.Begin(Record("Version"));
  auto calls = log.Snapshot();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.front().seq, 8u);
  EXPECT_EQ(log.total(), 10u);
  log.Finish(1, grpc::Status::OK);  // an evicted call's outcome is dropped, not a crash
  EXPECT_THAT(log.Format(), HasSubstr("7 older calls evicted"));
}

TEST(CallLogTest, DescribeShowsDeadlineOutcomeAndRequest) {
  CallLog log;
  auto r = Record("StartContainer", "abc");
  r.deadline = std::chrono::milliseconds(1500);
  uint64_t seq = log.Begin(r);
  log.Finish(seq, grpc::Status(grpc::StatusCode::UNKNOWN, "boom"));
  auto line = log.Snapshot()[0].Describe();
  EXPECT_THAT(line, HasSubstr("deadline=1500ms"));
  EXPECT_THAT(line, HasSubstr("UNKNOWN \"boom\""));
  EXPECT_THAT(line, HasSubstr("container_id: \"abc\""));
}

TEST(CallLogTest, FinishRecordsTheTimeAndTheIdACreatingCallAnswered) {
  CallLog log;
  auto r = Record("StartContainer", "abc");
  const auto before = std::chrono::system_clock::now();
  log.Finish(log.Begin(r), grpc::Status::OK, "4f2a");
  log.Begin(r);  // still being served
  const auto calls = log.Snapshot();
  EXPECT_TRUE(calls[0].finished);
  EXPECT_GE(calls[0].finished_at, before);
  EXPECT_EQ(calls[0].answered_id, "4f2a");
  EXPECT_FALSE(calls[1].finished);
  EXPECT_EQ(calls[1].answered_id, "");
}

TEST(CallLogTest, TimelineShowsTimeKeyFieldsDeadlineAndOutcomeInOrder) {
  CallLog log;
  const auto origin = std::chrono::system_clock::now();
  auto stop = std::make_shared<runtime::v1::StopContainerRequest>();
  stop->set_container_id("0123456789abcdef0123");
  stop->set_timeout(30);
  CallRecord first;
  first.method = "StopContainer";
  first.request = stop;
  first.deadline = std::chrono::milliseconds(32000);
  first.received_at = origin + std::chrono::milliseconds(1250);
  log.Finish(log.Begin(first), grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "context deadline exceeded"));
  auto exec = std::make_shared<runtime::v1::ExecSyncRequest>();
  exec->set_container_id("fedcba9876543210");
  exec->add_cmd("sh");
  exec->add_cmd("-c");
  exec->add_cmd("exit 3");
  exec->set_timeout(5);
  CallRecord second;
  second.method = "ExecSync";
  second.request = exec;
  second.received_at = origin + std::chrono::milliseconds(2000);
  log.Begin(second);  // still being served
  auto namer = [](const std::string& id) { return id == "fedcba9876543210" ? std::string("app") : std::string(); };
  EXPECT_EQ(log.Timeline(origin, namer),
            "  +1.250s #1 StopContainer container=0123456789abc timeout=30s deadline=32000ms -> DEADLINE_EXCEEDED "
            "\"context deadline exceeded\"\n"
            "  +2.000s #2 ExecSync container=app cmd=[sh -c exit 3] timeout=5s deadline=none -> (no answer yet)\n");
}

}  // namespace
}  // namespace podlife::fakes
