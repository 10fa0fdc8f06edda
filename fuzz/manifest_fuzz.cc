// Fuzz target: the Pod manifest parser (src/manifest/manifest.h), fed any bytes as a manifest,
// and then what the engine decides from a parsed pod before it touches a runtime: the API
// server's defaults, each hook handler rendered as the kubelet's messages print it, and each
// httpGet hook's port and request (src/engine/http_hook.h), in both profiles.
// Contract checked: nothing throws, crashes or hangs; a rejected manifest's error names the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "src/core/profile.h"
#include "src/engine/go_format.h"
#include "src/engine/http_hook.h"
#include "src/manifest/manifest.h"

namespace {

void Decide(const podlife::LifecycleHandler& handler, const podlife::Container& container) {
  for (const podlife::Profile* profile : {&podlife::Profile121(), &podlife::Profile135()}) {
    (void)podlife::RenderHandler(handler, *profile);
    if (!handler.http_get) continue;
    auto port = podlife::ResolveHookPort(*profile, handler.http_get->port, container);
    if (!port.ok()) continue;
    auto request = podlife::BuildHookRequest(*profile, *handler.http_get, "10.0.0.1", *port);
    if (request.ok()) (void)request->url.ToString();
  }
}

void DecideHooks(const podlife::Container& container) {
  if (!container.lifecycle) return;
  if (container.lifecycle->post_start) Decide(*container.lifecycle->post_start, container);
  if (container.lifecycle->pre_stop) Decide(*container.lifecycle->pre_stop, container);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = podlife::manifest::ParsePod(text, "fuzz.yaml");
  if (auto* error = std::get_if<podlife::manifest::ManifestError>(&parsed)) {
    if (error->message.rfind("fuzz.yaml", 0) != 0) std::abort();  // errors name the file
    return 0;
  }
  auto& pod = std::get<podlife::Pod>(parsed);
  podlife::manifest::ApplyApiServerDefaults(pod);
  (void)pod.FormatForMessages();
  for (const auto& c : pod.init_containers) DecideHooks(c);
  for (const auto& c : pod.containers) DecideHooks(c);
  return 0;
}
