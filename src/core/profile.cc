#include "src/core/profile.h"

namespace podlife {

const Profile& Profile121() {
  static const Profile p = [] {
    Profile p;
    p.name = "1.21";
    p.sleep_action = false;
    p.handler_type_name = "Handler";
    p.http_scheme_honoured = false;
    p.http_port_names_first = false;
    p.http_port_range_checked = false;
    p.http_empty_port_is_80 = true;
    p.http_url_parses_path = false;
    p.http_user_headers = false;
    p.http_default_user_agent = "Go-http-client/1.1";
    p.http_same_host_redirects_only = false;
    p.http_https_fallback = false;
    p.http_failure_has_body_message = true;
    p.http_failure_prefix = "Http";
    p.http_go_default_transport = true;
    p.exec_timeout_message_has_duration = false;
    p.hook_failure_event_has_detail = true;
    p.created_started_messages_generic = false;
    p.backoff_event_names_container = false;
    p.post_start_error_has_hook_error = true;
    p.grace_override_before_prestop = false;
    p.stop_not_found_is_success = false;
    p.effective_grace_at_least_one = false;
    p.sidecars = false;
    return p;
  }();
  return p;
}

const Profile& Profile135() {
  static const Profile p = [] {
    Profile p;
    p.name = "1.35";
    p.sleep_action = true;
    p.handler_type_name = "LifecycleHandler";
    p.http_scheme_honoured = true;
    p.http_port_names_first = true;
    p.http_port_range_checked = true;
    p.http_empty_port_is_80 = false;
    p.http_url_parses_path = true;
    p.http_user_headers = true;
    p.http_default_user_agent = "kube-lifecycle/1.35";
    p.http_same_host_redirects_only = true;
    p.http_https_fallback = true;
    p.http_failure_has_body_message = false;
    p.http_failure_prefix = "HTTP";
    p.http_go_default_transport = false;
    p.exec_timeout_message_has_duration = true;
    p.hook_failure_event_has_detail = false;
    p.created_started_messages_generic = true;
    p.backoff_event_names_container = true;
    p.post_start_error_has_hook_error = false;
    p.grace_override_before_prestop = true;
    p.stop_not_found_is_success = true;
    p.effective_grace_at_least_one = true;
    p.sidecars = true;
    return p;
  }();
  return p;
}

const Profile* FindProfile(const std::string& name) {
  if (name == "1.21") return &Profile121();
  if (name == "1.35") return &Profile135();
  return nullptr;
}

std::vector<std::string> ProfileNames() { return {"1.21", "1.35"}; }

}  // namespace podlife
