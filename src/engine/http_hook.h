// httpGet hook decisions (HT-03..HT-07, HT-14): which port, which URL, which headers, per
// profile. Pure functions, so every profile difference is unit-tested without a network.
//
// Contract: ResolveHookPort returns the port or the kubelet's error text; BuildHookRequest turns
// a handler plus the resolved host into the request the HttpGetter sends.
#pragma once

#include <absl/status/statusor.h>

#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/http/http_getter.h"

namespace podlife {

absl::StatusOr<int> ResolveHookPort(const Profile& profile, const IntOrString& port, const Container& container);
http::Request BuildHookRequest(const Profile& profile, const HttpGetAction& action, const std::string& host, int port);
// textproto.CanonicalMIMEHeaderKey: "x-forwarded-for" -> "X-Forwarded-For".
std::string CanonicalHeaderName(const std::string& name);

}  // namespace podlife
