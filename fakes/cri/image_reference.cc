#include "fakes/cri/image_reference.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace podlife::fakes {

namespace {

constexpr size_t kNameTotalLengthMax = 255;
constexpr const char* kDefaultDomain = "docker.io";
constexpr const char* kLegacyDefaultDomain = "index.docker.io";
constexpr const char* kOfficialRepoPrefix = "library/";
constexpr const char* kDefaultTag = "latest";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// path-component: lower-case alphanumeric runs joined by one separator: `.`, `_`, `__` or dashes.
bool IsPathComponent(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (IsLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < s.size() && !IsLowerAlnum(s[end])) ++end;
    const std::string_view sep = s.substr(i, end - i);
    const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = end;
  }
  return true;
}

// domain-component: alphanumerics, dashes inside only (upper case allowed).
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '-'; });
}

// domain: components joined by `.`, optionally `:port`.
bool IsDomain(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = s.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    s = s.substr(0, colon);
  }
  const auto parts = Split(s, '.');
  return std::all_of(parts.begin(), parts.end(), IsDomainComponent);
}

bool IsTag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !IsWord(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsWord(c) || c == '.' || c == '-'; });
}

// The grammar's digest: algorithm components ([A-Za-z][A-Za-z0-9]*) joined by one of `-_+.`,
// then `:` and at least 32 hex digits of either case (go-digest checks the rest).
bool IsDigestSyntax(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view hex = s.substr(colon + 1);
  if (hex.size() < 32 || !std::all_of(hex.begin(), hex.end(), IsHex)) return false;
  const std::string_view algorithm = s.substr(0, colon);
  bool component_start = true;
  for (char c : algorithm) {
    if (component_start) {
      if (!std::isalpha(static_cast<unsigned char>(c))) return false;
      component_start = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      component_start = true;
    } else if (!IsAlnum(c)) {
      return false;
    }
  }
  return !component_start;
}

// A name: path components joined by `/`, the first of which may be a domain instead. Like the
// grammar's anchored name, a first component that reads as a domain is taken as one.
bool SplitName(std::string_view name, ImageReference* out) {
  const auto parts = Split(name, '/');
  const auto rest_are_paths = std::all_of(parts.begin() + 1, parts.end(), IsPathComponent);
  if (parts.size() >= 2 && IsDomain(parts[0]) && rest_are_paths) {
    out->domain = std::string(parts[0]);
    out->path = std::string(name.substr(parts[0].size() + 1));
    return true;
  }
  if (IsPathComponent(parts[0]) && rest_are_paths) {
    out->domain.clear();
    out->path = std::string(name);
    return true;
  }
  return false;
}

// Whether the whole text matches name[:tag][@digest]; fills `out` when it does.
bool MatchReference(std::string_view s, ImageReference* out) {
  *out = ImageReference{};
  const size_t at = s.find('@');
  if (at != std::string_view::npos) {
    const std::string_view digest = s.substr(at + 1);
    if (!IsDigestSyntax(digest)) return false;
    out->digest = std::string(digest);
    s = s.substr(0, at);
  }
  const size_t slash = s.rfind('/');
  const size_t colon = s.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    const std::string_view tag = s.substr(colon + 1);
    if (!IsTag(tag)) return false;
    out->tag = std::string(tag);
    s = s.substr(0, colon);
  }
  return SplitName(s, out);
}

}  // namespace

std::string ImageReference::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

DigestCheck CheckDigest(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return DigestCheck::kInvalidFormat;
  const std::string algorithm = text.substr(0, colon);
  const std::string encoded = text.substr(colon + 1);
  size_t hex_length = 0;
  if (algorithm == "sha256") hex_length = 64;
  if (algorithm == "sha384") hex_length = 96;
  if (algorithm == "sha512") hex_length = 128;
  if (hex_length == 0) {
    // An unknown algorithm is "unsupported" only if the text looks like a digest at all:
    // [a-z0-9]+ joined by one of .+_- , then `:` and [a-zA-Z0-9=_-]+.
    bool ok = IsLowerAlnum(algorithm.front()) && IsLowerAlnum(algorithm.back());
    for (size_t i = 0; ok && i < algorithm.size(); ++i) {
      const char c = algorithm[i];
      const bool sep = c == '.' || c == '+' || c == '_' || c == '-';
      ok = IsLowerAlnum(c) || (sep && IsLowerAlnum(algorithm[i + 1]));
    }
    ok = ok && std::all_of(encoded.begin(), encoded.end(), [](char c) {
           return IsAlnum(c) || c == '=' || c == '_' || c == '-';
         });
    return ok ? DigestCheck::kUnsupported : DigestCheck::kInvalidFormat;
  }
  if (encoded.size() != hex_length) return DigestCheck::kInvalidLength;
  return std::all_of(encoded.begin(), encoded.end(), IsLowerHex) ? DigestCheck::kValid : DigestCheck::kInvalidFormat;
}

const char* DigestCheckMessage(DigestCheck check) {
  switch (check) {
    case DigestCheck::kValid: return "";
    case DigestCheck::kInvalidFormat: return "invalid checksum digest format";
    case DigestCheck::kInvalidLength: return "invalid checksum digest length";
    case DigestCheck::kUnsupported: return "unsupported digest algorithm";
  }
  return "";
}

ImageReferenceResult ParseReference(const std::string& text) {
  ImageReference ref;
  if (!MatchReference(text, &ref)) {
    if (text.empty()) return ImageReferenceError{"repository name must have at least one component"};
    ImageReference lowered;
    if (MatchReference(Lower(text), &lowered)) return ImageReferenceError{"repository name must be lowercase"};
    return ImageReferenceError{"invalid reference format"};
  }
  if (ref.Name().size() > kNameTotalLengthMax) {
    return ImageReferenceError{"repository name must not be more than 255 characters"};
  }
  if (!ref.digest.empty()) {
    const DigestCheck check = CheckDigest(ref.digest);
    if (check != DigestCheck::kValid) return ImageReferenceError{DigestCheckMessage(check)};
  }
  return ref;
}

ImageReferenceResult ParseNormalizedNamed(const std::string& text) {
  if (text.size() == 64 && std::all_of(text.begin(), text.end(), IsLowerHex)) {
    return ImageReferenceError{"invalid repository name (" + text + "), cannot specify 64-byte hexadecimal strings"};
  }
  std::string domain = kDefaultDomain;
  std::string remainder = text;
  const size_t slash = text.find('/');
  if (slash != std::string::npos) {
    const std::string first = text.substr(0, slash);
    if (first.find_first_of(".:") != std::string::npos || first == "localhost") {
      domain = first;
      remainder = text.substr(slash + 1);
    }
  }
  if (domain == kLegacyDefaultDomain) domain = kDefaultDomain;
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) remainder = kOfficialRepoPrefix + remainder;
  const std::string remote_name = remainder.substr(0, remainder.find(':'));
  if (Lower(remote_name) != remote_name) {
    return ImageReferenceError{"invalid reference format: repository name must be lowercase"};
  }
  return ParseReference(domain + "/" + remainder);
}

ImageReferenceResult ParseDockerRef(const std::string& text) {
  auto parsed = ParseNormalizedNamed(text);
  if (auto* ref = std::get_if<ImageReference>(&parsed)) {
    if (!ref->tag.empty() && !ref->digest.empty()) {
      ref->tag.clear();
    } else if (ref->tag.empty() && ref->digest.empty()) {
      ref->tag = kDefaultTag;
    }
  }
  return parsed;
}

}  // namespace podlife::fakes
