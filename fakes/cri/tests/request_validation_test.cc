// Unit tests of request validation: each rule with which containerd 1.6 refuses a RunPodSandbox or
// CreateContainer request, its code and message, and the neighbouring requests it lets through.
#include "fakes/cri/request_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

// The deprecated string fields are part of what containerd validates.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace podlife::fakes {
namespace {

using Profile = cri::SecurityProfile;

constexpr const char* kSandbox = "sandbox-1";
constexpr const char* kId = "c0ffee";

class CreateContainerValidation : public ::testing::Test {
 protected:
  CreateContainerValidation() {
    req_.set_pod_sandbox_id(kSandbox);
    req_.mutable_config()->mutable_metadata()->set_name("app");
    host_.seccomp_profile_readable = [](const std::string& path) { return path == "/profiles/ok.json"; };
  }

  cri::LinuxContainerSecurityContext* Sc() { return req_.mutable_config()->mutable_linux()->mutable_security_context(); }
  grpc::Status Validate() { return ValidateCreateContainer(req_, kId, host_, lookup_); }

  cri::CreateContainerRequest req_;
  RuntimeHost host_;
  TargetLookup lookup_ = [](const std::string&) { return std::nullopt; };
};

void ExpectRefused(const grpc::Status& st, const std::string& message,
                   grpc::StatusCode code = grpc::StatusCode::UNKNOWN) {
  EXPECT_EQ(st.error_code(), code) << st.error_message();
  EXPECT_EQ(st.error_message(), message);
}

TEST_F(CreateContainerValidation, AnOrdinaryRequestPasses) { EXPECT_TRUE(Validate().ok()); }

TEST(Metadata, MissingContainerMetadataIsRefusedButAnEmptyNameIsNot) {
  cri::ContainerConfig config;
  ExpectRefused(CheckContainerMetadata(config), "container config must include metadata");
  config.mutable_metadata();  // present, all fields empty: containerd 1.6 accepts it
  EXPECT_TRUE(CheckContainerMetadata(config).ok());
}

TEST(Metadata, MissingSandboxMetadataIsRefusedButEmptyFieldsAreNot) {
  cri::PodSandboxConfig config;
  ExpectRefused(CheckSandboxMetadata(config), "sandbox config must include metadata");
  config.mutable_metadata();
  EXPECT_TRUE(CheckSandboxMetadata(config).ok());
}

TEST_F(CreateContainerValidation, GroupWithoutUserIsRefused) {
  Sc()->mutable_run_as_group()->set_value(1000);
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate user string: user group \"1000\" is "
                "specified without user");
}

TEST_F(CreateContainerValidation, GroupWithAUidOrAUsernamePasses) {
  Sc()->mutable_run_as_group()->set_value(1000);
  Sc()->mutable_run_as_user()->set_value(0);  // uid 0 is a user: presence counts, not the value
  EXPECT_TRUE(Validate().ok());
  Sc()->clear_run_as_user();
  Sc()->set_run_as_username("nobody");
  EXPECT_TRUE(Validate().ok());
}

TEST_F(CreateContainerValidation, PrivilegedContainerNeedsAPrivilegedSandboxConfig) {
  Sc()->set_privileged(true);
  ExpectRefused(Validate(), "failed to generate container \"c0ffee\" spec: no privileged container allowed in sandbox");
  req_.mutable_sandbox_config()->mutable_linux()->mutable_security_context()->set_privileged(true);
  EXPECT_TRUE(Validate().ok());
}

TEST_F(CreateContainerValidation, TargetPidNamespaceNeedsARunningContainerOfTheSameSandbox) {
  Sc()->mutable_namespace_options()->set_pid(cri::TARGET);
  Sc()->mutable_namespace_options()->set_target_id("other");
  const std::string prefix = "failed to generate container \"c0ffee\" spec: invalid target container: ";
  ExpectRefused(Validate(), prefix + "container \"other\" does not exist: not found", grpc::StatusCode::NOT_FOUND);

  TargetContainerFacts target{"sandbox-2", cri::CONTAINER_RUNNING};
  lookup_ = [&](const std::string& id) -> std::optional<TargetContainerFacts> {
    if (id == "other") return target;
    return std::nullopt;
  };
  ExpectRefused(Validate(), prefix + "container \"other\" (sandbox sandbox-2) does not belong to sandbox sandbox-1");
  target = {kSandbox, cri::CONTAINER_CREATED};
  ExpectRefused(Validate(), prefix + "container \"other\" is not running - in state CONTAINER_CREATED");
  target = {kSandbox, cri::CONTAINER_RUNNING};
  EXPECT_TRUE(Validate().ok());
  Sc()->mutable_namespace_options()->set_target_id("");
  ExpectRefused(Validate(), prefix + "container \"\" does not exist: Prefix can't be empty");
}

TEST_F(CreateContainerValidation, DeprecatedProfileStringsMustHaveAKnownForm) {
  Sc()->set_seccomp_profile_path("my-profile.json");
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate seccomp spec opts: invalid profile "
                "\"my-profile.json\"");
  for (const char* ok : {"runtime/default", "docker/default", "unconfined", "localhost//profiles/ok.json"}) {
    Sc()->set_seccomp_profile_path(ok);
    EXPECT_TRUE(Validate().ok()) << ok;
  }
  Sc()->clear_seccomp_profile_path();
  Sc()->set_apparmor_profile("my-apparmor");
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate apparmor spec opts: invalid profile "
                "\"my-apparmor\"");
}

TEST_F(CreateContainerValidation, SeccompLocalhostRefOnlyWithLocalhostType) {
  Sc()->mutable_seccomp()->set_profile_type(Profile::RuntimeDefault);
  Sc()->mutable_seccomp()->set_localhost_ref("/profiles/ok.json");
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate seccomp spec opts: seccomp config invalid "
                "LocalhostRef must only be set if ProfileType is Localhost");
  Sc()->mutable_seccomp()->set_profile_type(Profile::Localhost);
  EXPECT_TRUE(Validate().ok());
}

TEST_F(CreateContainerValidation, SeccompUnknownProfileTypeIsRefused) {
  Sc()->mutable_seccomp()->set_profile_type(static_cast<Profile::ProfileType>(7));
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate seccomp spec opts: seccomp unknown "
                "ProfileType");
}

TEST_F(CreateContainerValidation, SeccompLocalhostProfileMustBeReadable) {
  Sc()->mutable_seccomp()->set_profile_type(Profile::Localhost);
  Sc()->mutable_seccomp()->set_localhost_ref("/profiles/missing.json");
  ExpectRefused(Validate(),
                "failed to create containerd container: cannot load seccomp profile \"/profiles/missing.json\": "
                "open /profiles/missing.json: no such file or directory");
}

TEST_F(CreateContainerValidation, PrivilegedContainerSkipsSeccompButNotTheProfileStringForm) {
  req_.mutable_sandbox_config()->mutable_linux()->mutable_security_context()->set_privileged(true);
  Sc()->set_privileged(true);
  Sc()->mutable_seccomp()->set_profile_type(Profile::Localhost);
  Sc()->mutable_seccomp()->set_localhost_ref("/profiles/missing.json");
  EXPECT_TRUE(Validate().ok());
  Sc()->clear_seccomp();
  Sc()->set_seccomp_profile_path("bogus");
  EXPECT_EQ(Validate().error_code(), grpc::StatusCode::UNKNOWN);
}

TEST_F(CreateContainerValidation, WithoutAppArmorOnlyUnconfinedOrNothingPasses) {
  ASSERT_FALSE(host_.apparmor_enabled) << "the default host is the containerd lane's: no AppArmor";
  EXPECT_TRUE(Validate().ok());
  Sc()->mutable_apparmor()->set_profile_type(Profile::Unconfined);
  EXPECT_TRUE(Validate().ok());
  Sc()->mutable_apparmor()->set_profile_type(Profile::RuntimeDefault);
  ExpectRefused(Validate(),
                "failed to get container spec opts: failed to generate apparmor spec opts: apparmor is not supported");
  Sc()->clear_apparmor();
  Sc()->set_apparmor_profile("runtime/default");
  EXPECT_EQ(Validate().error_code(), grpc::StatusCode::UNKNOWN);
}

TEST_F(CreateContainerValidation, WithAppArmorLocalhostProfilesMustBeLoaded) {
  host_.apparmor_enabled = true;
  host_.apparmor_profiles = {"podlife-test"};
  const std::string prefix = "failed to get container spec opts: failed to generate apparmor spec opts: ";
  Sc()->mutable_apparmor()->set_profile_type(Profile::RuntimeDefault);
  EXPECT_TRUE(Validate().ok());
  Sc()->mutable_apparmor()->set_profile_type(Profile::Localhost);
  Sc()->mutable_apparmor()->set_localhost_ref("podlife-test");
  EXPECT_TRUE(Validate().ok());
  Sc()->mutable_apparmor()->set_localhost_ref("missing");
  ExpectRefused(Validate(), prefix + "apparmor profile not found missing");
  Sc()->mutable_apparmor()->set_localhost_ref("");
  ExpectRefused(Validate(), prefix + "failed to generate apparmor spec opts: nil apparmor profile is not supported");
  Sc()->mutable_apparmor()->set_profile_type(Profile::Unconfined);
  Sc()->mutable_apparmor()->set_localhost_ref("podlife-test");
  ExpectRefused(Validate(), prefix + "apparmor config invalid LocalhostRef must only be set if ProfileType is Localhost");
  Sc()->mutable_apparmor()->set_profile_type(static_cast<Profile::ProfileType>(9));
  Sc()->mutable_apparmor()->set_localhost_ref("");
  ExpectRefused(Validate(), prefix + "apparmor unknown ProfileType");
}

TEST_F(CreateContainerValidation, RulesApplyInContainerdsOrder) {
  // A privileged container in an unprivileged sandbox that also has a group without a user: the
  // spec's privileged check comes first in containerd.
  Sc()->set_privileged(true);
  Sc()->mutable_run_as_group()->set_value(5);
  EXPECT_THAT(Validate().error_message(), ::testing::HasSubstr("no privileged container allowed"));
  // The user comes before AppArmor, AppArmor before seccomp.
  req_.mutable_sandbox_config()->mutable_linux()->mutable_security_context()->set_privileged(true);
  Sc()->set_apparmor_profile("bogus");
  EXPECT_THAT(Validate().error_message(), ::testing::HasSubstr("user group"));
  Sc()->clear_run_as_group();
  Sc()->set_seccomp_profile_path("bogus");
  EXPECT_THAT(Validate().error_message(), ::testing::HasSubstr("apparmor"));
}

class RunPodSandboxValidation : public ::testing::Test {
 protected:
  RunPodSandboxValidation() { req_.mutable_config()->mutable_metadata()->set_name("pod"); }
  cri::LinuxSandboxSecurityContext* Sc() { return req_.mutable_config()->mutable_linux()->mutable_security_context(); }
  grpc::Status Validate(Flavor flavor = Flavor::kContainerd1_6_20) { return ValidateRunPodSandbox(req_, host_, flavor); }

  cri::RunPodSandboxRequest req_;
  RuntimeHost host_;
};

TEST_F(RunPodSandboxValidation, TheDefaultAndConfiguredHandlersPass) {
  EXPECT_TRUE(Validate().ok());
  req_.set_runtime_handler("runc");
  EXPECT_TRUE(Validate().ok());
}

TEST_F(RunPodSandboxValidation, AnUnconfiguredHandlerIsRefused) {
  req_.set_runtime_handler("kata");
  ExpectRefused(Validate(), "failed to get sandbox runtime: no runtime for \"kata\" is configured");
  host_.runtime_handlers = {"runc", "kata"};
  EXPECT_TRUE(Validate().ok());
}

TEST_F(RunPodSandboxValidation, UntrustedWorkloadsNeedNoHandlerNoHostAccessAndAnUntrustedRuntime) {
  (*req_.mutable_config()->mutable_annotations())["io.kubernetes.cri.untrusted-workload"] = "true";
  req_.set_runtime_handler("runc");
  ExpectRefused(Validate(), "failed to get sandbox runtime: untrusted workload with explicit runtime handler is not allowed");
  req_.clear_runtime_handler();
  Sc()->mutable_namespace_options()->set_ipc(cri::NODE);
  ExpectRefused(Validate(), "failed to get sandbox runtime: untrusted workload with host access is not allowed");
  Sc()->mutable_namespace_options()->set_ipc(cri::POD);
  ExpectRefused(Validate(), "failed to get sandbox runtime: no runtime for \"untrusted\" is configured");
  host_.runtime_handlers = {"runc", "untrusted"};
  EXPECT_TRUE(Validate().ok());
}

TEST_F(RunPodSandboxValidation, GroupWithoutUserIsRefusedWithEachFlavoursWording) {
  Sc()->mutable_run_as_group()->set_value(3000);
  ExpectRefused(Validate(Flavor::kContainerd1_6_20),
                "failed to generate sanbdox container spec options: failed to generate user string: user group "
                "\"3000\" is specified without user");
  ExpectRefused(Validate(Flavor::kCri),
                "failed to generate sandbox container spec options: failed to generate user string: user group "
                "\"3000\" is specified without user");
  Sc()->mutable_run_as_user()->set_value(1000);
  EXPECT_TRUE(Validate().ok());
}

TEST_F(RunPodSandboxValidation, SandboxSeccompRulesAreTheContainersOnes) {
  Sc()->set_seccomp_profile_path("nonsense");
  ExpectRefused(Validate(),
                "failed to generate sanbdox container spec options: failed to generate seccomp spec opts: invalid "
                "profile \"nonsense\"");
  Sc()->clear_seccomp_profile_path();
  Sc()->mutable_seccomp()->set_profile_type(Profile::Unconfined);
  Sc()->mutable_seccomp()->set_localhost_ref("x");
  EXPECT_THAT(Validate().error_message(), ::testing::HasSubstr("LocalhostRef must only be set if ProfileType is Localhost"));
  Sc()->mutable_seccomp()->set_profile_type(Profile::Localhost);
  ExpectRefused(Validate(),
                "failed to create containerd container: cannot load seccomp profile \"x\": open x: no such file or "
                "directory");
  Sc()->set_privileged(true);  // a privileged sandbox gets no seccomp profile
  EXPECT_TRUE(Validate().ok());
}

}  // namespace
}  // namespace podlife::fakes
