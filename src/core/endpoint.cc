#include "src/core/endpoint.h"

namespace podlife {

std::string Endpoint::GrpcTarget() const {
  return kind == Kind::kUnix ? "unix:" + path : host_port;
}

std::string Endpoint::ToString() const {
  return kind == Kind::kUnix ? "unix://" + path : "tcp://" + host_port;
}

namespace {

std::variant<Endpoint, EndpointError> ParseHostPort(const std::string& text, const std::string& rest) {
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    return EndpointError{"endpoint '" + text + "': expected host:port"};
  }
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return EndpointError{"endpoint '" + text + "': port must be a number"};
  }
  if (std::stoul(rest.substr(colon + 1).substr(0, 6)) > 65535) {
    return EndpointError{"endpoint '" + text + "': port out of range (0-65535)"};
  }
  Endpoint e;
  e.kind = Endpoint::Kind::kTcp;
  e.host_port = rest;
  return e;
}

}  // namespace

std::variant<Endpoint, EndpointError> ParseEndpoint(const std::string& text) {
  if (text.empty()) return EndpointError{"endpoint is empty; expected unix:///path/to/socket"};
  std::string path;
  if (text.rfind("unix://", 0) == 0) {
    path = text.substr(7);
  } else if (text.rfind("unix:", 0) == 0) {
    path = text.substr(5);
  } else if (text.rfind("tcp://", 0) == 0) {
    return ParseHostPort(text, text.substr(6));
  } else if (text.find("://") != std::string::npos) {
    return EndpointError{"endpoint '" + text + "': unsupported scheme (use unix:// or tcp://)"};
  } else {
    return ParseHostPort(text, text);
  }
  if (path.empty() || path[0] != '/') {
    return EndpointError{"endpoint '" + text + "': unix socket path must be absolute (unix:///path)"};
  }
  if (path.size() >= 108) {
    return EndpointError{"endpoint '" + text + "': unix socket path longer than 107 bytes"};
  }
  Endpoint e;
  e.kind = Endpoint::Kind::kUnix;
  e.path = path;
  return e;
}

}  // namespace podlife
