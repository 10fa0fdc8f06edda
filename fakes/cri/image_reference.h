// Image references as containerd's CRI plugin reads them: the docker reference grammar
// (distribution/reference), docker normalisation (ParseNormalizedNamed, ParseDockerRef) and OCI
// digest validation (go-digest), as vendored by containerd 1.6.20.
//
// Contract: pure functions, no state. A reference that containerd rejects is rejected here with
// the error text containerd's parser gives (e.g. `invalid reference format: repository name must
// be lowercase`), so the fake's messages match; callers add containerd's prefix (`failed to parse
// image reference "<ref>": `). Normalisation: the default registry is docker.io (index.docker.io
// is an alias), a one-component name there gets `library/`, and ParseDockerRef adds the tag
// `latest` when there is neither tag nor digest and drops the tag when there are both. The first
// path component is a registry only if it has a `.` or `:` or is `localhost` (1.6.20's rule).
#pragma once

#include <string>
#include <variant>

namespace podlife::fakes {

struct ImageReference {
  std::string domain;  // "docker.io", "localhost:5000"; "" when the name has no registry part
  std::string path;    // "library/alpine"
  std::string tag;     // "" = none
  std::string digest;  // "sha256:<64 hex>", "" = none

  std::string Name() const { return domain.empty() ? path : domain + "/" + path; }
  // The reference as containerd prints it: name[:tag][@digest].
  std::string String() const;
};

struct ImageReferenceError {
  std::string message;  // containerd's text, without the caller's prefix
};

using ImageReferenceResult = std::variant<ImageReference, ImageReferenceError>;

// The reference grammar alone (reference.Parse): no registry defaulting, no added tag.
ImageReferenceResult ParseReference(const std::string& text);
// Docker normalisation, keeping both tag and digest when given (ParseNormalizedNamed).
ImageReferenceResult ParseNormalizedNamed(const std::string& text);
// What containerd's CRI plugin resolves and pulls (docker.ParseDockerRef): normalised, tagged
// `latest` when bare, digest only when both a tag and a digest are given.
ImageReferenceResult ParseDockerRef(const std::string& text);

// go-digest's validation of `algorithm:encoded` (sha256, sha384 and sha512 are available).
enum class DigestCheck { kValid, kInvalidFormat, kInvalidLength, kUnsupported };
DigestCheck CheckDigest(const std::string& text);
const char* DigestCheckMessage(DigestCheck check);  // "" for kValid

}  // namespace podlife::fakes
