#include "api/handler.h"

#include <spdlog/spdlog.h>

namespace cmdb::api {

std::string_view CodeName(grpc::StatusCode code) {
  static constexpr std::string_view kNames[] = {
      "OK",      "CANCELLED",        "UNKNOWN",           "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

void LogRequest(std::string_view method, const std::string& peer, std::string_view principal,
                const grpc::Status& status, double millis) {
  static auto logger = [] {
    auto l = spdlog::get("request");
    return l ? l : spdlog::default_logger();
  }();
  const auto level = status.ok() ? spdlog::level::info
                     : status.error_code() == grpc::StatusCode::INTERNAL ||
                             status.error_code() == grpc::StatusCode::UNKNOWN
                         ? spdlog::level::err
                         : spdlog::level::warn;
  logger->log(level, "method={} peer={} principal={} status={} duration_ms={:.2f}{}{}", method, peer, principal,
              CodeName(status.error_code()), millis, status.ok() ? "" : " error=", status.error_message());
}

}  // namespace cmdb::api
