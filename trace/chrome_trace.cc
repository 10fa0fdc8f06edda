#include "trace/chrome_trace.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "fakes/cri/status_names.h"
#include "runtime/v1/api.pb.h"

namespace podlife::trace {

namespace {

namespace cri = ::runtime::v1;
using json = nlohmann::json;
using SystemTime = std::chrono::system_clock::time_point;

constexpr int kPid = 1;
// Sort keys of the tracks: containers by spec order first, then these.
constexpr int kCriSort = 100000;
constexpr int kHttpSort = 200000;
constexpr int kPodEventsSort = 300000;
constexpr int kLanesPerTrack = 100;

struct Item {
  std::string name;
  char ph = 'i';     // 'X' (a span) or 'i' (an instant)
  int64_t ts = 0;    // microseconds from the origin
  int64_t dur = 0;   // spans only
  json args = json::object();
};

struct Track {
  std::string name;
  int sort = 0;
  std::vector<Item> items;
};

// Builds the tracks from the records; Render() lays them out as trace events.
class Builder {
 public:
  explicit Builder(const TraceRecords& r) : r_(r) {}

  json Build() {
    end_ = LatestTime();
    NameContainers();
    AddCalls();
    AddHttp();
    AddExits();
    AddEvents();
    return Render();
  }

 private:
  int64_t Micros(SystemTime t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - r_.origin).count();
  }
  int64_t Micros(std::chrono::steady_clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - r_.origin_steady).count();
  }

  int64_t LatestTime() const {
    int64_t latest = 0;
    for (const auto& c : r_.calls) latest = std::max(latest, Micros(c.finished ? c.finished_at : c.received_at));
    for (const auto& e : r_.events) latest = std::max(latest, Micros(e.time));
    for (const auto& ep : r_.http) {
      for (const auto& q : ep.requests) latest = std::max(latest, Micros(q.answered_at.value_or(q.at)));
    }
    for (const auto& x : r_.exits) latest = std::max(latest, Micros(x.at));
    return latest;
  }

  // Container ids to names: the id each CreateContainer answered, else the caller's namer.
  void NameContainers() {
    for (const auto& c : r_.calls) {
      if (c.method != "CreateContainer" || c.answered_id.empty() || !c.request) continue;
      names_[c.answered_id] = c.Request<cri::CreateContainerRequest>().config().metadata().name();
    }
  }
  std::string NameOf(const std::string& id) const {
    if (auto it = names_.find(id); it != names_.end()) return it->second;
    if (r_.namer) {
      if (std::string name = r_.namer(id); !name.empty()) return name;
    }
    return id.substr(0, 13);
  }

  const Container* SpecOf(const std::string& name) const {
    if (r_.pod == nullptr) return nullptr;
    for (const auto* list : {&r_.pod->init_containers, &r_.pod->containers}) {
      for (const auto& c : *list) {
        if (c.name == name) return &c;
      }
    }
    return nullptr;
  }
  int SpecOrder(const std::string& name) const {
    if (r_.pod != nullptr) {
      int i = 0;
      for (const auto* list : {&r_.pod->init_containers, &r_.pod->containers}) {
        for (const auto& c : *list) {
          if (c.name == name) return i;
          ++i;
        }
      }
    }
    return 1000 + static_cast<int>(unknown_order_.size());
  }

  Track& ContainerTrack(const std::string& name) {
    auto it = tracks_.find("container " + name);
    if (it != tracks_.end()) return it->second;
    const int order = SpecOrder(name);
    if (order >= 1000) unknown_order_.insert(name);
    Track& t = tracks_["container " + name];
    t.name = "container " + name;
    t.sort = (order + 1) * kLanesPerTrack;
    return t;
  }
  Track& FixedTrack(const std::string& name, int sort) {
    Track& t = tracks_[name];
    t.name = name;
    t.sort = sort;
    return t;
  }

  static std::string Status(const fakes::CallRecord& c) {
    return c.finished ? fakes::StatusCodeName(c.code) : "(no answer yet)";
  }
  Item CallSpan(const fakes::CallRecord& c, std::string name) const {
    Item span{std::move(name), 'X', Micros(c.received_at), 0, json::object()};
    span.dur = std::max<int64_t>(0, (c.finished ? Micros(c.finished_at) : end_) - span.ts);
    span.args["status"] = Status(c);
    if (c.finished && c.code != grpc::StatusCode::OK) span.args["message"] = c.status_message;
    return span;
  }

  void AddCalls() {
    if (!r_.calls_recorded) return;
    Track& calls = FixedTrack("CRI calls", kCriSort);
    fakes::ContainerNamer namer = [this](const std::string& id) { return NameOf(id); };
    for (const auto& c : r_.calls) {
      Item span = CallSpan(c, c.method);
      span.args["seq"] = c.seq;
      span.args["request"] = fakes::KeyFields(c, namer);
      span.args["deadline"] = c.deadline ? std::to_string(c.deadline->count()) + "ms" : "none";
      calls.items.push_back(std::move(span));
      AddContainerSide(c);
    }
  }

  // What a call means for its container's track.
  void AddContainerSide(const fakes::CallRecord& c) {
    if (!c.request) return;
    const bool ok = c.finished && c.code == grpc::StatusCode::OK;
    if (c.method == "CreateContainer" && ok) {
      const auto& md = c.Request<cri::CreateContainerRequest>().config().metadata();
      ContainerTrack(md.name()).items.push_back(
          {"created", 'i', Micros(c.finished_at), 0, {{"id", c.answered_id}, {"attempt", md.attempt()}}});
    } else if (c.method == "StartContainer" && ok) {
      const std::string& id = c.Request<cri::StartContainerRequest>().container_id();
      started_[id] = c.finished_at;
      ContainerTrack(NameOf(id)).items.push_back({"started", 'i', Micros(c.finished_at), 0, {{"id", id}}});
    } else if (c.method == "StopContainer") {
      const auto& req = c.Request<cri::StopContainerRequest>();
      Item span = CallSpan(c, "StopContainer");
      span.args["timeout"] = std::to_string(req.timeout()) + "s";
      ContainerTrack(NameOf(req.container_id())).items.push_back(std::move(span));
      if (ok) stop_exits_[req.container_id()] = c.finished_at;
    } else if (c.method == "ExecSync") {
      AddExecHook(c);
    }
  }

  // An ExecSync whose command is the container's postStart (the first) or preStop exec hook.
  void AddExecHook(const fakes::CallRecord& c) {
    const auto& req = c.Request<cri::ExecSyncRequest>();
    const std::string name = NameOf(req.container_id());
    const Container* spec = SpecOf(name);
    if (spec == nullptr || !spec->lifecycle) return;
    const std::vector<std::string> cmd(req.cmd().begin(), req.cmd().end());
    auto is = [&cmd](const std::optional<LifecycleHandler>& h) { return h && h->exec && h->exec->command == cmd; };
    std::string hook;
    if (is(spec->lifecycle->post_start) && exec_post_start_.insert(req.container_id()).second) {
      hook = "postStart";
    } else if (is(spec->lifecycle->pre_stop)) {
      hook = "preStop";
    } else {
      return;
    }
    Item span = CallSpan(c, hook);
    span.args["handler"] = "exec";
    span.args["command"] = cmd;
    ContainerTrack(name).items.push_back(std::move(span));
  }

  void AddHttp() {
    if (r_.http.empty()) return;
    Track& http = FixedTrack("HTTP hook requests", kHttpSort);
    std::vector<std::pair<const EndpointRequests*, size_t>> all;
    for (const auto& ep : r_.http) {
      for (size_t i = 0; i < ep.requests.size(); ++i) all.emplace_back(&ep, i);
    }
    std::vector<bool> claimed(all.size(), false);
    for (size_t i = 0; i < all.size(); ++i) {
      http.items.push_back(HttpSpan(*all[i].first, all[i].first->requests[all[i].second], "GET "));
    }
    // httpGet hooks: postStart of every started container first, then preStop, each claiming the
    // first request to its path after the container started.
    for (const bool post_start : {true, false}) {
      for (const auto& [id, started] : StartedInOrder()) {
        const Container* spec = SpecOf(NameOf(id));
        if (spec == nullptr || !spec->lifecycle) continue;
        const auto& handler = post_start ? spec->lifecycle->post_start : spec->lifecycle->pre_stop;
        if (!handler || !handler->http_get) continue;
        for (size_t i = 0; i < all.size(); ++i) {
          const auto& q = all[i].first->requests[all[i].second];
          if (claimed[i] || q.path != HookPath(*handler->http_get) || Micros(q.at) < Micros(started)) continue;
          claimed[i] = true;
          Item span = HttpSpan(*all[i].first, q, "");
          span.name = post_start ? "postStart" : "preStop";
          span.args["handler"] = "httpGet";
          ContainerTrack(NameOf(id)).items.push_back(std::move(span));
          break;
        }
      }
    }
  }
  static std::string HookPath(const HttpGetAction& a) {
    std::string path = a.path.substr(0, a.path.find('?'));
    return path.empty() || path[0] != '/' ? "/" + path : path;
  }
  std::vector<std::pair<std::string, SystemTime>> StartedInOrder() const {
    std::vector<std::pair<std::string, SystemTime>> out(started_.begin(), started_.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return out;
  }
  Item HttpSpan(const EndpointRequests& ep, const fakes::RecordedRequest& q, const std::string& prefix) const {
    Item span{prefix + q.target, 'X', Micros(q.at), 0, json::object()};
    span.dur = std::max<int64_t>(0, (q.answered_at ? Micros(*q.answered_at) : end_) - span.ts);
    span.args["endpoint"] = ep.base_url;
    span.args["target"] = q.target;
    span.args["peer"] = q.peer;
    span.args["status"] = q.answered_at ? json(q.status) : json("(no answer yet)");
    return span;
  }

  void AddExits() {
    std::set<std::string> exited;
    for (const auto& x : r_.exits) {
      exited.insert(x.container_id);
      ContainerTrack(NameOf(x.container_id))
          .items.push_back({"exit", 'i', Micros(x.at), 0, {{"id", x.container_id}, {"exit_code", x.exit_code}}});
    }
    for (const auto& [id, at] : stop_exits_) {
      if (exited.count(id) != 0) continue;
      ContainerTrack(NameOf(id)).items.push_back({"exit", 'i', Micros(at), 0, {{"id", id}, {"by", "StopContainer"}}});
    }
  }

  void AddEvents() {
    for (const auto& e : r_.events) {
      Item item{e.reason, 'i', Micros(e.time), 0, {{"type", e.type}, {"message", e.message}}};
      const auto open = e.field_path.find('{');
      const auto close = e.field_path.rfind('}');
      if (open == std::string::npos || close == std::string::npos || close < open) {
        item.args["object"] = e.field_path.empty() ? "pod" : e.field_path;
        FixedTrack("pod events", kPodEventsSort).items.push_back(std::move(item));
        continue;
      }
      item.args["object"] = e.field_path;
      ContainerTrack(e.field_path.substr(open + 1, close - open - 1)).items.push_back(std::move(item));
    }
  }

  json Render();

  const TraceRecords& r_;
  int64_t end_ = 0;
  std::map<std::string, std::string> names_;
  std::map<std::string, SystemTime> started_;
  std::map<std::string, SystemTime> stop_exits_;
  std::set<std::string> exec_post_start_;  // ids whose postStart ExecSync was seen
  std::set<std::string> unknown_order_;
  std::map<std::string, Track> tracks_;
};

// Splits each track into lanes whose spans do not overlap, then writes the metadata and the
// events of each lane, sorted by ts.
json Builder::Render() {
  std::vector<Track> lanes;
  for (auto& [key, track] : tracks_) {
    std::stable_sort(track.items.begin(), track.items.end(), [](const Item& a, const Item& b) { return a.ts < b.ts; });
    std::vector<int64_t> lane_end;  // where the last span of each lane ends
    std::vector<Track> own;
    for (auto& item : track.items) {
      size_t lane = 0;
      if (item.ph == 'X') {
        while (lane < lane_end.size() && lane_end[lane] > item.ts) ++lane;
      }
      if (lane >= own.size()) {
        own.resize(lane + 1);
        lane_end.resize(lane + 1, INT64_MIN);
        own[lane].name = lane == 0 ? track.name : track.name + " (" + std::to_string(lane + 1) + ")";
        own[lane].sort = track.sort + static_cast<int>(lane);
      }
      if (item.ph == 'X') lane_end[lane] = item.ts + item.dur;
      own[lane].items.push_back(std::move(item));
    }
    if (own.empty()) own.push_back({track.name, track.sort, {}});  // an empty track still shows
    for (auto& t : own) lanes.push_back(std::move(t));
  }
  std::sort(lanes.begin(), lanes.end(), [](const Track& a, const Track& b) { return a.sort < b.sort; });
  json events = json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"ts", 0}, {"pid", kPid}, {"tid", 0},
                    {"args", {{"name", r_.title}}}});
  int tid = 0;
  for (const auto& lane : lanes) {
    ++tid;
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"ts", 0}, {"pid", kPid}, {"tid", tid},
                      {"args", {{"name", lane.name}}}});
    events.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"ts", 0}, {"pid", kPid}, {"tid", tid},
                      {"args", {{"sort_index", tid}}}});
    for (const auto& item : lane.items) {
      json e = {{"name", item.name}, {"ph", std::string(1, item.ph)}, {"ts", item.ts}, {"pid", kPid}, {"tid", tid},
                {"args", item.args}};
      if (item.ph == 'X') e["dur"] = item.dur;
      if (item.ph == 'i') e["s"] = "t";  // an instant on its own track
      events.push_back(std::move(e));
    }
  }
  json other = {{"title", r_.title}, {"origin", "ts 0 is the start of the run (microseconds)"}};
  if (!r_.calls_recorded) other["cri_calls"] = "not recorded: the runtime has no call log";
  return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}, {"otherData", std::move(other)}};
}

}  // namespace

std::string ChromeTraceJson(const TraceRecords& records) {
  // Messages may hold any bytes (a hook's output): invalid UTF-8 is replaced, not thrown on.
  return Builder(records).Build().dump(1, ' ', false, json::error_handler_t::replace);
}

}  // namespace podlife::trace
