// ListenSocket: where one of podlife's CRI servers (the fake, the proxy) listens, prepared before
// gRPC binds it and named after.
//
// Contract: PrepareListen("") makes a fresh private directory (mode 0700, fakes/common/
// private_dir.h: `podlife-cri-<pid>-XXXXXX`, removed also on a fatal signal where the program
// installed that, and swept by a later server once its owner is dead) under the temp dir and plans
// a socket `cri.sock` in it; "unix:///path" creates a missing parent directory 0700, refuses a
// path where a server still answers (a live fake, proxy or runtime: taking its socket over would
// leave it unreachable), removes a stale socket nobody answers on, and refuses any other file
// there; "tcp://host:port" is passed through. Errors name the address and what is wrong; nothing
// throws. gRPC binds `bind_target`: for a chosen unix path a unique name beside it, because gRPC
// unlinks the path it bound when it shuts down, whoever's socket is there by then. After the
// server started, FinishListen() makes the socket mode 0600, notes which file it is (device and
// inode), moves it to the chosen path unless a socket appeared there meanwhile (an error), and
// returns the address as users write it (`unix:///...` or `tcp://host:PORT` with the port gRPC
// picked). RemoveListen() removes the socket only when it is still that file (a socket someone
// else bound there since is left alone), and the private directory this plan created.
#pragma once

#include <cstdint>
#include <string>

#include "src/core/endpoint.h"

namespace podlife::fakes {

struct ListenPlan {
  Endpoint endpoint;
  std::string listen;       // as given, or the private socket's address
  std::string private_dir;  // created by PrepareListen; "" when the caller chose the address
  std::string socket_path;  // unix sockets only
  std::string bind_target;  // what gRPC binds (see above)
  std::string bind_path;    // its unix path when it differs from socket_path, else ""
  // The socket file this server bound (set by FinishListen); 0 = none, nothing to remove.
  uint64_t socket_device = 0;
  uint64_t socket_inode = 0;
};

// false with *error set when the address is malformed or cannot be used.
bool PrepareListen(const std::string& listen, ListenPlan* plan, std::string* error);
// "" with *error set when the socket cannot be put in place.
std::string FinishListen(ListenPlan* plan, int tcp_port, std::string* error);
void RemoveListen(const ListenPlan& plan);

}  // namespace podlife::fakes
