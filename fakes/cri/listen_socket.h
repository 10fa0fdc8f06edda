// ListenSocket: where one of podlife's CRI servers (the fake, the proxy) listens, prepared before
// gRPC binds it and named after.
//
// Contract: PrepareListen("") makes a fresh private directory (mode 0700) under the temp dir and
// plans a socket `cri.sock` in it; "unix:///path" creates a missing parent directory 0700 and
// removes a stale socket at the path (any other file there is an error); "tcp://host:port" is
// passed through. Errors name the address and what is wrong; nothing throws. After the server
// started, FinishListen() makes the socket mode 0600 and returns the address as users write it
// (`unix:///...` or `tcp://host:PORT` with the port gRPC picked). RemoveListen() removes the
// socket and the private directory this plan created.
#pragma once

#include <string>

#include "src/core/endpoint.h"

namespace podlife::fakes {

struct ListenPlan {
  Endpoint endpoint;
  std::string listen;       // as given, or the private socket's address
  std::string private_dir;  // created by PrepareListen; "" when the caller chose the address
  std::string socket_path;  // unix sockets only
};

// false with *error set when the address is malformed or cannot be used.
bool PrepareListen(const std::string& listen, ListenPlan* plan, std::string* error);
std::string FinishListen(const ListenPlan& plan, int tcp_port);
void RemoveListen(const ListenPlan& plan);

}  // namespace podlife::fakes
