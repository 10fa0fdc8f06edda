// `podlife implement`: podlife's reference engine behind the conformance command protocol
// (conformance/PROTOCOL.md): JSON lines on stdin, JSON lines on stdout, one pod per process.
// The suite drives it as `--implementation "command:podlife implement"`, which proves the
// protocol carries everything the cases need.
//
// Contract: ImplementCommand(args, in, out) writes the hello line, then answers each request
// line with zero or more event lines and one result line, until `in` ends; returns 0, or 2 on a
// usage error. A malformed request gets a result with ok false and the parse error; it never
// crashes or hangs.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace podlife::cli {

extern const char* const kImplementUsage;
int ImplementCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out);

}  // namespace podlife::cli
