// BareVersionServer: the fake's capacity floor: a gRPC server on a unix socket in a fresh private
// directory whose RuntimeService answers Version with an empty response and implements nothing
// else (every other RPC is UNIMPLEMENTED). Built with the fake's message limits, so the two
// differ only in what the fake does per call (recording, scripting, state).
//
// Contract: Start() returns a serving server or nullptr and *error; address() is `unix:///...`.
// The destructor shuts the server down and removes the socket directory.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <string>

namespace podlife::bench {

class BareVersionServer {
 public:
  static std::unique_ptr<BareVersionServer> Start(std::string* error);
  ~BareVersionServer();

  const std::string& address() const { return address_; }

 private:
  class VersionOnlyService;
  BareVersionServer();

  std::unique_ptr<VersionOnlyService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string directory_;
  std::string address_;
};

}  // namespace podlife::bench
