// The fake CRI server against a real runtime: the same CRI call sequences against both, compared
// step by step (gRPC status codes, container and sandbox states, exit codes, exec results).
//
// Contract:
// - Each scenario runs once against a fresh in-process fake (simulated commands, as the
//   conformance suite runs it) and once against the runtime at --runtime-endpoint (or
//   $PODLIFE_CRI_ENDPOINT); both write a transcript, one line per step. The test fails on any line
//   that differs, unless the step is in KnownDifferences() (the same list, with reasons, is in
//   fakes/cri/README.md); known differences are printed, not hidden.
// - Without an endpoint every scenario is skipped with that reason: the real runtime is the
//   reference, and the fake cannot be compared with itself.
// - Pods use host networking and an image the runtime already has (--image, default
//   localhost/busybox:podlife, imported by ci/containerd); the fake has it present from the start
//   (DefineImage), as an import leaves it: repo tag only. Image steps never pull from a registry
//   and never remove that image; IDs and digests differ between the two, so transcripts say how
//   a value relates to the image (same ID, its repo digest), never the value.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/status_names.h"
#include "src/core/endpoint.h"
#include "runtime/v1/api.grpc.pb.h"

// The validation sequences set the deprecated profile strings on purpose: containerd reads them.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace podlife::fakes {
namespace {

namespace cri = ::runtime::v1;
using namespace std::chrono_literals;

std::string& RealEndpoint() {
  static std::string endpoint = std::getenv("PODLIFE_CRI_ENDPOINT") ? std::getenv("PODLIFE_CRI_ENDPOINT") : "";
  return endpoint;
}
// Pull --image on the runtime too: for a runtime that has not imported it (another fake).
bool& PullOnRuntime() {
  static bool pull = false;
  return pull;
}
bool& PrintTranscripts() {
  static bool print = false;
  return print;
}
std::string& Image() {
  static std::string image = "localhost/busybox:podlife";
  return image;
}

// Steps where the fake knowingly differs from containerd 1.6, and why (fakes/cri/README.md).
const std::map<std::string, std::string>& KnownDifferences() {
  static const std::map<std::string, std::string> known = {
      {"Status.NetworkReady",
       "containerd has no CNI here and reports false; the fake models a working pod network"},
      {"ListImages.Filter",
       "containerd ignores ListImages' filter and lists every image; the fake applies it as CRI describes"},
  };
  return known;
}

// A workload whose PID 1 exits 0 on SIGTERM, and one that ignores it (the fake is told by rule).
const std::vector<std::string> kTermHandling = {"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"};
const std::vector<std::string> kTermIgnoring = {"sh", "-c", "trap '' TERM; sleep 3600 & wait"};
// The command of containers that are only created (validation sequences), never started.
const std::vector<std::string> kIdleCommand = kTermHandling;

// One CRI connection and the transcript of what it saw.
class Session {
 public:
  explicit Session(const std::string& grpc_target) {
    auto channel = grpc::CreateChannel(grpc_target, grpc::InsecureChannelCredentials());
    runtime_ = cri::RuntimeService::NewStub(channel);
    images_ = cri::ImageService::NewStub(channel);
  }

  void Record(const std::string& step, const std::string& what) { lines_.emplace_back(step, what); }
  const std::vector<std::pair<std::string, std::string>>& lines() const { return lines_; }

  static std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds deadline = 30s) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    return ctx;
  }
  static std::string Code(const grpc::Status& st) { return StatusCodeName(st.error_code()); }

  cri::PodSandboxConfig SandboxConfig(const std::string& name) {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("podlife-differential");
    config.mutable_metadata()->set_uid(name + "-" + std::to_string(getpid()));
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
    return config;
  }

  // RunPodSandbox with host networking; "" (and a recorded step) on failure.
  std::string Sandbox(const std::string& step, const std::string& name) {
    sandbox_config_ = SandboxConfig(name);
    cri::RunPodSandboxRequest req;
    *req.mutable_config() = sandbox_config_;
    cri::RunPodSandboxResponse resp;
    auto st = runtime_->RunPodSandbox(Context().get(), req, &resp);
    Record(step, Code(st));
    return resp.pod_sandbox_id();
  }

  grpc::Status Create(const std::string& sandbox, const std::string& name, const std::vector<std::string>& command,
                      std::string* id, const std::string& image = "") {
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    auto* config = req.mutable_config();
    config->mutable_metadata()->set_name(name);
    config->mutable_image()->set_image(image.empty() ? Image() : image);
    for (const auto& c : command) config->add_command(c);
    config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
    config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(cri::CONTAINER);
    *req.mutable_sandbox_config() = sandbox_config_;
    cri::CreateContainerResponse resp;
    auto st = runtime_->CreateContainer(Context().get(), req, &resp);
    *id = resp.container_id();
    return st;
  }

  // CreateContainer of `name` after `change` edits the request; records the code under `step`.
  // A container it creates is removed at once (unrecorded): only the answer is compared.
  void CreateChanged(const std::string& step, const std::string& sandbox, const std::string& name,
                     const std::function<void(cri::CreateContainerRequest&)>& change) {
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    auto* config = req.mutable_config();
    config->mutable_metadata()->set_name(name);
    config->mutable_image()->set_image(Image());
    for (const auto& c : kIdleCommand) config->add_command(c);
    config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(cri::NODE);
    config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(cri::CONTAINER);
    *req.mutable_sandbox_config() = sandbox_config_;
    change(req);
    cri::CreateContainerResponse resp;
    auto st = runtime_->CreateContainer(Context().get(), req, &resp);
    Record(step, Code(st));
    if (st.ok()) RemoveQuietly(resp.container_id());
  }

  // RunPodSandbox (host network) after `change` edits the request; records the code under `step`.
  // A sandbox it runs is removed at once (unrecorded).
  void RunSandboxChanged(const std::string& step, const std::string& name,
                         const std::function<void(cri::RunPodSandboxRequest&)>& change) {
    cri::RunPodSandboxRequest req;
    *req.mutable_config() = SandboxConfig(name);
    change(req);
    cri::RunPodSandboxResponse resp;
    auto st = runtime_->RunPodSandbox(Context().get(), req, &resp);
    Record(step, Code(st));
    if (st.ok()) {
      cri::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(resp.pod_sandbox_id());
      cri::RemovePodSandboxResponse removed;
      runtime_->RemovePodSandbox(Context().get(), remove, &removed);
    }
  }

  void RemoveQuietly(const std::string& id) {
    cri::RemoveContainerRequest req;
    req.set_container_id(id);
    cri::RemoveContainerResponse resp;
    runtime_->RemoveContainer(Context().get(), req, &resp);
  }

  // Create + Start, recording both codes under `step`.
  std::string Started(const std::string& step, const std::string& sandbox, const std::string& name,
                      const std::vector<std::string>& command) {
    std::string id;
    auto created = Create(sandbox, name, command, &id);
    auto started = created.ok() ? StartCall(id) : created;
    Record(step, "create " + Code(created) + ", start " + Code(started));
    return id;
  }

  grpc::Status StartCall(const std::string& id) {
    cri::StartContainerRequest req;
    req.set_container_id(id);
    cri::StartContainerResponse resp;
    return runtime_->StartContainer(Context().get(), req, &resp);
  }

  void Start(const std::string& step, const std::string& id) { Record(step, Code(StartCall(id))); }

  void Stop(const std::string& step, const std::string& id, int64_t timeout) {
    cri::StopContainerRequest req;
    req.set_container_id(id);
    req.set_timeout(timeout);
    cri::StopContainerResponse resp;
    Record(step, Code(runtime_->StopContainer(Context().get(), req, &resp)));
  }

  void Remove(const std::string& step, const std::string& id) {
    cri::RemoveContainerRequest req;
    req.set_container_id(id);
    cri::RemoveContainerResponse resp;
    Record(step, Code(runtime_->RemoveContainer(Context().get(), req, &resp)));
  }

  // State, exit code and reason (exit code and reason only once the container exited).
  void Status(const std::string& step, const std::string& id) {
    cri::ContainerStatusRequest req;
    req.set_container_id(id);
    cri::ContainerStatusResponse resp;
    auto st = runtime_->ContainerStatus(Context().get(), req, &resp);
    std::string line = Code(st);
    if (st.ok()) {
      line += " " + cri::ContainerState_Name(resp.status().state());
      if (resp.status().state() == cri::CONTAINER_EXITED) {
        line += " exit=" + std::to_string(resp.status().exit_code()) + " reason=" + resp.status().reason();
      }
    }
    Record(step, line);
  }

  // Exec result: code; exit code and stdout when OK. With `record_stderr`, stderr too, as its own
  // step (Exec.Stderr).
  void Exec(const std::string& step, const std::string& id, const std::vector<std::string>& cmd, int64_t timeout,
            bool record_stderr = false) {
    cri::ExecSyncRequest req;
    req.set_container_id(id);
    for (const auto& c : cmd) req.add_cmd(c);
    req.set_timeout(timeout);
    cri::ExecSyncResponse resp;
    auto st = runtime_->ExecSync(Context().get(), req, &resp);
    std::string line = Code(st);
    if (st.ok()) line += " exit=" + std::to_string(resp.exit_code()) + " stdout='" + resp.stdout() + "'";
    if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      // The message the kubelet's timeout handling sees (EX-04).
      line += st.error_message().find("timeout 1s exceeded") != std::string::npos ? " (timeout 1s exceeded)" : " (other)";
    }
    Record(step, line);
    if (record_stderr) Record("Exec.Stderr", "stderr='" + resp.stderr() + "'");
  }

  void StopSandbox(const std::string& step, const std::string& id) {
    cri::StopPodSandboxRequest req;
    req.set_pod_sandbox_id(id);
    cri::StopPodSandboxResponse resp;
    Record(step, Code(runtime_->StopPodSandbox(Context().get(), req, &resp)));
  }
  void RemoveSandbox(const std::string& step, const std::string& id) {
    cri::RemovePodSandboxRequest req;
    req.set_pod_sandbox_id(id);
    cri::RemovePodSandboxResponse resp;
    Record(step, Code(runtime_->RemovePodSandbox(Context().get(), req, &resp)));
  }
  void SandboxStatus(const std::string& step, const std::string& id) {
    cri::PodSandboxStatusRequest req;
    req.set_pod_sandbox_id(id);
    cri::PodSandboxStatusResponse resp;
    auto st = runtime_->PodSandboxStatus(Context().get(), req, &resp);
    Record(step, Code(st) + (st.ok() ? " " + cri::PodSandboxState_Name(resp.status().state()) : ""));
  }

  void RuntimeStatus() {
    cri::StatusRequest req;
    cri::StatusResponse resp;
    auto st = runtime_->Status(Context().get(), req, &resp);
    Record("Status", Code(st));
    for (const auto& c : resp.status().conditions()) {
      Record("Status." + c.type(), c.status() ? "true" : "false");
    }
  }

  void ImageStatus(const std::string& step) { ImageStatusOf(step, Image()); }

  // The image's ID as this runtime reports it ("" when absent), for steps that compare by relation.
  std::string ImageId(const std::string& reference) {
    cri::ImageStatusRequest req;
    req.mutable_image()->set_image(reference);
    cri::ImageStatusResponse resp;
    images_->ImageStatus(Context().get(), req, &resp);
    return resp.image().id();
  }

  // Code, presence and, when present: whether it is the image `same_as` names, its repo tags, how
  // many repo digests, whether the size is set (k8s.io/cri-client refuses size 0) and its user.
  void ImageStatusOf(const std::string& step, const std::string& reference, const std::string& same_as = "") {
    cri::ImageStatusRequest req;
    req.mutable_image()->set_image(reference);
    cri::ImageStatusResponse resp;
    auto st = images_->ImageStatus(Context().get(), req, &resp);
    std::string line = Code(st) + (resp.has_image() ? " present" : " absent");
    if (resp.has_image()) {
      if (!same_as.empty()) line += resp.image().id() == ImageId(same_as) ? " same-id" : " other-id";
      line += " " + Described(resp.image());
    }
    Record(step, line);
  }

  static std::string Described(const cri::Image& image) {
    std::string tags;
    for (const auto& tag : image.repo_tags()) tags += (tags.empty() ? "" : ",") + tag;
    return "tags=[" + tags + "] digests=" + std::to_string(image.repo_digests_size()) +
           (image.size() > 0 ? " size>0" : " size=0") +
           " uid=" + (image.has_uid() ? std::to_string(image.uid().value()) : "-") + " user='" + image.username() + "'";
  }

  // Only for references a runtime rejects before any registry: the message is compared too (it
  // holds the reference and the parser's verdict, nothing that differs between runtimes).
  // PullImage, unrecorded (--pull-image: a runtime without the imported image).
  void Pull(const std::string& image) {
    cri::PullImageRequest req;
    req.mutable_image()->set_image(image);
    cri::PullImageResponse resp;
    images_->PullImage(Context().get(), req, &resp);
  }

  void PullRejected(const std::string& step, const std::string& image) {
    cri::PullImageRequest req;
    req.mutable_image()->set_image(image);
    cri::PullImageResponse resp;
    auto st = images_->PullImage(Context().get(), req, &resp);
    Record(step, Code(st) + " " + st.error_message());
  }

  void RemoveImage(const std::string& step, const std::string& image) {
    cri::RemoveImageRequest req;
    req.mutable_image()->set_image(image);
    cri::RemoveImageResponse resp;
    Record(step, Code(images_->RemoveImage(Context().get(), req, &resp)));
  }

  // How often the image appears in the list (once, with its tags), and how many images a filter
  // that matches nothing leaves.
  void ListImages(const std::string& step, const std::string& reference) {
    const std::string id = ImageId(reference);
    cri::ListImagesResponse all;
    auto st = images_->ListImages(Context().get(), {}, &all);
    int seen = 0;
    std::string described;
    for (const auto& image : all.images()) {
      if (image.id() != id) continue;
      ++seen;
      described = Described(image);
    }
    Record(step, Code(st) + " listed " + std::to_string(seen) + "x " + described);
    cri::ListImagesRequest filtered;
    filtered.mutable_filter()->mutable_image()->set_image("localhost/podlife-absent:1");
    cri::ListImagesResponse none;
    st = images_->ListImages(Context().get(), filtered, &none);
    Record(step + ".Filter", Code(st) + " " + (none.images_size() == 0 ? "none" : "some"));
  }

  // containerd counts snapshot usage from a periodic sync (every 10 s by default), so a fresh
  // runtime may report 0 for a while: wait, with a deadline, until some usage shows.
  void ImageFsInfo(const std::string& step) {
    cri::ImageFsInfoResponse resp;
    grpc::Status st;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      resp.Clear();
      st = images_->ImageFsInfo(Context().get(), {}, &resp);
      const bool used = resp.image_filesystems_size() > 0 && resp.image_filesystems(0).used_bytes().value() > 0;
      if (!st.ok() || used || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(200ms);  // polling a condition with a deadline
    }
    std::string line = Code(st) + " filesystems=" + std::to_string(resp.image_filesystems_size());
    for (const auto& fs : resp.image_filesystems()) {
      line += fs.used_bytes().value() > 0 ? " used>0" : " used=0";
      line += fs.inodes_used().value() > 0 ? " inodes>0" : " inodes=0";
    }
    Record(step, line);
  }

  // The container's image fields, as relations to the image: its repo tag or the ID it was
  // created with, and image_ref the ID or a repo digest.
  void ContainerImage(const std::string& step, const std::string& id, const std::string& image_id) {
    cri::ContainerStatusRequest req;
    req.set_container_id(id);
    cri::ContainerStatusResponse resp;
    auto st = runtime_->ContainerStatus(Context().get(), req, &resp);
    auto relation = [&](const std::string& value) {
      if (value == image_id) return std::string("the-id");
      if (value.find('@') != std::string::npos) return std::string("a-repo-digest");
      return "'" + value + "'";
    };
    std::string line = Code(st);
    if (st.ok()) {
      line += " image=" + relation(resp.status().image().image()) + " image_ref=" + relation(resp.status().image_ref());
    }
    cri::ListContainersRequest list_req;
    list_req.mutable_filter()->set_id(id);
    cri::ListContainersResponse list;
    if (runtime_->ListContainers(Context().get(), list_req, &list).ok() && list.containers_size() == 1) {
      line += "; listed image=" + relation(list.containers(0).image().image()) +
              " image_ref=" + relation(list.containers(0).image_ref());
    }
    Record(step, line);
  }

 private:
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> images_;
  cri::PodSandboxConfig sandbox_config_;
  std::vector<std::pair<std::string, std::string>> lines_;
};


class Differential : public ::testing::Test {
 protected:
  using Scenario = std::function<void(Session&)>;

  // Runs the scenario on both, then compares the transcripts line by line.
  void Compare(const Scenario& scenario) {
    if (RealEndpoint().empty()) GTEST_SKIP() << "no real runtime: give --runtime-endpoint or PODLIFE_CRI_ENDPOINT";
    FakeCriOptions options;
    options.simulate_commands = true;
    // The lane's containerd: 1.6.20's answers, AppArmor disabled (ci/containerd sets
    // disable_apparmor), the runc handler; RuntimeHost's defaults say the latter two. (The crun
    // lane's containerd also has a crun handler, its default; no step names a handler but runc.)
    options.flavor = Flavor::kContainerd1_6_20;
    std::string error;
    fake_ = FakeCriServer::Start(options, &error);
    ASSERT_NE(fake_, nullptr) << error;
    WorkloadRule stubborn;
    stubborn.container_name = "stubborn";
    stubborn.ignores_sigterm = true;
    fake_->ScriptWorkload(stubborn);
    auto real = ParseEndpoint(RealEndpoint());
    if (auto* bad = std::get_if<EndpointError>(&real)) FAIL() << "--runtime-endpoint: " << bad->message;
    ImageDefinition imported;  // the fake's import: the real runtime had the image imported
    imported.references = {Image()};
    imported.present = true;
    fake_->DefineImage(imported);
    Session on_fake(fake_->grpc_target());
    scenario(on_fake);
    Session on_real(std::get<Endpoint>(real).GrpcTarget());
    if (PullOnRuntime()) on_real.Pull(Image());
    scenario(on_real);

    if (PrintTranscripts()) {
      for (size_t i = 0; i < on_real.lines().size(); ++i) {
        std::cout << "  " << on_real.lines()[i].first << ": " << on_real.lines()[i].second
                  << (i < on_fake.lines().size() && on_fake.lines()[i] == on_real.lines()[i] ? "" : "   (fake differs)") << "\n";
      }
    }
    ASSERT_EQ(on_fake.lines().size(), on_real.lines().size()) << "the transcripts have different lengths";
    for (size_t i = 0; i < on_fake.lines().size(); ++i) {
      const auto& [step, fake_line] = on_fake.lines()[i];
      const auto& real_line = on_real.lines()[i].second;
      if (fake_line == real_line) continue;
      auto known = KnownDifferences().find(step);
      if (known != KnownDifferences().end()) {
        std::cout << "known difference at " << step << ": fake '" << fake_line << "', runtime '" << real_line
                  << "' (" << known->second << ")\n";
        continue;
      }
      ADD_FAILURE() << "step " << step << ": fake '" << fake_line << "', runtime '" << real_line << "'";
    }
  }

  static std::string Name(const std::string& base) {
    static int n = 0;
    return base + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
  }

  std::unique_ptr<FakeCriServer> fake_;
};

TEST_F(Differential, RuntimeAndImageStatus) {
  Compare([](Session& s) {
    s.RuntimeStatus();
    s.ImageStatus("ImageStatus");
  });
}

// Images: every form of the image's reference resolves to one ID, the ID and its prefixes too,
// sizes are set, tags are normalised; references containerd rejects fail before any registry.
TEST_F(Differential, ImageReferences) {
  Compare([](Session& s) {
    const std::string id = s.ImageId(Image());
    s.Record("ImageId", id.rfind("sha256:", 0) == 0 && id.size() == 71 ? "sha256:<64 hex>" : "'" + id + "'");
    s.ImageStatusOf("ImageStatus.Reference", Image(), Image());
    s.ImageStatusOf("ImageStatus.Id", id, Image());
    s.ImageStatusOf("ImageStatus.IdHex", id.substr(std::min<size_t>(7, id.size())), Image());
    s.ImageStatusOf("ImageStatus.IdPrefix", id.substr(std::min<size_t>(7, id.size()), 12), Image());
    s.ImageStatusOf("ImageStatus.IdPrefixWithAlgorithm", id.substr(0, 19), Image());
    const std::string name = Image().substr(0, Image().rfind(':'));
    s.ImageStatusOf("ImageStatus.NameWithoutTag", name);  // normalises to :latest
    s.ImageStatusOf("ImageStatus.Unknown", "localhost/podlife-absent:1");
    s.ImageStatusOf("ImageStatus.ShortUnknown", "podlife-absent");
    s.ImageStatusOf("ImageStatus.Invalid", "Podlife-Absent");
    s.ListImages("ListImages", Image());
    s.ImageFsInfo("ImageFsInfo");
    s.PullRejected("PullImage.Uppercase", "Busybox");
    s.PullRejected("PullImage.Empty", "");
    s.PullRejected("PullImage.ShortDigest", "busybox@sha256:abc");
    s.PullRejected("PullImage.DigestLength", "busybox@sha256:" + std::string(32, 'a'));
    s.PullRejected("PullImage.HexName", std::string(64, 'a'));
    s.RemoveImage("RemoveImage.Unknown", "localhost/podlife-absent:1");
    s.RemoveImage("RemoveImage.Invalid", "Podlife-Absent");
  });
}

// A container created by the image's reference or by its ID reports containerd's image fields.
TEST_F(Differential, ContainerImageFields) {
  const std::string pod = Name("image");
  Compare([&](Session& s) {
    const std::string image_id = s.ImageId(Image());
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    std::string by_reference;
    s.Record("Create.ByReference", Session::Code(s.Create(sandbox, "by-ref", kTermHandling, &by_reference)));
    s.ContainerImage("ContainerImage.ByReference", by_reference, image_id);
    std::string by_id;
    s.Record("Create.ById", Session::Code(s.Create(sandbox, "by-id", kTermHandling, &by_id, image_id)));
    s.ContainerImage("ContainerImage.ById", by_id, image_id);
    std::string unknown;
    s.Record("Create.UnknownImage",
             Session::Code(s.Create(sandbox, "unknown", kTermHandling, &unknown, "localhost/podlife-absent:1")));
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, ExecResults) {
  const std::string pod = Name("exec");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    const std::string id = s.Started("Container", sandbox, "app", kTermHandling);
    s.Exec("Exec.Echo", id, {"echo", "hi"}, 10);
    s.Exec("Exec.ShellExit3", id, {"sh", "-c", "echo out; echo err >&2; exit 3"}, 10, true);
    s.Exec("Exec.Timeout", id, {"sleep", "10"}, 1);
    s.Exec("Exec.MissingBinary", id, {"/nonexistent"}, 10);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, StopHandledTerm) {
  const std::string pod = Name("stop");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    const std::string id = s.Started("Container", sandbox, "app", kTermHandling);
    s.Status("Status.Running", id);
    s.Stop("StopContainer", id, 10);
    s.Status("Status.Exited", id);
    s.Stop("StopContainer.Again", id, 10);
    s.Start("StartContainer.Exited", id);
    s.Exec("Exec.Exited", id, {"echo", "hi"}, 10);
    s.Remove("RemoveContainer", id);
    s.Status("Status.Removed", id);
    s.Remove("RemoveContainer.Again", id);
    s.Stop("StopContainer.Removed", id, 10);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, StopIgnoredTerm) {
  const std::string pod = Name("stubborn");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    const std::string graceful = s.Started("Container.Graced", sandbox, "stubborn", kTermIgnoring);
    s.Stop("StopContainer.Timeout2", graceful, 2);
    s.Status("Status.Graced", graceful);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, StopPlainSleepAsPid1) {
  const std::string pod = Name("plain");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    const std::string id = s.Started("Container", sandbox, "app", {"sleep", "3600"});
    s.Stop("StopContainer.Timeout1", id, 1);
    s.Status("Status.PlainSleepStopped", id);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, StopWithZeroTimeout) {
  const std::string pod = Name("zero");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    const std::string id = s.Started("Container", sandbox, "stubborn", kTermIgnoring);
    s.Stop("StopContainer.Timeout0", id, 0);
    s.Status("Status", id);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

TEST_F(Differential, SandboxLifecycle) {
  const std::string pod = Name("sandbox");
  Compare([&](Session& s) {
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    s.SandboxStatus("PodSandboxStatus.Ready", sandbox);
    const std::string id = s.Started("Container", sandbox, "app", kTermHandling);
    std::string duplicate;
    s.Record("CreateContainer.DuplicateName", Session::Code(s.Create(sandbox, "app", kTermHandling, &duplicate)));
    s.StopSandbox("StopPodSandbox", sandbox);
    s.SandboxStatus("PodSandboxStatus.Stopped", sandbox);
    s.Status("Status.AfterSandboxStop", id);
    s.StopSandbox("StopPodSandbox.Again", sandbox);
    std::string late;
    auto created = s.Create(sandbox, "late", kTermHandling, &late);
    s.Record("CreateContainer.StoppedSandbox", Session::Code(created));
    if (created.ok()) s.Start("StartContainer.StoppedSandbox", late);
    s.RemoveSandbox("RemovePodSandbox", sandbox);
    s.SandboxStatus("PodSandboxStatus.Removed", sandbox);
    s.Status("Status.AfterSandboxRemove", id);
    s.RemoveSandbox("RemovePodSandbox.Again", sandbox);
    s.StopSandbox("StopPodSandbox.Removed", sandbox);
  });
}

// containerd 1.6's CreateContainer validations (fakes/cri/request_validation.h): each refused
// request beside the nearest one it accepts.
TEST_F(Differential, CreateContainerValidation) {
  const std::string pod = Name("validate");
  Compare([&](Session& s) {
    using Profile = cri::SecurityProfile;
    auto sc = [](cri::CreateContainerRequest& r) { return r.mutable_config()->mutable_linux()->mutable_security_context(); };
    const std::string sandbox = s.Sandbox("RunPodSandbox", pod);
    s.CreateChanged("Create.GroupWithoutUser", sandbox, "group", [&](auto& r) { sc(r)->mutable_run_as_group()->set_value(1000); });
    s.CreateChanged("Create.GroupWithUser", sandbox, "group", [&](auto& r) {
      sc(r)->mutable_run_as_group()->set_value(1000);
      sc(r)->mutable_run_as_user()->set_value(0);
    });
    s.CreateChanged("Create.PrivilegedInUnprivilegedSandbox", sandbox, "privileged", [&](auto& r) { sc(r)->set_privileged(true); });
    s.CreateChanged("Create.NoMetadata", sandbox, "nometa", [](auto& r) { r.mutable_config()->clear_metadata(); });
    s.CreateChanged("Create.SeccompPathWithoutForm", sandbox, "seccomp", [&](auto& r) { sc(r)->set_seccomp_profile_path("my-profile.json"); });
    s.CreateChanged("Create.SeccompRefWithoutLocalhost", sandbox, "seccomp", [&](auto& r) {
      sc(r)->mutable_seccomp()->set_profile_type(Profile::Unconfined);
      sc(r)->mutable_seccomp()->set_localhost_ref("/nonexistent/profile.json");
    });
    s.CreateChanged("Create.SeccompUnknownType", sandbox, "seccomp", [&](auto& r) {
      sc(r)->mutable_seccomp()->set_profile_type(static_cast<Profile::ProfileType>(7));
    });
    s.CreateChanged("Create.SeccompMissingProfileFile", sandbox, "seccomp", [&](auto& r) {
      sc(r)->mutable_seccomp()->set_profile_type(Profile::Localhost);
      sc(r)->mutable_seccomp()->set_localhost_ref("/nonexistent/podlife-profile.json");
    });
    s.CreateChanged("Create.SeccompUnconfined", sandbox, "seccomp", [&](auto& r) {
      sc(r)->mutable_seccomp()->set_profile_type(Profile::Unconfined);
    });
    s.CreateChanged("Create.AppArmorPathWithoutForm", sandbox, "apparmor", [&](auto& r) { sc(r)->set_apparmor_profile("my-apparmor"); });
    s.CreateChanged("Create.AppArmorDefaultWithoutAppArmor", sandbox, "apparmor", [&](auto& r) {
      sc(r)->mutable_apparmor()->set_profile_type(Profile::RuntimeDefault);
    });
    s.CreateChanged("Create.AppArmorUnconfined", sandbox, "apparmor", [&](auto& r) {
      sc(r)->mutable_apparmor()->set_profile_type(Profile::Unconfined);
    });
    s.CreateChanged("Create.TargetPidUnknown", sandbox, "target", [&](auto& r) {
      sc(r)->mutable_namespace_options()->set_pid(cri::TARGET);
      sc(r)->mutable_namespace_options()->set_target_id("0123456789abcdef");
    });
    std::string idle;
    s.Record("Create.Target", Session::Code(s.Create(sandbox, "idle", kIdleCommand, &idle)));
    s.CreateChanged("Create.TargetPidNotRunning", sandbox, "target", [&](auto& r) {
      sc(r)->mutable_namespace_options()->set_pid(cri::TARGET);
      sc(r)->mutable_namespace_options()->set_target_id(idle);
    });
    s.Start("Start.Target", idle);
    s.CreateChanged("Create.TargetPidRunning", sandbox, "target", [&](auto& r) {
      sc(r)->mutable_namespace_options()->set_pid(cri::TARGET);
      sc(r)->mutable_namespace_options()->set_target_id(idle);
    });
    s.RemoveSandbox("RemovePodSandbox", sandbox);
  });
}

// containerd 1.6's RunPodSandbox validations, each beside the nearest request it accepts.
TEST_F(Differential, RunPodSandboxValidation) {
  Compare([&](Session& s) {
    auto sc = [](cri::RunPodSandboxRequest& r) { return r.mutable_config()->mutable_linux()->mutable_security_context(); };
    s.RunSandboxChanged("Run.RuntimeHandlerRunc", Name("handler"), [](auto& r) { r.set_runtime_handler("runc"); });
    s.RunSandboxChanged("Run.RuntimeHandlerUnconfigured", Name("handler"), [](auto& r) { r.set_runtime_handler("podlife-none"); });
    s.RunSandboxChanged("Run.NoMetadata", Name("nometa"), [](auto& r) { r.mutable_config()->clear_metadata(); });
    s.RunSandboxChanged("Run.GroupWithoutUser", Name("group"), [&](auto& r) { sc(r)->mutable_run_as_group()->set_value(1000); });
    s.RunSandboxChanged("Run.GroupWithUser", Name("group"), [&](auto& r) {
      sc(r)->mutable_run_as_group()->set_value(1000);
      sc(r)->mutable_run_as_user()->set_value(0);
    });
    s.RunSandboxChanged("Run.SeccompPathWithoutForm", Name("seccomp"), [&](auto& r) { sc(r)->set_seccomp_profile_path("my-profile.json"); });
    s.RunSandboxChanged("Run.SeccompMissingProfileFile", Name("seccomp"), [&](auto& r) {
      sc(r)->mutable_seccomp()->set_profile_type(cri::SecurityProfile::Localhost);
      sc(r)->mutable_seccomp()->set_localhost_ref("/nonexistent/podlife-profile.json");
    });
    s.RunSandboxChanged("Run.UntrustedWithHostNetwork", Name("untrusted"), [](auto& r) {
      (*r.mutable_config()->mutable_annotations())["io.kubernetes.cri.untrusted-workload"] = "true";
    });
  });
}

}  // namespace
}  // namespace podlife::fakes

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--runtime-endpoint=", 0) == 0) {
      podlife::fakes::RealEndpoint() = arg.substr(19);
    } else if (arg.rfind("--image=", 0) == 0) {
      podlife::fakes::Image() = arg.substr(8);
    } else if (arg == "--pull-image") {
      podlife::fakes::PullOnRuntime() = true;
    } else if (arg == "--print") {
      podlife::fakes::PrintTranscripts() = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << "usage: podlife_cri_differential [--runtime-endpoint=unix:///path] [--image=IMAGE] [--pull-image]\n"
                   "                                [--print] [gtest flags]\n"
                   "Runs the same CRI call sequences against a fresh fake and the runtime at --runtime-endpoint\n"
                   "(default $PODLIFE_CRI_ENDPOINT) and fails on any unlisted difference; --print shows the\n"
                   "runtime's transcripts. --pull-image pulls IMAGE on the runtime first (a runtime that has\n"
                   "not imported it, such as a standalone podlife-fake-cri --flavor containerd-1.6.20).\n";
      return 0;
    } else {
      std::cerr << "podlife_cri_differential: unknown option '" << arg << "'\n";
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
