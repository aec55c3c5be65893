// Canonical names of status codes ("NOT_FOUND", "PERMISSION_DENIED"), as the
// server's request log and cmdbctl's error output print them. gRPC and absl
// share the numbering of the canonical codes, so one table serves both.
#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <string>

#include "absl/status/status.h"

namespace cmdb::proto_util {

// The canonical name of `code`, e.g. "DEADLINE_EXCEEDED"; a number outside
// the canonical set (0..16) is named "CODE_<number>", never a wrong name.
std::string CodeName(grpc::StatusCode code);
std::string CodeName(absl::StatusCode code);

}  // namespace cmdb::proto_util
