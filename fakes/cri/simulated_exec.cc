#include "fakes/cri/simulated_exec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <sstream>

namespace podlife::fakes {

bool AppendCapped(std::string& into, const std::string& text) {
  const size_t room = into.size() < kMaxExecStreamBytes ? kMaxExecStreamBytes - into.size() : 0;
  into.append(text, 0, std::min(room, text.size()));
  return text.size() <= room;
}

// ---- SimulatedFs ----

SimulatedFs::SimulatedFs() { dirs_.insert("/"); }

std::string SimulatedFs::Normalize(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string SimulatedFs::Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

bool SimulatedFs::IsDir(const std::string& path) const { return dirs_.count(Normalize(path)) > 0; }
bool SimulatedFs::IsFile(const std::string& path) const { return files_.count(Normalize(path)) > 0; }

std::optional<std::string> SimulatedFs::Read(const std::string& path) const {
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> SimulatedFs::List(const std::string& dir) const {
  const std::string d = Normalize(dir);
  const std::string prefix = d == "/" ? "/" : d + "/";
  std::vector<std::string> names;
  auto collect = [&](const std::string& p) {
    if (p != d && p.rfind(prefix, 0) == 0 && p.find('/', prefix.size()) == std::string::npos) {
      names.push_back(p.substr(prefix.size()));
    }
  };
  for (const auto& p : dirs_) collect(p);
  for (const auto& [p, content] : files_) collect(p);
  std::sort(names.begin(), names.end());
  return names;
}

std::string SimulatedFs::Write(const std::string& path, const std::string& content, bool append) {
  const std::string p = Normalize(path);
  if (p == "/dev/null") return "";
  if (dirs_.count(p)) return "Is a directory";
  if (!dirs_.count(Parent(p))) return "nonexistent directory";
  std::string& file = files_[p];
  if (!append) file.clear();
  return AppendCapped(file, content) ? "" : "No space left on device";
}

std::string SimulatedFs::MakeDir(const std::string& path, bool parents) {
  const std::string p = Normalize(path);
  if (files_.count(p) || (dirs_.count(p) && !parents)) return "File exists";
  if (dirs_.count(p)) return "";
  if (!dirs_.count(Parent(p))) {
    if (!parents || files_.count(Parent(p))) return "No such file or directory";
    if (std::string e = MakeDir(Parent(p), true); !e.empty()) return e;
  }
  dirs_.insert(p);
  return "";
}

std::string SimulatedFs::Touch(const std::string& path) {
  const std::string p = Normalize(path);
  if (Exists(p)) return "";
  if (!dirs_.count(Parent(p))) return "No such file or directory";
  files_[p] = "";
  return "";
}

void SimulatedFs::Put(const std::string& path, const std::string& content) {
  const std::string p = Normalize(path);
  MakeDir(Parent(p), true);
  files_[p] = content;
}

void SeedContainerFs(SimulatedFs& fs, const std::string& hostname,
                     const std::map<std::string, std::string>& sysctls) {
  for (const char* dir : {"/bin", "/dev", "/etc", "/home", "/proc/sys", "/root", "/sys", "/tmp", "/usr/bin", "/var"}) {
    fs.MakeDir(dir, true);
  }
  fs.Put("/dev/null", "");
  fs.Put("/etc/hostname", hostname + "\n");
  for (const auto& [name, value] : sysctls) {
    std::string path = name;
    std::replace(path.begin(), path.end(), '.', '/');
    fs.Put("/proc/sys/" + path, value + "\n");
  }
}

// ---- the shell ----

namespace {

constexpr Millis kForever = std::chrono::hours(24 * 365);

const std::set<std::string>& KnownCommands() {
  static const std::set<std::string> known = {
      "echo", "printf", "cat", "ls",   "id",   "whoami", "hostname", "pwd",  "mkdir", "touch", "test", "[",
      "true", "false",  ":",   "exit", "sleep", "wait",  "trap",     "cd",   "sh",    "bash",  "exec"};
  return known;
}

bool IsShell(const std::string& name) { return name == "sh" || name == "bash"; }

std::string BaseName(const std::string& word) {
  const size_t slash = word.rfind('/');
  return slash == std::string::npos ? word : word.substr(slash + 1);
}

struct Token {
  bool op = false;
  std::string text;
};

// Splits a script into words and operators; "" or what is wrong.
std::string Tokenize(const std::string& s, std::vector<Token>* out) {
  static const std::vector<std::string> kOps = {"2>&1", "1>&2", "2>>", "1>>", ">&2", ">>", "2>", "1>", "&&",
                                                "||",   ">",    "<",   "&",   "|",  ";",  "\n"};
  std::string word;
  bool in_word = false;
  auto flush = [&] {
    if (in_word) out->push_back({false, word});
    word.clear();
    in_word = false;
  };
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\'' || c == '"') {
      const size_t end = s.find(c, i + 1);
      if (end == std::string::npos) return std::string("unterminated ") + (c == '\'' ? "'" : "\"") + " quote";
      std::string quoted = s.substr(i + 1, end - i - 1);
      if (c == '"') {
        std::string unescaped;
        for (size_t k = 0; k < quoted.size(); ++k) {
          if (quoted[k] == '\\' && k + 1 < quoted.size() && std::string("\"\\$`").find(quoted[k + 1]) != std::string::npos) ++k;
          unescaped += quoted[k];
        }
        quoted = unescaped;
      }
      word += quoted;
      in_word = true;
      i = end + 1;
      continue;
    }
    if (c == '\\' && i + 1 < s.size()) {
      word += s[i + 1];
      in_word = true;
      i += 2;
      continue;
    }
    if (c == ' ' || c == '\t') {
      flush();
      ++i;
      continue;
    }
    bool matched = false;
    for (const auto& op : kOps) {
      const bool digit_op = op[0] == '1' || op[0] == '2';
      if (s.compare(i, op.size(), op) == 0 && !(digit_op && in_word)) {
        flush();
        out->push_back({true, op == "\n" ? ";" : op});
        i += op.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (c == '#' && !in_word) {  // a comment runs to the end of the line
      const size_t nl = s.find('\n', i);
      i = nl == std::string::npos ? s.size() : nl;
      continue;
    }
    word += c;
    in_word = true;
    ++i;
  }
  flush();
  return "";
}

struct Redirect {
  std::string op;
  std::string target;
};

// One item of a command list: a simple command or a while/until loop, and how it joins the last.
struct Item {
  std::string connector = ";";  // ";", "&&" or "||" before it
  bool background = false;
  std::vector<std::string> words;
  std::vector<Redirect> redirects;
  bool loop = false;
  bool until = false;
  std::vector<Token> condition, body;
};

bool IsWord(const Token& t, const char* text) { return !t.op && t.text == text; }

// Parses tokens into items; "" or what is wrong.
std::string Parse(const std::vector<Token>& tokens, std::vector<Item>* items) {
  Item item;
  bool have = false;
  std::string next_connector = ";";
  auto finish = [&](bool background) {
    if (have) {
      item.background = background;
      items->push_back(std::move(item));
    }
    item = Item();
    item.connector = ";";
    have = false;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.op) {
      if (t.text == ";" || t.text == "&") {
        finish(t.text == "&");
        continue;
      }
      if (t.text == "&&" || t.text == "||") {
        if (!have) return "syntax error: unexpected " + t.text;
        finish(false);
        item.connector = t.text;
        continue;
      }
      if (t.text == "|") return "pipes are not simulated";
      if (t.text == "2>&1" || t.text == "1>&2" || t.text == ">&2") {
        item.redirects.push_back({t.text, ""});
        continue;
      }
      if (i + 1 >= tokens.size() || tokens[i + 1].op) return "syntax error: " + t.text + " needs a file";
      item.redirects.push_back({t.text, tokens[++i].text});
      continue;
    }
    if (!have && (t.text == "while" || t.text == "until")) {
      // while COND; do BODY; done: find the matching `do` and `done`.
      item.loop = true;
      item.until = t.text == "until";
      size_t k = i + 1;
      while (k < tokens.size() && !IsWord(tokens[k], "do")) item.condition.push_back(tokens[k++]);
      if (k >= tokens.size()) return "syntax error: " + t.text + " without do";
      int depth = 1;
      for (++k; k < tokens.size(); ++k) {
        if (IsWord(tokens[k], "while") || IsWord(tokens[k], "until")) ++depth;
        if (IsWord(tokens[k], "done") && --depth == 0) break;
        item.body.push_back(tokens[k]);
      }
      if (k >= tokens.size()) return "syntax error: " + t.text + " without done";
      i = k;
      have = true;
      continue;
    }
    if (!have && (t.text == "if" || t.text == "for" || t.text == "case" || t.text == "{" || t.text == "(")) {
      return "'" + t.text + "' is not simulated";
    }
    item.words.push_back(t.text);
    have = true;
  }
  finish(false);
  return "";
}

// Where a command's stdout or stderr goes.
struct Sink {
  enum Kind { kStdout, kStderr, kFile } kind = kStdout;
  std::string path;
};

// The length of `sleep ARGS`: false when it is not a valid one; nullopt for `infinity`.
bool SleepLength(const std::vector<std::string>& args, std::optional<Millis>* length) {
  if (args.size() != 1) return false;
  if (args[0] == "infinity") {
    *length = std::nullopt;
    return true;
  }
  char* end = nullptr;
  const double seconds = std::strtod(args[0].c_str(), &end);
  if (args[0].empty() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 || args[0][0] == '-') return false;
  *length = Millis(std::llround(std::min(seconds, 1e9) * 1000));
  return true;
}

// Runs one script (or plain argv) against a container's filesystem, keeping what it did: its
// output (buffered for an exec, timed for a workload), the time it took, how it ended.
class Interpreter {
 public:
  Interpreter(ShellContext& ctx, bool workload) : ctx_(ctx), workload_(workload) {}

  // Runs a script; false (and `syntax_error`) when it cannot be parsed.
  bool RunScript(const std::string& script) {
    std::vector<Token> tokens;
    if (std::string e = Tokenize(script, &tokens); !e.empty()) return Fail(e);
    return RunTokens(tokens);
  }

  bool RunTokens(const std::vector<Token>& tokens) {
    std::vector<Item> items;
    if (std::string e = Parse(tokens, &items); !e.empty()) return Fail(e);
    for (const auto& item : items) {
      if (exited || forever) break;
      if (item.connector == "&&" && status != 0) continue;
      if (item.connector == "||" && status == 0) continue;
      RunItem(item);
    }
    return true;
  }

  // A plain argv: no shell parses it.
  void RunArgv(const std::vector<std::string>& argv) {
    plain_argv = true;
    status = RunCommand(argv, Sink{Sink::kStdout, ""}, Sink{Sink::kStderr, ""}, false);
  }

  std::string out, err, start_error, syntax_error;
  std::vector<WorkloadOutput> outputs;
  Millis now{0};
  int status = 0;
  bool exited = false, forever = false, blocked_in_program = false;
  std::optional<std::string> term_trap;
  std::vector<std::optional<Millis>> background_ends;  // nullopt: never ends
  bool plain_argv = false;  // no shell: an unknown binary cannot start

 private:
  bool Fail(const std::string& e) {
    syntax_error = e;
    Emit(Sink{Sink::kStderr, ""}, "sh: " + e + "\n");
    status = 2;
    exited = true;
    return false;
  }

  void Emit(const Sink& sink, const std::string& text) {
    if (text.empty()) return;
    if (sink.kind == Sink::kFile) {
      if (std::string e = ctx_.fs->Write(sink.path, text, true); !e.empty()) {
        AppendCapped(err, "sh: write error: " + e + "\n");
      }
    } else if (workload_) {
      outputs.push_back({now, sink.kind == Sink::kStderr, text});
    } else {
      AppendCapped(sink.kind == Sink::kStderr ? err : out, text);  // the rest is dropped, as containerd does
    }
  }

  void RunItem(const Item& item) {
    if (item.loop) return RunLoop(item);
    Sink out_sink{Sink::kStdout, ""}, err_sink{Sink::kStderr, ""};
    for (const auto& r : item.redirects) {
      if (r.op == "<") continue;  // stdin is empty; `cat < FILE` reads it below
      if (r.op == "2>&1") { err_sink = out_sink; continue; }
      if (r.op == ">&2" || r.op == "1>&2") { out_sink = err_sink; continue; }
      const bool append = r.op.find(">>") != std::string::npos;
      if (std::string e = ctx_.fs->Write(r.target, "", true); !e.empty()) {
        Emit(Sink{Sink::kStderr, ""}, "sh: can't create " + r.target + ": " + e + "\n");
        status = 1;
        return;
      }
      if (!append) ctx_.fs->Write(r.target, "", false);
      Sink file{Sink::kFile, r.target};
      (r.op[0] == '2' ? err_sink : out_sink) = file;
    }
    stdin_file_.clear();
    for (const auto& r : item.redirects) {
      if (r.op == "<") stdin_file_ = r.target;
    }
    if (item.words.empty()) return;
    status = RunCommand(item.words, out_sink, err_sink, item.background);
  }

  void RunLoop(const Item& item) {
    Interpreter probe(ctx_, workload_);
    probe.RunTokens(item.condition);
    const bool enters = (probe.status == 0) != item.until;
    if (!enters) {
      status = 0;
      return;
    }
    // The first pass of the body runs (its output shows); then the loop runs until stopped.
    RunTokens(item.body);
    if (!exited) forever = true;
  }

  int RunCommand(const std::vector<std::string>& words, const Sink& out_sink, const Sink& err_sink, bool background) {
    const std::string name = BaseName(words[0]);
    const std::vector<std::string> args(words.begin() + 1, words.end());
    if (background) return RunInBackground(name, args, out_sink, err_sink);
    if (name == "exit") {
      exited = true;
      return args.empty() ? status : static_cast<int>(std::strtol(args[0].c_str(), nullptr, 10) & 0xff);
    }
    if (name == "exec") {
      if (args.empty()) return 0;
      const int code = RunCommand(args, out_sink, err_sink, false);
      exited = !forever;
      return code;
    }
    if (name == "true" || name == ":" || name == "cd") return 0;
    if (name == "false") return 1;
    if (name == "echo") return Echo(args, out_sink);
    if (name == "printf") return Printf(args, out_sink, err_sink);
    if (name == "cat") return Cat(args, out_sink, err_sink);
    if (name == "ls") return Ls(args, out_sink, err_sink);
    if (name == "id") return Id(args, out_sink, err_sink);
    if (name == "whoami") return Whoami(out_sink, err_sink);
    if (name == "hostname") return Emit(out_sink, ctx_.hostname + "\n"), 0;
    if (name == "pwd") return Emit(out_sink, "/\n"), 0;
    if (name == "mkdir") return Mkdir(args, err_sink);
    if (name == "touch") return Touch(args, err_sink);
    if (name == "test" || name == "[") return Test(name, args, err_sink);
    if (name == "sleep") return Sleep(args, err_sink);
    if (name == "wait") return Wait();
    if (name == "trap") return Trap(args);
    if (IsShell(name)) return Shell(args);
    return Unknown(words[0], err_sink);
  }

  int Unknown(const std::string& command, const Sink& err_sink) {
    if (workload_) {
      // A program the shell does not know stands for the container's real server: it runs
      // until stopped and handles SIGTERM.
      forever = true;
      blocked_in_program = true;
      return 0;
    }
    if (plain_argv) {
      start_error = command.find('/') == std::string::npos
                        ? "exec: \"" + command + "\": executable file not found in $PATH"
                        : "exec: \"" + command + "\": stat " + command + ": no such file or directory";
      return 127;
    }
    Emit(err_sink, "sh: " + command + ": not found\n");
    return 127;
  }

  int RunInBackground(const std::string& name, const std::vector<std::string>& args, const Sink& out_sink,
                      const Sink& err_sink) {
    if (name == "sleep") {
      std::optional<Millis> length;
      if (!SleepLength(args, &length)) return Sleep(args, err_sink);
      background_ends.push_back(length ? std::optional<Millis>(now + *length) : std::nullopt);
      return 0;
    }
    if (!KnownCommands().count(name)) {
      background_ends.push_back(std::nullopt);
      return 0;
    }
    std::vector<std::string> words{name};
    words.insert(words.end(), args.begin(), args.end());
    Interpreter job(ctx_, workload_);
    job.now = now;
    job.RunCommand(words, out_sink, err_sink, false);
    out += job.out;
    err += job.err;
    outputs.insert(outputs.end(), job.outputs.begin(), job.outputs.end());
    background_ends.push_back(job.forever ? std::nullopt : std::optional<Millis>(job.now));
    return 0;
  }

  int Echo(std::vector<std::string> args, const Sink& sink) {
    bool newline = true, escapes = false;
    while (!args.empty() && (args[0] == "-n" || args[0] == "-e" || args[0] == "-ne" || args[0] == "-en")) {
      newline = newline && args[0].find('n') == std::string::npos;
      escapes = escapes || args[0].find('e') != std::string::npos;
      args.erase(args.begin());
    }
    std::string text;
    for (size_t i = 0; i < args.size(); ++i) text += (i ? " " : "") + args[i];
    if (escapes) text = Unescape(text);
    Emit(sink, text + (newline ? "\n" : ""));
    return 0;
  }

  static std::string Unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        out += s[i];
        continue;
      }
      const char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c == '\\' ? '\\' : c == 'r' ? '\r' : c;
      if (c != 'n' && c != 't' && c != '\\' && c != 'r') out.insert(out.size() - 1, "\\");
    }
    return out;
  }

  int Printf(const std::vector<std::string>& args, const Sink& out_sink, const Sink& err_sink) {
    if (args.empty()) {
      Emit(err_sink, "printf: usage: printf FORMAT [ARGUMENT...]\n");
      return 1;
    }
    const std::string format = Unescape(args[0]);
    size_t next = 1;
    std::string text;
    do {
      for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 >= format.size()) {
          text += format[i];
          continue;
        }
        const char conv = format[++i];
        if (conv == '%') {
          text += '%';
          continue;
        }
        const std::string arg = next < args.size() ? args[next++] : "";
        if (conv == 'd' || conv == 'i') {
          text += std::to_string(std::strtoll(arg.c_str(), nullptr, 10));
        } else if (conv == 'c') {
          text += arg.substr(0, 1);
        } else {
          text += arg;  // %s and anything else print the argument
        }
      }
    } while (next < args.size() && next > 1);
    Emit(out_sink, text);
    return 0;
  }

  int Cat(const std::vector<std::string>& args, const Sink& out_sink, const Sink& err_sink) {
    std::vector<std::string> files;
    for (const auto& a : args) {
      if (a.size() < 2 || a[0] != '-') files.push_back(a);
    }
    if (files.empty() && !stdin_file_.empty()) files.push_back(stdin_file_);
    int status = 0;
    for (const auto& f : files) {
      if (ctx_.fs->IsDir(f)) {
        Emit(err_sink, "cat: read error: Is a directory\n");
        status = 1;
      } else if (auto content = ctx_.fs->Read(f)) {
        Emit(out_sink, *content);
      } else {
        Emit(err_sink, "cat: can't open '" + f + "': No such file or directory\n");
        status = 1;
      }
    }
    return status;
  }

  int Ls(const std::vector<std::string>& args, const Sink& out_sink, const Sink& err_sink) {
    std::vector<std::string> paths;
    for (const auto& a : args) {
      if (a.empty() || a[0] != '-') paths.push_back(a);
    }
    if (paths.empty()) paths.push_back("/");
    int status = 0;
    for (const auto& p : paths) {
      if (ctx_.fs->IsDir(p)) {
        if (paths.size() > 1) Emit(out_sink, p + ":\n");
        for (const auto& name : ctx_.fs->List(p)) Emit(out_sink, name + "\n");
      } else if (ctx_.fs->IsFile(p)) {
        Emit(out_sink, p + "\n");
      } else {
        Emit(err_sink, "ls: " + p + ": No such file or directory\n");
        status = 1;
      }
    }
    return status;
  }

  std::string UserName() const {
    if (!ctx_.identity.user.empty()) return ctx_.identity.user;
    return ctx_.identity.uid == 0 ? "root" : "";
  }

  int Id(const std::vector<std::string>& args, const Sink& out_sink, const Sink& err_sink) {
    const auto& who = ctx_.identity;
    const std::string user = UserName();
    const std::string group = who.gid == 0 ? "root" : "";
    auto named = [](int64_t n, const std::string& name) {
      return std::to_string(n) + (name.empty() ? "" : "(" + name + ")");
    };
    std::string flags;
    for (const auto& a : args) {
      if (a.size() > 1 && a[0] == '-') flags += a.substr(1);
    }
    if (flags.find('u') != std::string::npos || flags.find('g') != std::string::npos) {
      const bool by_name = flags.find('n') != std::string::npos;
      const bool uid = flags.find('u') != std::string::npos;
      const std::string name = uid ? user : group;
      if (by_name && name.empty()) {
        Emit(err_sink, "id: unknown ID " + std::to_string(uid ? who.uid : who.gid) + "\n");
        return 1;
      }
      Emit(out_sink, (by_name ? name : std::to_string(uid ? who.uid : who.gid)) + "\n");
      return 0;
    }
    Emit(out_sink, "uid=" + named(who.uid, user) + " gid=" + named(who.gid, group) + " groups=" + named(who.gid, group) + "\n");
    return 0;
  }

  int Whoami(const Sink& out_sink, const Sink& err_sink) {
    if (UserName().empty()) {
      Emit(err_sink, "whoami: unknown uid " + std::to_string(ctx_.identity.uid) + "\n");
      return 1;
    }
    Emit(out_sink, UserName() + "\n");
    return 0;
  }

  int Mkdir(const std::vector<std::string>& args, const Sink& err_sink) {
    bool parents = false;
    int status = 0;
    for (const auto& a : args) {
      if (a == "-p") {
        parents = true;
        continue;
      }
      if (std::string e = ctx_.fs->MakeDir(a, parents); !e.empty()) {
        Emit(err_sink, "mkdir: can't create directory '" + a + "': " + e + "\n");
        status = 1;
      }
    }
    return status;
  }

  int Touch(const std::vector<std::string>& args, const Sink& err_sink) {
    int status = 0;
    for (const auto& a : args) {
      if (!a.empty() && a[0] == '-') continue;
      if (std::string e = ctx_.fs->Touch(a); !e.empty()) {
        Emit(err_sink, "touch: " + a + ": " + e + "\n");
        status = 1;
      }
    }
    return status;
  }

  int Test(const std::string& name, std::vector<std::string> args, const Sink& err_sink) {
    if (name == "[") {
      if (args.empty() || args.back() != "]") {
        Emit(err_sink, "sh: [: missing ]\n");
        return 2;
      }
      args.pop_back();
    }
    bool negate = false;
    if (!args.empty() && args[0] == "!") {
      negate = true;
      args.erase(args.begin());
    }
    std::optional<bool> result;
    if (args.empty()) {
      result = false;
    } else if (args.size() == 1) {
      result = !args[0].empty();
    } else if (args.size() == 2) {
      const std::string& op = args[0];
      const std::string& x = args[1];
      if (op == "-e") result = ctx_.fs->Exists(x);
      if (op == "-f") result = ctx_.fs->IsFile(x);
      if (op == "-d") result = ctx_.fs->IsDir(x);
      if (op == "-s") result = ctx_.fs->IsFile(x) && !ctx_.fs->Read(x)->empty();
      if (op == "-n") result = !x.empty();
      if (op == "-z") result = x.empty();
    } else if (args.size() == 3) {
      const std::string& a = args[0];
      const std::string& op = args[1];
      const std::string& b = args[2];
      const long long x = std::strtoll(a.c_str(), nullptr, 10), y = std::strtoll(b.c_str(), nullptr, 10);
      if (op == "=" || op == "==") result = a == b;
      if (op == "!=") result = a != b;
      if (op == "-eq") result = x == y;
      if (op == "-ne") result = x != y;
      if (op == "-lt") result = x < y;
      if (op == "-le") result = x <= y;
      if (op == "-gt") result = x > y;
      if (op == "-ge") result = x >= y;
    }
    if (!result) {
      Emit(err_sink, "sh: " + name + ": syntax error\n");
      return 2;
    }
    return *result != negate ? 0 : 1;
  }

  int Sleep(const std::vector<std::string>& args, const Sink& err_sink) {
    std::optional<Millis> length;
    if (!SleepLength(args, &length)) {
      Emit(err_sink, "sleep: invalid number '" + (args.empty() ? std::string() : args[0]) + "'\n");
      return 1;
    }
    if (!length) {
      forever = true;
      return 0;
    }
    now += *length;
    return 0;
  }

  int Wait() {
    for (const auto& end : background_ends) {
      if (!end) {
        forever = true;
        return 0;
      }
      now = std::max(now, *end);
    }
    background_ends.clear();
    return 0;
  }

  int Trap(const std::vector<std::string>& args) {
    if (args.size() < 2) return 0;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "TERM" || args[i] == "SIGTERM" || args[i] == "15") term_trap = args[0];
    }
    return 0;
  }

  int Shell(const std::vector<std::string>& args) {
    if (args.size() < 2 || args[0] != "-c") return 0;  // a shell reading an empty stdin
    const bool was_plain = plain_argv;
    plain_argv = false;
    RunScript(args[1]);
    plain_argv = was_plain;
    exited = !syntax_error.empty();  // `exit` inside `sh -c` ends that shell only
    return status;
  }

  ShellContext& ctx_;
  bool workload_;
  std::string stdin_file_;
};

bool IsShellScript(const std::vector<std::string>& argv) {
  return argv.size() >= 3 && IsShell(BaseName(argv[0])) && argv[1] == "-c";
}

}  // namespace

SimulatedExec SimulateCommand(const std::vector<std::string>& argv, ShellContext& context) {
  SimulatedExec exec;
  if (argv.empty()) {
    exec.start_error = "exec: \"\": executable file not found in $PATH";
    return exec;
  }
  Interpreter shell(context, false);
  if (IsShellScript(argv)) {
    shell.RunScript(argv[2]);
  } else {
    shell.RunArgv(argv);
  }
  exec.start_error = shell.start_error;
  exec.result.exit_code = shell.status;
  exec.result.stdout_text = shell.out;
  exec.result.stderr_text = shell.err;
  exec.result.delay = shell.forever ? kForever : shell.now;
  return exec;
}

namespace {

// What SIGTERM does to the workload: the trap's action, run when the signal arrives.
void PlanTerm(const Interpreter& shell, ShellContext& context, WorkloadPlan* plan) {
  if (!shell.term_trap) {
    plan->ignores_sigterm = !shell.blocked_in_program;
    plan->exit_code_on_term = 0;
    return;
  }
  if (shell.term_trap->empty()) {
    plan->ignores_sigterm = true;
    return;
  }
  Interpreter action(context, false);
  action.RunScript(*shell.term_trap);
  plan->term_output = action.out;
  plan->exit_code_on_term = action.exited ? action.status : 143;
}

}  // namespace

WorkloadPlan PlanWorkload(const std::vector<std::string>& argv, ShellContext& context) {
  WorkloadPlan plan;
  if (argv.empty()) return plan;  // the image's own command: runs until stopped, handles TERM
  Interpreter shell(context, true);
  if (IsShellScript(argv)) {
    shell.RunScript(argv[2]);
  } else {
    shell.RunArgv(argv);
  }
  plan.output = shell.outputs;
  if (!shell.forever) {
    plan.exits_after = shell.now;
    plan.exit_code = shell.status;
  }
  PlanTerm(shell, context, &plan);
  return plan;
}

namespace {

// Every simple command of a script, recursively through loops and `sh -c`.
std::string CheckTokens(const std::vector<Token>& tokens) {
  std::vector<Item> items;
  if (std::string e = Parse(tokens, &items); !e.empty()) return e;
  for (const auto& item : items) {
    if (item.loop) {
      if (std::string e = CheckTokens(item.condition); !e.empty()) return e;
      if (std::string e = CheckTokens(item.body); !e.empty()) return e;
      continue;
    }
    if (item.words.empty()) continue;
    const std::string name = BaseName(item.words[0]);
    const std::vector<std::string> args(item.words.begin() + 1, item.words.end());
    if (!KnownCommands().count(name)) {
      std::string known;
      for (const auto& k : KnownCommands()) known += (known.empty() ? "" : ", ") + k;
      return "unknown command '" + item.words[0] + "' (the simulated shell knows " + known + ")";
    }
    std::optional<Millis> length;
    if (name == "sleep" && !SleepLength(args, &length)) {
      return "sleep needs one non-negative number of seconds or `infinity`, got '" +
             (args.empty() ? std::string() : JoinCommand(args)) + "'";
    }
    // Scripts inside the script: `sh -c SCRIPT`, `trap ACTION SIGNAL`, `exec COMMAND...`.
    std::string inner_script;
    if (IsShell(name) && args.size() >= 2 && args[0] == "-c") inner_script = args[1];
    if (name == "trap" && args.size() >= 2) inner_script = args[0];
    if (name == "exec" && !args.empty()) inner_script = JoinCommand(args);
    if (!inner_script.empty()) {
      std::vector<Token> inner;
      if (std::string e = Tokenize(inner_script, &inner); !e.empty()) return e;
      if (std::string e = CheckTokens(inner); !e.empty()) return e;
    }
  }
  return "";
}

}  // namespace

std::string ValidateWorkloadScript(const std::string& script) {
  std::vector<Token> tokens;
  if (std::string e = Tokenize(script, &tokens); !e.empty()) return e;
  return CheckTokens(tokens);
}

// ---- the CRI log format ----

std::string Rfc3339Nano(int64_t unix_nanos) {
  const time_t seconds = static_cast<time_t>(unix_nanos / 1000000000);
  int64_t fraction = unix_nanos % 1000000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out = base;
  if (fraction > 0) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(fraction));
    std::string f = digits;
    f.erase(f.find_last_not_of('0') + 1);
    out += "." + f;
  }
  return out + "Z";
}

std::string FormatCriLogLines(const std::string& text, bool to_stderr, int64_t unix_nanos) {
  const std::string prefix = Rfc3339Nano(unix_nanos) + (to_stderr ? " stderr F " : " stdout F ");
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += prefix + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

}  // namespace podlife::fakes
