// The spec behaviours the suite does not check, with the reason; CASES.md lists them.
#include "conformance/cases_markdown.h"

namespace podlife::conformance {

const std::vector<UncoveredBehaviour>& UncoveredBehaviours() {
  static const std::vector<UncoveredBehaviour> list = {
      {"HD-08", "internal wiring of the kubelet; not observable at a boundary"},
      {"EX-08", "dockershim only; podlife speaks CRI v1"},
      {"HT-12", "a Prometheus metric of the kubelet; not observable at CRI, HTTP or events"},
      {"HT-16", "Pod Security admission happens in the API server, before any implementation sees the pod"},
      {"SL-02", "the gate-off path exists in neither profile: the gate is locked on (GA) in 1.35 and 1.21 has no sleep action"},
      {"SL-03", "its message reaches only logs: 1.35 events carry the generic `PreStopHook failed`/`PostStartHook failed`, and 1.21 has no sleep; the runtime SyncPod context is not cancelled by a deletion (SP-10)"},
      {"SL-09", "an upstream unit test inventory, not a behaviour: its success vector is what the Sleep cases check, its failure vector is SL-03's message (logs only)"},
      {"PS-12", "API status publication is outside CRI, HTTP and events"},
      {"PS-15", "ephemeral containers are rejected by API validation"},
      {"PR-15", "not modelled: podlife runs no readiness or liveness probes (observable with probes: exec probes during a held preStop)"},
      {"PR-16", "the 1.21 CPU-manager hook is internal"},
      {"PR-18", "ContainerStopSignals is alpha and off by default in 1.35 (no stop signal reaches CRI), absent in 1.21"},
      {"SP-10", "the pod worker's requeue timing; the suite drives each sync itself, so no implementation's cadence is visible"},
      {"SP-11", "a Prometheus metric; not observable"},
      {"CRI-07", "connection parameters (dialer, backoff) are not observable from the server side"},
      {"CRI-08", "every case already needs runtime.v1 (the fake serves nothing else), so a case of its own could not fail alone; v1alpha2 (1.21) is not served"},
      {"CRI-10", "client logging is not observable"},
  };
  return list;
}

}  // namespace podlife::conformance
