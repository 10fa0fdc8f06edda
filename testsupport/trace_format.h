// ChromeTraceProblems: checks a trace file's text against the rules of the Chrome trace event
// format (JSON Object Format) that a viewer relies on, for tests of podlife's traces.
//
// Contract: returns one line per broken rule, empty when the trace is valid:
// - the text is JSON, an object whose "traceEvents" is an array of objects;
// - every event has name (string), ph (string), ts (number), pid and tid (integers);
// - ph is one of B, E, X, i, I, M;
// - per track (pid, tid), the non-metadata events' ts never decrease in file order;
// - every B has its E on the same track, properly nested (the E closes the latest open B), and
//   no E comes without a B; every X has a numeric dur >= 0 and the X spans of a track nest (one
//   that starts inside another ends inside it);
// - a thread_name metadata event (ph M, args.name) names every track that has events, and a
//   process_name one every pid.
// Header-only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace podlife::testsupport {

inline std::vector<std::string> ChromeTraceProblems(const std::string& text) {
  using json = nlohmann::json;
  std::vector<std::string> problems;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return {"not valid JSON"};
  if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) {
    return {"not an object with a traceEvents array"};
  }
  using TrackId = std::pair<int64_t, int64_t>;
  std::map<TrackId, double> last_ts;
  std::map<TrackId, std::vector<std::string>> open_b;
  std::map<TrackId, std::vector<double>> open_x_ends;  // ends of the X spans enclosing the current ts
  std::set<TrackId> used, named;
  std::set<int64_t> pids, named_pids;
  const std::set<std::string> phases = {"B", "E", "X", "i", "I", "M"};
  size_t index = 0;
  for (const auto& e : doc["traceEvents"]) {
    const std::string at = "event " + std::to_string(index++);
    if (!e.is_object()) {
      problems.push_back(at + ": not an object");
      continue;
    }
    if (!e.contains("name") || !e["name"].is_string() || !e.contains("ph") || !e["ph"].is_string() ||
        !e.contains("ts") || !e["ts"].is_number() || !e.contains("pid") || !e["pid"].is_number_integer() ||
        !e.contains("tid") || !e["tid"].is_number_integer()) {
      problems.push_back(at + ": lacks name, ph, ts, pid or tid (or one has the wrong type): " + e.dump());
      continue;
    }
    const std::string ph = e["ph"];
    const TrackId track{e["pid"].get<int64_t>(), e["tid"].get<int64_t>()};
    const double ts = e["ts"].get<double>();
    const std::string where = at + " (" + e["name"].get<std::string>() + ", tid " + std::to_string(track.second) + ")";
    if (phases.count(ph) == 0) {
      problems.push_back(where + ": phase '" + ph + "' is not one of B E X i I M");
      continue;
    }
    pids.insert(track.first);
    if (ph == "M") {
      const bool has_name = e.contains("args") && e["args"].contains("name") && e["args"]["name"].is_string();
      if (e["name"] == "thread_name" && has_name) named.insert(track);
      if (e["name"] == "process_name" && has_name) named_pids.insert(track.first);
      continue;
    }
    used.insert(track);
    if (auto it = last_ts.find(track); it != last_ts.end() && ts < it->second) {
      problems.push_back(where + ": ts " + std::to_string(ts) + " before the track's previous " +
                         std::to_string(it->second));
    }
    last_ts[track] = ts;
    auto& ends = open_x_ends[track];
    while (!ends.empty() && ends.back() <= ts) ends.pop_back();
    if (ph == "B") open_b[track].push_back(e["name"]);
    if (ph == "E") {
      if (open_b[track].empty()) {
        problems.push_back(where + ": E without an open B");
      } else {
        open_b[track].pop_back();
      }
    }
    if (ph == "X") {
      if (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0) {
        problems.push_back(where + ": X without a dur >= 0");
        continue;
      }
      const double end = ts + e["dur"].get<double>();
      if (!ends.empty() && end > ends.back()) {
        problems.push_back(where + ": X span overlaps the span it starts in without nesting in it");
      }
      ends.push_back(end);
    }
  }
  for (const auto& [track, names] : open_b) {
    for (const auto& n : names) problems.push_back("tid " + std::to_string(track.second) + ": B " + n + " never closed");
  }
  for (const auto& track : used) {
    if (named.count(track) == 0) problems.push_back("tid " + std::to_string(track.second) + ": no thread_name");
  }
  for (int64_t pid : pids) {
    if (named_pids.count(pid) == 0) problems.push_back("pid " + std::to_string(pid) + ": no process_name");
  }
  return problems;
}

}  // namespace podlife::testsupport
