// Unit tests of the image reference parser against the docker reference grammar's cases
// (distribution/reference as vendored by containerd 1.6.20): input -> normalised form or error.
#include "fakes/cri/image_reference.h"

#include <gtest/gtest.h>

namespace podlife::fakes {
namespace {

const std::string kHex(64, 'a');
const std::string kDigest = "sha256:" + kHex;

// "" in `error` means the parse must succeed with `normalised`.
struct Case {
  std::string input;
  std::string normalised;
  std::string error;
};

std::string Describe(const ImageReferenceResult& r) {
  if (auto* ref = std::get_if<ImageReference>(&r)) return "ok " + ref->String();
  return "error " + std::get<ImageReferenceError>(r).message;
}

void ExpectTable(const std::vector<Case>& cases, ImageReferenceResult (*parse)(const std::string&)) {
  for (const auto& c : cases) {
    const std::string want = c.error.empty() ? "ok " + c.normalised : "error " + c.error;
    EXPECT_EQ(Describe(parse(c.input)), want) << "input '" << c.input << "'";
  }
}

TEST(ImageReference, ParseDockerRefNormalisesLikeContainerd) {
  ExpectTable(
      {
          {"alpine", "docker.io/library/alpine:latest", ""},
          {"alpine:3.19", "docker.io/library/alpine:3.19", ""},
          {"alpine:Latest_1.x-y", "docker.io/library/alpine:Latest_1.x-y", ""},
          {"library/alpine", "docker.io/library/alpine:latest", ""},
          {"docker.io/alpine", "docker.io/library/alpine:latest", ""},
          {"index.docker.io/alpine:1", "docker.io/library/alpine:1", ""},
          {"index.docker.io/user/app", "docker.io/user/app:latest", ""},
          {"docker.io/library/alpine:latest", "docker.io/library/alpine:latest", ""},
          {"user/repo", "docker.io/user/repo:latest", ""},
          {"user/deep/repo:v2", "docker.io/user/deep/repo:v2", ""},
          {"gcr.io/project/image:v1", "gcr.io/project/image:v1", ""},
          {"localhost/busybox:podlife", "localhost/busybox:podlife", ""},
          {"localhost/busybox", "localhost/busybox:latest", ""},
          {"localhost:5000/foo/bar", "localhost:5000/foo/bar:latest", ""},
          {"127.0.0.1:5000/repo:tag", "127.0.0.1:5000/repo:tag", ""},
          {"Example.COM/foo", "Example.COM/foo:latest", ""},  // a registry may have capitals
          {"my-registry.example.com:443/a/b", "my-registry.example.com:443/a/b:latest", ""},
          {"localhost", "docker.io/library/localhost:latest", ""},  // no slash: a name, not a registry
          {"foo:5000", "docker.io/library/foo:5000", ""},           // ... and this is a tag
          {"a_b/c", "docker.io/a_b/c:latest", ""},                  // no `.`/`:`: not a registry
          {"foo__bar", "docker.io/library/foo__bar:latest", ""},
          {"foo--bar.baz_qux", "docker.io/library/foo--bar.baz_qux:latest", ""},
          {"busybox@" + kDigest, "docker.io/library/busybox@" + kDigest, ""},
          {"busybox:1.36@" + kDigest, "docker.io/library/busybox@" + kDigest, ""},  // the tag is dropped
          {"quay.io/x/y:t@" + kDigest, "quay.io/x/y@" + kDigest, ""},
          {"busybox@sha512:" + std::string(128, 'b'), "docker.io/library/busybox@sha512:" + std::string(128, 'b'), ""},
      },
      ParseDockerRef);
}

TEST(ImageReference, ParseDockerRefRejectsWithContainerdsErrors) {
  const std::string lowercase = "invalid reference format: repository name must be lowercase";
  ExpectTable(
      {
          {"", "", "invalid reference format"},
          {"Alpine", "", lowercase},
          {"user/Repo:tag", "", lowercase},
          {"localhost:5000/Foo", "", lowercase},
          {"alpine:", "", "invalid reference format"},
          {"alpine:-tag", "", "invalid reference format"},
          {"alpine:" + std::string(129, 't'), "", "invalid reference format"},
          {"alpine:a:b", "", "invalid reference format"},
          {"foo___bar", "", "invalid reference format"},
          {"foo-.bar", "", "invalid reference format"},
          {"foo.", "", "invalid reference format"},
          {"-foo", "", "invalid reference format"},
          {"foo//bar", "", "invalid reference format"},
          {"foo/../bar", "", "invalid reference format"},
          {"http://foo", "", "invalid reference format"},
          {"a b", "", "invalid reference format"},
          {"a@b@c", "", "invalid reference format"},
          {"alpine@sha256:abc", "", "invalid reference format"},  // fewer than 32 hex digits
          {"alpine@" + kHex, "", "invalid reference format"},
          {kHex, "", "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
          {"alpine@sha256:" + std::string(32, 'a'), "", "invalid checksum digest length"},
          {"alpine@sha256:" + std::string(64, 'A'), "", "invalid checksum digest format"},
          {"alpine@md5:" + std::string(32, 'a'), "", "unsupported digest algorithm"},
          {std::string(250, 'a'), "", "repository name must not be more than 255 characters"},
      },
      ParseDockerRef);
}

TEST(ImageReference, ParseNormalizedNamedKeepsTagAndDigestAndAddsNoTag) {
  ExpectTable(
      {
          {"busybox", "docker.io/library/busybox", ""},
          {"busybox:1.36@" + kDigest, "docker.io/library/busybox:1.36@" + kDigest, ""},
          {"localhost/x", "localhost/x", ""},
      },
      ParseNormalizedNamed);
}

TEST(ImageReference, ParseReferenceIsTheBareGrammar) {
  ExpectTable(
      {
          {"foo/bar", "foo/bar", ""},
          {"alpine", "alpine", ""},
          {"", "", "repository name must have at least one component"},
          {"Foo", "", "repository name must be lowercase"},
          {"foo:", "", "invalid reference format"},
      },
      ParseReference);
  // The first component is a registry whenever it reads as one, a path component otherwise.
  auto split = std::get<ImageReference>(ParseReference("foo/bar"));
  EXPECT_EQ(split.domain, "foo");
  EXPECT_EQ(split.path, "bar");
  auto underscore = std::get<ImageReference>(ParseReference("a_b.com/foo"));
  EXPECT_EQ(underscore.domain, "");
  EXPECT_EQ(underscore.path, "a_b.com/foo");
  auto ported = std::get<ImageReference>(ParseDockerRef("localhost:5000/ns/app:1"));
  EXPECT_EQ(ported.domain, "localhost:5000");
  EXPECT_EQ(ported.path, "ns/app");
  EXPECT_EQ(ported.tag, "1");
}

TEST(ImageReference, CheckDigestFollowsGoDigest) {
  EXPECT_EQ(CheckDigest(kDigest), DigestCheck::kValid);
  EXPECT_EQ(CheckDigest("sha384:" + std::string(96, '0')), DigestCheck::kValid);
  EXPECT_EQ(CheckDigest("sha256:abc"), DigestCheck::kInvalidLength);
  EXPECT_EQ(CheckDigest("sha256:" + std::string(64, 'g')), DigestCheck::kInvalidFormat);
  EXPECT_EQ(CheckDigest("md5:abc"), DigestCheck::kUnsupported);
  EXPECT_EQ(CheckDigest("MD5:abc"), DigestCheck::kInvalidFormat);
  EXPECT_EQ(CheckDigest("abc"), DigestCheck::kInvalidFormat);
  EXPECT_EQ(CheckDigest(":abc"), DigestCheck::kInvalidFormat);
  EXPECT_EQ(CheckDigest("sha256:"), DigestCheck::kInvalidFormat);
  EXPECT_EQ(CheckDigest(""), DigestCheck::kInvalidFormat);
  EXPECT_STREQ(DigestCheckMessage(DigestCheck::kInvalidLength), "invalid checksum digest length");
}

}  // namespace
}  // namespace podlife::fakes
