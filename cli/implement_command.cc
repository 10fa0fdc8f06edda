#include "cli/implement_command.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <mutex>

#include "cli/protocol_request.h"
#include "src/engine/engine_session.h"
#include "src/manifest/manifest.h"

namespace podlife::cli {

const char* const kImplementUsage = R"(usage: podlife implement

Serves podlife's reference lifecycle engine over the conformance command protocol: JSON lines on
stdin (requests: sync, kill, remove, exec), JSON lines on stdout (hello, events, results). One pod
per process; the process ends when stdin closes. See conformance/PROTOCOL.md. Used as

  podlife conformance --implementation "command:podlife implement"
)";

namespace {

using nlohmann::json;

// Serialises writes: events come from hook threads while results come from the request loop.
class LineWriter {
 public:
  explicit LineWriter(std::ostream& out) : out_(out) {}
  void Write(const json& message) {
    std::lock_guard lock(mu_);
    out_ << message.dump() << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  std::mutex mu_;
};

class EventForwarder final : public EventRecorder {
 public:
  explicit EventForwarder(LineWriter& writer) : writer_(writer) {}
  void Record(Event e) override {
    writer_.Write({{"event",
                    {{"type", e.type},
                     {"reason", e.reason},
                     {"object", e.field_path.empty() ? "pod" : e.field_path},
                     {"message", e.message}}}});
  }

 private:
  LineWriter& writer_;
};

class Server {
 public:
  explicit Server(LineWriter& writer) : writer_(writer), events_(writer) {}

  json Handle(const ProtocolRequest& request) {
    const std::string& op = request.op;
    if (op == "sync") return Sync(request);
    if (op == "kill" && !request.pod && request.pod_uid) {
      // The pod's spec is gone (deleted while this implementation was down): kill what the
      // runtime holds of it, from its containers' labels and annotations (PR-14).
      const std::string& uid = *request.pod_uid;
      if (engine_ && !pod_.uid.empty() && pod_.uid != uid) {
        return Fail(op, "this process has pod uid '" + pod_.uid + "', not '" + uid + "'");
      }
      if (!engine_) {
        if (auto error = ConnectEngine(request); !error.empty()) return Fail(op, error);
      }
      return Done(op, engine_->KillDeletedPod(uid, request.grace_period_override));
    }
    if (op == "kill" && !engine_ && request.pod) {
      // A kill first: this process starts over (a kubelet restart) and finds the pod in the runtime.
      if (auto error = Connect(request); !error.empty()) return Fail(op, error);
    }
    if (op == "kill" || op == "remove" || op == "exec") {
      if (!engine_) return Fail(op, "no pod: send sync first (or a kill with the pod)");
      if (op == "kill") return Done(op, engine_->Kill(pod_, request.grace_period_override));
      if (op == "remove") {
        absl::Status st = engine_->Remove();
        engine_->JoinHooks();
        return Done(op, st);
      }
      ExecResult r = engine_->cri().ExecSync(request.container_id, request.command, request.exec_timeout);
      return {{"op", op}, {"exitCode", r.exit_code}, {"stdout", r.stdout_text}, {"stderr", r.stderr_text},
              {"error", r.error.ok() ? "" : std::string(r.error.message())}};
    }
    return Fail(op, "unknown op '" + op + "' (want sync, kill, remove or exec)");
  }

 private:
  static json Fail(const std::string& op, const std::string& error) { return {{"op", op}, {"ok", false}, {"error", error}}; }
  static json Done(const std::string& op, const absl::Status& st) {
    return {{"op", op}, {"ok", st.ok()}, {"error", st.ok() ? "" : std::string(st.message())}};
  }

  json Sync(const ProtocolRequest& request) {
    auto parsed = manifest::ParsePod(request.pod.value_or(""), "pod");
    if (auto* e = std::get_if<manifest::ManifestError>(&parsed)) return Fail("sync", e->message);
    Pod pod = std::get<Pod>(parsed);
    if (engine_ && pod.uid.empty()) pod.uid = pod_.uid;  // the same pod; defaults would invent a new uid
    manifest::ApplyApiServerDefaults(pod);
    if (engine_) {
      // The pod worker's next sync of the same pod, whose spec may have changed.
      if (pod_.uid.empty()) return Fail("sync", "this process killed a deleted pod; it syncs no other");
      if (pod.uid != pod_.uid) return Fail("sync", "this process already has pod uid '" + pod_.uid + "', not '" + pod.uid + "'");
      pod_ = pod;
      return Report(engine_->Sync(pod_, cancel_));
    }
    pod_ = pod;
    if (auto error = ConnectEngine(request); !error.empty()) return Fail("sync", error);
    return Report(engine_->Sync(pod_, cancel_));
  }

  // Reads the pod of a first kill and connects the engine; "" or the error.
  std::string Connect(const ProtocolRequest& request) {
    auto parsed = manifest::ParsePod(request.pod.value_or(""), "pod");
    if (auto* e = std::get_if<manifest::ManifestError>(&parsed)) return e->message;
    pod_ = std::get<Pod>(parsed);
    manifest::ApplyApiServerDefaults(pod_);
    return ConnectEngine(request);
  }

  // Connects the engine to the request's endpoint with its profile; "" or the error.
  std::string ConnectEngine(const ProtocolRequest& request) {
    const std::string& profile = request.profile;
    EngineSessionOptions options;
    if (profile == "1.21") {
      options.profile = &Profile121();
    } else if (profile != "1.35") {
      return "unsupported profile '" + profile + "'";
    }
    options.endpoint = request.runtime_endpoint;
    options.request_timeout = request.runtime_request_timeout;
    auto connected = EngineSession::Connect(options, events_);
    if (!connected.ok()) return std::string(connected.status().message());
    engine_ = std::move(*connected);
    return "";
  }

  static json Report(const PodSyncResult& r) {
    json containers = json::array();
    for (const auto& c : r.containers) {
      containers.push_back({{"name", c.name},
                            {"init", c.init_container},
                            {"containerId", c.start.container_id},
                            {"reason", c.start.error_reason},
                            {"message", c.start.message}});
    }
    return {{"op", "sync"}, {"ok", r.ok()}, {"error", r.error}, {"containers", containers}};
  }

  LineWriter& writer_;
  EventForwarder events_;
  Pod pod_;
  std::unique_ptr<EngineSession> engine_;
  std::shared_ptr<Notification> cancel_ = std::make_shared<Notification>();
};

}  // namespace

int ImplementCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      out << kImplementUsage;
      return 0;
    }
  }
  if (!args.empty()) {
    std::cerr << "podlife implement: takes no arguments, got '" << args[0] << "'\n\n" << kImplementUsage;
    return 2;
  }
  LineWriter writer(out);
  writer.Write({{"hello",
                 {{"protocol", 1},
                  {"name", "podlife"},
                  {"profiles", {"1.21", "1.35"}},
                  {"capabilities", {"probe-exec"}}}}});
  Server server(writer);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto request = DecodeRequest(line);
    if (auto* bad = std::get_if<ProtocolRequestError>(&request)) {
      writer.Write({{"result", {{"op", bad->op}, {"ok", false}, {"error", bad->message}}}});
      continue;
    }
    writer.Write({{"result", server.Handle(std::get<ProtocolRequest>(request))}});
  }
  return 0;
}

}  // namespace podlife::cli
