#include "cli/run_progress.h"

#include <algorithm>

namespace podlife::cli {

namespace {

struct EventObject {
  const Container* spec = nullptr;
  bool init = false;
};

// "spec.containers{app}" -> the container `app` of the pod.
EventObject FindObject(const Pod& pod, const std::string& field_path) {
  for (bool init : {true, false}) {
    const std::string prefix = init ? "spec.initContainers{" : "spec.containers{";
    if (field_path.rfind(prefix, 0) != 0 || field_path.back() != '}') continue;
    const std::string name = field_path.substr(prefix.size(), field_path.size() - prefix.size() - 1);
    const auto& list = init ? pod.init_containers : pod.containers;
    auto it = std::find_if(list.begin(), list.end(), [&](const Container& c) { return c.name == name; });
    if (it != list.end()) return {&*it, init};
  }
  return {};
}

}  // namespace

std::string DescribeWait(const Pod& pod, const Event& event, bool sidecars) {
  const EventObject object = FindObject(pod, event.field_path);
  if (!object.spec) return "";
  const std::string kind = object.init ? "init container " : "container ";
  const std::string name = kind + object.spec->name;
  if (event.reason == "Pulling") return "the runtime to pull the image of " + name;
  if (event.reason == "Created") return "the runtime to start " + name + " (CRI StartContainer)";
  if (event.reason == "Started") {
    // A hook that succeeds records no event, so an init container's wait names both steps.
    const bool runs_to_completion = object.init && !(sidecars && IsSidecar(*object.spec));
    const bool post_start = object.spec->lifecycle && object.spec->lifecycle->post_start;
    if (post_start) return "the postStart hook of " + name + (runs_to_completion ? ", then its exit" : "");
    if (runs_to_completion) return name + " to exit";
    return "the runtime (the sync's next CRI call after starting " + name + ")";
  }
  if (event.reason == "Killing") return name + " to stop (its preStop hook, then CRI StopContainer)";
  return "";
}

WaitReporter::WaitReporter(const Pod* pod, bool sidecars, std::chrono::seconds interval, std::FILE* out)
    : pod_(pod), sidecars_(sidecars), interval_(interval), out_(out) {
  if (interval_.count() > 0) thread_ = std::thread([this] { Report(); });
}

WaitReporter::~WaitReporter() { Stop(); }

void WaitReporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WaitReporter::Begin(const std::string& what) {
  {
    std::lock_guard lock(mu_);
    StartLocked(what);
  }
  changed_.notify_all();
}

void WaitReporter::StartLocked(const std::string& what) {
  what_ = what;
  since_ = std::chrono::steady_clock::now();
  ++generation_;
}

void WaitReporter::Observe(const Event& event) {
  if (!pod_) return;
  std::string what = DescribeWait(*pod_, event, sidecars_);
  if (what.empty()) what = "the pod's sync (last event: " + event.reason + " " + event.field_path + ")";
  {
    std::lock_guard lock(mu_);
    if (what_.empty()) return;  // an event outside a wait (a late preStop failure) starts none
    StartLocked(what);
  }
  changed_.notify_all();
}

void WaitReporter::End() {
  {
    std::lock_guard lock(mu_);
    what_.clear();
    ++generation_;
  }
  changed_.notify_all();
}

std::string WaitReporter::Current() const {
  std::lock_guard lock(mu_);
  return CurrentLocked();
}

std::string WaitReporter::CurrentLocked() const {
  if (what_.empty()) return "";
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since_);
  return what_ + " (" + std::to_string(waited.count()) + "s)";
}

void WaitReporter::Report() {
  // A line each time the current wait has lasted another interval; a new wait starts its own count.
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (what_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const uint64_t generation = generation_;
    const auto due = since_ + interval_ * ((std::chrono::steady_clock::now() - since_) / interval_ + 1);
    if (changed_.wait_until(lock, due, [&] { return stopping_ || generation_ != generation; })) continue;
    std::fprintf(out_, "podlife run: still waiting for %s\n", CurrentLocked().c_str());
    std::fflush(out_);
  }
}

}  // namespace podlife::cli
