// The one place where internal statuses become gRPC statuses.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace cmdb::api {

// Same code, same message (absl and gRPC share the canonical codes).
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace cmdb::api
