// Endpoint: where a CRI server listens or a client connects, as users write it.
//
// Contract: ParseEndpoint accepts `unix:///absolute/path` (crictl's form), `unix:/path`,
// `tcp://host:port` and bare `host:port`. It returns the kind, the socket path or host:port, and
// the target string gRPC understands. Anything else is an error naming what is wrong; it never
// throws for bad input.
#pragma once

#include <string>
#include <variant>

namespace podlife {

struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;       // kUnix: absolute socket path
  std::string host_port;  // kTcp: "host:port"

  // The address as gRPC wants it: "unix:/path" or "host:port".
  std::string GrpcTarget() const;
  // The address as users write it: "unix:///path" or "tcp://host:port".
  std::string ToString() const;
};

struct EndpointError {
  std::string message;
};

std::variant<Endpoint, EndpointError> ParseEndpoint(const std::string& text);

}  // namespace podlife
