// A unary gRPC call by method path with raw request bytes: for methods a
// test has no stub for (health, reflection) and for bytes no stub would
// send (invalid UTF-8, nesting past the parser's limit).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace cmdb::testing {

inline grpc::Status CallRaw(grpc::Channel& channel, const std::string& method, const std::string& token,
                            const std::string& request_bytes = "", std::string* response = nullptr,
                            std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  grpc::GenericStub stub(channel.shared_from_this());
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), reply;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  grpc::StubOptions options;
  stub.UnaryCall(&ctx, method, options, &request, &reply, [&](grpc::Status st) {
    std::lock_guard lock(mu);
    result = st;
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  if (response != nullptr && result.ok()) {
    std::vector<grpc::Slice> slices;
    (void)reply.Dump(&slices);
    response->clear();
    for (const auto& s : slices) response->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return result;
}

// grpc.health.v1.Health/Check of `service` ("" for the server): 1 SERVING,
// 2 NOT_SERVING, 0 when the check itself failed.
inline int HealthStatus(grpc::Channel& channel, const std::string& service = "") {
  std::string request;
  if (!service.empty()) request = "\x0a" + std::string(1, static_cast<char>(service.size())) + service;
  std::string response;
  grpc::Status st = CallRaw(channel, "/grpc.health.v1.Health/Check", "", request, &response, std::chrono::seconds(3));
  if (!st.ok() || response.size() != 2 || response[0] != '\x08') return 0;
  return response[1];
}

}  // namespace cmdb::testing
