// What the cli tests share: running the built `podlife` to its end, and the examples' paths.
//
// Contract: RunPodlife(args) runs PODLIFE_BIN with `args`, waits up to 60 s (the test fails when it
// does not start or end by then; exit_code is -1 then) and returns its exit status and everything
// it printed. Example(name) is the path of examples/<name> in the source tree.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "testsupport/child_process.h"

namespace podlife {

struct RunOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline RunOutput RunPodlife(std::vector<std::string> args) {
  args.insert(args.begin(), PODLIFE_BIN);
  testsupport::ChildProcess p;
  EXPECT_TRUE(p.Start(args));
  RunOutput r;
  auto code = p.Wait(std::chrono::seconds(60));
  EXPECT_TRUE(code.has_value()) << "podlife run did not finish";
  r.exit_code = code.value_or(-1);
  r.out = p.DrainStdout();
  r.err = p.DrainStderr();
  return r;
}

inline std::string Example(const std::string& name) {
  return std::string(PODLIFE_SOURCE_DIR) + "/examples/" + name;
}

}  // namespace podlife
