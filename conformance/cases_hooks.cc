// Cases for handler dispatch, exec, HTTP and sleep hooks (spec sections 1-4).
#include <gmock/gmock.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"
#include "runtime/v1/api.pb.h"

namespace podlife::conformance {
namespace {

namespace cri = ::runtime::v1;

using ::testing::HasSubstr;
using ::testing::Not;

// One container "app" that sleeps, with the given postStart handler (YAML, indented 10 spaces).
std::string AppWithPostStart(const std::string& handler, const std::string& extra = "") {
  return "  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n" + extra +
         "    lifecycle:\n      postStart:\n" + handler;
}

// One container "app" that sleeps, with a preStop sleep of `seconds`.
std::string AppWithPreStopSleep(int seconds) {
  return "  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n"
         "    lifecycle:\n      preStop:\n        sleep:\n          seconds: " + std::to_string(seconds) + "\n";
}

PODLIFE_AREA(Handlers);

PODLIFE_CASE(Handlers, TcpSocketIsAnInvalidHandler,
             {.ids = "HD-02 HD-03 PS-06", .must = "A tcpSocket postStart handler MUST fail as `Cannot run handler: invalid handler: ...` and kill the container."}) {
  SyncReport r = Pod(AppWithPostStart("        tcpSocket:\n          port: 80\n")).Sync();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("Cannot run handler: invalid handler: &"));
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr(v135() ? "&LifecycleHandler{" : "&Handler{"));
  EXPECT_TRUE(WaitForEvent("Killing"));
}

PODLIFE_CASE(Handlers, EmptyHandlerIsInvalid,
             {.ids = "HD-01 HD-02", .must = "A postStart handler with no action MUST fail as an invalid handler."}) {
  SyncReport r = Pod("  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n"
                     "    lifecycle:\n      postStart: {}\n").Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("Cannot run handler: invalid handler: "));
}

PODLIFE_CASE(Handlers, ExecWinsWhenSeveralActionsAreSet,
             {.ids = "HD-01", .needs = {Capability::kCallLog},
              .must = "A handler with exec and httpGet set MUST run the exec and send no HTTP request."}) {
  SyncReport r = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, \"true\"]\n"
                                      "        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /never\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(Calls("ExecSync").size(), 1u);
  EXPECT_TRUE(http().Requests().empty()) << http().Describe();
}

PODLIFE_AREA(Exec);

PODLIFE_CASE(Exec, HookRunsThroughExecSyncWithoutDeadline,
             {.ids = "EX-01 EX-09 HD-05 CRI-01 CRI-02", .needs = {Capability::kCallLog},
              .must = "An exec hook MUST call ExecSync on the started container with the command, timeout 0 and no gRPC deadline."}) {
  SyncReport r = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, \"echo hello\"]\n")).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto calls = Calls("ExecSync");
  ASSERT_EQ(calls.size(), 1u);
  const auto& req = calls.at(0).Request<cri::ExecSyncRequest>();
  EXPECT_EQ(req.container_id(), r.Get("app").container_id);
  EXPECT_THAT(std::vector<std::string>(req.cmd().begin(), req.cmd().end()),
              ::testing::ElementsAre("sh", "-c", "echo hello"));
  EXPECT_EQ(req.timeout(), 0);
  EXPECT_FALSE(calls.at(0).deadline.has_value()) << calls.at(0).Describe();
}

PODLIFE_CASE(Exec, NonZeroExitFailsWithTheKubeletsMessage,
             {.ids = "EX-02 EX-03 EX-04 CRI-04 PS-07 HD-06",
              .must = "An exec hook exiting non-zero MUST fail with `Exec lifecycle hook ([cmd]) for Container \"c\" in Pod \"p\" failed - error: command '<cmd>' exited with N: <stderr>, message: \"<output>\"`."}) {
  SyncReport r = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, \"echo out; exit 3\"]\n")).Sync();
  EXPECT_EQ(PostStartFailureOf(r), "Exec lifecycle hook ([sh -c echo out; exit 3]) for Container \"app\" in Pod \"" + PodRef() +
                              "\" failed - error: command 'sh -c echo out; exit 3' exited with 3: , message: \"out\\n\"");
}

PODLIFE_CASE(Exec, ZeroExitSucceedsWhateverTheOutput,
             {.ids = "EX-03", .must = "An exec hook exiting 0 MUST succeed even when it prints."}) {
  SyncReport r = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, \"echo error: nothing\"]\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_THAT(Reasons(), Not(::testing::Contains("FailedPostStartHook")));
}

PODLIFE_CASE(Exec, HookOnAContainerThatExitedFails,
             {.ids = "EX-07 HD-04", .needs = {Capability::kFaults, Capability::kExitControl, Capability::kCallLog},
              .must = "An exec hook whose container's PID 1 exited before the exec ran MUST fail with the runtime's error, once, and kill the container."}) {
  GateGuard hold{fake().HoldNext("ExecSync")};
  PodUnderTest& p = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, \"echo late\"]\n"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_TRUE(hold.gate->WaitUntilHeld(10s).ok());
  const std::string id = Calls("StartContainer").at(0).Request<cri::StartContainerRequest>().container_id();
  fake().ExitContainer(id, 0);  // PID 1 is gone while the hook's exec is on its way
  hold.gate->Release();
  SyncReport r = sync.get();
  const std::string failure = PostStartFailureOf(r);
  EXPECT_THAT(failure, HasSubstr("Exec lifecycle hook ([sh -c echo late]) for Container \"app\""));
  EXPECT_THAT(failure, HasSubstr("CONTAINER_EXITED"));  // the runtime's refusal, passed on
  EXPECT_EQ(Calls("ExecSync").size(), 1u);              // HD-04: no retry
  EXPECT_THAT(Reasons(), ::testing::Contains("Killing"));
}

PODLIFE_AREA(Http);

PODLIFE_CASE(Http, RequestComesFromTheNodeNotTheContainer,
             {.ids = "HT-15 HT-06", .needs = {Capability::kCallLog},
              .must = "An httpGet hook MUST be sent by the implementation over the node's network (a GET from the host, no body), never through ExecSync in the container."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: origin\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest("/origin", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.method, "GET");
  EXPECT_THAT(got.peer, ::testing::StartsWith("127.0.0.1:"));
  EXPECT_FALSE(got.Header("Content-Length").has_value() && got.Header("Content-Length") != "0");
  EXPECT_TRUE(Calls("ExecSync").empty()) << "an HTTP hook was run through ExecSync";
}

PODLIFE_CASE(Http, ABodyBeyond10KiBIsNotAwaited,
             {.ids = "HT-13", .must = "An httpGet hook MUST NOT wait for a response body beyond 10 KiB: with the status, headers and 12 KiB of a 1 MiB body sent and the rest held back, the hook MUST succeed."}) {
  fakes::HttpResponseScript big;
  big.body = std::string(1 << 20, 'x');
  big.body_prefix_bytes = 12 * 1024;
  big.hold_body = std::make_shared<fakes::Gate>("body of GET /big");
  GateGuard hold{big.hold_body};
  http().Script("/big", big);
  PodUnderTest& p = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: big\n"));
  auto sync = Background([&] { return p.Sync(); });
  ASSERT_EQ(sync.wait_for(30s), std::future_status::ready)
      << "the hook is still reading a body the server holds back after 12 KiB";
  EXPECT_FALSE(hold.gate->released());
  SyncReport r = sync.get();
  EXPECT_TRUE(r.ok) << r.error;
}

PODLIFE_CASE(Http, EmptyHostGoesToTheFirstPodIp,
             {.ids = "HT-01 HT-06", .needs = {Capability::kPodIp},
              .must = "An httpGet hook without host MUST send GET to the pod's first IP."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          port: {HTTP_PORT}\n          path: users\n"), 30, {},
                     /*host_network=*/false).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest("/users", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.method, "GET");
}

PODLIFE_CASE(Http, ExplicitHostSkipsThePodStatusLookup,
             {.ids = "HT-01", .needs = {Capability::kCallLog},
              .must = "An httpGet hook with host MUST NOT look up the pod status before sending the request."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: h\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(http().WaitForRequest("/h", 10s).ok());
  const int start = CallIndex("StartContainer");
  auto log = fake().calls().Snapshot();
  for (size_t i = start + 1; i < log.size(); ++i) EXPECT_NE(log[i].method, "PodSandboxStatus") << log[i].Describe();
}

PODLIFE_CASE(Http, NoPodIpFailsWithFailedToFindNetworkingContainer,
             {.ids = "HT-01 HT-02 HT-14",
              .must = "An httpGet hook without host in a pod without IP (hostNetwork) MUST fail with `failed to find networking container`."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          port: {HTTP_PORT}\n          path: /x\n")).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("lifecycle hook (/x) for Container \"app\" in Pod \"" + PodRef() +
                                      "\" failed - error: failed to find networking container"));
  EXPECT_TRUE(http().Requests().empty());
}

PODLIFE_CASE(Http, EmptyPortReachesPort80PerProfile,
             {.ids = "HT-04",
              .must = "An httpGet hook without port MUST go to port 80 in 1.21, and MUST fail in 1.35 (the parse error) without sending anything to port 80."}) {
  std::string error;
  auto port80 = fakes::FakeHttpEndpoint::StartOn(fakes::FakeHttpEndpoint::Scheme::kHttp, "127.0.0.2", 80, &error);
  if (!port80) GTEST_SKIP() << "cannot listen on 127.0.0.2:80 here: " << error;
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.2\n          path: /p80\n")).Sync();
  if (v135()) {
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: strconv.Atoi: parsing \"\": invalid syntax"));
    EXPECT_TRUE(port80->Requests().empty()) << port80->Describe();
    return;
  }
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(port80->WaitForRequest("//p80", 10s).ok()) << port80->Describe();
}

PODLIFE_CASE(Http, EmptyPortPerProfile,
             {.ids = "HT-04",
              .must = "An httpGet hook without port MUST fail with `strconv.Atoi: parsing \"\": invalid syntax` in 1.35; in 1.21 it MUST use port 80 (its request, if it fails, is `Get \"http://host:80//path\"`)."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          path: /x\n")).Sync();
  if (v135()) {
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: strconv.Atoi: parsing \"\": invalid syntax"));
  } else if (!r.ok) {  // nothing need listen on the host's port 80; if something does, the hook succeeds
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: Get \"http://127.0.0.1:80//x\": "));
  }
}

PODLIFE_CASE(Http, NamedPortResolvesToTheContainerPort,
             {.ids = "HT-04", .must = "An httpGet port naming a container port MUST use that port's number."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: web\n          path: /named\n",
                                      "    ports:\n    - name: web\n      containerPort: {HTTP_PORT}\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(http().WaitForRequest(v135() ? "/named" : "//named", 10s).ok()) << http().Describe();
}

PODLIFE_CASE(Http, OutOfRangePortIsAnError,
             {.ids = "HT-04", .profiles = Profiles::k135Only,
              .must = "In 1.35 an httpGet port outside 1-65535 MUST fail with `invalid port number: N`."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: 70000\n          path: /x\n")).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: invalid port number: 70000"));
}

PODLIFE_CASE(Http, StatusCodesNeverFailAHook,
             {.ids = "HT-08", .must = "An httpGet hook answered 500 MUST succeed."}) {
  http().Script("/err", {500, {}, "internal error", 0ms, ""});
  // "err", not "/err": 1.21 would request //err, which the script does not answer with 500.
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: err\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  ASSERT_EQ(http().RequestsTo("/err").size(), 1u) << http().Describe();  // the 500 was really served
}

PODLIFE_CASE(Http, PathFormsTheUrlPerProfile,
             {.ids = "HT-05", .must = "The request target MUST be the path with its query (1.35), or `/` + path (1.21, so `/foo` becomes `//foo`)."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /foo?k=v\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest(v135() ? "/foo" : "//foo", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.target, v135() ? "/foo?k=v" : "//foo?k=v");
}

PODLIFE_CASE(Http, HeadersAndUserAgentPerProfile,
             {.ids = "HT-07", .must = "1.35 MUST send httpHeaders (duplicates kept) and User-Agent kube-lifecycle/1.35; 1.21 MUST ignore httpHeaders and send Go-http-client/1.1."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /hdr\n"
                                      "          httpHeaders:\n          - {name: x-token, value: a}\n          - {name: X-Token, value: b}\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest(v135() ? "/hdr" : "//hdr", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.HeaderCount("X-Token"), v135() ? 2 : 0);
  EXPECT_EQ(got.Header("User-Agent").value_or(""), v135() ? "kube-lifecycle/1.35" : "Go-http-client/1.1");
}

PODLIFE_CASE(Http, HostHeaderSetsTheVirtualHost,
             {.ids = "HT-07",
              .must = "A Host httpHeader MUST become the request's Host while the connection goes to host:port (1.35); 1.21 MUST ignore it and send Host host:port."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /vh\n"
                                      "          httpHeaders:\n          - {name: Host, value: example.test}\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest(v135() ? "/vh" : "//vh", 10s, &got).ok()) << http().Describe();
  EXPECT_EQ(got.Header("Host").value_or(""), v135() ? "example.test" : "127.0.0.1:" + std::to_string(http().port()));
}

PODLIFE_CASE(Http, ConnectionRefusedFailsWithGoError,
             {.ids = "HT-14 HT-17 EX-05", .must = "An httpGet hook to a closed port MUST fail with `<Http|HTTP> lifecycle hook (path) ... failed - error: Get \"url\": dial tcp host:port: connect: connection refused`."}) {
  const int port = UnusedLoopbackPort();
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: " + std::to_string(port) +
                                      "\n          path: /closed\n")).Sync();
  const std::string hp = "127.0.0.1:" + std::to_string(port);
  const std::string url = v135() ? "http://" + hp + "/closed" : "http://" + hp + "//closed";
  const std::string expected = std::string(v135() ? "HTTP" : "Http") + " lifecycle hook (/closed) for Container \"app\" in Pod \"" +
                               PodRef() + "\" failed - error: Get \"" + url + "\": dial tcp " + hp + ": connect: connection refused" +
                               (v135() ? "" : ", message: \"\"");
  EXPECT_EQ(PostStartFailureOf(r), expected);
}

PODLIFE_CASE(Http, RedirectsPerProfile,
             {.ids = "HT-10 HT-09", .must = "A cross-host redirect MUST be followed in 1.21 and MUST NOT be (the 3xx is success) in 1.35."}) {
  http().Script("/start", {302, {}, "", 0ms, "http://localhost:" + std::to_string(http().port()) + "/final"});
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: start\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  if (v135()) {
    EXPECT_TRUE(http().RequestsTo("/final").empty()) << http().Describe();
  } else {
    EXPECT_TRUE(http().WaitForRequest("/final", 10s).ok()) << http().Describe();
  }
}

PODLIFE_CASE(Http, TenRedirectsFailTheHook,
             {.ids = "HT-10", .must = "An endless same-host redirect MUST fail the hook with `stopped after 10 redirects` after 10 requests."}) {
  http().Script("/loop", {302, {}, "", 0ms, "/loop"});
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: loop\n")).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("stopped after 10 redirects"));
  EXPECT_EQ(http().Requests().size(), 10u) << http().Describe();
}

PODLIFE_CASE(Http, HttpsWithoutCertificateVerification,
             {.ids = "HT-03 HT-09",
              .must = "Scheme HTTPS to an HTTPS server MUST be used without verifying the server's certificate (1.35); 1.21 MUST speak plain HTTP to it, so the server sees no request and the hook fails."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTPS_PORT}\n          path: /tls\n          scheme: HTTPS\n")).Sync();
  if (v135()) {
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(https().WaitForRequest("/tls", 10s).ok()) << https().Describe();
  } else {
    EXPECT_THAT(PostStartFailureOf(r), ::testing::StartsWith("Http lifecycle hook (/tls) for Container \"app\""));
    EXPECT_TRUE(https().Requests().empty()) << https().Describe();
  }
}

PODLIFE_CASE(Http, HttpsSchemeToAPlainServerPerProfile,
             {.ids = "HT-03 HT-11", .must = "Scheme HTTPS to a plain HTTP server MUST be ignored in 1.21 (plain HTTP at once, no fallback event); in 1.35 the HTTPS attempt MUST fall back to HTTP once, recording LifecycleHTTPFallback."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /plain\n          scheme: HTTPS\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(http().WaitForRequest(v135() ? "/plain" : "//plain", 10s).ok()) << http().Describe();
  EXPECT_EQ(http().Requests().size(), 1u) << http().Describe();
  EXPECT_EQ(EventsWithReason("LifecycleHTTPFallback").size(), v135() ? 1u : 0u);
}

PODLIFE_CASE(Http, UnknownSchemePerProfile,
             {.ids = "HT-03", .must = "An unknown scheme MUST fail with `unsupported protocol scheme` in 1.35, and MUST be ignored in 1.21 (the request goes over plain HTTP)."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /x\n          scheme: baz\n")).Sync();
  if (v135()) {
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("unsupported protocol scheme \"baz\""));
    EXPECT_TRUE(http().Requests().empty()) << http().Describe();
  } else {
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(http().WaitForRequest("//x", 10s).ok()) << http().Describe();
  }
}

PODLIFE_CASE(Http, HttpsFallbackDropsAuthorization,
             {.ids = "HT-11 EV-08 HT-07",
              .must = "An HTTPS hook answered in plain HTTP MUST be retried once over HTTP without Authorization (other headers kept) and record LifecycleHTTPFallback on the pod (1.35); 1.21 MUST send plain HTTP at once, with none of the httpHeaders and no fallback event."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: {HTTP_PORT}\n          path: /fb\n          scheme: HTTPS\n"
                                      "          httpHeaders:\n          - {name: Authorization, value: Bearer secret}\n          - {name: X-Keep, value: \"1\"}\n")).Sync();
  EXPECT_TRUE(r.ok) << r.error;
  fakes::RecordedRequest got;
  ASSERT_TRUE(http().WaitForRequest(v135() ? "/fb" : "//fb", 10s, &got).ok()) << http().Describe();
  EXPECT_FALSE(got.Header("Authorization").has_value());
  if (!v135()) {
    EXPECT_FALSE(got.Header("X-Keep").has_value());
    EXPECT_TRUE(EventsWithReason("LifecycleHTTPFallback").empty());
    return;
  }
  EXPECT_EQ(got.Header("X-Keep").value_or(""), "1");
  auto fallback = EventsWithReason("LifecycleHTTPFallback");
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_EQ(fallback.at(0).type, "Warning");
  EXPECT_EQ(fallback.at(0).field_path, "");  // on the pod, not a container
  EXPECT_EQ(fallback.at(0).message, "request to HTTPS lifecycle hook 127.0.0.1:" + std::to_string(http().port()) +
                                     " got HTTP response, retry with HTTP succeeded");
}

PODLIFE_CASE(Http, AServerClosingWithoutAnswerFailsTheHook,
             {.ids = "HT-08 HT-17", .must = "An httpGet hook whose server closes without answering MUST fail with a transport error."}) {
  std::string error;
  auto silent = fakes::SilentTcpListener::Start(&error);
  ASSERT_TRUE(silent) << error;
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: " + std::to_string(silent->port()) +
                                      "\n          path: /drop\n")).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr(": EOF"));
}

PODLIFE_AREA(Sleep);

PODLIFE_CASE(Sleep, SleepIsAnInvalidHandlerIn121,
             {.ids = "SL-01 HD-01",
              .must = "A sleep-only postStart of 1 s MUST fail as an invalid handler in 1.21 (no sleep action) and MUST succeed in 1.35."}) {
  SyncReport r = Pod(AppWithPostStart("        sleep:\n          seconds: 1\n")).Sync();
  if (v135()) {
    EXPECT_TRUE(r.ok) << r.error;
  } else {
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("Cannot run handler: invalid handler: "));
  }
}

PODLIFE_CASE(Sleep, ZeroSecondsSucceedsAtOnce,
             {.ids = "SL-01 SL-04", .must = "A sleep hook of 0 seconds MUST succeed in 1.35; in 1.21 it MUST fail as an invalid handler."}) {
  SyncReport r = Pod(AppWithPostStart("        sleep:\n          seconds: 0\n")).Sync();
  if (v135()) {
    EXPECT_TRUE(r.ok) << r.error;
  } else {
    EXPECT_THAT(PostStartFailureOf(r), HasSubstr("Cannot run handler: invalid handler: "));
  }
}

PODLIFE_CASE(Sleep, PostStartSleepDelaysTheNextContainer,
             {.ids = "SL-07 PS-10 HD-07", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a postStart sleep of N seconds MUST delay the next container's creation by at least N seconds."}) {
  SyncReport r = Pod("  containers:\n  - name: first\n    image: {IMAGE}\n    command: {WORKLOAD}\n"
                     "    lifecycle:\n      postStart:\n        sleep:\n          seconds: 1\n"
                     "  - name: second\n    image: {IMAGE}\n    command: {WORKLOAD}\n").Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto creates = Calls("CreateContainer");
  auto starts = Calls("StartContainer");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_GE(creates.at(1).received_at - starts.at(0).received_at, 1s);
}

PODLIFE_CASE(Sleep, PreStopSleepIsCutOffAtTheGrace,
             {.ids = "SL-06 PR-05 PR-07", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog},
              .must = "In 1.35 a preStop sleep longer than the grace period MUST NOT delay StopContainer past the grace, which then gets the 2 s floor."}) {
  SyncReport r = Pod(AppWithPreStopSleep(60), 1).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_EQ(kill.wait_for(30s), std::future_status::ready) << "the kill waited for the 60 s sleep";
  EXPECT_EQ(kill.get(), "");
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops.at(0).Request<cri::StopContainerRequest>().timeout(), 2);
}

PODLIFE_CASE(Sleep, PreStopSleepOutlivesTheContainer,
             {.ids = "SL-05 PR-07", .profiles = Profiles::k135Only, .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "In 1.35 a preStop sleep MUST keep sleeping when the container's PID 1 exits, so StopContainer gets the grace minus the whole sleep."}) {
  SyncReport r = Pod(AppWithPreStopSleep(2), 30).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_TRUE(WaitForEvent("Killing"));
  fake().ExitContainer(r.Get("app").container_id, 0);  // PID 1 exits during the sleep
  ASSERT_EQ(kill.wait_for(30s), std::future_status::ready);
  auto stops = Calls("StopContainer");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops.at(0).Request<cri::StopContainerRequest>().timeout(), 28);  // 30 - the 2 s sleep
}

PODLIFE_CASE(Sleep, AnExitedContainerSkipsThePreStopSleep,
             {.ids = "SL-08 PR-10", .needs = {Capability::kCallLog, Capability::kExitControl},
              .must = "Terminating a pod whose container already exited MUST NOT run that container's preStop sleep nor kill it; the sandbox is still stopped."}) {
  SyncReport r = Pod(AppWithPreStopSleep(60), 90).Sync();
  ASSERT_TRUE(r.ok) << r.error;
  fake().ExitContainer(r.Get("app").container_id, 0);
  auto kill = Background([&] { return pod().Kill(std::nullopt); });
  ASSERT_EQ(kill.wait_for(30s), std::future_status::ready) << "the kill ran the 60 s preStop sleep of an exited container";
  EXPECT_THAT(Reasons(), Not(::testing::Contains("Killing")));
  EXPECT_THAT(Reasons(), Not(::testing::Contains("FailedPreStopHook")));  // 1.21 would fail the invalid handler if run
  EXPECT_TRUE(Calls("StopContainer").empty());
  EXPECT_EQ(Calls("StopPodSandbox").size(), 1u);
}

}  // namespace
}  // namespace podlife::conformance
