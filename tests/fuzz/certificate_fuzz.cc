// Fuzzes the decoder of a TLS server's certificate (http/certificate.h,
// DescribeCertificateDer) with arbitrary bytes as the DER, then what the
// engine does with a leaf that parses: VerifyCertificate against the
// system's trust store (no network: OpenSSL reads the store from disk) for
// an IP literal and for a name, DistrustReason, and the findings of an
// HTTPS endpoint serving it (findings/http_findings.h, BuildHttpFindings).
//
// Beyond "no crash": bytes parse as a certificate exactly when OpenSSL's
// d2i_X509 reads them whole; a certificate's fingerprint is 64 lower-case
// hex digits, its serial upper-case hex without leading zeros ("0" for
// zero, "-" before a negative one), its names and SANs hold no control
// character, each SAN starts with "DNS:", "IP:", "URI:" or "email:"; a
// certificate that does not verify has a reason; and the payload keeps the
// promise of findings_check.h.
// corpus/certificate/ holds RSA, EC and Ed25519 certificates made with
// `openssl req -x509 ... -outform DER`, with and without SANs.
#include <openssl/x509.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "findings/http_findings.h"
#include "findings_check.h"
#include "fuzz_check.h"
#include "http/certificate.h"
#include "http/probe.h"

namespace {

namespace http = cmdb::discovery::http;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

bool Hex(std::string_view s, bool upper) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [upper](char c) {
    return (c >= '0' && c <= '9') || (upper ? c >= 'A' && c <= 'F' : c >= 'a' && c <= 'f');
  });
}

void CheckText(const std::string& s) {
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    cmdb::fuzz::Fail("certificate text holds a control character");
  }
}

void CheckDescription(const http::Certificate& c) {
  if (c.fingerprint_sha256.size() != 64 || !Hex(c.fingerprint_sha256, false)) {
    cmdb::fuzz::Fail("a fingerprint that is not 64 lower-case hex digits");
  }
  std::string_view serial = c.serial;
  if (!serial.empty() && serial[0] == '-') serial.remove_prefix(1);
  if (!c.serial.empty() && (!Hex(serial, true) || (serial.size() > 1 && serial[0] == '0') || c.serial == "-0")) {
    cmdb::fuzz::Fail("a serial that is not upper-case hex without leading zeros");
  }
  CheckText(c.subject);
  CheckText(c.issuer);
  for (const std::string& san : c.subject_alt_names) {
    CheckText(san);
    if (san.rfind("DNS:", 0) != 0 && san.rfind("IP:", 0) != 0 && san.rfind("URI:", 0) != 0 &&
        san.rfind("email:", 0) != 0) {
      cmdb::fuzz::Fail("a SAN of a kind the decoder does not keep");
    }
  }
  if (c.chain_verified || !c.verify_error.empty() || c.hostname_matches) {
    cmdb::fuzz::Fail("the decoder set a verification field");
  }
}

const http::TrustStore& SystemStore() {
  static const http::TrustStore* const store = new http::TrustStore("");
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view der(reinterpret_cast<const char*>(data), size);
  std::optional<http::Certificate> described = http::DescribeCertificateDer(der);
  const unsigned char* p = data;
  std::unique_ptr<X509, X509Free> leaf(d2i_X509(nullptr, &p, static_cast<long>(size)));
  const bool whole = leaf != nullptr && p == data + size;
  if (described.has_value() != whole) cmdb::fuzz::Fail("DescribeCertificateDer disagrees with d2i_X509");
  if (!described) return 0;
  CheckDescription(*described);

  http::AddressResult result;
  result.address = "192.0.2.1";
  for (const std::string host : {"192.0.2.1", "web1.lab.test"}) {
    http::Certificate c = *described;
    http::VerifyCertificate(leaf.get(), nullptr, host, SystemStore(), &c);
    if (!c.chain_verified && c.verify_error.empty()) cmdb::fuzz::Fail("not verified, and no reason");
    if (!(c.chain_verified && c.hostname_matches) && http::DistrustReason(c, host).empty()) {
      cmdb::fuzz::Fail("DistrustReason empty for a certificate that does not verify");
    }
    http::EndpointResult& endpoint = result.endpoints.emplace_back();
    endpoint.address = result.address;
    endpoint.port = result.endpoints.size() == 1 ? 443 : 8443;
    endpoint.scheme = "https";
    endpoint.url = "https://192.0.2.1:" + std::to_string(endpoint.port) + "/";
    endpoint.status = 200;
    endpoint.certificate = std::move(c);
  }
  cmdb::fuzz::CheckFindings(cmdb::discovery::BuildHttpFindings(result, {}));
  return 0;
}
