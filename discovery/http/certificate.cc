// X509 -> Certificate with OpenSSL 3, and chain and host name verification
// against a TrustStore. See certificate.h.
#include "http/certificate.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cmdb::discovery::http {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;

// Bytes from a certificate as text: control characters (and DEL) become
// '?', so nothing a server wrote can break a log line or a terminal.
std::string Printable(const unsigned char* data, int length) {
  std::string out;
  if (data == nullptr || length <= 0) return out;
  out.reserve(static_cast<size_t>(length));
  for (int i = 0; i < length; ++i) {
    const unsigned char c = data[i];
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  return out;
}

// RFC 2253, but UTF-8 kept as UTF-8 rather than escaped byte by byte.
std::string NameText(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return Printable(reinterpret_cast<const unsigned char*>(data), static_cast<int>(length));
}

// Upper-case hex without leading zeros ("0" for zero; "-" before a negative
// serial, which RFC 5280 forbids but servers send).
std::string SerialText(const ASN1_INTEGER* serial) {
  if (serial == nullptr) return {};
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return {};
  std::string text(hex);
  OPENSSL_free(hex);
  const bool negative = !text.empty() && text[0] == '-';
  const size_t digits = negative ? 1 : 0;
  const size_t first = text.find_first_not_of('0', digits);
  std::string out = first == std::string::npos ? "0" : text.substr(first);
  return negative && out != "0" ? "-" + out : out;
}

int64_t UnixSeconds(const ASN1_TIME* t) {
  if (t == nullptr) return 0;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  const int length = ASN1_STRING_length(ip);
  char text[INET6_ADDRSTRLEN] = {};
  if (bytes != nullptr && length == 4 && inet_ntop(AF_INET, bytes, text, sizeof text) != nullptr) return text;
  if (bytes != nullptr && length == 16 && inet_ntop(AF_INET6, bytes, text, sizeof text) != nullptr) return text;
  // Not an address (a name constraint's address/mask, or junk): hex.
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; bytes != nullptr && i < length; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

std::vector<std::string> AltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name == nullptr) continue;
    switch (name->type) {
      case GEN_DNS:
        out.push_back("DNS:" + Printable(ASN1_STRING_get0_data(name->d.dNSName), ASN1_STRING_length(name->d.dNSName)));
        break;
      case GEN_IPADD: out.push_back("IP:" + IpText(name->d.iPAddress)); break;
      case GEN_URI:
        out.push_back("URI:" + Printable(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier),
                                         ASN1_STRING_length(name->d.uniformResourceIdentifier)));
        break;
      case GEN_EMAIL:
        out.push_back("email:" +
                      Printable(ASN1_STRING_get0_data(name->d.rfc822Name), ASN1_STRING_length(name->d.rfc822Name)));
        break;
      default: break;  // directory names, other names, registered IDs: not kept
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string KeyType(int base_id) {
  switch (base_id) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    case EVP_PKEY_DSA: return "DSA";
    default: {
      const char* name = OBJ_nid2sn(base_id);
      return name != nullptr ? name : "unknown";
    }
  }
}

std::string SignatureAlgorithm(const X509* cert) {
  const int nid = X509_get_signature_nid(cert);
  if (nid != NID_undef) {
    if (const char* name = OBJ_nid2ln(nid); name != nullptr) return name;
  }
  const X509_ALGOR* algorithm = nullptr;
  X509_get0_signature(nullptr, &algorithm, cert);
  if (algorithm == nullptr) return {};
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  char text[128] = {};
  if (object == nullptr || OBJ_obj2txt(text, sizeof text, object, 1) <= 0) return {};
  return text;
}

bool IsIpLiteral(const std::string& host) {
  in6_addr scratch{};
  return inet_pton(AF_INET, host.c_str(), &scratch) == 1 || inet_pton(AF_INET6, host.c_str(), &scratch) == 1;
}

}  // namespace

TrustStore::TrustStore(const std::string& extra_ca_file) : store_(X509_STORE_new()) {
  if (store_ == nullptr) return;
  X509_STORE_set_default_paths(store_);
  // Any certificate of the store is an anchor, as in libcurl: an internal
  // PKI may hand out its issuing CA alone.
  X509_STORE_set_flags(store_, X509_V_FLAG_PARTIAL_CHAIN);
  if (!extra_ca_file.empty() && X509_STORE_load_file(store_, extra_ca_file.c_str()) != 1) {
    load_error_ = absl::StrCat("the extra CA file '", extra_ca_file, "' could not be read");
  }
  ERR_clear_error();  // a missing default file or directory is no error of ours
}

TrustStore::~TrustStore() { X509_STORE_free(store_); }

Certificate DescribeCertificate(X509* leaf) {
  Certificate c;
  c.subject = NameText(X509_get_subject_name(leaf));
  c.issuer = NameText(X509_get_issuer_name(leaf));
  c.serial = SerialText(X509_get0_serialNumber(leaf));
  c.subject_alt_names = AltNames(leaf);
  c.not_before = UnixSeconds(X509_get0_notBefore(leaf));
  c.not_after = UnixSeconds(X509_get0_notAfter(leaf));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(leaf, EVP_sha256(), digest, &length) == 1) {
    static constexpr char kDigits[] = "0123456789abcdef";
    c.fingerprint_sha256.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
      c.fingerprint_sha256.push_back(kDigits[digest[i] >> 4]);
      c.fingerprint_sha256.push_back(kDigits[digest[i] & 0xf]);
    }
  }
  if (EVP_PKEY* key = X509_get0_pubkey(leaf); key != nullptr) {
    c.key_type = KeyType(EVP_PKEY_get_base_id(key));
    c.key_bits = EVP_PKEY_get_bits(key);
  }
  c.signature_algorithm = SignatureAlgorithm(leaf);
  c.self_signed = X509_self_signed(leaf, 1) == 1;
  ERR_clear_error();
  return c;
}

std::optional<Certificate> DescribeCertificateDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != end) {
    ERR_clear_error();
    return std::nullopt;
  }
  return DescribeCertificate(cert.get());
}

void VerifyCertificate(X509* leaf, STACK_OF(X509) * untrusted, const std::string& host, const TrustStore& trust,
                       Certificate* out) {
  out->chain_verified = false;
  out->verify_error.clear();
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || trust.get() == nullptr || X509_STORE_CTX_init(ctx.get(), trust.get(), leaf, untrusted) != 1) {
    out->verify_error = "cannot set up verification";
  } else {
    X509_STORE_CTX_set_default(ctx.get(), "ssl_server");
    if (X509_verify_cert(ctx.get()) == 1) {
      out->chain_verified = true;
    } else {
      const int error = X509_STORE_CTX_get_error(ctx.get());
      const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
      out->verify_error = X509_verify_cert_error_string(error);
      if (depth > 0) absl::StrAppend(&out->verify_error, " (at depth ", depth, ")");
      if (!trust.load_error().empty()) absl::StrAppend(&out->verify_error, "; ", trust.load_error());
    }
  }
  if (IsIpLiteral(host)) {
    out->hostname_matches = X509_check_ip_asc(leaf, host.c_str(), 0) == 1;
  } else {
    out->hostname_matches = !host.empty() && X509_check_host(leaf, host.data(), host.size(), 0, nullptr) == 1;
  }
  ERR_clear_error();
}

Certificate InspectCertificate(X509* leaf, STACK_OF(X509) * untrusted, const std::string& host,
                               const TrustStore& trust) {
  Certificate c = DescribeCertificate(leaf);
  VerifyCertificate(leaf, untrusted, host, trust, &c);
  return c;
}

std::string DistrustReason(const Certificate& c, const std::string& host) {
  if (!c.chain_verified) return c.verify_error.empty() ? "chain not verified" : c.verify_error;
  if (!c.hostname_matches) return absl::StrCat("not issued for ", host);
  return {};
}

}  // namespace cmdb::discovery::http
