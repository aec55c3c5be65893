#include "snmp/netsnmp.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace cmdb::discovery {

// Once per process: no MIB files, no configuration or persistent files, no
// signals, no log output. (This sets MIBS and MIBDIRS for the process.)
void InitNetSnmp() {
  static std::once_flag once;
  std::call_once(once, [] {
    setenv("MIBS", "", 1);     // no MIB modules loaded...
    setenv("MIBDIRS", "", 1);  // ...and no MIB directories scanned for them
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_CONFIG_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
    snmp_disable_log();
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
    if (const char* tokens = getenv("CMDB_SNMP_DEBUG"); tokens != nullptr && *tokens != 0) {
      // Troubleshooting only: net-snmp's debug output for these tokens
      // ("snmp_api,usm", or "all") on stderr. It can show packet contents.
      snmp_enable_stderrlog();
      debug_register_tokens(tokens);
      snmp_set_do_debugging(1);
    }
    init_snmp("cmdb-discovery");
  });
}

// The sockets of max_in_flight targets, a few sessions each.
void RaiseFileLimit(int max_in_flight) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_in_flight) * 3 + 256;
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? want : std::min(want, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

std::string ReportText(int report_type) {
  switch (report_type) {
    case SNMPERR_AUTHENTICATION_FAILURE: return "authentication failed";
    case SNMPERR_UNKNOWN_USER_NAME: return "unknown user name";
    case SNMPERR_UNSUPPORTED_SEC_LEVEL: return "unsupported security level";
    case SNMPERR_DECRYPTION_ERR: return "decryption failed (wrong privacy key or protocol)";
    case SNMPERR_UNKNOWN_ENG_ID: return "unknown engine ID";
    case SNMPERR_NOT_IN_TIME_WINDOW: return "not in time window";
    case SNMPERR_BAD_CONTEXT: return "unknown context";
    case SNMPERR_UNKNOWN_SEC_MODEL: return "unknown security model";
    default: return absl::StrCat("refused (report ", report_type, ")");
  }
}

// Why net-snmp could not take a packet in. Fixed texts: nothing of the
// packet or the session is quoted.
std::string ParseErrorText(int code) {
  switch (code) {
    case SNMPERR_ASN_PARSE_ERR: return "ASN.1 parse error";
    case SNMPERR_BAD_VERSION: return "unknown SNMP version";
    case SNMPERR_USM_AUTHENTICATIONFAILURE: return "the answer failed authentication";
    case SNMPERR_USM_DECRYPTIONERROR: return "the answer could not be decrypted";
    case SNMPERR_USM_PARSEERROR: return "USM parse error";
    case SNMPERR_USM_UNKNOWNSECURITYNAME: return "the answer names an unknown user";
    case SNMPERR_USM_UNKNOWNENGINEID: return "the answer names an unknown engine ID";
    case SNMPERR_USM_NOTINTIMEWINDOW: return "the answer is not in the time window";
    case SNMPERR_UNKNOWN_SEC_MODEL: return "unknown security model";
    case SNMPERR_INVALID_MSG: return "invalid message";
    default: return absl::StrCat("not a parseable SNMP message (net-snmp code ", code, ")");
  }
}

std::string LocalErrorText(int code) {
  switch (code) {
    case SNMPERR_BAD_SENDTO: return "sending failed";
    case SNMPERR_TOO_LONG: return "request too long";
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_USM_UNKNOWNSECURITYNAME: return "no USM user for the session";
    default: return absl::StrCat("cannot send (net-snmp code ", code, ")");
  }
}

// net-snmp's variable_list -> Varbind. Trusts no length: a value whose
// buffer is shorter than its type needs becomes Null and a problem is
// noted; octet strings longer than `max_bytes` are cut.
Varbind ConvertVarbind(const netsnmp_variable_list& v, size_t max_bytes, std::vector<std::string>* problems) {
  Varbind out;
  out.oid.arcs.reserve(v.name_length);
  for (size_t i = 0; i < v.name_length && v.name != nullptr; ++i) {
    out.oid.arcs.push_back(static_cast<uint32_t>(v.name[i] & 0xffffffffUL));
  }
  Value& value = out.value;
  auto bad = [&](const char* what) {
    value = Value{};
    problems->push_back(absl::StrCat("value of ", out.oid.ToString(), ": ", what));
  };
  auto bytes = [&](ValueType type) {
    value.type = type;
    if (v.val_len > 0 && v.val.string == nullptr) return bad("missing bytes");
    size_t n = v.val_len;
    if (n > max_bytes) {
      problems->push_back(
          absl::StrCat("value of ", out.oid.ToString(), " truncated from ", n, " to ", max_bytes, " bytes"));
      n = max_bytes;
    }
    value.bytes.assign(reinterpret_cast<const char*>(v.val.string), n);
  };
  auto integer = [&](ValueType type, bool is_unsigned) {
    if (v.val.integer == nullptr || v.val_len < sizeof(long)) return bad("short integer");
    value.type = type;
    value.integer = is_unsigned ? static_cast<int64_t>(static_cast<uint32_t>(*v.val.integer & 0xffffffffL))
                                : static_cast<int64_t>(*v.val.integer);
  };
  switch (v.type) {
    case ASN_INTEGER: integer(ValueType::kInteger, false); break;
    case ASN_COUNTER: integer(ValueType::kCounter32, true); break;
    case ASN_GAUGE: integer(ValueType::kGauge32, true); break;  // also Unsigned32
    case ASN_UINTEGER: integer(ValueType::kGauge32, true); break;
    case ASN_TIMETICKS: integer(ValueType::kTimeTicks, true); break;
    case ASN_COUNTER64:
      if (v.val.counter64 == nullptr || v.val_len < sizeof(struct counter64)) return bad("short Counter64"), out;
      value.type = ValueType::kCounter64;
      value.integer = static_cast<int64_t>((static_cast<uint64_t>(v.val.counter64->high & 0xffffffffUL) << 32) |
                                           (v.val.counter64->low & 0xffffffffUL));
      break;
    case ASN_OCTET_STR:
    case ASN_BIT_STR:
    case ASN_NSAP: bytes(ValueType::kOctetString); break;
    case ASN_OPAQUE: bytes(ValueType::kOpaque); break;
    case ASN_IPADDRESS:
      if (v.val_len != 4) {
        bytes(ValueType::kOctetString);
        problems->push_back(absl::StrCat("value of ", out.oid.ToString(), ": IpAddress of ", v.val_len, " bytes"));
      } else {
        bytes(ValueType::kIpAddress);
      }
      break;
    case ASN_OBJECT_ID: {
      if (v.val_len > 0 && v.val.objid == nullptr) return bad("missing OID"), out;
      value.type = ValueType::kObjectId;
      const size_t n = v.val_len / sizeof(oid);
      for (size_t i = 0; i < n; ++i) value.oid.arcs.push_back(static_cast<uint32_t>(v.val.objid[i] & 0xffffffffUL));
      break;
    }
    case ASN_NULL: value.type = ValueType::kNull; break;
    case SNMP_NOSUCHOBJECT: value.type = ValueType::kNoSuchObject; break;
    case SNMP_NOSUCHINSTANCE: value.type = ValueType::kNoSuchInstance; break;
    case SNMP_ENDOFMIBVIEW: value.type = ValueType::kEndOfMibView; break;
    default: {
      char hex[8];
      snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(v.type));
      bad(absl::StrCat("unsupported ASN.1 type ", hex).c_str());
      break;
    }
  }
  return out;
}

// Fills the v3 part of `session` from `cred`. The keys are derived here
// (generate_Ku) and copied by net-snmp; the caller wipes `session`.
absl::Status SetV3(netsnmp_session& session, const SnmpCredential& cred) {
  using A = SnmpCredential::Auth;
  using P = SnmpCredential::Priv;
  session.version = SNMP_VERSION_3;
  session.securityModel = SNMP_SEC_MODEL_USM;
  session.securityName = const_cast<char*>(cred.user.c_str());
  session.securityNameLen = cred.user.size();
  session.securityLevel = cred.auth == A::kNone   ? SNMP_SEC_LEVEL_NOAUTH
                          : cred.priv == P::kNone ? SNMP_SEC_LEVEL_AUTHNOPRIV
                                                  : SNMP_SEC_LEVEL_AUTHPRIV;
  if (cred.auth == A::kNone) return absl::OkStatus();
  oid* auth = nullptr;
  size_t auth_len = USM_AUTH_PROTO_MD5_LEN;
  switch (cred.auth) {
    case A::kMd5: auth = usmHMACMD5AuthProtocol; break;
    case A::kSha1: auth = usmHMACSHA1AuthProtocol; break;
    case A::kSha224: auth = usmHMAC128SHA224AuthProtocol; break;
    case A::kSha256: auth = usmHMAC192SHA256AuthProtocol; break;
    case A::kSha384: auth = usmHMAC256SHA384AuthProtocol; break;
    case A::kSha512: auth = usmHMAC384SHA512AuthProtocol; break;
    case A::kNone: break;
  }
  session.securityAuthProto = auth;
  session.securityAuthProtoLen = auth_len;
  session.securityAuthKeyLen = USM_AUTH_KU_LEN;
  if (generate_Ku(auth, static_cast<u_int>(auth_len), reinterpret_cast<const u_char*>(cred.auth_key.data()),
                  cred.auth_key.size(), session.securityAuthKey, &session.securityAuthKeyLen) != SNMPERR_SUCCESS) {
    return absl::InvalidArgumentError("cannot derive the authentication key (passphrase shorter than 8?)");
  }
  if (cred.priv == P::kNone) return absl::OkStatus();
  switch (cred.priv) {
    case P::kDes:
      session.securityPrivProto = usmDESPrivProtocol;
      session.securityPrivProtoLen = OID_LENGTH(usmDESPrivProtocol);
      break;
    case P::kAes128:
      session.securityPrivProto = usmAESPrivProtocol;
      session.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
      break;
    case P::kAes192:
      session.securityPrivProto = usmAES192PrivProtocol;
      session.securityPrivProtoLen = OID_LENGTH(usmAES192PrivProtocol);
      break;
    case P::kAes256:
      session.securityPrivProto = usmAES256PrivProtocol;
      session.securityPrivProtoLen = OID_LENGTH(usmAES256PrivProtocol);
      break;
    case P::kNone: break;
  }
  session.securityPrivKeyLen = USM_PRIV_KU_LEN;
  if (generate_Ku(auth, static_cast<u_int>(auth_len), reinterpret_cast<const u_char*>(cred.priv_key.data()),
                  cred.priv_key.size(), session.securityPrivKey, &session.securityPrivKeyLen) != SNMPERR_SUCCESS) {
    return absl::InvalidArgumentError("cannot derive the privacy key (passphrase shorter than 8?)");
  }
  return absl::OkStatus();
}

}  // namespace cmdb::discovery
