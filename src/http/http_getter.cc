#include "src/http/http_getter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "src/http/go_dial.h"
#include "src/http/response_head.h"

namespace podlife::http {

std::string Url::Authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + (port_explicit ? ":" + std::to_string(port) : "");
}

std::string Url::ToString() const { return scheme + "://" + Authority() + target; }

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr SteadyTime kNoPause = SteadyTime::max();

constexpr int kMaxRequests = 10;  // Go's default and the kubelet's checker: stop once 10 requests were made
constexpr auto kCancelPoll = std::chrono::milliseconds(50);
// How long the cancellation watcher keeps polling after its last request before it sleeps.
constexpr auto kLinger = std::chrono::seconds(1);

// Watches in-flight requests for cancellation on one shared thread, so a request costs no
// thread of its own. It shuts the connection's socket down, which ends a blocking read or a TLS
// handshake; httplib's stop() would not do for the handshake: it waits for the mutex httplib
// holds while connecting, so a stalled handshake blocked the watcher (and every other
// cancellation) for ever. Before the socket exists, Dial polls `cancelled` itself.
class CancelWatcher {
 public:
  struct Entry {
    const std::atomic<int>* fd;  // the connection's socket once dialled, else -1
    const std::function<bool()>* cancelled;
    bool fired = false;
  };

  ~CancelWatcher() {
    {
      std::lock_guard lock(mu_);
      shutting_down_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  std::list<Entry>::iterator Add(const std::atomic<int>* fd, const std::function<bool()>* cancelled) {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    auto it = entries_.insert(entries_.end(), Entry{fd, cancelled});
    // A watcher still polling sees the entry within kCancelPoll; waking it for every request cost
    // each hook a context switch (a third of an httpGet hook's time on 2 cores).
    if (asleep_) cv_.notify_all();
    return it;
  }

  // Returns whether the watcher cancelled this request.
  bool Remove(std::list<Entry>::iterator it) {
    std::lock_guard lock(mu_);
    const bool fired = it->fired;
    entries_.erase(it);
    return fired;
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    auto last_watched = std::chrono::steady_clock::now();
    while (!shutting_down_) {
      if (!entries_.empty()) {
        last_watched = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - last_watched >= kLinger) {
        // Nothing watched for a while: sleep until a request comes (Add wakes a sleeping watcher).
        asleep_ = true;
        cv_.wait(lock, [&] { return shutting_down_ || !entries_.empty(); });
        asleep_ = false;
        continue;
      }
      for (auto& e : entries_) {
        if (e.fired || !(*e.cancelled)()) continue;
        // Under mu_: Remove() comes first when the request ends, so the socket is still open.
        // No socket yet: Dial sees the cancellation itself; look again next round.
        if (const int fd = e.fd->load(); fd >= 0) {
          ::shutdown(fd, SHUT_RDWR);
          e.fired = true;
        }
      }
      cv_.wait_for(lock, kCancelPoll, [&] { return shutting_down_; });
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Entry> entries_;
  bool shutting_down_ = false;
  bool asleep_ = false;  // waiting with no timeout: Add must wake it
  std::thread thread_;
};

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool SameName(const std::string& a, const std::string& b) { return strcasecmp(a.c_str(), b.c_str()) == 0; }

std::string Quoted(const std::string& url) { return "Get \"" + url + "\": "; }

// Resolves a Location header against the URL it came from (absolute, scheme-relative,
// absolute-path or relative-path references). Returns false when it cannot be parsed.
bool ResolveLocation(const Url& base, const std::string& location, Url* out) {
  *out = base;
  std::string rest;
  if (auto sep = location.find("://"); sep != std::string::npos && location.find('/') > sep) {
    out->scheme = Lower(location.substr(0, sep));
    rest = location.substr(sep + 3);
  } else if (location.rfind("//", 0) == 0) {
    rest = location.substr(2);
  } else {
    if (location.empty()) return false;
    if (location[0] == '/') {
      out->target = location;
    } else {
      std::string dir = base.target.substr(0, base.target.find('?'));
      dir = dir.substr(0, dir.rfind('/') + 1);
      out->target = dir + location;
    }
    return true;
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  out->target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!out->target.empty() && out->target[0] == '?') out->target = "/" + out->target;
  out->port = out->scheme == "https" ? 443 : 80;
  out->port_explicit = false;  // Go keeps the authority as written: Host has no port then
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    out->host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  } else {
    out->host = authority;
  }
  if (!port.empty()) {
    if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) || port.size() > 5) {
      return false;
    }
    out->port = std::stoi(port);
    out->port_explicit = true;
  }
  return !out->host.empty();
}

// Go's canonicalAddr: lower-cased host and the port, the scheme's default when none.
std::string CanonicalAddr(const Url& url) { return Lower(url.host) + ":" + std::to_string(url.port); }

// Go's shouldCopyHeaderOnRedirect for credentials: to the same host:port or a subdomain of it.
bool KeepsCredentials(const Url& from, const Url& to) {
  const std::string parent = CanonicalAddr(from);
  const std::string sub = CanonicalAddr(to);
  if (sub == parent) return true;
  return sub.size() > parent.size() && sub.compare(sub.size() - parent.size(), parent.size(), parent) == 0 &&
         sub[sub.size() - parent.size() - 1] == '.';
}

bool IsCredential(const std::string& name) {
  return SameName(name, "Authorization") || SameName(name, "Www-Authenticate") || SameName(name, "Cookie") ||
         SameName(name, "Cookie2");
}

// The headers of one request as Go's Request.write and Transport send them (Host and
// Accept-Encoding aside): only the first User-Agent, Go's default when there is none.
// Returns whether the transport asks for gzip (no Accept-Encoding or Range from the caller).
bool WireHeaders(const std::vector<Header>& headers, httplib::Headers* sent) {
  bool user_agent = false;
  bool gzip = true;
  for (const auto& h : headers) {
    if (SameName(h.name, "User-Agent")) {
      if (user_agent) continue;
      user_agent = true;
    }
    if (SameName(h.name, "Accept-Encoding") || SameName(h.name, "Range")) gzip = false;
    sent->emplace(h.name, h.value);
  }
  if (!user_agent) sent->emplace("User-Agent", "Go-http-client/1.1");
  if (gzip) sent->emplace("Accept-Encoding", "gzip");
  return gzip;
}

// Blocks SIGPIPE in this thread while alive and discards one raised meanwhile: TLS writes
// (OpenSSL's write(), a close_notify after a cancelled handshake) cannot use MSG_NOSIGNAL, and a
// process that keeps SIGPIPE's default would die of it.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    already_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!already_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool already_pending_ = false;
};

// A GET paused on one thread and continued on another: its connection, how much of the request
// had been sent, and every byte of the answer read so far (parsed again when it goes on).
struct Handover {
  DialOutcome dial;  // the connection; dial.in_progress: still connecting
  std::string sent;  // the request bytes the server has
  std::string received;
};

// A plain connection's pause point (kNoPause: never), and what it had sent and read when paused.
struct StreamPause {
  SteadyTime pause_at = kNoPause;
  bool paused = false;
  std::string sent;
  std::string received;
  bool armed() const { return pause_at != kNoPause; }
};

// The connection as httplib reads and writes it (plain, or TLS over it), with every byte read
// passed through a ResponseHeadWatch: past Go's head limit a read fails, as Go's transport does.
// Blocking: httplib's timeouts are ours to set (none), a cancelled request's socket is shut down.
// A plain stream with an armed `pause` waits for its socket only until pause_at: then it fails the
// read or write with `pause->paused` set. A stream given a `resume` first serves its received
// bytes and drops as many written bytes as had been sent, so httplib's fresh request and parse
// continue the paused one.
class WatchedStream : public httplib::Stream {
 public:
  WatchedStream(int fd, SSL* ssl, ResponseHeadWatch* head, StreamPause* pause, const Handover* resume)
      : fd_(fd), ssl_(ssl), head_(head), pause_(pause), resume_(resume),
        already_sent_(resume != nullptr ? resume->sent.size() : 0) {}

  bool is_readable() const override {
    if (consumed_ < buffered_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, -1) > 0;
  }
  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, -1) > 0;
  }
  // httplib reads the head a byte at a time: small reads are served from a buffer.
  ssize_t read(char* ptr, size_t size) override {
    if (consumed_ == buffered_) {
      if (size >= sizeof(buffer_)) return ReadFromPeer(ptr, size);
      const ssize_t n = ReadFromPeer(buffer_, sizeof(buffer_));
      if (n <= 0) return n;
      buffered_ = static_cast<size_t>(n);
      consumed_ = 0;
    }
    const size_t take = std::min(size, buffered_ - consumed_);
    std::memcpy(ptr, buffer_ + consumed_, take);
    consumed_ += take;
    return static_cast<ssize_t>(take);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (ssl_ != nullptr) return SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
    if (matched_ < already_sent_) {
      // Sent before the pause. httplib writes the same request again; should it ever differ, the
      // write fails rather than send a request the server never saw whole.
      const size_t take = std::min(size, already_sent_ - matched_);
      if (resume_->sent.compare(matched_, take, ptr, take) != 0) return -1;
      matched_ += take;
      return static_cast<ssize_t>(take);
    }
    const bool pausing = pause_->armed();
    ssize_t n;
    do {
      if (pausing && !AwaitSocket(POLLOUT)) return -1;
      n = send(fd_, ptr, size, MSG_NOSIGNAL | (pausing ? MSG_DONTWAIT : 0));
    } while (n < 0 && (errno == EINTR || (pausing && (errno == EAGAIN || errno == EWOULDBLOCK))));
    if (pausing && n > 0) pause_->sent.append(ptr, static_cast<size_t>(n));
    return n;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { Address(getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { Address(getsockname, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t ReadFromPeer(char* ptr, size_t size) {
    ssize_t n;
    if (ssl_ != nullptr) {
      n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
    } else if (resume_ != nullptr && replayed_ < resume_->received.size()) {
      n = static_cast<ssize_t>(std::min(size, resume_->received.size() - replayed_));
      std::memcpy(ptr, resume_->received.data() + replayed_, static_cast<size_t>(n));
      replayed_ += static_cast<size_t>(n);
    } else if (pause_->armed()) {
      do {
        if (!AwaitSocket(POLLIN)) return -1;
        n = recv(fd_, ptr, size, MSG_DONTWAIT);
      } while (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK));
      if (n > 0) pause_->received.append(ptr, static_cast<size_t>(n));
    } else {
      do {
        n = recv(fd_, ptr, size, 0);
      } while (n < 0 && errno == EINTR);
    }
    if (n > 0 && !head_->head_done() && !head_->Feed(ptr, static_cast<size_t>(n))) return -1;
    return n < 0 ? -1 : n;
  }

  // Waits until the socket is ready for `events` before pause_at; once pause_at has passed it
  // marks the pause and returns false, even with bytes waiting (a server that never stops sending
  // must not hold the caller past its bound). A poll error is left for the read or write to report.
  bool AwaitSocket(short events) {
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= pause_->pause_at) {
        pause_->paused = true;
        return false;
      }
      const int ready = PollFor(fd_, events, pause_->pause_at - now);
      if (ready > 0 || (ready < 0 && errno != EINTR)) return true;
    }
  }

  void Address(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    char text[INET6_ADDRSTRLEN] = "";
    port = 0;
    if (get(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    if (addr.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
      port = ntohs(a->sin6_port);
    } else {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
      port = ntohs(a->sin_port);
    }
    ip = text;
  }

  int fd_;
  SSL* ssl_;
  ResponseHeadWatch* head_;
  StreamPause* pause_;
  const Handover* resume_;
  size_t already_sent_;
  size_t matched_ = 0;
  size_t replayed_ = 0;
  char buffer_[4096];
  size_t buffered_ = 0;
  size_t consumed_ = 0;
};

// An httplib client that connects through Dial (one connect, Go's errors) instead of its own.
// A plain connection's socket is the client's own, not httplib's (httplib would shut it down when
// the request fails), so a paused request can hand it on: `pause_at` pauses it (plain only), a
// `resume` continues one (TakeHandover gives what a paused one leaves).
template <class Base>
class DialingClient : public Base {
  static constexpr bool kTls = std::is_same_v<Base, httplib::SSLClient>;

 public:
  DialingClient(const std::string& host, int port, std::chrono::milliseconds connect_timeout,
                const std::function<bool()>& cancelled, SteadyTime pause_at, Handover* resume)
      : Base(host, port), connect_timeout_(connect_timeout), cancelled_(cancelled), resume_(resume) {
    pause_.pause_at = kTls ? kNoPause : pause_at;
  }
  ~DialingClient() override {
    if (plain_fd_ >= 0 && !pause_.paused) {
      ::shutdown(plain_fd_, SHUT_RDWR);
      ::close(plain_fd_);
    }
  }
  DialingClient(const DialingClient&) = delete;
  DialingClient& operator=(const DialingClient&) = delete;

  // What a paused request leaves for its rest, or nothing: not paused, or `cancelled` (the watcher
  // shut its socket down at the pause: the request ends here, as cancelled).
  std::optional<Handover> TakeHandover(bool cancelled) {
    if (!pause_.paused) return std::nullopt;
    pause_.paused = false;
    if (cancelled) {
      if (dial_.in_progress) ::close(dial_.fd);  // else plain_fd_, closed by the destructor
      return std::nullopt;
    }
    Handover h{dial_, std::move(pause_.sent), std::move(pause_.received)};
    plain_fd_ = -1;  // the handover owns it now
    return h;
  }
  const DialOutcome& dial() const { return dial_; }
  std::chrono::steady_clock::time_point connected_at() const { return connected_at_; }
  const ResponseHeadWatch& head() const { return head_; }
  const std::atomic<int>& fd() const { return fd_; }

 private:
  // httplib's own stream, but watched (the TLS session, when there is one, is httplib's).
  bool process_socket(const typename Base::Socket& socket, std::function<bool(httplib::Stream&)> callback) override {
    WatchedStream stream(kTls ? socket.sock : plain_fd_, socket.ssl, &head_, &pause_, resume_);
    return callback(stream);
  }

  bool create_and_connect_socket(typename Base::Socket& socket, httplib::Error& error) override {
    if (!this->is_valid()) return false;
    dial_ = resume_ != nullptr ? ResumeDial(resume_->dial, cancelled_)
                               : Dial(this->host_, this->port_, connect_timeout_, cancelled_, pause_.pause_at);
    connected_at_ = std::chrono::steady_clock::now();
    if (dial_.in_progress) pause_.paused = true;
    if (dial_.fd < 0 || dial_.in_progress) {
      error = httplib::Error::Connection;
      return false;
    }
    // Plain: httplib's socket stays invalid, so it neither shuts down nor closes ours.
    if (kTls) {
      socket.sock = dial_.fd;
    } else {
      if (plain_fd_ >= 0) ::close(plain_fd_);  // httplib connects once per request; never twice here
      plain_fd_ = dial_.fd;
    }
    fd_ = dial_.fd;
    return true;
  }

  std::chrono::milliseconds connect_timeout_;
  const std::function<bool()>& cancelled_;
  Handover* resume_;
  StreamPause pause_;
  int plain_fd_ = -1;
  DialOutcome dial_;
  std::chrono::steady_clock::time_point connected_at_;
  ResponseHeadWatch head_;
  std::atomic<int> fd_{-1};
};

using PlainClient = DialingClient<httplib::ClientImpl>;
using TlsClient = DialingClient<httplib::SSLClient>;

// What one connection's request ended with, before it becomes a Result.
struct Attempt {
  std::optional<Handover> paused;  // set: the request goes on elsewhere, nothing else counts
  httplib::Error error = httplib::Error::Success;
  bool cancelled = false;
  DialOutcome dial;
  std::chrono::steady_clock::duration handshake_time{};
  TlsObservation tls;
  ResponseHeadWatch head;
};

std::string TransportCause(const Attempt& a, const Options& options) {
  switch (a.error) {
    case httplib::Error::Connection:
      return a.dial.cause.empty() ? "dial tcp: connection failed" : a.dial.cause;
    case httplib::Error::SSLConnection:
      if (options.tls_handshake_timeout.count() > 0 && a.handshake_time >= options.tls_handshake_timeout) {
        return "net/http: TLS handshake timeout";
      }
      return TlsFailureCause(a.tls);
    case httplib::Error::SSLServerVerification:
      return VerifyFailureCause(a.tls);
    case httplib::Error::Read:
      return "EOF";
    case httplib::Error::Write:
      return "write: broken pipe";
    default:
      return Lower(httplib::to_string(a.error));
  }
}

// Whether a request to `url` can begin on the caller's thread: plain http to a numeric IP (no
// name lookup, no TLS handshake, both of which block where no pause can reach).
bool BeginsOnCallersThread(const Url& url) {
  in6_addr ip{};
  return url.scheme == "http" &&
         (inet_pton(AF_INET, url.host.c_str(), &ip) == 1 || inet_pton(AF_INET6, url.host.c_str(), &ip) == 1);
}

// A GET across its redirect hops: the hop under way, and its connection when the GET paused.
struct GetProgress {
  explicit GetProgress(const Request& request)
      : first(request), url(request.url), headers(request.headers), host_header(request.host_header) {}
  GetProgress(const GetProgress&) = delete;
  GetProgress& operator=(const GetProgress&) = delete;
  // A paused GET whose rest never ran still owns its connection.
  ~GetProgress() {
    if (paused && paused->dial.fd >= 0) ::close(paused->dial.fd);
  }

  Request first;
  Url url;
  std::vector<Header> headers;
  std::string host_header;
  int requests_made = 1;
  std::optional<Handover> paused;
};

class HttplibGetter : public HttpGetter {
 public:
  Result Get(const Request& request, const Options& options, const std::function<bool()>& cancelled) override {
    GetProgress progress(request);
    return *Drive(progress, options, cancelled, kNoPause);
  }

  Begun GetUntil(const Request& request, const Options& options, std::function<bool()> cancelled,
                 SteadyTime pause_at) override {
    auto progress = std::make_shared<GetProgress>(request);
    // Both outlive this call when the GET goes on: DialingClient and the watcher hold references.
    auto watched = std::make_shared<const std::function<bool()>>(std::move(cancelled));
    if (std::optional<Result> done = Drive(*progress, options, *watched, pause_at)) return *done;
    return Unfinished{[this, progress, options, watched] { return *Drive(*progress, options, *watched, kNoPause); }};
  }

 private:
  // Runs the GET's hops from where `p` is, until its Result or (with a pause_at) its pause: then
  // nullopt, with p.paused holding the hop's connection (none when the hop had not begun).
  std::optional<Result> Drive(GetProgress& p, const Options& options, const std::function<bool()>& cancelled,
                              SteadyTime pause_at) {
    const Request& request = p.first;
    for (;; ++p.requests_made) {
      if (pause_at != kNoPause && !BeginsOnCallersThread(p.url)) return std::nullopt;
      std::optional<Handover> resume = std::exchange(p.paused, std::nullopt);
      Result one = GetOnce(p.url, p.headers, p.host_header, options, cancelled, pause_at, resume, &p.paused);
      if (p.paused) return std::nullopt;
      auto* response = std::get_if<Response>(&one);
      if (response == nullptr || !IsRedirect(response->status)) return one;
      std::string location;
      for (const auto& h : response->headers) {
        if (SameName(h.name, "Location")) {
          location = h.value;
          break;  // Header.Get: the first value
        }
      }
      if (location.empty()) {
        // Go follows 307/308 only with a Location; a 301/302/303 without one is an error.
        if (response->status == 307 || response->status == 308) return one;
        return Error{ErrorKind::kTransport, Quoted(p.url.ToString()) + std::to_string(response->status) +
                                                " response missing Location header"};
      }
      Url next;
      if (!ResolveLocation(p.url, location, &next)) return one;
      // HT-10: the kubelet's checker compares URL.Hostname() as written (case matters).
      if (options.redirects == RedirectPolicy::kSameHostOnly && next.host != request.url.host) return one;
      if (p.requests_made >= kMaxRequests) {
        // Go's client reports the Location it refused, as the server sent it.
        return Error{ErrorKind::kTooManyRedirects, Quoted(location) + "stopped after 10 redirects"};
      }
      p.headers = NextHopHeaders(request, p.url, next, location);
      p.host_header = location.find("://") == std::string::npos ? request.host_header : "";
      p.url = next;
    }
  }

  // Go's redirect: the first request's headers (credentials only towards the same host:port or
  // a subdomain of the previous one) plus Referer, the previous URL unless https goes to http.
  static std::vector<Header> NextHopHeaders(const Request& first, const Url& from, const Url& to,
                                            const std::string& location) {
    std::vector<Header> headers;
    const bool credentials = KeepsCredentials(from, to);
    for (const auto& h : first.headers) {
      if (credentials || !IsCredential(h.name)) headers.push_back(h);
    }
    if (!(from.scheme == "https" && to.scheme == "http")) headers.push_back({"Referer", from.ToString()});
    return headers;
  }

  // One hop. With a pause_at it may pause (*paused set, the Result meaningless); a `resume`
  // continues a paused one.
  Result GetOnce(const Url& url, const std::vector<Header>& headers, const std::string& host_header,
                 const Options& options, const std::function<bool()>& cancelled, SteadyTime pause_at,
                 std::optional<Handover>& resume, std::optional<Handover>* paused) {
    if (url.scheme != "http" && url.scheme != "https") {
      return Error{ErrorKind::kUnsupportedScheme, Quoted(url.ToString()) + "unsupported protocol scheme \"" + url.scheme + "\""};
    }
    httplib::Headers sent;
    sent.emplace("Host", host_header.empty() ? url.Authority() : host_header);
    const bool gzip = WireHeaders(headers, &sent);

    Response response;
    response.final_url = url.ToString();
    bool truncated = false;
    auto on_response = [&](const httplib::Response& r) {
      response.status = r.status;
      for (const auto& [name, value] : r.headers) response.headers.push_back({name, value});
      return true;
    };
    auto on_body = [&](const char* data, size_t length) {
      const size_t room = options.max_body_bytes - response.body.size();
      if (length > room) {
        response.body.append(data, room);
        truncated = true;
        return false;  // HT-13: stop reading at max_body_bytes
      }
      response.body.append(data, length);
      return true;
    };

    if (url.port < 0 || url.port > 65535) {
      // Go's dialer parses the port before anything else (net.LookupPort): no connection.
      return Error{ErrorKind::kTransport,
                   Quoted(url.ToString()) + "dial tcp: address " + std::to_string(url.port) + ": invalid port"};
    }
    Attempt attempt;
    httplib::Result result = Send(url, sent, gzip, options, cancelled, on_response, on_body, pause_at,
                                  resume ? &*resume : nullptr, &attempt);
    if (attempt.paused) {
      *paused = std::move(attempt.paused);
      return response;
    }
    if (result.error() == httplib::Error::Success) {
      // httplib skips the response handler for some bodiless answers; the result has it all.
      response.status = result->status;
      response.headers.clear();
      for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
      return response;
    }
    if (truncated && response.status != 0) return response;
    if (attempt.cancelled) return Error{ErrorKind::kCancelled, Quoted(url.ToString()) + "context canceled"};
    if (attempt.head.too_long()) return Error{ErrorKind::kTransport, Quoted(url.ToString()) + kResponseHeadTooLong};
    if (attempt.error == httplib::Error::Read && attempt.head.status_line_complete()) {
      // httplib refused the status line; Go's reader says why (when Go refuses it too).
      if (std::string why = GoStatusLineError(attempt.head.status_line()); !why.empty()) {
        return Error{ErrorKind::kTransport, Quoted(url.ToString()) + why};
      }
    }
    if (attempt.error == httplib::Error::SSLConnection && ServerSpokePlainHttp(attempt.tls)) {
      return Error{ErrorKind::kHttpResponseToHttps, Quoted(url.ToString()) + TransportCause(attempt, options)};
    }
    return Error{ErrorKind::kTransport, Quoted(url.ToString()) + TransportCause(attempt, options)};
  }

  // One connection, one request. No timeouts but the dial's and the handshake's (HT-09): a hung
  // server is ended by cancellation.
  httplib::Result Send(const Url& url, const httplib::Headers& sent, bool gzip, const Options& options,
                       const std::function<bool()>& cancelled, httplib::ResponseHandler on_response,
                       httplib::ContentReceiver on_body, SteadyTime pause_at, Handover* resume, Attempt* attempt) {
    const auto forever = std::chrono::hours(24 * 365);
    std::unique_ptr<httplib::ClientImpl> client;
    PlainClient* plain = nullptr;
    TlsClient* tls = nullptr;
    attempt->tls.host = url.host;
    if (url.scheme == "https") {
      auto c = std::make_unique<TlsClient>(url.host, static_cast<int>(url.port), options.connect_timeout, cancelled,
                                           kNoPause, nullptr);
      c->enable_server_certificate_verification(options.verify_certificates);
      if (options.verify_certificates) SSL_CTX_set_default_verify_paths(c->ssl_context());
      ObserveTls(c->ssl_context(), &attempt->tls);
      // httplib bounds the handshake by its connection timeout; the dial has its own (Dial).
      if (options.tls_handshake_timeout.count() > 0) {
        c->set_connection_timeout(options.tls_handshake_timeout);
      } else {
        c->set_connection_timeout(forever);
      }
      tls = c.get();
      client = std::move(c);
    } else {
      auto c = std::make_unique<PlainClient>(url.host, static_cast<int>(url.port), options.connect_timeout, cancelled,
                                             pause_at, resume);
      plain = c.get();
      client = std::move(c);
    }
    client->set_read_timeout(forever);
    client->set_write_timeout(forever);
    client->set_keep_alive(true);  // no `Connection: close`: Go's client does not send one
    client->set_decompress(gzip);
    client->set_url_encode(false);  // the target is already as Go writes it

    std::optional<std::list<CancelWatcher::Entry>::iterator> watch;
    if (cancelled) watch = watcher_.Add(plain != nullptr ? &plain->fd() : &tls->fd(), &cancelled);
    httplib::Result result = [&] {
      SigpipeBlocked no_sigpipe;  // OpenSSL writes with write(): a shut-down socket raises SIGPIPE
      return client->Get(url.target, sent, std::move(on_response), std::move(on_body));
    }();
    const bool watcher_fired = watch && watcher_.Remove(*watch);
    if (plain != nullptr) attempt->paused = plain->TakeHandover(watcher_fired);
    attempt->error = result.error();
    attempt->dial = plain != nullptr ? plain->dial() : tls->dial();
    attempt->head = plain != nullptr ? plain->head() : tls->head();
    attempt->cancelled = watcher_fired || attempt->dial.cancelled;
    const auto connected_at = plain != nullptr ? plain->connected_at() : tls->connected_at();
    attempt->handshake_time = std::chrono::steady_clock::now() - connected_at;
    return result;
  }

  CancelWatcher watcher_;
};

}  // namespace

Begun HttpGetter::GetUntil(const Request& request, const Options& options, std::function<bool()> cancelled,
                           std::chrono::steady_clock::time_point) {
  return Unfinished{[this, request, options, cancelled = std::move(cancelled)] { return Get(request, options, cancelled); }};
}

std::unique_ptr<HttpGetter> NewHttpGetter() { return std::make_unique<HttplibGetter>(); }

}  // namespace podlife::http
