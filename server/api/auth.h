// Authentication and authorisation. Callers send "authorization: Bearer
// <token>"; the tokens file maps the token's SHA-256 to a role and a name:
//
//   # sha256-hex                                                       role    name
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  editor  alice
//
// Roles are ordered viewer < discovery < editor < admin; every RPC has a
// minimal role (MethodRoles). With authentication off every caller is the
// admin "anonymous".
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace cmdb::api {

enum class Role { kViewer = 1, kDiscovery = 2, kEditor = 3, kAdmin = 4 };
std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

struct Principal {
  std::string name;
  Role role = Role::kViewer;
};

// Minimal role per RPC, by method name ("GetCI"; names are unique across the
// cmdb.v1 services). Every method of every cmdb.v1 service must be listed
// (tests check this against the descriptors).
const std::map<std::string, Role, std::less<>>& MethodRoles();

// Hex SHA-256 of a token, as stored in the tokens file.
std::string TokenHash(std::string_view token);
// A new random token (URL-safe, 256 bits).
std::string NewToken();

class TokenStore {
 public:
  // Parses a tokens file. INVALID_ARGUMENT naming the line for a bad line,
  // or for a file that holds no token (it would lock every caller out);
  // NOT_FOUND when the file is missing.
  static absl::StatusOr<TokenStore> Load(const std::string& path);
  static absl::StatusOr<TokenStore> Parse(std::string_view text, std::string_view origin);

  std::optional<Principal> Find(std::string_view token) const;
  size_t size() const { return by_hash_.size(); }

 private:
  std::map<std::string, Principal, std::less<>> by_hash_;
};

class Authenticator {
 public:
  // Authentication off: every caller is the admin "anonymous".
  Authenticator() = default;
  explicit Authenticator(TokenStore tokens);

  bool enabled() const { return enabled_; }
  // Swaps in a new token set (SIGHUP reload).
  void Replace(TokenStore tokens);

  // Who is calling: UNAUTHENTICATED without a valid token.
  absl::StatusOr<Principal> Authenticate(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;
  // PERMISSION_DENIED unless `principal` may call `method` (a method missing
  // from MethodRoles is refused to everyone).
  static absl::Status Authorize(const Principal& principal, std::string_view method);
  // Authenticate, then Authorize: the one check every RPC runs, unary calls
  // through HandleCall (api/handler.h) and WatchChanges alike. Returns the
  // caller, or UNAUTHENTICATED (missing, malformed or unknown token; checked
  // first, whatever the method) or PERMISSION_DENIED (role too low, or a
  // method missing from MethodRoles). No message contains a token or its
  // hash. When `caller` is not null it receives the authenticated caller's
  // name even if authorisation then fails (for the request log); it is left
  // as it was when nobody was identified.
  absl::StatusOr<Principal> Check(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                  std::string_view method, std::string* caller = nullptr) const;

 private:
  bool enabled_ = false;
  mutable std::mutex mu_;
  std::shared_ptr<const TokenStore> tokens_;
};

// PERMISSION_DENIED unless `principal` has at least `needed`.
absl::Status RequireRole(const Principal& principal, Role needed, std::string_view what);

}  // namespace cmdb::api
