// Pod manifests: Kubernetes v1 Pod YAML, as users write it, parsed into podlife::Pod.
//
// Contract:
// - Reads one document with apiVersion v1 and kind Pod. Fields the lifecycle uses are read
//   (metadata name/namespace/uid/labels/annotations; spec containers and initContainers with
//   name, image, command, args, env values, ports, lifecycle postStart/preStop handlers
//   exec/httpGet/sleep/tcpSocket, restartPolicy; terminationGracePeriodSeconds, restartPolicy,
//   hostNetwork). Unknown fields are ignored, as the API server ignores them on a lenient decode.
// - Handlers are kept as written, even those the API server would reject (no action, two
//   actions, tcpSocket, an empty port): judging them is the kubelet's job (HD-01, HD-02, HT-05),
//   and the suite needs to hand them to implementations.
// - A port written as a number is an int; quoted, or a name, is a string; absent is "".
// - Invalid input returns a ManifestError `SOURCE:LINE: field.path: what`, never throws.
#pragma once

#include <string>
#include <variant>

#include "src/core/pod.h"

namespace podlife::manifest {

struct ManifestError {
  std::string message;
};

// `source` names the text in messages (usually the file path).
std::variant<Pod, ManifestError> ParsePod(const std::string& text, const std::string& source);

// Reads and parses a file; an unreadable file is a ManifestError naming it.
std::variant<Pod, ManifestError> LoadPodFile(const std::string& path);

// What the API server fills in before a kubelet sees a pod: a random metadata.uid when absent and
// terminationGracePeriodSeconds 30 when absent.
void ApplyApiServerDefaults(Pod& pod);

}  // namespace podlife::manifest
