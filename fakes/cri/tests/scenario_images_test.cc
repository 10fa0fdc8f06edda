// Unit tests of the scenario file's `images:` section: what it scripts, and its errors, which
// name the file, the line and the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/scenario.h"
#include "fakes/cri/tests/cri_test_client.h"
#include "fakes/cri/tests/scenario_parse.h"

namespace podlife::fakes {
namespace {

using ::testing::ElementsAre;

using testing::ParseError;
using testing::ParseOk;

TEST(ScenarioImagesTest, ParsesReferencesSizeUserIdAndPresence) {
  const std::string id = "sha256:" + std::string(64, 'e');
  Scenario s = ParseOk(R"(
images:
  - references: [alpine:3.19, alpine:latest]
    size: 3400000
    user: "1000:1000"
    id: )" + id + R"(
  - reference: localhost/busybox:podlife
    present: true
  - reference: nginx
)");
  ASSERT_EQ(s.images.size(), 3u);
  EXPECT_THAT(s.images[0].references, ElementsAre("alpine:3.19", "alpine:latest"));
  EXPECT_EQ(s.images[0].size, 3400000u);
  EXPECT_EQ(s.images[0].user, "1000:1000");
  EXPECT_EQ(s.images[0].id, id);
  EXPECT_FALSE(s.images[0].present);
  EXPECT_THAT(s.images[1].references, ElementsAre("localhost/busybox:podlife"));
  EXPECT_TRUE(s.images[1].present);
  EXPECT_EQ(s.images[2].size, kDefaultImageSize);
  EXPECT_EQ(s.images[2].user, "");
}

TEST(ScenarioImagesTest, BadImagesAreNamedWithTheirLineAndField) {
  EXPECT_EQ(ParseError("images:\n  - size: 10\n"),
            "s.yaml:2: images[0].references: required (the image references that name this image, such as "
            "[alpine:3.19])");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    references: [alpine]\n"),
            "s.yaml:2: images[0]: give either reference or references, not both");
  EXPECT_EQ(ParseError("images:\n  - references: []\n"), "s.yaml:2: images[0].references: must name at least one reference");
  EXPECT_EQ(ParseError("images:\n  - references:\n      - alpine\n      - Alpine\n"),
            "s.yaml:4: images[0].references[1]: invalid image reference 'Alpine': invalid reference format: "
            "repository name must be lowercase");
  EXPECT_EQ(ParseError("images:\n  - reference: \"alpine:\"\n"),
            "s.yaml:2: images[0].reference: invalid image reference 'alpine:': invalid reference format");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n  - reference: docker.io/library/alpine:latest\n"),
            "s.yaml:3: images[1].reference: 'docker.io/library/alpine:latest' (docker.io/library/alpine:latest) "
            "already names images[0]");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    size: 0\n"),
            "s.yaml:3: images[0].size: must be between 1 and 1099511627776");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    size: big\n").substr(0, 24), "s.yaml:3: images[0].size");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    user: \"a b\"\n"),
            "s.yaml:3: images[0].user: expected a user name or uid, optionally with :group (such as 1000, nobody, "
            "1000:1000), got 'a b'");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    id: sha256:abc\n"),
            "s.yaml:3: images[0].id: expected sha256:<64 lower-case hex digits>, got 'sha256:abc' (invalid checksum "
            "digest length)");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    present: maybe\n").substr(0, 27), "s.yaml:3: images[0].present");
  EXPECT_EQ(ParseError("images:\n  - reference: alpine\n    tag: x\n").substr(0, 38), "s.yaml:3: images[0].tag: unknown field");
  EXPECT_EQ(ParseError("images: alpine\n"), "s.yaml:1: images: expected a list");
}

// Applied to a running server: the present image is there without a pull, the shared references
// pull one image with the scripted size and user.
TEST(ScenarioImagesTest, AppliedImagesAreServed) {
  std::string error;
  auto server = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(server) << error;
  ApplyScenario(ParseOk(R"(
images:
  - references: [app:1, app:latest]
    size: 777
    user: "65534"
  - reference: localhost/busybox:podlife
    present: true
)"),
                *server);
  testing::CriTestClient client(server->NewChannel());
  auto status = [&](const std::string& reference) {
    cri::ImageStatusRequest req;
    req.mutable_image()->set_image(reference);
    cri::ImageStatusResponse resp;
    EXPECT_TRUE(client.images->ImageStatus(testing::CriTestClient::Context().get(), req, &resp).ok());
    return resp;
  };
  EXPECT_TRUE(status("localhost/busybox:podlife").has_image());
  EXPECT_FALSE(status("app").has_image()) << "not present until pulled";
  std::string ids[2];
  const char* refs[2] = {"app", "docker.io/library/app:1"};
  for (int i = 0; i < 2; ++i) {
    cri::PullImageRequest req;
    req.mutable_image()->set_image(refs[i]);
    cri::PullImageResponse resp;
    ASSERT_TRUE(client.images->PullImage(testing::CriTestClient::Context().get(), req, &resp).ok());
    ids[i] = resp.image_ref();
  }
  EXPECT_EQ(ids[0], ids[1]);
  auto app = status("app:1").image();
  EXPECT_EQ(app.size(), 777u);
  EXPECT_EQ(app.uid().value(), 65534);
  EXPECT_THAT(app.repo_tags(), ElementsAre("docker.io/library/app:1", "docker.io/library/app:latest"));
}

}  // namespace
}  // namespace podlife::fakes
