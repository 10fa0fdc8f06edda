// SimulatedExec: an optional default for ExecSync commands nobody scripted, so that pods run
// against the embedded fake (`podlife run` without --runtime-endpoint) behave like a shell would
// for the handful of commands lifecycle hooks typically use.
//
// Contract: SimulateCommand understands `sh -c SCRIPT` (also /bin/sh, bash) or a plain argv,
// where SCRIPT is commands joined by `;` or `&&`: `exit N` ends with N; `false` fails with 1
// (stopping a `&&` chain); `sleep N` adds N seconds of run time; `echo TEXT` writes TEXT and a
// newline to stdout unless redirected with `>`/`>>`; anything else succeeds with no output (the
// fake runs nothing). Off by default: tests script exec results explicitly.
#pragma once

#include <string>
#include <vector>

#include "fakes/cri/script.h"

namespace podlife::fakes {

ExecResult SimulateCommand(const std::vector<std::string>& argv);

}  // namespace podlife::fakes
