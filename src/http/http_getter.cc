#include "src/http/http_getter.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace podlife::http {

std::string Url::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + target;
}

namespace {

constexpr int kMaxRequests = 10;  // Go's default and the kubelet's checker: stop once 10 requests were made
constexpr auto kCancelPoll = std::chrono::milliseconds(50);

std::string HostPort(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Watches in-flight requests for cancellation on one shared thread, so a request costs no
// thread of its own; stop() shuts the client's socket, which ends its blocking read.
class CancelWatcher {
 public:
  struct Entry {
    httplib::ClientImpl* client;
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

  std::list<Entry>::iterator Add(httplib::ClientImpl* client, const std::function<bool()>* cancelled) {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    auto it = entries_.insert(entries_.end(), Entry{client, cancelled});
    cv_.notify_all();
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
    while (!shutting_down_) {
      if (entries_.empty()) {
        cv_.wait(lock, [&] { return shutting_down_ || !entries_.empty(); });
        continue;
      }
      for (auto& e : entries_) {
        if (!e.fired && (*e.cancelled)()) {
          e.fired = true;
          e.client->stop();
        }
      }
      cv_.wait_for(lock, kCancelPoll, [&] { return shutting_down_; });
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Entry> entries_;
  bool shutting_down_ = false;
  std::thread thread_;
};

constexpr int kLookupFailed = -1;

// Connects a blocking TCP socket to host:port within 2 s. Returns 0 with `*fd` open (the caller
// closes it), kLookupFailed when the name does not resolve, or the connect errno.
int ConnectTcp(const std::string& host, int port, int* fd) {
  *fd = -1;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addrs) != 0 || addrs == nullptr) {
    return kLookupFailed;
  }
  int err = 0;
  const int s = socket(addrs->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) {
    err = errno;
  } else if (connect(s, addrs->ai_addr, addrs->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      err = poll(&p, 1, 2000) == 1 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof(err);
      if (err == 0) getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  freeaddrinfo(addrs);
  if (err != 0) {
    if (s >= 0) close(s);
    return err;
  }
  fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
  *fd = s;
  return 0;
}

// Go's dial error text for a failed TCP connect, found by repeating the connect ourselves
// (httplib only reports "Could not establish connection").
std::string DialCause(const std::string& host, int port) {
  int fd = -1;
  const int err = ConnectTcp(host, port, &fd);
  if (fd >= 0) close(fd);
  if (err == kLookupFailed) return "dial tcp: lookup " + host + ": no such host";
  const std::string target = "dial tcp " + HostPort(host, port) + ": ";
  switch (err) {
    case ECONNREFUSED: return target + "connect: connection refused";
    case ETIMEDOUT: return target + "i/o timeout";
    case EHOSTUNREACH: return target + "connect: no route to host";
    case ENETUNREACH: return target + "connect: network is unreachable";
    case 0: return target + "connection closed during connect";
    default: return target + "connect: " + std::strerror(err);
  }
}

// Whether host:port speaks plain HTTP: send a line a TLS server rejects and an HTTP server
// answers with a status line, as Go notices "HTTP/" where a TLS record header should be.
bool SpeaksPlainHttp(const std::string& host, int port) {
  int fd = -1;
  if (ConnectTcp(host, port, &fd) != 0) return false;
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  static constexpr char kProbe[] = "\x16\x03\x01 podlife-tls-probe\r\n\r\n";
  bool plain = false;
  if (send(fd, kProbe, sizeof(kProbe) - 1, MSG_NOSIGNAL) > 0) {
    char head[5];
    size_t got = 0;
    while (got < sizeof(head)) {
      const ssize_t n = recv(fd, head + got, sizeof(head) - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    plain = got == sizeof(head) && std::memcmp(head, "HTTP/", 5) == 0;
  }
  close(fd);
  return plain;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

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
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority[0] == ':') out->port = std::atoi(authority.c_str() + 1);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    out->host = authority.substr(0, colon);
    out->port = std::atoi(authority.c_str() + colon + 1);
  } else {
    out->host = authority;
  }
  return !out->host.empty() && out->port > 0 && out->port < 65536;
}

class HttplibGetter : public HttpGetter {
 public:
  Result Get(const Request& request, const Options& options, const std::function<bool()>& cancelled) override {
    Url url = request.url;
    int requests_made = 0;
    std::vector<Header> headers = request.headers;
    std::string host_header = request.host_header;
    while (true) {
      Result one = GetOnce(url, headers, host_header, options, cancelled);
      ++requests_made;
      auto* response = std::get_if<Response>(&one);
      if (response == nullptr || !IsRedirect(response->status)) return one;
      std::string location;
      for (const auto& h : response->headers) {
        if (Lower(h.name) == "location") location = h.value;
      }
      Url next;
      if (location.empty() || !ResolveLocation(url, location, &next)) return one;
      if (options.redirects == RedirectPolicy::kSameHostOnly && Lower(next.host) != Lower(request.url.host)) {
        return one;  // HT-10: a cross-host redirect ends with the 3xx itself, a success
      }
      if (requests_made >= kMaxRequests) {
        return Error{ErrorKind::kTooManyRedirects, "Get \"" + url.ToString() + "\": stopped after 10 redirects"};
      }
      if (Lower(next.host) != Lower(url.host)) {
        // Go drops credentials and the virtual host when a redirect leaves the host.
        std::erase_if(headers, [](const Header& h) { return Lower(h.name) == "authorization"; });
        host_header.clear();
      }
      url = next;
    }
  }

 private:
  Result GetOnce(const Url& url, const std::vector<Header>& headers, const std::string& host_header,
                 const Options& options, const std::function<bool()>& cancelled) {
    const std::string quoted = "Get \"" + url.ToString() + "\": ";
    if (url.scheme != "http" && url.scheme != "https") {
      return Error{ErrorKind::kUnsupportedScheme, quoted + "unsupported protocol scheme \"" + url.scheme + "\""};
    }
    std::unique_ptr<httplib::ClientImpl> client;
    if (url.scheme == "https") {
      auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
      tls->enable_server_certificate_verification(false);  // HT-09: InsecureSkipVerify
      client = std::move(tls);
    } else {
      client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    }
    // The kubelet sets no timeout (HT-09); cancellation ends a hung request instead.
    const auto no_timeout = std::chrono::hours(24 * 365);
    const auto timeout = options.timeout.count() > 0 ? std::chrono::duration_cast<std::chrono::seconds>(options.timeout)
                                                      : std::chrono::duration_cast<std::chrono::seconds>(no_timeout);
    client->set_connection_timeout(std::min<std::chrono::seconds>(timeout, std::chrono::seconds(30)));
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    client->set_keep_alive(false);
    client->set_decompress(false);

    httplib::Headers sent;
    for (const auto& h : headers) sent.emplace(h.name, h.value);
    sent.emplace("Host", host_header.empty() ? HostPort(url.host, url.port) : host_header);

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

    std::optional<std::list<CancelWatcher::Entry>::iterator> watch;
    if (cancelled) watch = watcher_.Add(client.get(), &cancelled);
    httplib::Result result = client->Get(url.target, sent, on_response, on_body);
    const bool was_cancelled = watch && watcher_.Remove(*watch);

    if (result.error() == httplib::Error::Success) {
      // httplib skips the response handler for some bodiless answers; the result has it all.
      response.status = result->status;
      response.headers.clear();
      for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
      return response;
    }
    if (truncated && response.status != 0) return response;
    if (was_cancelled) return Error{ErrorKind::kCancelled, quoted + "context canceled"};
    switch (result.error()) {
      case httplib::Error::Connection:
        return Error{ErrorKind::kTransport, quoted + DialCause(url.host, url.port)};
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLServerVerification:
        if (SpeaksPlainHttp(url.host, url.port)) {
          return Error{ErrorKind::kHttpResponseToHttps, quoted + "http: server gave HTTP response to HTTPS client"};
        }
        return Error{ErrorKind::kTransport, quoted + "tls: handshake failure"};
      case httplib::Error::Read:
        return Error{ErrorKind::kTransport, quoted + "EOF"};
      case httplib::Error::Write:
        return Error{ErrorKind::kTransport, quoted + "write: broken pipe"};
      default:
        return Error{ErrorKind::kTransport, quoted + Lower(httplib::to_string(result.error()))};
    }
  }

  CancelWatcher watcher_;
};

}  // namespace

std::unique_ptr<HttpGetter> NewHttpGetter() { return std::make_unique<HttplibGetter>(); }

}  // namespace podlife::http
