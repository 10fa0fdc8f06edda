#include "src/engine/go_format.h"

#include <cstdio>

namespace podlife {

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string GoSlice(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

namespace {

std::string RenderPort(const IntOrString& p) {
  // intstr.IntOrString is {Type IntVal StrVal}; %v prints the struct's fields.
  return p.is_int ? "{0 " + std::to_string(p.int_value) + " }" : "{1 0 " + p.str_value + "}";
}

}  // namespace

std::string RenderHandler(const LifecycleHandler& h, const Profile& profile) {
  std::string out = "&" + profile.handler_type_name + "{";
  out += "Exec:" + (h.exec ? "&ExecAction{Command:" + GoSlice(h.exec->command) + ",}" : std::string("nil")) + ",";
  if (h.http_get) {
    out += "HTTPGet:&HTTPGetAction{Path:" + h.http_get->path + ",Port:" + RenderPort(h.http_get->port) +
           ",Host:" + h.http_get->host + ",Scheme:" + h.http_get->scheme + ",HTTPHeaders:[]HTTPHeader{},},";
  } else {
    out += "HTTPGet:nil,";
  }
  out += "TCPSocket:" +
         (h.tcp_socket ? "&TCPSocketAction{Port:" + RenderPort(h.tcp_socket->port) + ",Host:" + h.tcp_socket->host + ",}"
                       : std::string("nil")) +
         ",";
  if (profile.sleep_action) {
    out += "Sleep:" + (h.sleep ? "&SleepAction{Seconds:" + std::to_string(h.sleep->seconds) + ",}" : std::string("nil")) +
           ",";
  }
  return out + "}";
}

}  // namespace podlife
