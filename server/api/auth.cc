#include "api/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "core/strings.h"

namespace cmdb::api {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kDiscovery: return "discovery";
    case Role::kEditor: return "editor";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kDiscovery, Role::kEditor, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

const std::map<std::string, Role, std::less<>>& MethodRoles() {
  static const auto* roles = new std::map<std::string, Role, std::less<>>{
      // CmdbService: reads
      {"GetCI", Role::kViewer},
      {"ListCIs", Role::kViewer},
      {"GetCIHistory", Role::kViewer},
      {"GetRelationship", Role::kViewer},
      {"ListRelationships", Role::kViewer},
      {"ListRelationshipTypes", Role::kViewer},
      {"GetClass", Role::kViewer},
      {"ListClasses", Role::kViewer},
      {"WatchChanges", Role::kViewer},
      // CmdbService: data edits (DeleteCI with hard=true also needs admin)
      {"CreateCI", Role::kEditor},
      {"UpdateCI", Role::kEditor},
      {"DeleteCI", Role::kEditor},
      {"RestoreCI", Role::kEditor},
      {"BatchWrite", Role::kEditor},
      {"CreateRelationship", Role::kEditor},
      {"UpdateRelationship", Role::kEditor},
      {"DeleteRelationship", Role::kEditor},
      // CmdbService: the catalog
      {"CreateRelationshipType", Role::kAdmin},
      {"CreateClass", Role::kAdmin},
      {"UpdateClass", Role::kAdmin},
      {"DeleteClass", Role::kAdmin},
      // DiscoveryService: credentials and schedules are the admins'; runs
      // are started and cancelled by editors; viewers see everything but
      // secrets; workers (discovery) lease and report jobs.
      {"CreateCredential", Role::kAdmin},
      {"ListCredentials", Role::kViewer},
      {"DeleteCredential", Role::kAdmin},
      {"CreateSchedule", Role::kAdmin},
      {"GetSchedule", Role::kViewer},
      {"ListSchedules", Role::kViewer},
      {"UpdateSchedule", Role::kAdmin},
      {"DeleteSchedule", Role::kAdmin},
      {"StartRun", Role::kEditor},
      {"GetRun", Role::kViewer},
      {"ListRuns", Role::kViewer},
      {"CancelRun", Role::kEditor},
      {"ListRunLog", Role::kViewer},
      {"LeaseJob", Role::kDiscovery},
      {"Heartbeat", Role::kDiscovery},
      {"ReportTargets", Role::kDiscovery},
      {"CompleteJob", Role::kDiscovery},
      // ImpactService: analysis and records are read by viewers; records are
      // linked by editors (like CIs), propagation rules set by admins (like the
      // catalog), a CI's own redundancy by editors.
      {"AnalyzeImpact", Role::kViewer},
      {"SuggestRootCause", Role::kViewer},
      {"GetGraphStats", Role::kViewer},
      {"GetPropagationRules", Role::kViewer},
      {"SetRelationshipPropagation", Role::kAdmin},
      {"SetClassRedundancy", Role::kAdmin},
      {"SetCiRedundancy", Role::kEditor},
      {"PutExternalRecord", Role::kEditor},
      {"GetExternalRecord", Role::kViewer},
      {"ListExternalRecords", Role::kViewer},
      {"DeleteExternalRecord", Role::kEditor},
      // AuditService: rules are set by admins (like the catalog), audits run
      // and findings acknowledged by editors, everything read by viewers.
      {"PutAuditRule", Role::kAdmin},
      {"GetAuditRule", Role::kViewer},
      {"ListAuditRules", Role::kViewer},
      {"DeleteAuditRule", Role::kAdmin},
      {"RunAudit", Role::kEditor},
      {"GetAuditRun", Role::kViewer},
      {"ListAuditRuns", Role::kViewer},
      {"AcknowledgeFinding", Role::kEditor},
      {"WithdrawAcknowledgement", Role::kEditor},
      {"ListAcknowledgements", Role::kViewer},
      {"GetStatusReport", Role::kViewer},
      {"PutAuditSchedule", Role::kAdmin},
      {"ListAuditSchedules", Role::kViewer},
      {"DeleteAuditSchedule", Role::kAdmin},
      {"AuditDiscovery", Role::kViewer},
      {"CreateBaseline", Role::kEditor},
      {"GetBaseline", Role::kViewer},
      {"ListBaselines", Role::kViewer},
      {"DeleteBaseline", Role::kAdmin},
      {"CompareBaseline", Role::kViewer},
      // ReconciliationService (ListDuplicateCandidates with detect also needs editor)
      {"Reconcile", Role::kDiscovery},
      {"StreamReconcile", Role::kDiscovery},
      {"GetIdentificationRules", Role::kViewer},
      {"ListReconciliationRules", Role::kViewer},
      {"ListSources", Role::kViewer},
      {"ListDuplicateCandidates", Role::kViewer},
      {"Merge", Role::kEditor},
      {"SetIdentificationRules", Role::kAdmin},
      {"SetReconciliationRule", Role::kAdmin},
      {"DeleteReconciliationRule", Role::kAdmin},
      {"SetSourcePolicy", Role::kAdmin},
  };
  return *roles;
}

std::string TokenHash(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a token");
  std::string raw(reinterpret_cast<char*>(bytes), sizeof bytes);
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return "cmdb_" + out;
}

absl::StatusOr<TokenStore> TokenStore::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("cannot read tokens file ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto store = Parse(text.str(), path);
  if (store.ok() && store->size() == 0) {
    // With authentication on, no token means no caller gets in: a file
    // emptied by mistake (or truncated while written) must not do that.
    return absl::InvalidArgumentError(StrCat(path,
                                             ": holds no token; refused, as it would lock every caller out "
                                             "(to turn authentication off, start without --tokens)"));
  }
  return store;
}

absl::StatusOr<TokenStore> TokenStore::Parse(std::string_view text, std::string_view origin) {
  TokenStore store;
  int line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    std::vector<std::string_view> words;
    for (std::string_view w : Split(line, ' ', /*skip_empty=*/true)) {
      for (std::string_view part : Split(w, '\t', /*skip_empty=*/true)) words.push_back(part);
    }
    if (words.empty() || words[0].starts_with('#')) continue;
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(StrCat(origin, ":", line_no, ": ", why,
                                               " (expected \"<sha256-hex> <role> <name>\")"));
    };
    if (words.size() != 3) return bad("expected three fields");
    std::string hash(words[0]);
    if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return bad("the first field is not a SHA-256 hex digest");
    }
    for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto role = RoleFromName(words[1]);
    if (!role) return bad(StrCat("unknown role \"", words[1], "\" (viewer, discovery, editor, admin)"));
    if (!store.by_hash_.emplace(hash, Principal{std::string(words[2]), *role}).second) {
      return bad("the same token appears twice");
    }
  }
  return store;
}

std::optional<Principal> TokenStore::Find(std::string_view token) const {
  auto it = by_hash_.find(TokenHash(token));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

Authenticator::Authenticator(TokenStore tokens)
    : enabled_(true), tokens_(std::make_shared<const TokenStore>(std::move(tokens))) {}

void Authenticator::Replace(TokenStore tokens) {
  auto next = std::make_shared<const TokenStore>(std::move(tokens));
  std::lock_guard lock(mu_);
  tokens_ = std::move(next);
}

absl::Status RequireRole(const Principal& principal, Role needed, std::string_view what) {
  if (principal.role >= needed) return absl::OkStatus();
  return absl::PermissionDeniedError(StrCat(what, " needs role ", RoleName(needed), "; ", principal.name, " has role ",
                                            RoleName(principal.role)));
}

absl::Status Authenticator::Authorize(const Principal& principal, std::string_view method) {
  const auto& roles = MethodRoles();
  auto needed = roles.find(method);
  if (needed == roles.end()) return absl::PermissionDeniedError(StrCat("method ", method, " has no role assigned"));
  return RequireRole(principal, needed->second, method);
}

absl::StatusOr<Principal> Authenticator::Check(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                               std::string_view method, std::string* caller) const {
  auto principal = Authenticate(metadata);
  if (!principal.ok()) return principal;
  if (caller != nullptr) *caller = principal->name;
  if (absl::Status st = Authorize(*principal, method); !st.ok()) return st;
  return principal;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  if (!enabled_) return Principal{"anonymous", Role::kAdmin};
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError("missing credentials: send \"authorization: Bearer <token>\"");
  }
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (!value.starts_with(kBearer) || value.size() == kBearer.size()) {
    return absl::UnauthenticatedError("the authorization header must be \"Bearer <token>\"");
  }
  std::shared_ptr<const TokenStore> tokens;
  {
    std::lock_guard lock(mu_);
    tokens = tokens_;
  }
  auto principal = tokens->Find(value.substr(kBearer.size()));
  if (!principal) return absl::UnauthenticatedError("invalid token");
  return *principal;
}

}  // namespace cmdb::api
