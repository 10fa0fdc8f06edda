// Pod manifests: Kubernetes v1 Pod YAML, as users write it, parsed into podlife::Pod.
//
// Contract:
// - Reads one document with apiVersion v1 and kind Pod. Fields the lifecycle uses are read
//   (metadata name/namespace/uid/labels/annotations; spec containers and initContainers with
//   name, image, command, args, env values, ports, lifecycle postStart/preStop handlers
//   exec/httpGet/sleep/tcpSocket, restartPolicy, volumeMounts; terminationGracePeriodSeconds,
//   restartPolicy, hostNetwork, volumes). A field the v1 Pod does not have is an error naming its path and the nearest
//   known name (`spec.containers[0].lifecyle: unknown field (did you mean lifecycle?)`), as
//   kubectl's strict field validation rejects it; ParseOptions::lenient makes each a warning
//   instead (the API server's lenient decode drops them). Objects podlife does not read
//   (resources, probes, ...) are not looked into.
// - Volumes are checked as the API server checks them (a unique DNS-1123 label name, exactly one
//   source; a volumeMount names one of them, at a unique absolute mountPath). Only hostPath is
//   read: its path must be absolute and its type a HostPathType. A mount of a volume of another
//   source is a warning (the container runs without it); subPath is an error (not supported).
// - Names are checked as the API server does (k8s.io/apimachinery validation): metadata.name a
//   DNS-1123 subdomain (253 characters), metadata.namespace and container names DNS-1123 labels
//   (63), port names IANA service names (15); annotations at most 256 KiB in all.
// - A second YAML document in the text is an error: one manifest holds one pod.
// - Handlers are kept as written, even those the API server would reject (no action, two
//   actions, tcpSocket, an empty port): judging them is the kubelet's job (HD-01, HD-02, HT-05),
//   and the suite needs to hand them to implementations.
// - A port written as a number is an int; quoted, or a name, is a string; absent is "".
// - Invalid input returns a ManifestError `SOURCE:LINE: field.path: what`, never throws.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "src/core/pod.h"

namespace podlife::manifest {

struct ManifestError {
  std::string message;
};

struct ParseOptions {
  // Unknown fields are warnings, not errors. Warnings (these, and mounts podlife does not provide)
  // are appended to `warnings` when set.
  bool lenient = false;
  std::vector<std::string>* warnings = nullptr;
};

// `source` names the text in messages (usually the file path).
std::variant<Pod, ManifestError> ParsePod(const std::string& text, const std::string& source,
                                          const ParseOptions& options = {});

// Reads and parses a file; an unreadable file or a directory is a ManifestError naming it.
std::variant<Pod, ManifestError> LoadPodFile(const std::string& path, const ParseOptions& options = {});

// What the API server fills in before a kubelet sees a pod: a random metadata.uid when absent and
// terminationGracePeriodSeconds 30 when absent.
void ApplyApiServerDefaults(Pod& pod);

}  // namespace podlife::manifest
