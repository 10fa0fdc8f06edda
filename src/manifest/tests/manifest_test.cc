// Tests of the pod manifest parser: what it reads, what it ignores, and how it reports bad input.
#include "src/manifest/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>

namespace podlife::manifest {
namespace {

using ::testing::HasSubstr;

Pod MustParse(const std::string& text) {
  auto r = ParsePod(text, "pod.yaml");
  if (auto* e = std::get_if<ManifestError>(&r)) {
    ADD_FAILURE() << e->message;
    return Pod{};
  }
  return std::get<Pod>(r);
}

std::string ErrorOf(const std::string& text) {
  auto r = ParsePod(text, "pod.yaml");
  if (!std::holds_alternative<ManifestError>(r)) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return "";
  }
  return std::get<ManifestError>(r).message;
}

constexpr char kHead[] = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n";

TEST(ManifestTest, ReadsEverythingTheLifecycleUses) {
  Pod pod = MustParse(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
  uid: u-1
  labels: {app: web}
  annotations: {note: hi}
  creationTimestamp: null
spec:
  terminationGracePeriodSeconds: 45
  restartPolicy: Never
  hostNetwork: true
  nodeSelector: {disk: ssd}
  initContainers:
    - name: setup
      image: busybox
      command: [sh, -c, "true"]
    - name: proxy
      image: envoy
      restartPolicy: Always
  containers:
    - name: app
      image: nginx
      args: [--flag]
      env: [{name: A, value: "1"}, {name: B, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
      ports:
        - {name: http, containerPort: 8080}
        - containerPort: 9090
          protocol: UDP
      resources: {limits: {cpu: "1"}}
      lifecycle:
        postStart:
          httpGet:
            path: /users
            port: http
            host: 10.0.0.5
            scheme: HTTPS
            httpHeaders: [{name: X-A, value: b}, {name: x-a, value: c}]
        preStop:
          exec:
            command: [/bin/sh, -c, "nginx -s quit"]
)");
  EXPECT_EQ(pod.name, "web");
  EXPECT_EQ(pod.namespace_, "team");
  EXPECT_EQ(pod.uid, "u-1");
  EXPECT_EQ(pod.labels.at("app"), "web");
  EXPECT_EQ(pod.annotations.at("note"), "hi");
  EXPECT_EQ(pod.termination_grace_period_seconds, 45);
  EXPECT_EQ(pod.restart_policy, "Never");
  EXPECT_TRUE(pod.host_network);
  ASSERT_EQ(pod.init_containers.size(), 2u);
  EXPECT_FALSE(IsSidecar(pod.init_containers[0]));
  EXPECT_TRUE(IsSidecar(pod.init_containers[1]));
  ASSERT_EQ(pod.containers.size(), 1u);
  const Container& app = pod.containers[0];
  EXPECT_EQ(app.args, std::vector<std::string>{"--flag"});
  ASSERT_EQ(app.env.size(), 2u);
  EXPECT_EQ(app.env[1].value, "");
  ASSERT_EQ(app.ports.size(), 2u);
  EXPECT_EQ(app.ports[0].name, "http");
  EXPECT_EQ(app.ports[1].container_port, 9090);
  EXPECT_EQ(app.ports[1].protocol, "UDP");
  const HttpGetAction& get = *app.lifecycle->post_start->http_get;
  EXPECT_EQ(get.path, "/users");
  EXPECT_FALSE(get.port.is_int);
  EXPECT_EQ(get.port.str_value, "http");
  EXPECT_EQ(get.host, "10.0.0.5");
  EXPECT_EQ(get.scheme, "HTTPS");
  ASSERT_EQ(get.http_headers.size(), 2u);
  EXPECT_EQ(get.http_headers[1].name, "x-a");
  EXPECT_EQ(app.lifecycle->pre_stop->exec->command.back(), "nginx -s quit");
}

TEST(ManifestTest, DefaultsMatchTheApi) {
  Pod pod = MustParse(std::string(kHead) + "  containers: [{name: a, image: b}]\n");
  EXPECT_EQ(pod.namespace_, "default");
  EXPECT_EQ(pod.restart_policy, "Always");
  EXPECT_FALSE(pod.termination_grace_period_seconds.has_value());  // absent, not 0
  EXPECT_FALSE(pod.host_network);
  EXPECT_FALSE(pod.containers[0].lifecycle.has_value());
}

TEST(ManifestTest, PortsAreIntsOrStringsAsWritten) {
  auto port_of = [](const std::string& port_line) {
    Pod pod = MustParse(std::string(kHead) +
                        "  containers:\n  - name: a\n    image: b\n    lifecycle:\n      postStart:\n        httpGet:\n"
                        "          path: /\n" + port_line);
    return pod.containers[0].lifecycle->post_start->http_get->port;
  };
  IntOrString number = port_of("          port: 8080\n");
  EXPECT_TRUE(number.is_int);
  EXPECT_EQ(number.int_value, 8080);
  IntOrString quoted = port_of("          port: \"8080\"\n");
  EXPECT_FALSE(quoted.is_int);
  EXPECT_EQ(quoted.str_value, "8080");
  IntOrString absent = port_of("");
  EXPECT_FALSE(absent.is_int);
  EXPECT_EQ(absent.str_value, "");  // HT-04: 80 in 1.21, an error in 1.35; the engine decides
  IntOrString out_of_range = port_of("          port: 70000\n");
  EXPECT_TRUE(out_of_range.is_int);  // range is the kubelet's check in 1.35, not the parser's
  EXPECT_EQ(out_of_range.int_value, 70000);
}

TEST(ManifestTest, KeepsHandlersTheApiWouldRejectForTheKubeletToJudge) {
  Pod pod = MustParse(std::string(kHead) + R"(  containers:
  - name: a
    image: b
    lifecycle:
      postStart:
      preStop:
        tcpSocket: {port: 80}
  - name: c
    image: d
    lifecycle:
      postStart:
        sleep: {seconds: 3}
)");
  const auto& a = *pod.containers[0].lifecycle;
  ASSERT_TRUE(a.post_start.has_value());
  EXPECT_FALSE(a.post_start->exec || a.post_start->http_get || a.post_start->sleep || a.post_start->tcp_socket);
  ASSERT_TRUE(a.pre_stop->tcp_socket.has_value());
  EXPECT_EQ(a.pre_stop->tcp_socket->port.int_value, 80);
  EXPECT_EQ(pod.containers[1].lifecycle->post_start->sleep->seconds, 3);
}

TEST(ManifestTest, ErrorsNameTheLineAndFieldPath) {
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers:\n  - name: a\n"), "pod.yaml:7: spec.containers[0].image: required");
  EXPECT_EQ(ErrorOf(std::string(kHead) +
                    "  containers:\n  - name: a\n    image: b\n    lifecycle:\n      postStart:\n        httpGet:\n"
                    "          port: [80]\n"),
            "pod.yaml:12: spec.containers[0].lifecycle.postStart.httpGet.port: expected a port number or name");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  terminationGracePeriodSeconds: soon\n  containers: [{name: a, image: b}]\n"),
            "pod.yaml:6: spec.terminationGracePeriodSeconds: expected a whole number, got 'soon'");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers:\n  - {name: a, image: b}\n  - {name: a, image: c}\n"),
            "pod.yaml:8: spec.containers[1].name: duplicate name 'a'");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  initContainers: [{name: i, image: b, restartPolicy: Never}]\n"
                                         "  containers: [{name: a, image: b}]\n"),
            "pod.yaml:6: spec.initContainers[0].restartPolicy: must be 'Always' (a sidecar), got 'Never'");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers: [{name: a, image: b, restartPolicy: Always}]\n"),
            "pod.yaml:6: spec.containers[0].restartPolicy: only init containers may set restartPolicy");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers: []\n"), "pod.yaml:6: spec.containers: at least one container is required");
  EXPECT_THAT(ErrorOf("apiVersion: v1\nkind: Deployment\n"), HasSubstr("pod.yaml:2: kind: must be 'Pod', got 'Deployment'"));
  EXPECT_THAT(ErrorOf("apiVersion: v1\nkind: Pod\nspec: {}\n"), HasSubstr("metadata: required"));
  EXPECT_THAT(ErrorOf("- just\n- a list\n"), HasSubstr("pod.yaml:1: (document): expected a mapping"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("expected a mapping"));
  EXPECT_THAT(ErrorOf("apiVersion: v1\nkind: [\n"), HasSubstr("invalid YAML"));
}

TEST(ManifestTest, UnreadableFileIsAnErrorNamingIt) {
  auto r = LoadPodFile("/nonexistent/pod.yaml");
  ASSERT_TRUE(std::holds_alternative<ManifestError>(r));
  EXPECT_EQ(std::get<ManifestError>(r).message, "/nonexistent/pod.yaml: cannot read: No such file or directory");
}

TEST(ManifestTest, EveryExampleParses) {
  for (const char* name : {"lifecycle-demo.yaml", "http-poststart.yaml", "failing-poststart.yaml", "sidecar.yaml",
                           "job-with-sidecar.yaml"}) {
    auto r = LoadPodFile(std::string(PODLIFE_SOURCE_DIR) + "/examples/" + name);
    EXPECT_TRUE(std::holds_alternative<Pod>(r)) << std::get<ManifestError>(r).message;
  }
}

// kubectl's strict field validation: a typo is an error naming the field's path and what was
// probably meant, not a hook that silently never runs.
TEST(ManifestTest, UnknownFieldIsAnErrorNamingItsPathAndTheNearestKnownName) {
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers:\n  - name: a\n    image: b\n    lifecyle:\n      postStart: {}\n"),
            "pod.yaml:9: spec.containers[0].lifecyle: unknown field (did you mean lifecycle?)");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers:\n  - name: a\n    image: b\n    lifecycle:\n      postStrat:\n"
                                         "        exec: {command: [x]}\n"),
            "pod.yaml:10: spec.containers[0].lifecycle.postStrat: unknown field (did you mean postStart?)");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  terminationGracePeriod: 5\n  containers: [{name: a, image: b}]\n"),
            "pod.yaml:6: spec.terminationGracePeriod: unknown field (did you mean terminationGracePeriodSeconds?)");
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers:\n  - name: a\n    image: b\n    lifecycle:\n      preStop:\n"
                                         "        httpGet: {port: 80, hots: example.com}\n"),
            "pod.yaml:11: spec.containers[0].lifecycle.preStop.httpGet.hots: unknown field (did you mean host?)");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  frobnicate: 1\nspec: {containers: [{name: a, image: b}]}\n"),
            "pod.yaml:5: metadata.frobnicate: unknown field");
}

TEST(ManifestTest, LenientTurnsUnknownFieldsIntoWarningsAndReadsTheRest) {
  std::vector<std::string> warnings;
  auto r = ParsePod(std::string(kHead) + "  containers:\n  - name: a\n    image: b\n    lifecyle: {postStart: {}}\n",
                    "pod.yaml", {.lenient = true, .warnings = &warnings});
  ASSERT_TRUE(std::holds_alternative<Pod>(r)) << std::get<ManifestError>(r).message;
  EXPECT_FALSE(std::get<Pod>(r).containers[0].lifecycle.has_value());
  EXPECT_THAT(warnings, ::testing::ElementsAre(
                            "pod.yaml:9: spec.containers[0].lifecyle: unknown field (did you mean lifecycle?), ignored"));
}

// k8s.io/apimachinery's IsDNS1123Subdomain (pod name), IsDNS1123Label (namespace, container
// name) and IsValidPortName, with their length limits.
TEST(ManifestTest, NamesAreCheckedAsTheApiServerChecksThem) {
  auto with_pod_name = [](const std::string& name) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"" + name + "\"\nspec: {containers: [{name: a, image: b}]}\n";
  };
  EXPECT_EQ(ErrorOf(with_pod_name(std::string(1 << 20, 'a'))),
            "pod.yaml:4: metadata.name: must be no more than 253 characters, got 1048576");
  EXPECT_THAT(ErrorOf(with_pod_name("Web_1")), HasSubstr("pod.yaml:4: metadata.name: must be a lowercase RFC 1123 "
                                                         "subdomain"));
  EXPECT_THAT(ErrorOf(with_pod_name("web.")), HasSubstr("got 'web.'"));
  MustParse(with_pod_name("web.v2-1"));
  MustParse(with_pod_name(std::string(253, 'a').replace(63, 1, ".")));

  auto with_container_name = [](const std::string& name) {
    return std::string(kHead) + "  containers: [{name: \"" + name + "\", image: b}]\n";
  };
  EXPECT_EQ(ErrorOf(with_container_name(std::string(64, 'a'))),
            "pod.yaml:6: spec.containers[0].name: must be no more than 63 characters, got 64");
  EXPECT_THAT(ErrorOf(with_container_name("a.b")), HasSubstr("spec.containers[0].name: must be a lowercase RFC 1123 label"));
  EXPECT_THAT(ErrorOf(with_container_name("-a")), HasSubstr("got '-a'"));
  MustParse(with_container_name(std::string(63, 'a')));

  EXPECT_THAT(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: Team}\nspec: {containers: [{name: a, "
                      "image: b}]}\n"),
              HasSubstr("pod.yaml:3: metadata.namespace: must be a lowercase RFC 1123 label"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  containers: [{name: a, image: b, ports: [{name: http--alt, containerPort: 1}]}]\n"),
              HasSubstr("spec.containers[0].ports[0].name: must be an IANA service name"));
  EXPECT_THAT(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {a: \"" +
                      std::string(256 * 1024, 'x') + "\"}\nspec: {containers: [{name: a, image: b}]}\n"),
              HasSubstr("pod.yaml:5: metadata.annotations: must have at most 262144 bytes, got 262145"));
}

TEST(ManifestTest, SecondYamlDocumentIsAnError) {
  EXPECT_EQ(ErrorOf(std::string(kHead) + "  containers: [{name: a, image: b}]\n---\n" + kHead +
                    "  containers: [{name: c, image: d}]\n"),
            "pod.yaml:8: (document 2): a second YAML document: one file holds one object (split the file)");
  MustParse(std::string(kHead) + "  containers: [{name: a, image: b}]\n---\n");  // a trailing separator holds nothing
}

// yaml-cpp 0.7's LoadAll never returns on these (found by fuzz/manifest): the parse must end with
// an error. Each parse runs on its own thread so a regression fails here instead of hanging.
TEST(ManifestTest, StreamsTheYamlParserCannotAdvanceOnAreErrorsNotHangs) {
  for (const std::string text : {std::string(","), std::string(",,,,,P\x91\xde", 8), std::string("---\n,\n")}) {
    auto parsed = std::async(std::launch::async, [text] { return ErrorOf(text); });
    if (parsed.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "ParsePod still running after 10 s on " << ::testing::PrintToString(text);
      std::_Exit(1);  // the parse never returns: end the test binary rather than hang it
    }
    EXPECT_THAT(parsed.get(), HasSubstr("invalid YAML: unexpected ")) << ::testing::PrintToString(text);
  }
  EXPECT_EQ(ErrorOf(","), "pod.yaml:1:1: invalid YAML: unexpected ','");
}

TEST(ManifestTest, DirectoryIsAnErrorNamingIt) {
  auto r = LoadPodFile(std::string(PODLIFE_SOURCE_DIR) + "/examples");
  ASSERT_TRUE(std::holds_alternative<ManifestError>(r));
  EXPECT_EQ(std::get<ManifestError>(r).message,
            std::string(PODLIFE_SOURCE_DIR) + "/examples: is a directory, not a pod manifest");
}

TEST(ManifestTest, ReadsHostPathVolumesAndTheirMounts) {
  std::vector<std::string> warnings;
  auto r = ParsePod(std::string(kHead) + R"(  volumes:
  - name: results
    hostPath: {path: /var/lib/podlife, type: DirectoryOrCreate}
  - name: scratch
    emptyDir: {}
  containers:
  - name: app
    image: i
    volumeMounts:
    - {name: results, mountPath: /results, readOnly: true}
    - {name: scratch, mountPath: /scratch}
)", "pod.yaml", {.warnings = &warnings});
  ASSERT_TRUE(std::holds_alternative<Pod>(r)) << std::get<ManifestError>(r).message;
  const Pod& pod = std::get<Pod>(r);
  ASSERT_EQ(pod.volumes.size(), 2u);
  EXPECT_EQ(pod.volumes[0].name, "results");
  ASSERT_TRUE(pod.volumes[0].host_path);
  EXPECT_EQ(pod.volumes[0].host_path->path, "/var/lib/podlife");
  EXPECT_EQ(pod.volumes[0].host_path->type, "DirectoryOrCreate");
  EXPECT_FALSE(pod.volumes[1].host_path);
  ASSERT_EQ(pod.containers[0].volume_mounts.size(), 2u);
  EXPECT_EQ(pod.containers[0].volume_mounts[0].mount_path, "/results");
  EXPECT_TRUE(pod.containers[0].volume_mounts[0].read_only);
  EXPECT_FALSE(pod.containers[0].volume_mounts[1].read_only);
  // The emptyDir mount is not provided: a warning says so, naming the line and field.
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("pod.yaml:16: spec.containers[0].volumeMounts[1]: volume 'scratch' is not a "
                                     "hostPath volume"));
}

TEST(ManifestTest, BadVolumesAndMountsAreErrorsNamingTheField) {
  const std::string c = "  containers:\n  - name: app\n    image: i\n";
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - name: v\n" + c),
              HasSubstr("pod.yaml:7: spec.volumes[0]: must specify a volume source"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, emptyDir: {}, hostPath: {path: /x}}\n" + c),
              HasSubstr("spec.volumes[0]: may not specify more than one volume source"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, hostPath: {path: rel}}\n" + c),
              HasSubstr("spec.volumes[0].hostPath.path: must be an absolute path, got 'rel'"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, hostPath: {}}\n" + c),
              HasSubstr("spec.volumes[0].hostPath.path: required"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, hostPath: {path: /x, type: Dir}}\n" + c),
              HasSubstr("spec.volumes[0].hostPath.type: must be one of DirectoryOrCreate"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, hostPath: {path: /x, pth: /y}}\n" + c),
              HasSubstr("spec.volumes[0].hostPath.pth: unknown field (did you mean path?)"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: V, hostPath: {path: /x}}\n" + c),
              HasSubstr("spec.volumes[0].name: must be a lowercase RFC 1123 label"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "  volumes:\n  - {name: v, hostPath: {path: /x}}\n  - {name: v, emptyDir: {}}\n" + c),
              HasSubstr("spec.volumes[1].name: duplicate name 'v'"));
  const std::string v = "  volumes:\n  - {name: v, hostPath: {path: /x}}\n" + c + "    volumeMounts:\n";
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: w, mountPath: /w}\n"),
              HasSubstr("spec.containers[0].volumeMounts[0].name: not found: no volume 'w' in spec.volumes"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: v}\n"),
              HasSubstr("spec.containers[0].volumeMounts[0].mountPath: required"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: v, mountPath: data}\n"),
              HasSubstr("spec.containers[0].volumeMounts[0].mountPath: must be an absolute path, got 'data'"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: v, mountPath: /a}\n    - {name: v, mountPath: /a}\n"),
              HasSubstr("spec.containers[0].volumeMounts[1].mountPath: must be unique"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: v, mountPath: /a, subPath: s}\n"),
              HasSubstr("spec.containers[0].volumeMounts[0].subPath: not supported by podlife"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + v + "    - {name: v, mountPath: /a, readOnly: maybe}\n"),
              HasSubstr("spec.containers[0].volumeMounts[0].readOnly"));
}

}  // namespace
}  // namespace podlife::manifest
