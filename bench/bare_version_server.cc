// Implements bench/bare_version_server.h: a Version-only RuntimeService on a private unix socket.
#include "bench/bare_version_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include "runtime/v1/api.grpc.pb.h"

namespace podlife::bench {

namespace {
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;  // as the fake's server
}

class BareVersionServer::VersionOnlyService final : public ::runtime::v1::RuntimeService::Service {
 public:
  grpc::Status Version(grpc::ServerContext*, const ::runtime::v1::VersionRequest*,
                       ::runtime::v1::VersionResponse*) override {
    return grpc::Status::OK;
  }
};

BareVersionServer::BareVersionServer() : service_(std::make_unique<VersionOnlyService>()) {}

std::unique_ptr<BareVersionServer> BareVersionServer::Start(std::string* error) {
  std::unique_ptr<BareVersionServer> s(new BareVersionServer());
  std::string directory = (std::filesystem::temp_directory_path() / "podlife-bench-XXXXXX").string();
  if (!mkdtemp(directory.data())) {
    *error = "cannot create a private socket directory";
    return nullptr;
  }
  s->directory_ = directory;
  const std::string socket = directory + "/bare.sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(s->service_.get());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  s->server_ = builder.BuildAndStart();
  if (!s->server_) {
    *error = "cannot listen on unix:" + socket;
    return nullptr;
  }
  s->address_ = "unix://" + socket;
  return s;
}

BareVersionServer::~BareVersionServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  std::error_code ec;
  if (!directory_.empty()) std::filesystem::remove_all(directory_, ec);
}

}  // namespace podlife::bench
