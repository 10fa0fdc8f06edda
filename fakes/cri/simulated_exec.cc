#include "fakes/cri/simulated_exec.h"

#include <sstream>

namespace podlife::fakes {

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

bool IsNumber(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 9;
}

}  // namespace

ExecResult SimulateCommand(const std::vector<std::string>& argv) {
  std::string script;
  if (argv.size() >= 3 && (argv[0] == "sh" || argv[0] == "/bin/sh" || argv[0] == "bash" || argv[0] == "/bin/bash") &&
      argv[1] == "-c") {
    script = argv[2];
  } else {
    for (const auto& a : argv) script += (script.empty() ? "" : " ") + a;
  }
  ExecResult result;
  size_t pos = 0;
  while (pos <= script.size()) {
    size_t semi = script.find(';', pos);
    size_t amp = script.find("&&", pos);
    size_t end = std::min(semi, amp);
    bool and_chain = end == amp && amp != std::string::npos;
    std::string segment = Trim(script.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    pos = end == std::string::npos ? script.size() + 1 : end + (and_chain ? 2 : 1);
    if (segment.empty()) continue;
    std::istringstream words(segment);
    std::string word;
    words >> word;
    std::string rest = Trim(segment.substr(word.size()));
    int status = 0;
    if (word == "exit") {
      result.exit_code = IsNumber(rest) ? std::stoi(rest) : 0;
      return result;
    } else if (word == "false") {
      status = 1;
    } else if (word == "sleep" && IsNumber(rest)) {
      result.delay += std::chrono::seconds(std::stoi(rest));
    } else if (word == "echo") {
      size_t redirect = rest.find('>');
      if (redirect == std::string::npos) result.stdout_text += Unquote(rest) + "\n";
    }
    result.exit_code = status;
    if (status != 0 && and_chain) return result;
  }
  return result;
}

}  // namespace podlife::fakes
