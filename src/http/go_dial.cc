#include "src/http/go_dial.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

namespace podlife::http {

namespace {

constexpr auto kCancelPoll = std::chrono::milliseconds(50);
constexpr int kOurTimeout = -1;  // the dial's own deadline passed (Go: i/o timeout)
constexpr int kCancelled = -2;
constexpr int kPaused = -3;  // the caller's pause_at passed with the connect under way

// syscall.Errno's text: the C library's, first letter lower-cased ("connection refused").
std::string ErrnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string NumericHostPort(const addrinfo& a, int port) {
  char host[INET6_ADDRSTRLEN] = "";
  getnameinfo(a.ai_addr, a.ai_addrlen, host, sizeof(host), nullptr, 0, NI_NUMERICHOST);
  const std::string h = host;
  return (a.ai_family == AF_INET6 ? "[" + h + "]" : h) + ":" + std::to_string(port);
}

// Waits for a non-blocking connect: 0, the connect's errno, kOurTimeout, kCancelled or kPaused.
int AwaitConnect(int fd, std::chrono::steady_clock::time_point deadline, std::chrono::steady_clock::time_point pause_at,
                 const std::function<bool()>& cancelled) {
  while (true) {
    if (cancelled && cancelled()) return kCancelled;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return kOurTimeout;
    if (now >= pause_at) return kPaused;
    const auto slice = std::min<std::chrono::steady_clock::duration>({kCancelPoll, deadline - now, pause_at - now});
    const int ready = PollFor(fd, POLLOUT, slice);
    if (ready < 0 && errno != EINTR) return errno;
    if (ready <= 0) continue;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
  }
}

// A connect that ended (err) on *fd: 0 with *fd open and blocking, else *fd closed.
int EndConnect(int err, int* fd) {
  if (err != 0) {
    close(*fd);
    *fd = -1;
    return err;
  }
  fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
  return 0;
}

// One connect to one address: 0 with *fd open, kPaused with *fd connecting, else an errno or
// kOurTimeout/kCancelled.
int ConnectOnce(const addrinfo& a, std::chrono::steady_clock::time_point deadline,
                std::chrono::steady_clock::time_point pause_at, const std::function<bool()>& cancelled, int* fd) {
  *fd = socket(a.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (*fd < 0) return errno;
  int err = connect(*fd, a.ai_addr, a.ai_addrlen) == 0 ? 0 : errno;
  if (err == EINPROGRESS) err = AwaitConnect(*fd, deadline, pause_at, cancelled);
  if (err == kPaused) return kPaused;
  return EndConnect(err, fd);
}

// Go's text for a failed connect to `target` (IP:port).
std::string ConnectCause(const std::string& target, int err) {
  return "dial tcp " + target + ": " + (err == kOurTimeout ? "i/o timeout" : "connect: " + ErrnoText(err));
}

}  // namespace

DialOutcome Dial(const std::string& host, int port, std::chrono::milliseconds timeout,
                 const std::function<bool()>& cancelled, std::chrono::steady_clock::time_point pause_at) {
  DialOutcome out;
  if (port < 0 || port > 65535) {
    out.cause = "dial tcp: address " + std::to_string(port) + ": invalid port";
    return out;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  // A dial that may pause must not block in a name lookup, which no pause reaches.
  if (pause_at != std::chrono::steady_clock::time_point::max()) hints.ai_flags |= AI_NUMERICHOST;
  addrinfo* addrs = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addrs) != 0 || addrs == nullptr) {
    out.cause = "dial tcp: lookup " + host + ": no such host";
    return out;
  }
  const auto deadline = timeout.count() > 0 ? std::chrono::steady_clock::now() + timeout
                                            : std::chrono::steady_clock::time_point::max();
  for (const addrinfo* a = addrs; a != nullptr; a = a->ai_next) {
    const int err = ConnectOnce(*a, deadline, pause_at, cancelled, &out.fd);
    if (err == 0) break;
    if (err == kCancelled) {
      out.cancelled = true;
      break;
    }
    if (err == kPaused) {
      out.in_progress = true;
      out.address = NumericHostPort(*a, port);
      out.deadline = deadline;
      break;
    }
    // Go reports the first address's error; a passed deadline ends the whole dial.
    if (out.cause.empty()) out.cause = ConnectCause(NumericHostPort(*a, port), err);
    if (err == kOurTimeout) break;
  }
  freeaddrinfo(addrs);
  if (out.fd >= 0) out.cause.clear();
  return out;
}

int PollFor(int fd, short events, std::chrono::steady_clock::duration d) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(d);
  const timespec wait{static_cast<time_t>(secs.count()),
                      static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(d - secs).count())};
  pollfd p{fd, events, 0};
  return ppoll(&p, 1, &wait, nullptr);
}

DialOutcome ResumeDial(DialOutcome paused, const std::function<bool()>& cancelled) {
  if (!paused.in_progress) return paused;
  DialOutcome out;
  const int err = EndConnect(AwaitConnect(paused.fd, paused.deadline, std::chrono::steady_clock::time_point::max(), cancelled),
                             &paused.fd);
  out.fd = paused.fd;
  out.cancelled = err == kCancelled;
  if (err != 0 && err != kCancelled) out.cause = ConnectCause(paused.address, err);
  return out;
}

namespace {

void OnTlsMessage(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
  auto* obs = static_cast<TlsObservation*>(arg);
  if (obs == nullptr || write_p != 0) return;
  const auto* bytes = static_cast<const unsigned char*>(buf);
  if (content_type == SSL3_RT_HEADER && len >= 5 && !obs->header_seen) {
    std::copy(bytes, bytes + 5, obs->header);
    obs->header_seen = true;
  } else if (content_type == SSL3_RT_ALERT && len >= 2 && obs->alert < 0) {
    obs->alert = bytes[1];
  }
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// x509.HostnameError's text (Go 1.16, the 1.21 kubelet's Go), "" when the certificate matches.
std::string HostnameError(X509* cert, const std::string& host) {
  in6_addr ip{};
  const bool is_ip = inet_pton(AF_INET, host.c_str(), &ip) == 1 || inet_pton(AF_INET6, host.c_str(), &ip) == 1;
  if (is_ip ? X509_check_ip_asc(cert, host.c_str(), 0) == 1
            : X509_check_host(cert, host.c_str(), host.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1) {
    return "";
  }
  std::vector<std::string> dns, ips;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)), ASN1_STRING_length(n->d.dNSName));
    } else if (n->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = "";
      const int family = ASN1_STRING_length(n->d.iPAddress) == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, ASN1_STRING_get0_data(n->d.iPAddress), text, sizeof(text));
      ips.emplace_back(text);
    }
  }
  const bool has_san = names != nullptr;
  GENERAL_NAMES_free(names);
  if (!has_san && !is_ip && X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1) {
    return "x509: certificate relies on legacy Common Name field, use SANs or temporarily enable Common Name "
           "matching with GODEBUG=x509ignoreCN=0";
  }
  if (is_ip && ips.empty()) return "x509: cannot validate certificate for " + host + " because it doesn't contain any IP SANs";
  const std::string valid = Join(is_ip ? ips : dns);
  if (valid.empty()) return "x509: certificate is not valid for any names, but wanted to match " + host;
  return "x509: certificate is valid for " + valid + ", not " + host;
}

std::string ChainError(int code) {
  switch (code) {
    case X509_V_OK: return "";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "x509: certificate signed by unknown authority";
    default:
      return std::string("x509: ") + X509_verify_cert_error_string(code);
  }
}

// Runs OpenSSL's chain check, and records the error Go would report first.
int OnVerifyCertificate(X509_STORE_CTX* store, void* arg) {
  auto* obs = static_cast<TlsObservation*>(arg);
  const int ok = X509_verify_cert(store);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (obs != nullptr && leaf != nullptr) {
    if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0 || X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
      obs->verify_error = "x509: certificate has expired or is not yet valid";
    } else if (std::string e = HostnameError(leaf, obs->host); !e.empty()) {
      obs->verify_error = e;
    } else {
      obs->verify_error = ChainError(ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(store));
    }
  }
  return ok;
}

// crypto/tls alert texts.
std::string AlertText(int description) {
  static const std::map<int, std::string> kTexts = {
      {10, "unexpected message"}, {20, "bad record MAC"}, {22, "record overflow"}, {40, "handshake failure"},
      {42, "bad certificate"}, {43, "unsupported certificate"}, {44, "revoked certificate"},
      {45, "expired certificate"}, {46, "unknown certificate"}, {47, "illegal parameter"},
      {48, "unknown certificate authority"}, {49, "access denied"}, {50, "error decoding message"},
      {51, "error decrypting message"}, {70, "protocol version not supported"},
      {71, "insufficient security level"}, {80, "internal error"}, {86, "inappropriate fallback"},
      {90, "user canceled"}, {109, "missing extension"}, {110, "unsupported extension"},
      {112, "unrecognized name"}, {116, "certificate required"}, {120, "no application protocol"}};
  auto it = kTexts.find(description);
  return it != kTexts.end() ? it->second : "alert(" + std::to_string(description) + ")";
}

}  // namespace

void ObserveTls(SSL_CTX* ctx, TlsObservation* obs) {
  SSL_CTX_set_msg_callback(ctx, OnTlsMessage);
  SSL_CTX_set_msg_callback_arg(ctx, obs);
  SSL_CTX_set_cert_verify_callback(ctx, OnVerifyCertificate, obs);
}

bool ServerSpokePlainHttp(const TlsObservation& obs) {
  return obs.header_seen && std::memcmp(obs.header, "HTTP/", 5) == 0;
}

std::string TlsFailureCause(const TlsObservation& obs) {
  if (ServerSpokePlainHttp(obs)) return "http: server gave HTTP response to HTTPS client";
  if (!obs.header_seen) return "EOF";  // the server closed before sending a record
  const int type = obs.header[0];
  const int version = obs.header[1] << 8 | obs.header[2];
  if ((type != SSL3_RT_ALERT && type != SSL3_RT_HANDSHAKE) || version >= 0x1000) {
    return "tls: first record does not look like a TLS handshake";
  }
  if (obs.alert == 0) return "EOF";  // close_notify
  if (obs.alert > 0) return "remote error: tls: " + AlertText(obs.alert);
  return "tls: handshake failure";
}

std::string VerifyFailureCause(const TlsObservation& obs) {
  return obs.verify_error.empty() ? "x509: certificate verification failed" : obs.verify_error;
}

}  // namespace podlife::http
