// A server interceptor for what happens before a handler runs, where gRPC
// would answer on its own with a bare status and no log line:
//  - a request that does not parse (a string field with invalid UTF-8,
//    messages nested past protobuf's recursion limit): gRPC says INTERNAL
//    with an empty message; it becomes INVALID_ARGUMENT "request: ...";
//  - a call refused because every request thread is busy: gRPC says
//    RESOURCE_EXHAUSTED with an empty message; it gets a message naming the
//    --max-threads setting.
// Both are logged (busy refusals at most once a second, with a count).
#pragma once

#include <memory>
#include <vector>

#include <grpcpp/support/server_interceptor.h>

namespace cmdb::api {

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> RequestInterceptors(
    int max_threads);

}  // namespace cmdb::api
