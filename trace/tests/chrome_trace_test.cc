#include "trace/chrome_trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/v1/api.pb.h"
#include "testsupport/trace_format.h"

namespace podlife::trace {
namespace {

namespace cri = ::runtime::v1;
using json = nlohmann::json;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

const auto kOrigin = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
const auto kOriginSteady = std::chrono::steady_clock::time_point(std::chrono::seconds(5000));

// Builds a call log by hand: each call from `from` to `to` (ms after the origin).
class Records {
 public:
  Records() {
    r.title = "pod demo";
    r.origin = kOrigin;
    r.origin_steady = kOriginSteady;
  }
  template <class Req>
  fakes::CallRecord& Call(const std::string& method, Req request, int from_ms, int to_ms, std::string answered = "") {
    fakes::CallRecord c;
    c.seq = r.calls.size() + 1;
    c.method = method;
    c.request = std::make_shared<Req>(std::move(request));
    c.received_at = kOrigin + std::chrono::milliseconds(from_ms);
    c.finished = to_ms >= 0;
    c.finished_at = kOrigin + std::chrono::milliseconds(to_ms);
    c.answered_id = std::move(answered);
    r.calls.push_back(std::move(c));
    return r.calls.back();
  }
  void Create(const std::string& name, const std::string& id, int from, int to) {
    cri::CreateContainerRequest req;
    req.mutable_config()->mutable_metadata()->set_name(name);
    Call("CreateContainer", req, from, to, id);
  }
  void Start(const std::string& id, int from, int to) {
    cri::StartContainerRequest req;
    req.set_container_id(id);
    Call("StartContainer", req, from, to);
  }
  void Exec(const std::string& id, std::vector<std::string> cmd, int from, int to) {
    cri::ExecSyncRequest req;
    req.set_container_id(id);
    for (auto& a : cmd) req.add_cmd(a);
    Call("ExecSync", req, from, to);
  }
  void Stop(const std::string& id, int from, int to) {
    cri::StopContainerRequest req;
    req.set_container_id(id);
    req.set_timeout(10);
    Call("StopContainer", req, from, to);
  }
  void Event(const std::string& reason, const std::string& field_path, int at_ms) {
    r.events.push_back({"Normal", reason, field_path, reason + " message", kOrigin + std::chrono::milliseconds(at_ms)});
  }

  TraceRecords r;
};

// The trace's events by track name, metadata left out.
std::map<std::string, std::vector<json>> ByTrack(const json& trace) {
  std::map<int64_t, std::string> names;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") names[e["tid"]] = e["args"]["name"];
  }
  std::map<std::string, std::vector<json>> out;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "M") out[names[e["tid"]]].push_back(e);
  }
  return out;
}

const json* Find(const std::vector<json>& events, const std::string& name) {
  for (const auto& e : events) {
    if (e["name"] == name) return &e;
  }
  return nullptr;
}

Pod SidecarPod() {
  Pod pod;
  pod.name = "demo";
  Container proxy;
  proxy.name = "proxy";
  proxy.restart_policy = "Always";
  LifecycleHandler sleep2;
  sleep2.exec = ExecAction{{"sh", "-c", "sleep 2"}};
  proxy.lifecycle = Lifecycle{sleep2, std::nullopt};
  pod.init_containers.push_back(proxy);
  Container app;
  app.name = "app";
  HttpGetAction stop;
  stop.path = "/stop";
  stop.port = IntOrString::Int(80);
  LifecycleHandler get_stop;
  get_stop.http_get = stop;
  app.lifecycle = Lifecycle{std::nullopt, get_stop};
  pod.containers.push_back(app);
  return pod;
}

TEST(ChromeTraceTest, RendersContainersHooksCallsRequestsAndEventsAsAValidTrace) {
  Records rec;
  const Pod pod = SidecarPod();
  rec.r.pod = &pod;
  rec.Create("proxy", "p1", 10, 20);
  rec.Start("p1", 21, 30);
  rec.Event("Started", "spec.initContainers{proxy}", 31);
  rec.Exec("p1", {"sh", "-c", "sleep 2"}, 32, 2032);
  rec.Create("app", "a1", 2040, 2050);
  rec.Start("a1", 2051, 2060);
  rec.Event("LifecycleHTTPFallback", "", 2100);
  fakes::RecordedRequest stop_request;
  stop_request.method = "GET";
  stop_request.target = stop_request.path = "/stop";
  stop_request.peer = "127.0.0.1:5";
  stop_request.at = kOriginSteady + 3000ms;
  stop_request.answered_at = kOriginSteady + 3100ms;
  stop_request.status = 200;
  rec.r.http.push_back({"http://127.0.0.1:80", {stop_request}});
  rec.Stop("a1", 3200, 3300);
  rec.Stop("p1", 3310, 3400);

  const std::string text = ChromeTraceJson(rec.r);
  EXPECT_THAT(testsupport::ChromeTraceProblems(text), IsEmpty()) << text;
  auto tracks = ByTrack(json::parse(text));
  auto& proxy = tracks["container proxy"];
  auto& app = tracks["container app"];
  ASSERT_NE(Find(proxy, "postStart"), nullptr) << text;
  EXPECT_EQ((*Find(proxy, "postStart"))["ts"], 32000);
  EXPECT_EQ((*Find(proxy, "postStart"))["dur"], 2000000);
  EXPECT_EQ((*Find(proxy, "postStart"))["args"]["handler"], "exec");
  EXPECT_EQ((*Find(proxy, "created"))["ts"], 20000);
  EXPECT_EQ((*Find(proxy, "started"))["ts"], 30000);
  EXPECT_EQ((*Find(proxy, "Started"))["ts"], 31000);  // the event, on its container's track
  EXPECT_EQ((*Find(proxy, "exit"))["ts"], 3400000);
  ASSERT_NE(Find(app, "preStop"), nullptr) << text;
  EXPECT_EQ((*Find(app, "preStop"))["ts"], 3000000);
  EXPECT_EQ((*Find(app, "preStop"))["dur"], 100000);
  EXPECT_EQ((*Find(app, "preStop"))["args"]["handler"], "httpGet");
  EXPECT_EQ((*Find(app, "StopContainer"))["args"]["timeout"], "10s");
  EXPECT_EQ(Find(app, "postStart"), nullptr);
  ASSERT_NE(Find(tracks["HTTP hook requests"], "GET /stop"), nullptr);
  EXPECT_EQ((*Find(tracks["HTTP hook requests"], "GET /stop"))["args"]["status"], 200);
  ASSERT_NE(Find(tracks["pod events"], "LifecycleHTTPFallback"), nullptr);
  const json* exec = Find(tracks["CRI calls"], "ExecSync");
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ((*exec)["args"]["status"], "OK");
  EXPECT_EQ((*exec)["args"]["deadline"], "none");
  EXPECT_THAT((*exec)["args"]["request"].get<std::string>(), ::testing::HasSubstr("container=proxy"));
}

TEST(ChromeTraceTest, TracksFollowTheSpecOrderThenCallsRequestsAndPodEvents) {
  Records rec;
  const Pod pod = SidecarPod();
  rec.r.pod = &pod;
  rec.Create("app", "a1", 1, 2);  // created first, listed after the init container
  rec.Create("proxy", "p1", 3, 4);
  rec.Event("Killing", "", 5);
  rec.r.http.push_back({"http://127.0.0.1:80", {}});  // an endpoint with no request still has its track
  std::vector<std::string> order;
  const json trace = json::parse(ChromeTraceJson(rec.r));
  for (const auto& e : trace["traceEvents"]) {
    if (e["name"] == "thread_name") order.push_back(e["args"]["name"]);
  }
  EXPECT_THAT(order, ::testing::ElementsAre("container proxy", "container app", "CRI calls", "HTTP hook requests",
                                            "pod events"));
}

TEST(ChromeTraceTest, OverlappingSpansGoOnAFurtherLaneSoEveryTrackNests) {
  Records rec;
  rec.Stop("a1", 0, 100);
  rec.Stop("b1", 50, 150);  // overlaps the first without nesting in it
  rec.Stop("c1", 120, 130);  // fits after the first
  const std::string text = ChromeTraceJson(rec.r);
  EXPECT_THAT(testsupport::ChromeTraceProblems(text), IsEmpty()) << text;
  auto tracks = ByTrack(json::parse(text));
  EXPECT_EQ(tracks["CRI calls"].size(), 2u);
  EXPECT_EQ(tracks["CRI calls (2)"].size(), 1u);
}

TEST(ChromeTraceTest, ACallNeverAnsweredLastsToTheTraceEnd) {
  Records rec;
  rec.Exec("a1", {"true"}, 10, -1);
  rec.Event("Killing", "spec.containers{app}", 500);
  auto tracks = ByTrack(json::parse(ChromeTraceJson(rec.r)));
  const json* exec = Find(tracks["CRI calls"], "ExecSync");
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ((*exec)["dur"], 490000);
  EXPECT_EQ((*exec)["args"]["status"], "(no answer yet)");
}

TEST(ChromeTraceTest, ARuntimeWithNoCallLogLeavesTheCriTrackOutAndSaysSo) {
  Records rec;
  rec.r.calls_recorded = false;
  rec.Event("Created", "spec.containers{app}", 5);
  const json trace = json::parse(ChromeTraceJson(rec.r));
  EXPECT_EQ(ByTrack(trace).count("CRI calls"), 0u);
  EXPECT_EQ(trace["otherData"]["cri_calls"], "not recorded: the runtime has no call log");
}

TEST(ChromeTraceTest, MessagesWithInvalidUtf8StillGiveValidJson) {
  Records rec;
  rec.r.events.push_back({"Warning", "FailedPostStartHook", "spec.containers{app}", "bad \xff byte", kOrigin});
  EXPECT_THAT(testsupport::ChromeTraceProblems(ChromeTraceJson(rec.r)), IsEmpty());
}

// The validator itself: each broken rule is reported.
TEST(ChromeTraceFormatRulesTest, ReportEveryBrokenRule) {
  const std::string meta =
      R"({"name":"process_name","ph":"M","ts":0,"pid":1,"tid":0,"args":{"name":"p"}},)"
      R"({"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"t"}})";
  auto problems = [&](const std::string& events) {
    return testsupport::ChromeTraceProblems(R"({"traceEvents":[)" + meta + events + "]}");
  };
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"X","ts":1,"dur":2,"pid":1,"tid":1})"), IsEmpty());
  EXPECT_THAT(testsupport::ChromeTraceProblems("{"), ::testing::ElementsAre("not valid JSON"));
  EXPECT_THAT(testsupport::ChromeTraceProblems("[]"), ::testing::ElementsAre("not an object with a traceEvents array"));
  using ::testing::HasSubstr;
  using ::testing::ElementsAre;
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"X","dur":2,"pid":1,"tid":1})"),
              ElementsAre(HasSubstr("lacks name, ph, ts, pid or tid")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"Q","ts":1,"pid":1,"tid":1})"), ElementsAre(HasSubstr("phase 'Q'")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"i","ts":5,"pid":1,"tid":1},{"name":"b","ph":"i","ts":4,"pid":1,"tid":1})"),
              ElementsAre(HasSubstr("before the track's previous")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"B","ts":1,"pid":1,"tid":1})"), ElementsAre(HasSubstr("never closed")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"E","ts":1,"pid":1,"tid":1})"), ElementsAre(HasSubstr("E without")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"X","ts":1,"dur":-1,"pid":1,"tid":1})"),
              ElementsAre(HasSubstr("dur >= 0")));
  EXPECT_THAT(
      problems(R"(,{"name":"a","ph":"X","ts":1,"dur":5,"pid":1,"tid":1},{"name":"b","ph":"X","ts":3,"dur":5,"pid":1,"tid":1})"),
      ElementsAre(HasSubstr("without nesting")));
  EXPECT_THAT(problems(R"(,{"name":"a","ph":"i","ts":1,"pid":1,"tid":7})"), ElementsAre(HasSubstr("tid 7: no thread_name")));
  EXPECT_THAT(testsupport::ChromeTraceProblems(R"({"traceEvents":[{"name":"thread_name","ph":"M","ts":0,"pid":2,"tid":1,"args":{"name":"t"}}]})"),
              ElementsAre(HasSubstr("pid 2: no process_name")));
}

}  // namespace
}  // namespace podlife::trace
