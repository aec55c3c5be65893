// Status helpers shared by every layer of the server.
//
// Internal layers return absl::Status / absl::StatusOr<T>; the gRPC layer maps
// them to grpc::Status in one place (api/status_map.h). An INVALID_ARGUMENT
// message starts with the offending field's path ("attributes.cpu_count: ...").
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/strings.h"

namespace cmdb {

// INVALID_ARGUMENT naming `field`: "<field>: <message>".
template <typename Message>
absl::Status FieldError(std::string_view field, const Message& message) {
  return absl::InvalidArgumentError(StrCat(field, ": ", message));
}

}  // namespace cmdb

#define CMDB_STATUS_CONCAT_INNER(a, b) a##b
#define CMDB_STATUS_CONCAT(a, b) CMDB_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is an error.
#define CMDB_RETURN_IF_ERROR(expr)                   \
  do {                                               \
    if (absl::Status _cmdb_st = (expr); !_cmdb_st.ok()) \
      return _cmdb_st;                               \
  } while (false)

// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs` (which may be a declaration).
#define CMDB_ASSIGN_OR_RETURN(lhs, expr) \
  CMDB_ASSIGN_OR_RETURN_IMPL(CMDB_STATUS_CONCAT(_cmdb_or_, __LINE__), lhs, expr)
#define CMDB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()
