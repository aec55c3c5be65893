// Certificates of TLS servers, private to the HTTP engine: OpenSSL's X509 ->
// Certificate (engine.h), and verification of a leaf against a trust store
// (the system's, plus an optional PEM file) and for the host name that was
// asked for. The decoder trusts nothing in the certificate: names, SANs and
// times come through OpenSSL's parsers and are copied with their lengths.
#pragma once

#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>

#include "http/engine.h"

namespace cmdb::discovery::http {

// The CAs certificates are verified against: OpenSSL's default paths (the
// system store; SSL_CERT_FILE and SSL_CERT_DIR override them) plus, when
// given, every certificate of a PEM file. Every certificate in it is a
// trust anchor, self-signed or not (X509_V_FLAG_PARTIAL_CHAIN, as libcurl
// does), so the PEM file may hold an intermediate CA alone. Built once per
// run; not copyable.
class TrustStore {
 public:
  explicit TrustStore(const std::string& extra_ca_file);
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  X509_STORE* get() const { return store_; }
  // Why the extra CA file could not be used ("" when it was, or none was
  // given). Verification then goes on with the system store alone.
  const std::string& load_error() const { return load_error_; }

 private:
  X509_STORE* store_ = nullptr;
  std::string load_error_;
};

// What `leaf` (not null) says about itself: names, serial, SANs, validity,
// SHA-256 fingerprint, key, signature algorithm, self_signed. Leaves the
// verification fields (chain_verified, verify_error, hostname_matches) at
// their defaults.
Certificate DescribeCertificate(X509* leaf);

// The same from DER bytes; nullopt when they do not parse as one X.509
// certificate (or have bytes after it). Pure: the fuzzing entry point.
std::optional<Certificate> DescribeCertificateDer(std::string_view der);

// Sets out->chain_verified and out->verify_error (OpenSSL's text, with the
// depth when it is not the leaf) by building a chain from `leaf` through
// `untrusted` (what the server sent; may be null) to a CA of `trust`, at the
// current time, for a TLS server; and out->hostname_matches by checking
// that `leaf` covers `host`: an IP literal (IPv6 without brackets) against
// its IP SANs, a name against its DNS SANs (or its CN when it has none).
void VerifyCertificate(X509* leaf, STACK_OF(X509) * untrusted, const std::string& host, const TrustStore& trust,
                       Certificate* out);

// DescribeCertificate followed by VerifyCertificate.
Certificate InspectCertificate(X509* leaf, STACK_OF(X509) * untrusted, const std::string& host,
                               const TrustStore& trust);

// Why `c` (verified) cannot carry a credential, as "certificate does not
// verify: ..." completes it; "" when chain_verified && hostname_matches.
std::string DistrustReason(const Certificate& c, const std::string& host);

}  // namespace cmdb::discovery::http
