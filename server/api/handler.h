// The one path every unary call takes: authenticate, authorise the method
// by its minimal role, run the handler, map the status, log one line.
// Exceptions never reach gRPC (they become INTERNAL).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "api/auth.h"
#include "api/status_map.h"
#include "core/strings.h"

namespace cmdb::api {

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND, ...
std::string_view CodeName(grpc::StatusCode code);

// Logs one line per finished request: method, peer, principal, status, duration.
void LogRequest(std::string_view method, const std::string& peer, std::string_view principal,
                const grpc::Status& status, double millis);

// `fn(const Principal&) -> absl::Status` fills the response.
template <typename Fn>
grpc::Status HandleCall(const Authenticator& auth, grpc::ServerContext* ctx, std::string_view method, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  std::string who = "-";
  try {
    absl::StatusOr<Principal> principal = auth.Authenticate(ctx->client_metadata());
    if (principal.ok()) who = principal->name;
    absl::Status allowed = principal.ok() ? Authenticator::Authorize(*principal, method) : principal.status();
    status = ToGrpcStatus(allowed.ok() ? fn(*principal) : allowed);
  } catch (const std::exception& e) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, StrCat("internal error: ", e.what()));
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  LogRequest(method, ctx->peer(), who, status, ms);
  return status;
}

}  // namespace cmdb::api
