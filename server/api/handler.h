// The one path every unary call takes: Authenticator::Check (authenticate,
// then authorise the method by its minimal role), run the handler, map the
// status, log one line. Exceptions never reach gRPC (they become INTERNAL).
// Sync handlers and ListCIs (a callback method run on a worker pool) share
// it; WatchChanges, a callback stream, runs the same Check before it starts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "api/auth.h"
#include "api/status_map.h"
#include "core/strings.h"

namespace cmdb::api {

// Logs one line per finished request: method, peer, principal, status (its
// code name, util/status_names.h), duration and, on error, the message.
void LogRequest(std::string_view method, const std::string& peer, std::string_view principal,
                const grpc::Status& status, double millis);
// Whether LogRequest would write a line for `status` at the request
// logger's level: callers skip gathering the line's fields when not.
bool RequestLogged(const grpc::Status& status);

// Runs `fn(const Principal&) -> absl::Status`, which fills the response,
// only when auth.Check(metadata, method) admits the caller; otherwise
// returns Check's UNAUTHENTICATED or PERMISSION_DENIED. Returns fn's status
// mapped to gRPC, or INTERNAL for an exception.
template <typename Fn>
grpc::Status HandleCall(const Authenticator& auth, grpc::ServerContextBase* ctx, std::string_view method, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  std::string who = "-";
  try {
    absl::StatusOr<Principal> principal = auth.Check(ctx->client_metadata(), method, &who);
    status = ToGrpcStatus(principal.ok() ? fn(*principal) : principal.status());
  } catch (const std::exception& e) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, StrCat("internal error: ", e.what()));
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (RequestLogged(status)) LogRequest(method, ctx->peer(), who, status, ms);
  return status;
}

}  // namespace cmdb::api
