// Unit tests of the fake runtime's images: references resolved as containerd's localResolve does,
// one image per content with several repo tags and digests, removal of a whole image.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/cri/runtime_state.h"

namespace podlife::fakes {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const std::string kDigest = "sha256:" + std::string(64, 'd');

ImageDefinition Definition(std::vector<std::string> references, uint64_t size = kDefaultImageSize,
                           std::string user = "", std::string id = "", bool present = false) {
  ImageDefinition d;
  d.references = std::move(references);
  d.size = size;
  d.user = std::move(user);
  d.id = std::move(id);
  d.present = present;
  return d;
}

class RuntimeStateImagesTest : public ::testing::Test {
 protected:
  std::string Pull(const std::string& reference) {
    std::string id;
    auto st = state_.PullImage(reference, &id);
    EXPECT_TRUE(st.ok()) << reference << ": " << st.error_message();
    return id;
  }
  std::string IdOf(const std::string& reference_or_id) {
    auto image = state_.FindImage(reference_or_id);
    return image ? image->id : "(absent)";
  }
  std::string Sandbox() {
    cri::RunPodSandboxRequest req;
    req.mutable_config()->mutable_metadata()->set_name("pod");
    req.mutable_config()->mutable_metadata()->set_namespace_("default");
    req.mutable_config()->mutable_metadata()->set_uid("pod-uid");
    std::string id;
    auto st = state_.RunPodSandbox(req, &id);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return id;
  }
  grpc::Status Create(const std::string& sandbox, const std::string& name, const std::string& image,
                      std::string* id) {
    cri::CreateContainerRequest req;
    req.set_pod_sandbox_id(sandbox);
    req.mutable_config()->mutable_metadata()->set_name(name);
    req.mutable_config()->mutable_image()->set_image(image);
    return state_.CreateContainer(req, id);
  }

  RuntimeState state_;
};

TEST_F(RuntimeStateImagesTest, APulledImageIsFoundUnderEveryFormOfItsReference) {
  const std::string id = Pull("alpine:latest");
  EXPECT_THAT(id, StartsWith("sha256:"));
  EXPECT_EQ(id.size(), 71u);
  EXPECT_EQ(IdOf("alpine"), id);
  EXPECT_EQ(IdOf("library/alpine"), id);
  EXPECT_EQ(IdOf("docker.io/library/alpine:latest"), id);
  EXPECT_EQ(IdOf("index.docker.io/library/alpine"), id);
  EXPECT_EQ(IdOf("alpine:3.19"), "(absent)");
  auto image = *state_.FindImage("alpine");
  EXPECT_THAT(image.repo_tags, ElementsAre("docker.io/library/alpine:latest"));
  ASSERT_EQ(image.repo_digests.size(), 1u);
  EXPECT_THAT(image.repo_digests[0], StartsWith("docker.io/library/alpine@sha256:"));
  EXPECT_GT(image.size, 0u);
  EXPECT_EQ(image.user, "");
}

TEST_F(RuntimeStateImagesTest, PullingTheLongFormMakesNoSecondImage) {
  const std::string id = Pull("alpine");
  EXPECT_EQ(Pull("docker.io/library/alpine:latest"), id);
  EXPECT_EQ(Pull("index.docker.io/alpine"), id);
  ASSERT_EQ(state_.Images().size(), 1u);
  EXPECT_THAT(state_.Images()[0].repo_tags, ElementsAre("docker.io/library/alpine:latest"));
}

TEST_F(RuntimeStateImagesTest, DistinctTagsAreDistinctImagesUnlessDefinedAsOneContent) {
  EXPECT_NE(Pull("alpine:3.19"), Pull("alpine:3.20"));
  state_.DefineImage(Definition({"busybox:1.36", "busybox:latest"}, 4321, "1000"));
  const std::string id = Pull("busybox");
  EXPECT_EQ(Pull("docker.io/library/busybox:1.36"), id);
  auto image = *state_.FindImage(id);
  EXPECT_THAT(image.repo_tags, ElementsAre("docker.io/library/busybox:1.36", "docker.io/library/busybox:latest"));
  ASSERT_EQ(image.repo_digests.size(), 1u) << "both tags point at one manifest";
  EXPECT_EQ(image.size, 4321u);
  EXPECT_EQ(image.user, "1000");
  EXPECT_EQ(state_.Images().size(), 3u);
}

TEST_F(RuntimeStateImagesTest, DigestReferencesAreRepoDigestsAndATagBesideADigestIsDropped) {
  const std::string id = Pull("busybox@" + kDigest);
  auto image = *state_.FindImage(id);
  EXPECT_THAT(image.repo_tags, IsEmpty());
  EXPECT_THAT(image.repo_digests, ElementsAre("docker.io/library/busybox@" + kDigest));
  EXPECT_EQ(Pull("busybox:1.36@" + kDigest), id);
  EXPECT_THAT(state_.FindImage(id)->repo_tags, IsEmpty());
  EXPECT_EQ(IdOf("busybox:1.36"), "(absent)");
}

TEST_F(RuntimeStateImagesTest, PullingTheReportedRepoDigestFindsTheSameImage) {
  const std::string id = Pull("nginx:1.25");
  const std::string repo_digest = state_.FindImage(id)->repo_digests.at(0);
  EXPECT_EQ(Pull(repo_digest), id);
  EXPECT_EQ(state_.Images().size(), 1u);
}

TEST_F(RuntimeStateImagesTest, AReferenceContainerdRejectsFailsThePullWithItsError) {
  std::string id;
  auto st = state_.PullImage("Alpine", &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(),
            "failed to parse image reference \"Alpine\": invalid reference format: repository name must be lowercase");
  st = state_.PullImage("", &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to parse image reference \"\": invalid reference format");
  EXPECT_THAT(state_.Images(), IsEmpty());
}

TEST_F(RuntimeStateImagesTest, AnImageIsFoundByItsIdOrAUniquePrefixOfItsHex) {
  const std::string id = Pull("alpine");
  const std::string hex = id.substr(7);
  EXPECT_EQ(IdOf(id), id);
  EXPECT_EQ(IdOf(hex), id);
  EXPECT_EQ(IdOf(hex.substr(0, 12)), id);
  EXPECT_EQ(IdOf("sha256:" + hex.substr(0, 12)), id);
  EXPECT_EQ(IdOf("sha512:" + hex.substr(0, 12)), "(absent)");
  EXPECT_EQ(IdOf("0000000000000"), "(absent)");
}

TEST_F(RuntimeStateImagesTest, APrefixOfSeveralIdsIsAmbiguousAsInContainerd) {
  state_.DefineImage(Definition({"a"}, kDefaultImageSize, "", "sha256:abc" + std::string(61, '1'), true));
  state_.DefineImage(Definition({"b"}, kDefaultImageSize, "", "sha256:abc" + std::string(61, '2'), true));
  ImageRecord image;
  auto st = state_.ResolveImage("abc", &image);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "ambiguous digest string");
  st = state_.RemoveImage("abc");
  EXPECT_EQ(st.error_message(), "can not resolve \"abc\" locally: ambiguous digest string");
  EXPECT_EQ(state_.Images().size(), 2u);
  EXPECT_EQ(IdOf("abc1"), "sha256:abc" + std::string(61, '1'));
}

TEST_F(RuntimeStateImagesTest, RemovingByOneTagRemovesTheWholeImageAsContainerdDoes) {
  state_.DefineImage(Definition({"app:1", "app:stable"}));
  const std::string id = Pull("app:1");
  EXPECT_EQ(Pull("app:stable"), id);
  const std::string other = Pull("other");
  EXPECT_TRUE(state_.RemoveImage("app:stable").ok());
  EXPECT_EQ(IdOf("app:1"), "(absent)");
  EXPECT_EQ(IdOf(id), "(absent)");
  EXPECT_EQ(IdOf("other"), other);
  EXPECT_TRUE(state_.RemoveImage("app:stable").ok()) << "idempotent";
  EXPECT_TRUE(state_.RemoveImage(other).ok());
  EXPECT_THAT(state_.Images(), IsEmpty());
  EXPECT_TRUE(state_.RemoveImage("not-there").ok());
}

TEST_F(RuntimeStateImagesTest, APresentImageNeedsNoPullAndHasOnlyItsTags) {
  state_.DefineImage(Definition({"localhost/busybox:podlife"}, 2000000, "", "", true));
  ASSERT_EQ(state_.Images().size(), 1u);
  auto image = state_.Images()[0];
  EXPECT_THAT(image.repo_tags, ElementsAre("localhost/busybox:podlife"));
  EXPECT_THAT(image.repo_digests, IsEmpty()) << "an imported image has no repo digest";
  EXPECT_EQ(image.size, 2000000u);
  EXPECT_EQ(IdOf("localhost/busybox"), "(absent)") << "normalises to localhost/busybox:latest";
  EXPECT_EQ(Pull("localhost/busybox:podlife"), image.id) << "a pull finds the defined content";
}

TEST_F(RuntimeStateImagesTest, ImageFsUsageAddsUpTheImages) {
  EXPECT_EQ(state_.ImageFs().used_bytes, 0u);
  state_.DefineImage(Definition({"big"}, 100 * 1024 * 1024));
  Pull("big");
  Pull("small");
  EXPECT_EQ(state_.ImageFs().used_bytes, 100u * 1024 * 1024 + kDefaultImageSize);
  EXPECT_GT(state_.ImageFs().inodes_used, 0u);
  state_.RemoveImage("big");
  EXPECT_EQ(state_.ImageFs().used_bytes, kDefaultImageSize);
}

TEST_F(RuntimeStateImagesTest, ContainersResolveShortNamesAndReportTagAndDigestAsContainerd) {
  const std::string image_id = Pull("docker.io/library/busybox:latest");
  const std::string repo_digest = state_.FindImage(image_id)->repo_digests.at(0);
  const std::string sandbox = Sandbox();
  std::string id;
  ASSERT_TRUE(Create(sandbox, "app", "busybox", &id).ok());
  cri::ContainerStatus status;
  ASSERT_TRUE(state_.ContainerStatus(id, &status).ok());
  EXPECT_EQ(status.image().image(), "docker.io/library/busybox:latest");
  EXPECT_EQ(status.image_ref(), repo_digest);
  cri::ListContainersResponse list;
  state_.ListContainers({}, &list);
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(list.containers(0).image().image(), "busybox") << "ListContainers: the config's image and the ID";
  EXPECT_EQ(list.containers(0).image_ref(), image_id);

  // Once the image is gone: what the container was created with, and the image ID.
  ASSERT_TRUE(state_.RemoveImage("busybox").ok());
  ASSERT_TRUE(state_.ContainerStatus(id, &status).ok());
  EXPECT_EQ(status.image().image(), "busybox");
  EXPECT_EQ(status.image_ref(), image_id);

  auto st = Create(sandbox, "late", "busybox", &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "failed to resolve image \"busybox\": not found");
}

// containerd 1.6.20 has no "image required" check: "" goes through localResolve, where it is a
// prefix of every ID.
TEST_F(RuntimeStateImagesTest, AnEmptyImageResolvesAsContainerdResolvesIt) {
  const std::string sandbox = Sandbox();
  std::string id;
  auto st = Create(sandbox, "none", "", &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "failed to resolve image \"\": not found");
  Pull("busybox");
  ASSERT_TRUE(Create(sandbox, "one", "", &id).ok()) << "the only image";
  cri::ContainerStatus status;
  ASSERT_TRUE(state_.ContainerStatus(id, &status).ok());
  EXPECT_EQ(status.image().image(), "docker.io/library/busybox:latest");
  Pull("alpine");
  st = Create(sandbox, "two", "", &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(st.error_message(), "failed to resolve image \"\": ambiguous digest string");
}

TEST_F(RuntimeStateImagesTest, AnImportedImageWithoutDigestReportsItsIdAsImageRef) {
  state_.DefineImage(Definition({"localhost/busybox:podlife"}, kDefaultImageSize, "", "", true));
  std::string id;
  ASSERT_TRUE(Create(Sandbox(), "app", "localhost/busybox:podlife", &id).ok());
  cri::ContainerStatus status;
  ASSERT_TRUE(state_.ContainerStatus(id, &status).ok());
  EXPECT_EQ(status.image().image(), "localhost/busybox:podlife");
  EXPECT_EQ(status.image_ref(), state_.Images()[0].id);
}

}  // namespace
}  // namespace podlife::fakes
