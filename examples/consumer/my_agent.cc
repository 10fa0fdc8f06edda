// my-agent: where a node agent's conformance entry point goes. `my-agent --podlife` must speak
// podlife's command protocol (share/podlife/docs/PROTOCOL.md) on stdin/stdout: one pod per
// process, JSON lines in (sync, kill, remove, exec), JSON lines out (hello, events, results).
//
// This stand-in hands the protocol to the installed `podlife implement`, podlife's reference
// engine, by replacing itself with it (README.md says why); a real agent answers the requests
// with its own code against the CRI endpoint each sync request names.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--podlife") != 0) {
    std::fprintf(stderr, "usage: my-agent --podlife   (serves podlife's PROTOCOL.md on stdin/stdout)\n");
    return 2;
  }
  execl(PODLIFE_PROGRAM, PODLIFE_PROGRAM, "implement", static_cast<char*>(nullptr));
  std::fprintf(stderr, "my-agent: cannot run %s implement: %s\n", PODLIFE_PROGRAM, std::strerror(errno));
  return 3;
}
