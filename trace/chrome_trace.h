// ChromeTrace: a pod's lifecycle as Chrome trace event JSON, rendered from what podlife already
// records (the CRI call log, the hook endpoints' request records, the implementation's events),
// for Perfetto UI (ui.perfetto.dev) and chrome://tracing. Pure: no clock, no files.
//
// Contract:
// - ChromeTraceJson(records) returns one JSON object {"traceEvents": [...], "displayTimeUnit":
//   "ms", "otherData": {...}} (the trace event format's JSON Object Format). Every event has name,
//   ph, ts (microseconds from records.origin), pid and tid. One process (pid 1, named by
//   records.title) holds these tracks (threads), each named by a thread_name metadata event (ph M)
//   and ordered by thread_sort_index:
//   - one per container, in the pod's spec order (init containers first), then any other name
//     the CRI calls created: "created" and "started" instants (CreateContainer and StartContainer
//     answered OK), a "postStart" and a "preStop" span (an exec hook: its ExecSync call, told
//     apart by its command; an httpGet hook: its request at a recorded endpoint, by path, the
//     first after the start for postStart and the next for preStop; a sleep hook leaves no
//     record, so no span), a "StopContainer" span, an "exit" instant (StopContainer answered OK,
//     or the exit time records.exits gives), and an instant per event that names the container;
//   - "CRI calls": a span per call, named by its method, with args seq, the key fields, the
//     deadline the client set and the status (a call never answered ends at the trace's end,
//     status "(no answer yet)");
//   - "HTTP hook requests" (when records.http names an endpoint): a span per request,
//     "GET <target>", from arrival to the answer;
//   - "pod events": an instant per event that names no container (e.g. LifecycleHTTPFallback).
//   Events are sorted by ts within a track; spans on a track never overlap: a span that would
//   overlap the one before goes on a further lane, a track of its own ("CRI calls (2)").
// - Containers are named by the id their CreateContainer answered (CallRecord::answered_id),
//   else by records.namer, else by the id's first 13 characters.
// - calls_recorded false (a runtime with no call log) leaves the CRI track out and says so in
//   otherData.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fakes/cri/call_log.h"
#include "fakes/http/fake_http_endpoint.h"
#include "src/core/events.h"
#include "src/core/pod.h"

namespace podlife::trace {

struct EndpointRequests {
  std::string base_url;  // e.g. "http://127.0.0.1:41234"
  std::vector<fakes::RecordedRequest> requests;
};

// A container the runtime saw exit, and when (e.g. a job that exited by itself).
struct ContainerExit {
  std::string container_id;
  std::chrono::system_clock::time_point at;
  int exit_code = 0;
};

struct TraceRecords {
  std::string title;                                     // e.g. "pod sidecar-demo, profile 1.35"
  std::chrono::system_clock::time_point origin;          // ts 0
  std::chrono::steady_clock::time_point origin_steady;   // the same instant, for HTTP records
  const Pod* pod = nullptr;                              // hooks and container order; may be null
  bool calls_recorded = true;
  std::vector<fakes::CallRecord> calls;
  fakes::ContainerNamer namer;  // may be empty
  std::vector<Event> events;
  std::vector<EndpointRequests> http;
  std::vector<ContainerExit> exits;
};

std::string ChromeTraceJson(const TraceRecords& records);

}  // namespace podlife::trace
