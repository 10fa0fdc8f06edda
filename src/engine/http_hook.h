// httpGet hook decisions (HT-03..HT-07, HT-14): which port, which URL, which headers, per
// profile. Pure functions, so every profile difference is unit-tested without a network.
//
// Contract: ResolveHookPort returns the port (1.21: any number, unchecked as Go's int, so the dial
// refuses one outside 0-65535) or the kubelet's error text; BuildHookRequest turns
// a handler plus the resolved host into the request the HttpGetter sends, with the request target
// Go would write (1.35: url.Parse(path), so `//host/x` has an authority the hook's host replaces;
// 1.21: "http://host:port/" + path parsed whole), or the error Go's client returns before any
// connection (1.21 `parse "<url>": ...`, 1.35 `Get "<url>": http: no Host in request URL` for an
// opaque path such as `mailto:x`). Header rules are the kubelet's over Go's http.Header: the
// first Host is the virtual host, a first Accept that is empty removes every Accept.
// HookClientOptions is the client the profile's kubelet builds (HT-09, HT-10).
#pragma once

#include <absl/status/statusor.h>

#include "src/core/pod.h"
#include "src/core/profile.h"
#include "src/http/http_getter.h"

namespace podlife {

absl::StatusOr<int64_t> ResolveHookPort(const Profile& profile, const IntOrString& port, const Container& container);
absl::StatusOr<http::Request> BuildHookRequest(const Profile& profile, const HttpGetAction& action,
                                               const std::string& host, int64_t port);
http::Options HookClientOptions(const Profile& profile);
// textproto.CanonicalMIMEHeaderKey: "x-forwarded-for" -> "X-Forwarded-For".
std::string CanonicalHeaderName(const std::string& name);

}  // namespace podlife
