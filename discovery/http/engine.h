// The HTTP engine of the discovery worker: many transfers in flight on one
// thread over libcurl's multi interface, HTTP/1.1 and HTTP/2 (negotiated
// by ALPN), with per-request connect and total timeouts, a cap on the body
// kept, redirects followed up to a limit and recorded, and for every TLS
// connection the server's leaf certificate parsed and verified by OpenSSL
// (against the system trust store and for the host name) whether or not it
// verifies. libcurl and OpenSSL stay inside engine.cc and certificate.cc.
//
// Errors are per request, as an ErrorKind and human text that never holds a
// password or a token (credentials are named by their `name`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cmdb::discovery::http {

// An HTTP credential. The secrets (`password`, `token`) never leave the
// engine. A credential is sent only over HTTPS, and only when the server's
// certificate verifies, unless `allow_unverified_tls` says otherwise (an
// admin's explicit choice for BMCs with self-signed certificates).
struct HttpCredential {
  enum class Kind { kBasic, kBearer };
  std::string name;
  Kind kind = Kind::kBasic;
  std::string user;      // basic
  std::string password;  // basic
  std::string token;     // bearer
  bool allow_unverified_tls = false;
};

// The leaf certificate a TLS server presented.
struct Certificate {
  std::string subject;                         // RFC 2253 form, e.g. "CN=www.example.org,O=Example"
  std::string issuer;                          // same form
  std::string serial;                          // upper-case hex, no separators, no leading zeros ("0" for zero)
  std::vector<std::string> subject_alt_names;  // "DNS:name" / "IP:address" / "URI:..." / "email:..."
  int64_t not_before = 0;                      // Unix seconds
  int64_t not_after = 0;                       // Unix seconds
  std::string fingerprint_sha256;              // lower-case hex of SHA-256 over the DER, no separators (64 chars)
  std::string key_type;                        // "RSA", "EC", "Ed25519", "Ed448", "DSA", or the OpenSSL short name
  int key_bits = 0;
  std::string signature_algorithm;  // e.g. "sha256WithRSAEncryption"
  bool self_signed = false;         // issuer == subject and the signature verifies with its own key
  // Chain verification against the system trust store (plus the chain the
  // server sent), at the time of the probe.
  bool chain_verified = false;
  std::string verify_error;       // OpenSSL's text when not verified ("certificate has expired", ...)
  bool hostname_matches = false;  // the SANs (or CN when there are none) cover the requested host
};

// How a request ended when it did not end with an HTTP answer, or ended
// badly after one.
enum class ErrorKind {
  kNone,
  kRefused,         // nothing listens (connection refused, host unreachable)
  kConnectTimeout,  // no TCP (or TLS) connection within the connect timeout
  kTimeout,         // connected, but the answer did not end within the total timeout
  kTooLarge,        // the body passed max_body_bytes (what came first is kept, truncated)
  kProtocol,        // not HTTP (garbage), or a broken HTTP answer
  kTls,             // the TLS handshake failed (not a certificate verification failure: those are reported, not errors)
  kTooManyRedirects,
  kOther,
};

struct HttpRequest {
  std::string url;  // http:// or https://, host as an IP literal or name
  // Only sent as the scheduler allows: see HttpCredential.
  const HttpCredential* credential = nullptr;
  std::map<std::string, std::string> headers;  // extra request headers (e.g. Accept)
  uint64_t tag = 0;                            // the caller's, returned in the response
};

struct HttpResponse {
  std::string url;        // as requested
  std::string final_url;  // after redirects
  uint64_t tag = 0;
  int status = 0;                              // the last answer's status; 0 when none came
  std::string http_version;                    // "1.0", "1.1", "2"
  std::vector<std::string> redirects;          // the Location URLs followed, in order
  std::map<std::string, std::string> headers;  // the last answer's; names lower-case, last value wins
  std::string body;                            // at most max_body_bytes
  bool truncated = false;                      // the body was longer (then error is kTooLarge)
  double seconds = 0;                          // from start to the end of the transfer
  std::optional<Certificate> certificate;      // the first TLS connection's leaf certificate
  bool credential_sent = false;                // whether the credential went out
  std::string credential_withheld;             // why it did not ("certificate does not verify: ...", "not https")
  ErrorKind error = ErrorKind::kNone;
  std::string error_text;  // human text, empty when error is kNone
};

struct HttpOptions {
  int connect_timeout_ms = 3000;  // TCP + TLS handshake
  int total_timeout_ms = 10000;   // the whole transfer, redirects included
  size_t max_body_bytes = 1 << 20;
  int max_redirects = 5;
  int max_in_flight = 256;  // transfers at once; more wait in line
  bool http2 = true;        // offer h2 over TLS (ALPN); plain http stays 1.1
  std::string user_agent = "cmdb-discovery";
  // PEM file of CAs trusted besides the system store (an internal PKI);
  // empty: the system store only.
  std::string extra_ca_file;
};

// Runs requests on one thread. Not thread-safe: one Run at a time.
class HttpEngine {
 public:
  // Lets on_done add follow-up requests (a walk of linked resources).
  class Queue {
   public:
    virtual ~Queue() = default;
    virtual void Add(HttpRequest request) = 0;
  };

  explicit HttpEngine(HttpOptions options = {});
  ~HttpEngine();
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  // Runs `requests` and every request on_done adds, at most
  // options.max_in_flight at once. on_done is called exactly once per
  // request, on this thread, as each finishes. Returns when all are done,
  // or soon after `cancelled` returns true (checked at least every 50 ms);
  // then requests not finished end with kOther "cancelled".
  void Run(std::vector<HttpRequest> requests, const std::function<void(HttpResponse, Queue&)>& on_done,
           const std::function<bool()>& cancelled = {});

  struct Stats {
    int64_t requests = 0;        // HTTP exchanges started: redirects and retries without a credential included
    int64_t bytes_received = 0;  // header and body bytes, kept or not
  };
  // Totals over every Run of this engine.
  Stats stats() const { return stats_; }

 private:
  struct Impl;
  HttpOptions options_;
  Stats stats_;
};

}  // namespace cmdb::discovery::http
