#include "src/core/events.h"

#include <cstdio>
#include <ctime>
#include <sstream>

namespace podlife {

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Event::Describe() const {
  std::ostringstream out;
  out << type << "  " << reason << "  " << (field_path.empty() ? "pod" : field_path) << "  " << message;
  return out.str();
}

std::string Event::ToJson() const {
  auto secs = std::chrono::time_point_cast<std::chrono::milliseconds>(time).time_since_epoch().count();
  std::ostringstream out;
  out << "{\"type\":" << JsonQuote(type) << ",\"reason\":" << JsonQuote(reason)
      << ",\"object\":" << JsonQuote(field_path.empty() ? "pod" : field_path) << ",\"message\":" << JsonQuote(message)
      << ",\"timeMs\":" << secs << "}";
  return out.str();
}

void EventLog::Record(Event event) {
  if (event.time.time_since_epoch().count() == 0) event.time = std::chrono::system_clock::now();
  {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  if (listener_) listener_(event);
}

std::vector<Event> EventLog::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<std::string> EventLog::Reasons() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : events_) out.push_back(e.reason);
  return out;
}

bool EventLog::WaitForReason(const std::string& reason, std::chrono::milliseconds timeout, size_t count) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    size_t n = 0;
    for (const auto& e : events_) n += e.reason == reason;
    return n >= count;
  });
}

std::string EventLog::Format() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : events_) out += "  " + e.Describe() + "\n";
  return out.empty() ? "  (no events)\n" : out;
}

// EV-10: the involvedObject fieldPath GenerateContainerRef gives a container.
std::string ContainerFieldPath(const std::string& name, bool init_container) {
  return std::string(init_container ? "spec.initContainers{" : "spec.containers{") + name + "}";
}

}  // namespace podlife
