#include "trace/trace_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace podlife::trace {

namespace fs = std::filesystem;

std::string WriteTraceFile(const std::string& path, const std::string& text) {
  if (std::error_code ec; fs::is_directory(path, ec)) return "cannot write " + path + ": it is a directory";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  out << text;
  out.flush();
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  return "";
}

std::string PrepareTraceFile(const std::string& path) { return WriteTraceFile(path, ""); }

std::string PrepareTraceDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot write traces to " + dir + ": " + ec.message();
  if (!fs::is_directory(dir, ec)) return "cannot write traces to " + dir + ": not a directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0) return "cannot write traces to " + dir + ": " + std::strerror(errno);
  return "";
}

std::string TraceFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_';
    out += keep ? c : '_';
  }
  return out + ".json";
}

}  // namespace podlife::trace
