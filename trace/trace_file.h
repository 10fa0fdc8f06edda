// Trace files: where ChromeTraceJson's output goes, with errors that name the path and the cause.
//
// Contract:
// - PrepareTraceFile(path) creates (or empties) the file now, so a path that cannot be written is
//   reported before anything runs; "" or "cannot write <path>: <cause>".
// - PrepareTraceDir(dir) creates the directory (and its parents) if needed and checks that files
//   can be made in it; "" or "cannot write traces to <dir>: <cause>".
// - WriteTraceFile(path, text) replaces the file's content; "" or "cannot write <path>: <cause>".
// - TraceFileName(name) turns a case name ("PostStartHook.KillsContainer/1_35") into a file name
//   ("PostStartHook.KillsContainer_1_35.json"): anything but letters, digits, '.', '-', '_'
//   becomes '_'.
#pragma once

#include <string>

namespace podlife::trace {

std::string PrepareTraceFile(const std::string& path);
std::string PrepareTraceDir(const std::string& dir);
std::string WriteTraceFile(const std::string& path, const std::string& text);
std::string TraceFileName(const std::string& name);

}  // namespace podlife::trace
