// What the engine records on a container for a restarted engine: the hash, the preStop handler
// and ports as API JSON, the grace periods (PR-14). The JSON must read back through the manifest
// parser into the same handler, or a deleted pod's preStop would change on the way.
#include <gtest/gtest.h>

#include "src/engine/container_runtime.h"
#include "src/manifest/manifest.h"

namespace podlife {
namespace {

// Parses a one-container pod whose container carries `ports` and `lifecycle` as JSON.
Container ReadBack(const std::string& ports_json, const std::string& pre_stop_json) {
  const std::string manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, uid: u}\nspec:\n  containers:\n"
                               "  - name: app\n    image: i\n    ports: " + ports_json +
                               "\n    lifecycle: {\"preStop\": " + pre_stop_json + "}\n";
  auto parsed = manifest::ParsePod(manifest, "annotations");
  if (auto* e = std::get_if<manifest::ManifestError>(&parsed)) ADD_FAILURE() << e->message << "\n" << manifest;
  return std::get<Pod>(parsed).containers.at(0);
}

TEST(ContainerAnnotations, PreStopHandlersAndPortsReadBackUnchanged) {
  LifecycleHandler get;
  get.http_get = HttpGetAction{"bye?x=\"1\"", IntOrString::String("hooks"), "127.0.0.1", "HTTPS",
                               {{"X-Token", "a\\b"}}};
  LifecycleHandler exec;
  exec.exec = ExecAction{{"sh", "-c", "echo \"quoted\"\ttab"}};
  LifecycleHandler sleep;
  sleep.sleep = SleepAction{7};
  const std::vector<ContainerPort> ports = {{"hooks", 8080, "TCP"}, {"", 9090, "UDP"}};

  for (const LifecycleHandler& h : {get, exec, sleep}) {
    Container back = ReadBack(PortsJson(ports), HandlerJson(h));
    ASSERT_TRUE(back.lifecycle && back.lifecycle->pre_stop);
    // Equal handlers give equal JSON; the hash covers the same fields.
    EXPECT_EQ(HandlerJson(*back.lifecycle->pre_stop), HandlerJson(h));
    ASSERT_EQ(back.ports.size(), 2u);
    EXPECT_EQ(back.ports.at(0).name, "hooks");
    EXPECT_EQ(back.ports.at(0).container_port, 8080);
    EXPECT_EQ(back.ports.at(1).protocol, "UDP");
  }
  Container back = ReadBack("[]", HandlerJson(get));
  EXPECT_EQ(back.lifecycle->pre_stop->http_get->path, "bye?x=\"1\"");
  EXPECT_FALSE(back.lifecycle->pre_stop->http_get->port.is_int);
  EXPECT_EQ(back.lifecycle->pre_stop->http_get->http_headers.at(0).value, "a\\b");
}

TEST(ContainerAnnotations, NumericPortStaysANumber) {
  LifecycleHandler get;
  get.http_get = HttpGetAction{"", IntOrString::Int(80), "", "", {}};
  Container back = ReadBack("[]", HandlerJson(get));
  EXPECT_TRUE(back.lifecycle->pre_stop->http_get->port.is_int);
  EXPECT_EQ(back.lifecycle->pre_stop->http_get->port.int_value, 80);
}

TEST(ContainerAnnotations, HashChangesWithTheSpecOnly) {
  Container a;
  a.name = "app";
  a.image = "busybox";
  Container b = a;
  EXPECT_EQ(ContainerHash(a), ContainerHash(b));
  b.image = "busybox:2";
  EXPECT_NE(ContainerHash(a), ContainerHash(b));
  EXPECT_EQ(ContainerHash(a).size(), 8u);
}

TEST(ContainerAnnotations, CreateContainerCarriesThemForARestartedEngine) {
  Pod pod;
  pod.name = "p";
  pod.uid = "u";
  pod.termination_grace_period_seconds = 3;
  Container c;
  c.name = "app";
  c.image = "busybox";
  c.ports = {{"hooks", 8080, "TCP"}};
  c.lifecycle = Lifecycle{std::nullopt, LifecycleHandler{}};
  c.lifecycle->pre_stop->sleep = SleepAction{1};
  const auto config = MakeContainerConfig(pod, c, 2);
  const auto& a = config.annotations();
  EXPECT_EQ(a.at("io.kubernetes.pod.terminationGracePeriod"), "3");
  EXPECT_EQ(a.at("io.kubernetes.container.preStopHandler"), "{\"sleep\":{\"seconds\":1}}");
  EXPECT_EQ(a.at("io.kubernetes.container.ports"), "[{\"name\":\"hooks\",\"containerPort\":8080,\"protocol\":\"TCP\"}]");
  EXPECT_EQ(a.at("io.kubernetes.container.hash"), ContainerHash(c));
  EXPECT_EQ(a.count("io.kubernetes.pod.deletionGracePeriod"), 0u);
  EXPECT_EQ(config.labels().at("io.kubernetes.container.name"), "app");
}

// A hostPath volume's mount reaches CRI as the kubelet's makeMounts gives it: the node's path at
// the mountPath, read-only as asked, private propagation; a mount of another source does not.
TEST(ContainerMounts, HostPathVolumesAreMountedAtTheirMountPath) {
  auto parsed = manifest::ParsePod(R"(apiVersion: v1
kind: Pod
metadata: {name: p, uid: u}
spec:
  volumes:
  - {name: results, hostPath: {path: /var/lib/results, type: DirectoryOrCreate}}
  - {name: socket, hostPath: {path: /run/containerd/containerd.sock}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: app
    image: i
    volumeMounts:
    - {name: results, mountPath: /results}
    - {name: scratch, mountPath: /scratch}
    - {name: socket, mountPath: /run/cri.sock, readOnly: true}
)", "mounts");
  ASSERT_TRUE(std::holds_alternative<Pod>(parsed)) << std::get<manifest::ManifestError>(parsed).message;
  const Pod& pod = std::get<Pod>(parsed);
  const auto config = MakeContainerConfig(pod, pod.containers.at(0), 0);
  ASSERT_EQ(config.mounts_size(), 2);
  EXPECT_EQ(config.mounts(0).container_path(), "/results");
  EXPECT_EQ(config.mounts(0).host_path(), "/var/lib/results");
  EXPECT_FALSE(config.mounts(0).readonly());
  EXPECT_EQ(config.mounts(0).propagation(), cri::PROPAGATION_PRIVATE);
  EXPECT_EQ(config.mounts(1).container_path(), "/run/cri.sock");
  EXPECT_EQ(config.mounts(1).host_path(), "/run/containerd/containerd.sock");
  EXPECT_TRUE(config.mounts(1).readonly());
}

}  // namespace
}  // namespace podlife
