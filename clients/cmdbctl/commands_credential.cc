// `cmdbctl credential ...`: the SNMP and HTTP credentials discovery runs use.
//
// Secrets are write-only: they come from a flag, a file (--*-file, "-" for
// stdin) or an environment variable, go to the server in the create request
// and are never printed; the server never sends them back.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands_discovery.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using Stub = DiscoveryClient::Stub;

// Where each secret may come from besides its flag.
constexpr const char* kCommunityEnv = "CMDB_SNMP_COMMUNITY";
constexpr const char* kAuthKeyEnv = "CMDB_SNMP_AUTH_KEY";
constexpr const char* kPrivKeyEnv = "CMDB_SNMP_PRIV_KEY";
constexpr const char* kPasswordEnv = "CMDB_HTTP_PASSWORD";
constexpr const char* kBearerEnv = "CMDB_HTTP_BEARER";

// A word cmdbctl prints or accepts for an enum value. The first word listed
// for a value is the one printed; the others are accepted aliases.
template <typename Enum>
struct EnumWord {
  const char* word;
  Enum value;
};

constexpr EnumWord<v1::CredentialKind> kVersions[] = {{"1", v1::CREDENTIAL_KIND_SNMP_V1},
                                                      {"2c", v1::CREDENTIAL_KIND_SNMP_V2C},
                                                      {"3", v1::CREDENTIAL_KIND_SNMP_V3},
                                                      {"v1", v1::CREDENTIAL_KIND_SNMP_V1},
                                                      {"v2c", v1::CREDENTIAL_KIND_SNMP_V2C},
                                                      {"v3", v1::CREDENTIAL_KIND_SNMP_V3},
                                                      {"http-basic", v1::CREDENTIAL_KIND_HTTP_BASIC},
                                                      {"http-bearer", v1::CREDENTIAL_KIND_HTTP_BEARER}};
constexpr EnumWord<v1::CredentialKind> kKinds[] = {{"snmp_v1", v1::CREDENTIAL_KIND_SNMP_V1},
                                                   {"snmp_v2c", v1::CREDENTIAL_KIND_SNMP_V2C},
                                                   {"snmp_v3", v1::CREDENTIAL_KIND_SNMP_V3},
                                                   {"http_basic", v1::CREDENTIAL_KIND_HTTP_BASIC},
                                                   {"http_bearer", v1::CREDENTIAL_KIND_HTTP_BEARER}};
constexpr EnumWord<v1::SnmpAuthProtocol> kAuthProtocols[] = {
    {"sha1", v1::SNMP_AUTH_PROTOCOL_SHA1},     {"md5", v1::SNMP_AUTH_PROTOCOL_MD5},
    {"sha224", v1::SNMP_AUTH_PROTOCOL_SHA224}, {"sha256", v1::SNMP_AUTH_PROTOCOL_SHA256},
    {"sha384", v1::SNMP_AUTH_PROTOCOL_SHA384}, {"sha512", v1::SNMP_AUTH_PROTOCOL_SHA512},
    {"sha", v1::SNMP_AUTH_PROTOCOL_SHA1}};
constexpr EnumWord<v1::SnmpPrivProtocol> kPrivProtocols[] = {
    {"aes128", v1::SNMP_PRIV_PROTOCOL_AES128}, {"aes192", v1::SNMP_PRIV_PROTOCOL_AES192},
    {"aes256", v1::SNMP_PRIV_PROTOCOL_AES256}, {"des", v1::SNMP_PRIV_PROTOCOL_DES},
    {"aes", v1::SNMP_PRIV_PROTOCOL_AES128}};

// The printed word for `value`: "" for 0 (unspecified), the number for a
// value this build does not know (from a newer server).
template <typename Enum, size_t N>
std::string WordOf(const EnumWord<Enum> (&words)[N], Enum value) {
  if (value == 0) return "";
  for (const auto& w : words) {
    if (w.value == value) return w.word;
  }
  return std::to_string(static_cast<int>(value));
}

// The value of `word` (case-sensitive); throws an INVALID_ARGUMENT Error
// naming `flag` and the words accepted.
template <typename Enum, size_t N>
Enum ParseWord(const EnumWord<Enum> (&words)[N], const std::string& word, const std::string& flag) {
  std::string accepted;
  for (const auto& w : words) {
    if (w.word == word) return w.value;
    accepted += (accepted.empty() ? "" : ", ") + std::string(w.word);
  }
  throw InvalidArgument(flag + ": unknown value \"" + word + "\" (expected one of: " + accepted + ")");
}

// A secret read from `path` ("-": stdin), without its final line break.
// Errors name the flag and the path, never the content.
std::string ReadSecretFile(const std::string& path, const std::string& flag) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InvalidArgument(flag + ": cannot read " + path);
    text << in.rdbuf();
  }
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) throw InvalidArgument(flag + ": " + (path == "-" ? "stdin" : path) + " is empty");
  return secret;
}

// A secret from its flag, else its file flag, else the environment
// variable `env`; "" when none is given.
std::string Secret(const std::string& flag_value, const std::string& file, const std::string& file_flag,
                   const char* env) {
  if (!flag_value.empty()) return flag_value;
  if (!file.empty()) return ReadSecretFile(file, file_flag);
  const char* from_env = std::getenv(env);
  return from_env == nullptr ? "" : from_env;
}

// {"name", "kind", "description", "user", "auth_protocol", "priv_protocol",
//  "has_secret", "create_time", "update_time"}: never a secret.
Json CredentialJson(const v1::Credential& c) {
  return {{"name", c.name()},
          {"kind", WordOf(kKinds, c.kind())},
          {"description", c.description()},
          {"user", c.user()},
          {"auth_protocol", WordOf(kAuthProtocols, c.auth_protocol())},
          {"priv_protocol", WordOf(kPrivProtocols, c.priv_protocol())},
          {"has_secret", c.has_secret()},
          {"allow_unverified_tls", c.allow_unverified_tls()},
          {"create_time", TimeOrNull(c.has_create_time(), c.create_time())},
          {"update_time", TimeOrNull(c.has_update_time(), c.update_time())}};
}

void PrintCredential(const Session& session, const v1::Credential& c) {
  if (session.json()) {
    PrintJson(CredentialJson(c));
    return;
  }
  KeyValues rows = {{"name", c.name()}, {"version", WordOf(kVersions, c.kind())}};
  if (!c.description().empty()) rows.emplace_back("description", c.description());
  if (c.kind() == v1::CREDENTIAL_KIND_SNMP_V3) {
    rows.emplace_back("user", c.user());
    rows.emplace_back("auth", WordOf(kAuthProtocols, c.auth_protocol()));
    rows.emplace_back("priv", WordOf(kPrivProtocols, c.priv_protocol()));
  }
  if (c.kind() == v1::CREDENTIAL_KIND_HTTP_BASIC) rows.emplace_back("user", c.user());
  if (c.kind() == v1::CREDENTIAL_KIND_HTTP_BASIC || c.kind() == v1::CREDENTIAL_KIND_HTTP_BEARER) {
    rows.emplace_back("unverified tls", c.allow_unverified_tls() ? "allowed" : "refused");
  }
  rows.emplace_back("secret", c.has_secret() ? "set" : "none");
  rows.emplace_back("created", TimeOrEmpty(c.has_create_time(), c.create_time()));
  rows.emplace_back("updated", TimeOrEmpty(c.has_update_time(), c.update_time()));
  PrintKeyValues(rows);
}

// --- credential create --------------------------------------------------------

struct CreateOptions {
  std::string name, version, description;
  std::string community, community_file;
  std::string user, auth, auth_key, auth_key_file, priv, priv_key, priv_key_file;
  bool replace = false;
};

v1::Credential CredentialToCreate(const CreateOptions& o) {
  v1::Credential c;
  c.set_name(o.name);
  c.set_description(o.description);
  // Without --version: v3 when a v3 flag is given, else v2c.
  const bool v3_flags = !o.user.empty() || !o.auth.empty() || !o.priv.empty();
  const std::string version = !o.version.empty() ? o.version : v3_flags ? "3" : "2c";
  c.set_kind(ParseWord(kVersions, version, "--version"));
  if (c.kind() != v1::CREDENTIAL_KIND_SNMP_V3) {
    if (v3_flags) throw InvalidArgument("--user, --auth and --priv are for SNMPv3 credentials (--version 3)");
    c.set_community(Secret(o.community, o.community_file, "--community-file", kCommunityEnv));
    if (c.community().empty()) {
      throw InvalidArgument(std::string("--community: required for SNMP v1/v2c (or --community-file, or ") +
                            kCommunityEnv + ")");
    }
    return c;
  }
  if (!o.community.empty() || !o.community_file.empty()) {
    throw InvalidArgument("--community: not used by SNMPv3 credentials (give --user, --auth, --priv)");
  }
  c.set_user(o.user);
  if (!o.auth.empty()) {
    c.set_auth_protocol(ParseWord(kAuthProtocols, o.auth, "--auth"));
    c.set_auth_key(Secret(o.auth_key, o.auth_key_file, "--auth-key-file", kAuthKeyEnv));
  } else if (!o.auth_key.empty() || !o.auth_key_file.empty()) {
    throw InvalidArgument("--auth-key: give --auth with it (sha, sha224, sha256, sha384, sha512, md5)");
  }
  if (!o.priv.empty()) {
    c.set_priv_protocol(ParseWord(kPrivProtocols, o.priv, "--priv"));
    c.set_priv_key(Secret(o.priv_key, o.priv_key_file, "--priv-key-file", kPrivKeyEnv));
  } else if (!o.priv_key.empty() || !o.priv_key_file.empty()) {
    throw InvalidArgument("--priv-key: give --priv with it (aes, aes192, aes256, des)");
  }
  return c;
}

void RunCreate(Session& session, const CreateOptions& o) {
  v1::CreateCredentialRequest request;
  *request.mutable_credential() = CredentialToCreate(o);
  request.set_replace(o.replace);
  DiscoveryClient client(session);
  PrintCredential(session, client.Call(&Stub::CreateCredential, request));
}

// --- credential create http -------------------------------------------------------

struct HttpCreateOptions {
  std::string name, description, user, password_file, bearer_file;
  bool allow_unverified_tls = false, replace = false;
};

v1::Credential HttpCredentialToCreate(const HttpCreateOptions& o) {
  v1::Credential c;
  c.set_name(o.name);
  c.set_description(o.description);
  c.set_allow_unverified_tls(o.allow_unverified_tls);
  if (!o.user.empty()) {
    c.set_kind(v1::CREDENTIAL_KIND_HTTP_BASIC);
    c.set_user(o.user);
    c.set_password(Secret("", o.password_file, "--password-file", kPasswordEnv));
    if (c.password().empty()) {
      throw InvalidArgument(std::string("--password-file: required with --user (or ") + kPasswordEnv + ")");
    }
    return c;
  }
  if (!o.password_file.empty()) throw InvalidArgument("--password-file: give --user with it");
  c.set_kind(v1::CREDENTIAL_KIND_HTTP_BEARER);
  c.set_token(Secret("", o.bearer_file, "--bearer-file", kBearerEnv));
  if (c.token().empty()) {
    throw InvalidArgument(std::string("--user with --password-file (basic), or --bearer-file (or ") + kBearerEnv +
                          "): required");
  }
  return c;
}

CLI::App* AddCreateHttp(CLI::App* create, Session& session) {
  auto o = std::make_shared<HttpCreateOptions>();
  auto* cmd = create->add_subcommand(
      "http", std::string("Store an HTTP credential (admin): basic (--user, --password-file or ") + kPasswordEnv +
                  ") or bearer (--bearer-file or " + kBearerEnv +
                  "). Sent only over HTTPS to servers whose certificate verifies, unless --allow-unverified-tls");
  cmd->add_option("NAME", o->name, "Credential name: a-z, 0-9, '_', '.', '-'")->required();
  cmd->add_option("--description", o->description, "Description");
  cmd->add_option("--user", o->user, "User name (basic authentication)");
  auto* password =
      cmd->add_option("--password-file", o->password_file, "Read the password from this file (\"-\": stdin)");
  cmd->add_option("--bearer-file", o->bearer_file, "Read the bearer token from this file (\"-\": stdin)")
      ->excludes(password);
  cmd->add_flag("--allow-unverified-tls", o->allow_unverified_tls,
                "Also send it to servers whose certificate does not verify (self-signed controllers)");
  cmd->add_flag("--replace", o->replace, "Replace the credential of that name, secrets too, if it exists");
  cmd->callback([&session, o] {
    v1::CreateCredentialRequest request;
    *request.mutable_credential() = HttpCredentialToCreate(*o);
    request.set_replace(o->replace);
    DiscoveryClient client(session);
    PrintCredential(session, client.Call(&Stub::CreateCredential, request));
  });
  return cmd;
}

void AddCreate(CLI::App* credential, Session& session) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = credential->add_subcommand(
      "create",
      std::string("Store an SNMP credential (admin). Secrets may instead come from files or from ") + kCommunityEnv +
          ", " + kAuthKeyEnv + " and " + kPrivKeyEnv + "; they are never printed");
  cmd->add_option("NAME", o->name, "Credential name: a-z, 0-9, '_', '.', '-'");
  cmd->add_option("--version", o->version, "SNMP version: 1, 2c or 3 (default: 3 with --user, else 2c)");
  cmd->add_option("--description", o->description, "Description");
  auto* community = cmd->add_option("--community", o->community, "Community string (v1/v2c)");
  cmd->add_option("--community-file", o->community_file, "Read the community from this file (\"-\": stdin)")
      ->excludes(community);
  cmd->add_option("--user", o->user, "Security name (v3)");
  cmd->add_option("--auth", o->auth, "Authentication protocol (v3): sha, sha224, sha256, sha384, sha512, md5");
  auto* auth_key = cmd->add_option("--auth-key", o->auth_key, "Authentication passphrase (v3)");
  cmd->add_option("--auth-key-file", o->auth_key_file, "Read the authentication passphrase from this file")
      ->excludes(auth_key);
  cmd->add_option("--priv", o->priv, "Privacy protocol (v3): aes, aes192, aes256, des");
  auto* priv_key = cmd->add_option("--priv-key", o->priv_key, "Privacy passphrase (v3)");
  cmd->add_option("--priv-key-file", o->priv_key_file, "Read the privacy passphrase from this file")
      ->excludes(priv_key);
  cmd->add_flag("--replace", o->replace, "Replace the credential of that name, secrets too, if it exists");
  CLI::App* http = AddCreateHttp(cmd, session);
  cmd->callback([&session, o, http] {
    if (http->parsed()) return;
    if (o->name.empty()) throw InvalidArgument("NAME: required");
    RunCreate(session, *o);
  });
}

// --- credential list / delete ---------------------------------------------------

void RunList(Session& session) {
  DiscoveryClient client(session);
  const auto response = client.Call(&Stub::ListCredentials, v1::ListCredentialsRequest());
  if (session.json()) {
    Json json = Json::array();
    for (const auto& c : response.credentials()) json.push_back(CredentialJson(c));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "VERSION", "USER", "AUTH", "PRIV", "SECRET", "UPDATED", "DESCRIPTION"});
  for (const auto& c : response.credentials()) {
    table.AddRow({c.name(), WordOf(kVersions, c.kind()), c.user(), WordOf(kAuthProtocols, c.auth_protocol()),
                  WordOf(kPrivProtocols, c.priv_protocol()), c.has_secret() ? "set" : "none",
                  TimeOrEmpty(c.has_update_time(), c.update_time()), c.description()});
  }
  table.Print();
}

void RunDelete(Session& session, const std::string& name) {
  v1::DeleteCredentialRequest request;
  request.set_name(name);
  DiscoveryClient client(session);
  client.Call(&Stub::DeleteCredential, request);
  std::cerr << "deleted credential " << name << "\n";
}

}  // namespace

std::string AdhocCredentialName(const std::string& community) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(community.data(), community.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size < 4) {
    throw Error("INTERNAL", "SHA-256 is not available");
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  return std::string("adhoc-") + hex;
}

std::string PutAdhocCredential(DiscoveryClient& client, const std::string& community) {
  v1::CreateCredentialRequest request;
  auto* c = request.mutable_credential();
  c->set_name(AdhocCredentialName(community));
  c->set_kind(v1::CREDENTIAL_KIND_SNMP_V2C);
  c->set_description("community given to `cmdbctl discovery run --community`");
  c->set_community(community);
  request.set_replace(true);
  return client.Call(&Stub::CreateCredential, request).name();
}

void AddCredentialCommands(CLI::App& app, Session& session) {
  auto* credential = app.add_subcommand("credential", "SNMP credentials for discovery (secrets are write-only)");
  credential->require_subcommand(1);
  AddCreate(credential, session);
  credential->add_subcommand("list", "List credentials (never their secrets)")->callback([&session] {
    RunList(session);
  });
  auto name = std::make_shared<std::string>();
  auto* del = credential->add_subcommand("delete", "Delete a credential no schedule uses (admin)");
  del->add_option("NAME", *name, "Credential name")->required();
  del->callback([&session, name] { RunDelete(session, *name); });
}

}  // namespace cmdbctl
