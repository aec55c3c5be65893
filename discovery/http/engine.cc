// HttpEngine on libcurl's multi interface: one easy handle per request in
// flight, driven by curl_multi_perform / curl_multi_poll on the calling
// thread. Redirects are followed here, not by libcurl, one exchange (a
// "hop") at a time, so every Location is recorded and the credential
// decision is made again for every hop.
//
// Certificates. libcurl runs with peer and host verification off, so the
// leaf certificate is seen whether or not it verifies; certificate.cc
// parses and verifies it. It is taken at two points: during the handshake,
// by a certificate verification callback installed on every new
// connection's SSL_CTX (CURLOPT_SSL_CTX_FUNCTION); and, for a connection
// that was reused or resumed (no handshake to see), from the connection's
// SSL (CURLINFO_TLS_SSL_PTR) when the answer's status line arrives.
//
// Credentials go only over HTTPS, only to the origin (scheme, host, port)
// of the request, and only when its certificate verifies, unless the
// credential allows an unverified certificate. The strict case is enforced
// in the handshake: the hop runs with CURLOPT_SSL_VERIFYPEER on, and the
// verification callback (which replaces OpenSSL's) accepts the connection
// only when certificate.cc verifies the chain and the host; libcurl keeps
// such connections apart from unverified ones, so the credential never
// goes out on a connection that was not verified. When the callback
// refuses, the hop is made again without the credential, and the answer
// (typically 401) says why it was withheld.
#include "http/engine.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "http/certificate.h"

namespace cmdb::discovery::http {
namespace {

using Clock = std::chrono::steady_clock;

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A socket per transfer in flight, plus room for the connection cache.
void RaiseFileLimit(int max_in_flight) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_in_flight) * 2 + 256;
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? want : std::min(want, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

// With CURLOPT_NOSIGNAL libcurl leaves SIGPIPE alone, and OpenSSL may write
// to a socket the server closed. SIGPIPE is blocked on this thread for the
// run (a write then fails with EPIPE) and any pending one is consumed before
// the old mask comes back.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    if (sigismember(&old_, SIGPIPE) == 1) return;  // blocked before: not ours to consume
    sigset_t pending;
    const timespec zero{};
    while (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      if (sigtimedwait(&pipe_, nullptr, &zero) < 0) break;
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

// Where a URL points: what decides connection reuse and where a credential
// may go.
struct Origin {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case; an IPv6 literal without brackets
  long port = 0;
  bool operator==(const Origin&) const = default;
};

// The origin of an http:// or https:// URL with a host; nullopt otherwise.
std::optional<Origin> ParseOrigin(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
    char* text = nullptr;
    if (curl_url_get(u.get(), which, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
    std::string out(text);
    curl_free(text);
    return out;
  };
  std::optional<std::string> scheme = part(CURLUPART_SCHEME, 0);
  std::optional<std::string> host = part(CURLUPART_HOST, 0);
  std::optional<std::string> port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || host->empty() || !port) return std::nullopt;
  Origin o;
  o.scheme = Lower(*scheme);
  if (o.scheme != "http" && o.scheme != "https") return std::nullopt;
  o.host = Lower(*host);
  if (o.host.size() >= 2 && o.host.front() == '[' && o.host.back() == ']') {
    o.host = o.host.substr(1, o.host.size() - 2);
    if (const size_t zone = o.host.find('%'); zone != std::string::npos) o.host.resize(zone);
  }
  o.port = std::strtol(port->c_str(), nullptr, 10);
  return o;
}

// One line of an answer's head, as libcurl hands it to the header callback
// (CRLF included). A status line starts a new head: the headers of an
// earlier answer (1xx) are dropped. Names are lower-cased, values trimmed,
// the last value of a name wins; an obsolete folded line continues the
// previous value. Returns true for a status line.
bool AddHeaderLine(std::string_view line, std::map<std::string, std::string>* headers, std::string* last_name) {
  if (line.substr(0, 5) == "HTTP/") {
    headers->clear();
    last_name->clear();
    return true;
  }
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    auto it = headers->find(*last_name);
    const std::string_view more = Trim(line);
    if (it != headers->end() && !more.empty()) {
      it->second.push_back(' ');
      it->second.append(more);
    }
    return false;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;  // the empty line, or junk
  const std::string_view name = Trim(line.substr(0, colon));
  if (name.empty()) return false;
  *last_name = Lower(name);
  (*headers)[*last_name] = std::string(Trim(line.substr(colon + 1)));
  return false;
}

std::string HttpVersionText(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return {};
  }
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string ErrnoText(long os_errno) {
  switch (os_errno) {
    case ECONNREFUSED: return "connection refused";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    case 0: return "cannot connect";
    default: return absl::StrCat("cannot connect: ", std::strerror(static_cast<int>(os_errno)));
  }
}

// The SSL_CTX ex_data slot holding the id of the transfer that opened the
// connection.
int TransferIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

// The state of one Run: the multi handle, the transfers in flight and the
// requests waiting for a slot. It is the Queue on_done adds to.
struct HttpEngine::Impl final : HttpEngine::Queue {
  // How the credential rides on the hop in flight.
  enum class Mode {
    kNone,    // not sent
    kStrict,  // sent only over a connection whose certificate verifies
    kLoose,   // sent over any TLS connection (allow_unverified_tls)
  };

  // One request, across its hops.
  struct Transfer {
    uint64_t id = 0;
    Impl* impl = nullptr;
    HttpRequest request;
    HttpResponse response;
    Origin origin;
    Clock::time_point start;
    Clock::time_point deadline;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    char errbuf[CURL_ERROR_SIZE] = {};
    bool withhold = false;  // the credential stays home for the rest of the request
    // The hop in flight.
    std::string hop_url;
    Origin hop;
    Mode mode = Mode::kNone;
    int connect_limit_ms = 0;
    std::map<std::string, std::string> headers;
    std::string last_header;
    std::string body;
    bool answered = false;         // a status line came
    bool too_large = false;        // the write callback stopped the transfer
    bool hop_certificate = false;  // the connection's certificate was seen
    bool hop_trusted = false;      // ...and verifies for hop.host
    std::string hop_distrust;      // ...or why not
    bool rejected = false;         // the strict verifier refused the handshake
    bool tls_started = false;      // TCP connected and the TLS handshake began

    ~Transfer() {
      if (easy != nullptr) curl_easy_cleanup(easy);
      curl_slist_free_all(header_list);
    }
  };

  Impl(const HttpOptions& options, Stats* stats, const std::function<void(HttpResponse, Queue&)>& on_done)
      : options(options), stats(stats), on_done(on_done), multi(curl_multi_init()) {}

  ~Impl() override {
    for (auto& [id, t] : live) curl_multi_remove_handle(multi, t->easy);
    live.clear();  // before the multi handle: easy handles go first
    curl_multi_cleanup(multi);
  }

  void Add(HttpRequest request) override { waiting.push_back(std::move(request)); }

  void Loop(const std::function<bool()>& cancelled);

  void Start(HttpRequest request);
  void StartHop(Transfer& t, const std::string& url);
  void OnHopDone(Transfer& t, CURLcode code);
  void Finish(Transfer& t, ErrorKind error, std::string text);
  void Classify(Transfer& t, CURLcode code, ErrorKind* error, std::string* text);
  void CancelAll();
  // Ends every waiting request with kOther `why`.
  void EndWaiting(const std::string& why);

  const TrustStore& Trust() {
    if (!trust) trust = std::make_unique<TrustStore>(options.extra_ca_file);
    return *trust;
  }
  void OnCertificate(Transfer& t, X509* leaf, STACK_OF(X509) * chain);
  void CaptureFromConnection(Transfer& t);

  static size_t OnHeader(char* data, size_t size, size_t count, void* user);
  static size_t OnBody(char* data, size_t size, size_t count, void* user);
  static CURLcode OnSslContext(CURL* easy, void* ssl_ctx, void* user);
  static int OnVerify(X509_STORE_CTX* ctx, void* arg);

  const HttpOptions& options;
  Stats* stats;
  const std::function<void(HttpResponse, Queue&)>& on_done;
  CURLM* multi;
  std::deque<HttpRequest> waiting;
  std::unordered_map<uint64_t, std::unique_ptr<Transfer>> live;
  uint64_t next_id = 1;
  std::unique_ptr<TrustStore> trust;
};

void HttpEngine::Impl::Loop(const std::function<bool()>& cancelled) {
  const size_t max_in_flight = static_cast<size_t>(std::max(1, options.max_in_flight));
  for (;;) {
    if (cancelled && cancelled()) {
      CancelAll();
      return;
    }
    while (live.size() < max_in_flight && !waiting.empty()) {
      HttpRequest request = std::move(waiting.front());
      waiting.pop_front();
      Start(std::move(request));
    }
    if (live.empty()) {
      if (waiting.empty()) return;
      continue;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      void* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
      // (message points into the multi handle: read it before the handle changes.)
      const CURLcode code = message->data.result;
      OnHopDone(*static_cast<Transfer*>(transfer), code);
    }
    if (live.size() < max_in_flight && !waiting.empty()) continue;  // a slot is free
    if (live.empty()) continue;
    curl_multi_poll(multi, nullptr, 0, cancelled ? 50 : 1000, nullptr);
  }
}

void HttpEngine::Impl::Start(HttpRequest request) {
  auto owned = std::make_unique<Transfer>();
  Transfer& t = *owned;
  t.id = next_id++;
  t.impl = this;
  t.request = std::move(request);
  t.response.url = t.request.url;
  t.response.tag = t.request.tag;
  t.start = Clock::now();
  t.deadline = t.start + std::chrono::milliseconds(std::max(1, options.total_timeout_ms));
  live.emplace(t.id, std::move(owned));
  std::optional<Origin> origin = ParseOrigin(t.request.url);
  if (!origin) return Finish(t, ErrorKind::kOther, "not an http:// or https:// URL with a host");
  t.origin = *origin;
  for (const auto& [name, value] : t.request.headers) {
    // "Name;" is libcurl's way to send a header with an empty value.
    const std::string line = value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value);
    if (curl_slist* list = curl_slist_append(t.header_list, line.c_str()); list != nullptr) t.header_list = list;
  }
  t.easy = curl_easy_init();
  if (t.easy == nullptr) return Finish(t, ErrorKind::kOther, "cannot create a transfer");
  StartHop(t, t.request.url);
}

void HttpEngine::Impl::StartHop(Transfer& t, const std::string& url) {
  t.hop_url = url;
  t.hop = *ParseOrigin(url);  // checked by the caller
  t.headers.clear();
  t.last_header.clear();
  t.body.clear();
  t.answered = false;
  t.too_large = false;
  t.hop_certificate = false;
  t.hop_trusted = false;
  t.hop_distrust.clear();
  t.rejected = false;
  t.tls_started = false;
  t.errbuf[0] = 0;

  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - Clock::now()).count();
  if (remaining <= 0) {
    return Finish(t, ErrorKind::kTimeout, absl::StrCat("no answer within ", options.total_timeout_ms, " ms"));
  }
  t.connect_limit_ms = static_cast<int>(std::min<int64_t>(std::max(1, options.connect_timeout_ms), remaining));

  const HttpCredential* credential = t.request.credential;
  t.mode = Mode::kNone;
  if (credential != nullptr && !t.response.credential_sent && !t.withhold) {
    if (t.origin.scheme != "https") {
      t.response.credential_withheld = "not https";
    } else if (!(t.hop == t.origin)) {
      t.response.credential_withheld = "redirected to another host";
    } else {
      t.mode = credential->allow_unverified_tls ? Mode::kLoose : Mode::kStrict;
    }
  } else if (credential != nullptr && t.response.credential_sent && t.hop == t.origin) {
    t.mode = credential->allow_unverified_tls ? Mode::kLoose : Mode::kStrict;  // again, on a redirect home
  }

  CURL* e = t.easy;
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // discovery talks to the target itself, whatever the environment says
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.connect_limit_ms));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining));
  curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, options.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);  // certificate.cc checks the host
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t.mode == Mode::kStrict ? 1L : 0L);
  // libcurl loads its CA file for a verifying connection, though OnVerify
  // replaces the check: with no CA directory it may keep the store for the
  // run rather than parse the file again for every connection.
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  const bool hooked = curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &Impl::OnSslContext) == CURLE_OK &&
                      curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t) == CURLE_OK;
  if (t.mode == Mode::kStrict && !hooked) {  // not OpenSSL underneath: nothing to enforce the check with
    t.mode = Mode::kNone;
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    t.response.credential_withheld = "certificate cannot be checked with this TLS library";
  }
  if (t.mode != Mode::kNone) {
    if (credential->kind == HttpCredential::Kind::kBasic) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, credential->user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, credential->password.c_str());
    } else {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
      curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, credential->token.c_str());
    }
  }
  if (curl_multi_add_handle(multi, e) != CURLM_OK) {
    return Finish(t, ErrorKind::kOther, "cannot start the transfer");
  }
  ++stats->requests;
}

void HttpEngine::Impl::OnHopDone(Transfer& t, CURLcode code) {
  if (t.hop.scheme == "https" && !t.hop_certificate) CaptureFromConnection(t);
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(t.easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  if (t.mode != Mode::kNone && !t.rejected && (pretransfer_us > 0 || t.answered)) {
    t.response.credential_sent = true;
    t.response.credential_withheld.clear();
  }
  curl_multi_remove_handle(multi, t.easy);

  if (t.rejected) {  // again, without the credential
    t.withhold = true;
    t.response.credential_withheld = absl::StrCat("certificate does not verify: ", t.hop_distrust);
    return StartHop(t, t.hop_url);
  }

  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  long version = 0;
  curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
  t.response.status = static_cast<int>(status);
  t.response.http_version = t.answered ? HttpVersionText(version) : "";

  if (code == CURLE_OK && IsRedirect(status)) {
    char* location = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &location);
    // A Location that is not http(s) (or none) is not followed: this is the answer.
    if (location != nullptr && ParseOrigin(location)) {
      if (static_cast<int>(t.response.redirects.size()) >= options.max_redirects) {
        return Finish(t, ErrorKind::kTooManyRedirects, absl::StrCat("more than ", options.max_redirects, " redirects"));
      }
      std::string next(location);
      t.response.redirects.push_back(next);
      return StartHop(t, next);
    }
  }
  if (code == CURLE_OK) return Finish(t, ErrorKind::kNone, {});
  ErrorKind error = ErrorKind::kOther;
  std::string text;
  Classify(t, code, &error, &text);
  Finish(t, error, std::move(text));
}

void HttpEngine::Impl::Classify(Transfer& t, CURLcode code, ErrorKind* error, std::string* text) {
  const std::string detail = t.errbuf[0] != 0 ? std::string(t.errbuf) : std::string(curl_easy_strerror(code));
  switch (code) {
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &os_errno);
      *error = ErrorKind::kRefused;
      *text = ErrnoText(os_errno);
      return;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
      *error = ErrorKind::kOther;
      *text = "cannot resolve the host name";
      return;
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connect_us = 0;
      curl_off_t appconnect_us = 0;
      curl_off_t pretransfer_us = 0;
      curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
      curl_easy_getinfo(t.easy, CURLINFO_APPCONNECT_TIME_T, &appconnect_us);
      curl_easy_getinfo(t.easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
      const bool connected =
          t.answered || pretransfer_us > 0 || (t.hop.scheme == "https" ? appconnect_us > 0 : connect_us > 0);
      if (!connected && t.hop.scheme == "https" && (connect_us > 0 || t.tls_started)) {
        // TCP connected but the TLS handshake never ended: often a plain
        // HTTP server waiting for a request, so a TLS failure (a caller may
        // try plain HTTP), not an empty port.
        *error = ErrorKind::kTls;
        *text = absl::StrCat("TLS handshake not complete within ", t.connect_limit_ms, " ms");
      } else if (!connected) {
        *error = ErrorKind::kConnectTimeout;
        *text = absl::StrCat("connect timeout after ", t.connect_limit_ms, " ms");
      } else {
        *error = ErrorKind::kTimeout;
        *text = absl::StrCat(t.answered ? "answer not complete within " : "no answer within ", options.total_timeout_ms,
                             " ms");
      }
      return;
    }
    case CURLE_WRITE_ERROR:
      if (t.too_large) {
        *error = ErrorKind::kTooLarge;
        *text = absl::StrCat("body larger than ", options.max_body_bytes, " bytes");
        return;
      }
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:  // "Received HTTP/0.9 when not allowed": the first bytes were not HTTP
    case CURLE_WEIRD_SERVER_REPLY:
      *error = ErrorKind::kProtocol;
      *text = absl::StrCat("not an HTTP answer: ", detail);
      return;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_FILESIZE_EXCEEDED:
      *error = ErrorKind::kProtocol;
      *text = absl::StrCat("broken HTTP answer: ", detail);
      return;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      *error = ErrorKind::kTls;
      *text = absl::StrCat("TLS handshake failed: ", detail);
      return;
    case CURLE_TOO_MANY_REDIRECTS:
      *error = ErrorKind::kTooManyRedirects;
      *text = absl::StrCat("more than ", options.max_redirects, " redirects");
      return;
    default: break;
  }
  *error = ErrorKind::kOther;
  *text = detail;
}

void HttpEngine::Impl::Finish(Transfer& t, ErrorKind error, std::string text) {
  std::unique_ptr<Transfer> owned = std::move(live.at(t.id));
  live.erase(t.id);
  if (t.easy != nullptr) curl_multi_remove_handle(multi, t.easy);  // a no-op when already removed
  HttpResponse response = std::move(t.response);
  response.final_url = t.hop_url.empty() ? response.url : t.hop_url;
  response.headers = std::move(t.headers);
  response.body = std::move(t.body);
  response.truncated = t.too_large;
  response.error = error;
  response.error_text = std::move(text);
  response.seconds = std::chrono::duration<double>(Clock::now() - t.start).count();
  if (const HttpCredential* c = t.request.credential; c != nullptr) {
    // Nothing above quotes a secret; this keeps it so whatever libcurl wrote.
    for (const std::string* secret : {&c->password, &c->token}) {
      if (secret->size() >= 4) absl::StrReplaceAll({{*secret, "****"}}, &response.error_text);
    }
  }
  owned.reset();
  on_done(std::move(response), *this);
}

void HttpEngine::Impl::CancelAll() {
  std::vector<uint64_t> ids;
  ids.reserve(live.size());
  for (const auto& [id, t] : live) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = live.find(id);
    if (it != live.end()) Finish(*it->second, ErrorKind::kOther, "cancelled");
  }
  EndWaiting("cancelled");
}

void HttpEngine::Impl::EndWaiting(const std::string& why) {
  // (on_done may add requests: they end the same way.)
  while (!waiting.empty()) {
    HttpRequest request = std::move(waiting.front());
    waiting.pop_front();
    HttpResponse response;
    response.url = request.url;
    response.final_url = request.url;
    response.tag = request.tag;
    response.error = ErrorKind::kOther;
    response.error_text = why;
    on_done(std::move(response), *this);
  }
}

void HttpEngine::Impl::OnCertificate(Transfer& t, X509* leaf, STACK_OF(X509) * chain) {
  Certificate c = InspectCertificate(leaf, chain, t.hop.host, Trust());
  t.hop_certificate = true;
  t.hop_distrust = DistrustReason(c, t.hop.host);
  t.hop_trusted = t.hop_distrust.empty();
  if (!t.response.certificate) t.response.certificate = std::move(c);
}

void HttpEngine::Impl::CaptureFromConnection(Transfer& t) {
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return;
  }
  SSL* ssl = static_cast<SSL*>(info->internals);
  X509* leaf = SSL_get1_peer_certificate(ssl);
  if (leaf == nullptr) return;
  OnCertificate(t, leaf, SSL_get_peer_cert_chain(ssl));
  X509_free(leaf);
}

size_t HttpEngine::Impl::OnHeader(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t length = size * count;
  t.impl->stats->bytes_received += static_cast<int64_t>(length);
  if (AddHeaderLine(std::string_view(data, length), &t.headers, &t.last_header)) {
    t.answered = true;
    if (t.hop.scheme == "https" && !t.hop_certificate) t.impl->CaptureFromConnection(t);
  }
  return length;
}

size_t HttpEngine::Impl::OnBody(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t length = size * count;
  t.impl->stats->bytes_received += static_cast<int64_t>(length);
  const size_t room = t.impl->options.max_body_bytes - std::min(t.impl->options.max_body_bytes, t.body.size());
  if (length > room) {
    t.body.append(data, room);
    t.too_large = true;
    return CURL_WRITEFUNC_ERROR;
  }
  t.body.append(data, length);
  return length;
}

// Called for every new TLS connection, before the handshake.
CURLcode HttpEngine::Impl::OnSslContext(CURL* easy, void* ssl_ctx, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  // libcurl sets up TLS once the TCP connection is made.
  t.tls_started = true;
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  // No second handshake later, when the connection may serve another transfer.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_ex_data(ctx, TransferIndex(), reinterpret_cast<void*>(static_cast<uintptr_t>(t.id)));
  SSL_CTX_set_cert_verify_callback(ctx, &Impl::OnVerify, t.impl);
  return CURLE_OK;
}

// Replaces OpenSSL's chain verification in the handshake. OpenSSL calls it
// whatever the verify mode; its answer counts only in strict mode
// (CURLOPT_SSL_VERIFYPEER on).
int HttpEngine::Impl::OnVerify(X509_STORE_CTX* ctx, void* arg) {
  auto* impl = static_cast<Impl*>(arg);
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 0;
  const auto id =
      static_cast<uint64_t>(reinterpret_cast<uintptr_t>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), TransferIndex())));
  auto it = impl->live.find(id);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  if (it == impl->live.end() || leaf == nullptr) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  Transfer& t = *it->second;
  t.impl->OnCertificate(t, leaf, X509_STORE_CTX_get0_untrusted(ctx));
  if (t.mode != Mode::kStrict || t.hop_trusted) return 1;
  t.rejected = true;
  X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

HttpEngine::HttpEngine(HttpOptions options) : options_(std::move(options)) { InitCurl(); }

HttpEngine::~HttpEngine() = default;

void HttpEngine::Run(std::vector<HttpRequest> requests, const std::function<void(HttpResponse, Queue&)>& on_done,
                     const std::function<bool()>& cancelled) {
  SigpipeBlock sigpipe;
  RaiseFileLimit(options_.max_in_flight);
  Impl impl(options_, &stats_, on_done);
  for (HttpRequest& r : requests) impl.Add(std::move(r));
  if (impl.multi == nullptr) return impl.EndWaiting("cannot start libcurl");
  impl.Loop(cancelled);
}

}  // namespace cmdb::discovery::http
