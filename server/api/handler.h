// The one path every unary call takes: Authenticator::Check (authenticate,
// then authorise the method by its minimal role), refuse text the database
// cannot store (a NUL anywhere in the request), run the handler, map the
// status, log one line. Exceptions never reach gRPC (they become INTERNAL,
// their text in the log only).
// Sync handlers and ListCIs (a callback method run on a worker pool) share
// it; WatchChanges, a callback stream, runs the same Check before it starts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <initializer_list>

#include "api/auth.h"
#include "api/status_map.h"
#include "core/caller.h"
#include "core/strings.h"

namespace cmdb::api {

// Logs one line per finished request: method, peer, principal, status (its
// code name, util/status_names.h), duration and, on error, the message.
void LogRequest(std::string_view method, const std::string& peer, std::string_view principal,
                const grpc::Status& status, double millis);
// Whether LogRequest would write a line for `status` at the request
// logger's level: callers skip gathering the line's fields when not.
bool RequestLogged(const grpc::Status& status);

// Logs an exception that escaped a handler; returns the INTERNAL status the
// client gets (without the exception's text).
grpc::Status InternalErrorFor(std::string_view method, const std::exception& e);

// INVALID_ARGUMENT "<field>: contains a NUL character" for the first string
// of `request` (outside the top-level fields in `skip`) holding a NUL.
grpc::Status RefuseNulText(const google::protobuf::Message& request, std::initializer_list<std::string_view> skip);

// Runs `fn(const Principal&) -> absl::Status`, which fills the response,
// only when auth.Check(metadata, method) admits the caller; otherwise
// returns Check's UNAUTHENTICATED or PERMISSION_DENIED. Then a NUL in any
// string of `request` is INVALID_ARGUMENT naming its field, except in the
// top-level fields listed in `per_item` (the handler judges those item by
// item). fn runs in a CallerScope of the principal. Returns fn's status
// mapped to gRPC, or INTERNAL for an exception.
template <typename Fn>
grpc::Status HandleCall(const Authenticator& auth, grpc::ServerContextBase* ctx, std::string_view method,
                        const google::protobuf::Message& request, Fn&& fn,
                        std::initializer_list<std::string_view> per_item = {}) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  std::string who = "-";
  try {
    absl::StatusOr<Principal> principal = auth.Check(ctx->client_metadata(), method, &who);
    if (!principal.ok()) {
      status = ToGrpcStatus(principal.status());
    } else if (status = RefuseNulText(request, per_item); status.ok()) {
      const CallerScope caller(principal->name);  // read-your-writes on a replica (db/database.h)
      status = ToGrpcStatus(fn(*principal));
    }
  } catch (const std::exception& e) {
    status = InternalErrorFor(method, e);
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (RequestLogged(status)) LogRequest(method, ctx->peer(), who, status, ms);
  return status;
}

}  // namespace cmdb::api
