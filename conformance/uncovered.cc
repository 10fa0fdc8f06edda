// The spec behaviours the suite does not check, with the reason; CASES.md lists them.
#include "conformance/cases_markdown.h"

namespace podlife::conformance {

const std::vector<UncoveredBehaviour>& UncoveredBehaviours() {
  static const std::vector<UncoveredBehaviour> list = {
      {"HD-08", "internal wiring of the kubelet; not observable at a boundary"},
      {"EX-08", "dockershim only; podlife speaks CRI v1"},
      {"HT-12", "a Prometheus metric of the kubelet; not observable at CRI, HTTP or events"},
      {"HT-16", "Pod Security admission happens in the API server, before any implementation sees the pod"},
      {"SL-02", "the PodLifecycleSleepAction gate cannot be switched through the protocol"},
      {"SL-03", "early termination of a sleep needs the pod worker's context; not yet written"},
      {"SL-09", "an upstream unit test inventory, not a behaviour"},
      {"PS-12", "API status publication is outside CRI, HTTP and events"},
      {"PS-15", "ephemeral containers are rejected by API validation"},
      {"PR-15", "probes are not modelled (podlife runs no readiness or liveness probes)"},
      {"PR-16", "the 1.21 CPU-manager hook is internal"},
      {"PR-18", "stop signals (alpha) are not in podlife's CRI subset"},
      {"SP-10", "the pod worker's retry cadence is not modelled"},
      {"SP-11", "a Prometheus metric; not observable"},
      {"CRI-07", "connection parameters (dialer, backoff) are not observable from the server side"},
      {"CRI-08", "podlife speaks runtime.v1 only"},
      {"CRI-10", "client logging is not observable"},
  };
  return list;
}

}  // namespace podlife::conformance
