// The gRPC server around CmdbApi: listening address, optional TLS, message
// size limits, a bounded thread pool, health checking and reflection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "service/limits.h"

namespace cmdb::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // HOST:PORT; port 0 picks a free one
  std::string tls_cert_file;               // both or neither
  std::string tls_key_file;
  int max_threads = 64;                    // threads serving unary calls
  // gRPC's memory quota: buffers of requests being read, across all calls.
  // Past it, gRPC refuses new calls (RESOURCE_EXHAUSTED) or closes a
  // connection (UNAVAILABLE) instead of reading more.
  int max_memory_mb = 256;
};

class GrpcServer {
 public:
  // FAILED_PRECONDITION for unreadable TLS files, INVALID_ARGUMENT for TLS
  // files that hold no PEM certificate or key or a key of another
  // certificate, UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options,
                                                           const std::vector<grpc::Service*>& services,
                                                           const Limits& limits);

  int port() const { return port_; }
  // Health status of the server ("") and of each cmdb.v1 service.
  void SetServing(bool serving);
  // Stops accepting calls, lets in-flight calls finish for up to `grace`,
  // then cancels the rest.
  void Shutdown(std::chrono::milliseconds grace);
  void Wait();

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace cmdb::api
