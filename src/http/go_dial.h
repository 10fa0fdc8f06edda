// Connection set-up as Go's net.Dialer and crypto/tls report it, for the hook's HTTP client.
//
// Contract:
// - Dial(host, port, timeout, cancelled) resolves host and connects to each address in turn, once
//   (no retry, no second connection), and returns a blocking socket or Go's error text:
//   `dial tcp: address N: invalid port`, `dial tcp: lookup H: no such host`,
//   `dial tcp IP:P: connect: <errno text>`, or `dial tcp IP:P: i/o timeout` once `timeout` (> 0)
//   has passed; timeout 0 waits as long as the kernel does. `cancelled` is polled every 50 ms.
// - Given a `pause_at`, Dial stops waiting for a connect still under way then: the outcome is
//   `in_progress` (fd is the connecting socket, no further address is tried) and ResumeDial, on
//   any thread, waits for that connect to the dial's own deadline and reports it as Dial would.
//   Such a dial resolves numeric hosts only (a name lookup would block where no pause reaches).
// - PollFor(fd, events, d) is ppoll on one socket for at most `d` (nanosecond precision, d >= 0):
//   ppoll's result.
// - ObserveTls(ctx, obs) makes every handshake on `ctx` record into `obs` what the server sent:
//   the first record header (5 bytes, before OpenSSL judges it), the first alert, and the
//   certificate check as Go's x509 orders it (validity, then hostname, then chain).
//   TlsFailureCause(obs) is Go's text for a failed handshake (`EOF`, `tls: first record does not
//   look like a TLS handshake`, `remote error: tls: <alert>`); ServerSpokePlainHttp(obs) is Go's
//   tls.RecordHeaderError test (`HTTP/` where a record header should be). VerifyFailureCause is
//   Go's x509 error text for a certificate the verifying client refused.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <string>

namespace podlife::http {

struct DialOutcome {
  int fd = -1;  // >= 0: connected, or still connecting when in_progress (the caller owns it)
  std::string cause;
  bool cancelled = false;
  bool in_progress = false;  // paused: ResumeDial ends it
  std::string address;       // in_progress: the numeric IP:port being connected to
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

DialOutcome Dial(const std::string& host, int port, std::chrono::milliseconds timeout,
                 const std::function<bool()>& cancelled,
                 std::chrono::steady_clock::time_point pause_at = std::chrono::steady_clock::time_point::max());
DialOutcome ResumeDial(DialOutcome paused, const std::function<bool()>& cancelled);
int PollFor(int fd, short events, std::chrono::steady_clock::duration d);

struct TlsObservation {
  std::string host;  // the name or IP the certificate must match
  bool header_seen = false;
  unsigned char header[5] = {};
  int alert = -1;            // description of the first alert received
  std::string verify_error;  // Go's x509 text for the server's certificate, "" = acceptable
};

void ObserveTls(SSL_CTX* ctx, TlsObservation* obs);
bool ServerSpokePlainHttp(const TlsObservation& obs);
std::string TlsFailureCause(const TlsObservation& obs);
std::string VerifyFailureCause(const TlsObservation& obs);

}  // namespace podlife::http
