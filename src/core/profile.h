// Profile: which kubelet the engine imitates. Every behaviour that differs between kubelet 1.21
// (the one docs/behaviours.md was first written against) and current upstream (1.35) is one
// field here, so code asks the profile a question instead of comparing version strings.
//
// Contract: Profile121() and Profile135() are the two built-in profiles; FindProfile("1.21")
// finds one by name. docs/profiles.md is the human-readable table of the same fields (one place).
#pragma once

#include <string>
#include <vector>

namespace podlife {

struct Profile {
  std::string name;  // "1.21" or "1.35"

  // Handlers (HD-01, SL-*): the sleep action exists (1.29+). Without it a sleep-only handler
  // arrives empty (the API server drops the unknown field) and is an invalid handler.
  bool sleep_action = false;
  // The handler type's name in the invalid-handler message (HD-02): "Handler" (≤1.22) or
  // "LifecycleHandler".
  std::string handler_type_name;

  // httpGet (HT-03..HT-14).
  bool http_scheme_honoured = false;      // HT-03: false = always http://
  bool http_port_names_first = false;     // HT-04: named port before numeric parse (1.35)
  bool http_port_range_checked = false;   // HT-04: 0 < port < 65536 (1.35)
  bool http_empty_port_is_80 = false;     // HT-04: "" = 80 (1.21), else a parse error
  bool http_url_parses_path = false;      // HT-05: url.Parse(path) (1.35) vs "http://h:p/" + path
  bool http_user_headers = false;         // HT-07: httpHeaders sent, UA/Accept defaults (1.35)
  std::string http_default_user_agent;    // HT-07
  bool http_same_host_redirects_only = false;  // HT-10
  bool http_https_fallback = false;       // HT-11
  bool http_failure_has_body_message = false;  // HT-14: ", message: %q" suffix (1.21)
  std::string http_failure_prefix;        // HT-14: "HTTP" (1.35) or "Http" (1.21)
  // HT-09: the client is Go's DefaultTransport (1.21: 30 s dial timeout, 10 s TLS handshake
  // timeout, certificates verified, which matters on https redirect targets) or the kubelet's own
  // transport (1.35: no timeouts of its own, InsecureSkipVerify).
  bool http_go_default_transport = false;

  // Exec through CRI (CRI-03): the timeout error text.
  bool exec_timeout_message_has_duration = false;

  // Events (EV-*, PS-06, PR-06).
  bool hook_failure_event_has_detail = false;  // full hook message vs "PostStartHook failed"
  bool created_started_messages_generic = false;  // "Container created" vs "Created container <name>"
  bool backoff_event_names_container = false;     // EV-07: "... container <name> in pod <pod>" (1.26+)

  // startContainer (PS-07): a failed postStart's error is `PostStartHookError: <hook error>`
  // (1.21) rather than the bare `PostStartHookError`.
  bool post_start_error_has_hook_error = false;

  // Kill path (PR-03, PR-09, PR-13).
  bool grace_override_before_prestop = false;  // PR-03
  bool stop_not_found_is_success = false;      // PR-13
  bool effective_grace_at_least_one = false;   // PR-09 (pod worker, 1.22+)

  // Sidecars (SP-05, PR-12): restartable init containers exist.
  bool sidecars = false;
};

const Profile& Profile121();
const Profile& Profile135();
// nullptr when unknown; `names` (if given) receives the known names for an error message.
const Profile* FindProfile(const std::string& name);
std::vector<std::string> ProfileNames();

}  // namespace podlife
