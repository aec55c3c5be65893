// The HTTP/TLS probe of the discovery worker: for every address and port of
// a job, what answers there. On each port it asks for `/` over HTTPS first
// (falling back to plain HTTP when the TLS handshake fails), keeps the
// status, headers, title, redirect chain and certificate, then asks the
// well-known paths the fingerprint rules name (Redfish `/redfish/v1/`,
// Prometheus `/metrics`, Kubernetes `/version`, ...) and matches the rules
// to say what the endpoint is. A Redfish service is walked (Systems,
// Chassis, Managers and their Ethernet interfaces) with the job's HTTP
// credentials, tried in order, sent only as HttpCredential allows. All of
// it runs on one HttpEngine: every endpoint of the job is in flight at
// once, a dead port costs one connect timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "http/engine.h"
#include "http/redfish.h"

namespace cmdb::discovery::http {

// One address:port that answered HTTP (or answered badly).
struct EndpointResult {
  std::string address;
  int port = 0;
  std::string scheme;  // "https" or "http"
  std::string url;     // scheme://address:port/ (IPv6 in brackets)
  int status = 0;
  std::string http_version;
  std::string server;  // the Server header
  std::string title;   // <title> of an HTML answer, whitespace collapsed, at most 200 characters
  std::string final_url;
  std::vector<std::string> redirects;
  double seconds = 0;  // the `/` request
  std::optional<Certificate> certificate;
  // What the fingerprint rules say (empty when none matched). An
  // "application" rule decides these; when none matches, the "server" rule
  // that matched (if any) decides them too, so a bare nginx is "nginx".
  std::string fingerprint;  // the rule id
  std::string vendor, product, version;
  // The web server software in front, from the "server" rules (nginx,
  // Apache httpd, IIS, ...), whatever application runs behind it.
  std::string server_fingerprint;  // the rule id
  std::string server_vendor, server_product, server_version;
  std::optional<RedfishService> redfish;
  // Errors of this endpoint (a slow, endless or garbage answer, a Redfish
  // resource that failed, every credential refused...). Never a secret.
  std::vector<std::string> errors;
  ErrorKind error = ErrorKind::kNone;  // of the `/` request
};

// What one address gave.
struct AddressResult {
  std::string address;
  std::vector<EndpointResult> endpoints;  // the ports that answered something, in port order
  int requests = 0;                       // HTTP requests made for this address
  double seconds = 0;                     // from the start of the run to the last answer of this address
  // The run was cancelled before this address was finished: a port missing
  // from `endpoints` is unknown, not closed.
  bool cancelled = false;
};

// The fingerprint rules (discovery/rules/http.toml; format and precedence in
// discovery/rules/HTTP.md): data, like the SNMP classification rules.
// Immutable once loaded; Match is a pure function of its input and safe to
// call from several threads.
class Fingerprints {
 public:
  // Reads the rules file, then Parse() (with the path as `name`). NOT_FOUND
  // when the file cannot be read; INVALID_ARGUMENT as Parse().
  static absl::StatusOr<Fingerprints> Load(const std::string& rules_path);
  // Builds the rules from TOML text. INVALID_ARGUMENT, prefixed with
  // `name`, when the TOML does not parse (with line and column) or a rule
  // is invalid; the message names the rule as `rule[<index>] "<id>"` (index
  // from 0 in file order) and the key: an unknown or mistyped key, a bad
  // regex, a bad path, a rule without a condition or without a product, a
  // duplicate id. Every regex is compiled here, once.
  static absl::StatusOr<Fingerprints> Parse(const std::string& toml_text, const std::string& name = "rules");
  // No rules: paths() is empty and Match() decides nothing.
  Fingerprints();
  ~Fingerprints();
  Fingerprints(Fingerprints&&) noexcept;
  Fingerprints& operator=(Fingerprints&&) noexcept;

  // The well-known paths the rules ask for, besides `/`: sorted, unique.
  const std::vector<std::string>& paths() const;
  // The rule ids, in file order.
  std::vector<std::string> rule_ids() const;
  // Matches the answers one endpoint gave (`/` and the paths) and fills
  // fingerprint, vendor, product, version and the server_* fields of
  // `endpoint` (fields no rule decides are left as they are). `answers`
  // holds one response per path that answered, `/` included; a response is
  // taken for the path of its `url` (as requested). Never throws.
  void Match(const std::vector<HttpResponse>& answers, EndpointResult& endpoint) const;

 private:
  struct Rules;
  std::unique_ptr<Rules> rules_;
};

// The <title> of an HTML document: the text of the first <title> element,
// the basic character references decoded (&amp; &lt; &gt; &quot; &apos;
// &#39; &nbsp; and numeric ones), white space and control characters
// collapsed to single spaces and trimmed, cut to at most 200 characters
// (whole UTF-8 sequences). "" when there is none. Pure; reads at most the
// first 256 KiB of `html`.
std::string ExtractTitle(std::string_view html);

struct ProbeOptions {
  std::vector<int> ports = {80, 443, 8080, 8443};
  HttpOptions http;
};

// Probes every address on every port; calls on_done once per address, on
// this thread, when all of its endpoints are finished. Returns when all are
// done or soon after `cancelled` returns true (unfinished addresses are
// reported with what they have, `cancelled` set, and an error "cancelled"
// on the endpoints that did not finish, also on those whose `/` had not
// been answered yet).
//
// Per endpoint: GET https://address:port/; when that fails with kTls or
// kProtocol (a plain-HTTP server), GET http://address:port/. Refused or no
// connection (kRefused, kConnectTimeout) means nothing there: the port is
// not reported. Any other outcome is reported; a failed one (timeout, body
// too large, garbage) with its error as "<url>: <engine's text>". When `/`
// got an HTTP answer, each of fingerprints.paths() and /redfish/v1/ is asked
// on the same scheme and port, and the rules are matched. A Redfish service
// root (not reached through a redirect to another scheme or port) is
// walked: Systems, Managers and Chassis collections and their members (at
// most 64 per collection), each system's chassis, each manager's
// EthernetInterfaces. The first collection is asked without a credential,
// then with each of `credentials` in order while the answer is 401/403; the
// one that worked (or none) serves the rest of the service. A credential
// the engine withholds is reported as "credential <name> withheld:
// <reason>"; every credential refused as "<url>: HTTP 401 with every HTTP
// credential (<names>)". Credentials are named, never shown.
void ProbeAddresses(const std::vector<std::string>& addresses, const std::vector<HttpCredential>& credentials,
                    const Fingerprints& fingerprints, const ProbeOptions& options,
                    const std::function<void(AddressResult)>& on_done, const std::function<bool()>& cancelled = {});

}  // namespace cmdb::discovery::http
