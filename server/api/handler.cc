// The request log line (see handler.h).
#include "api/handler.h"

#include <spdlog/spdlog.h>

#include "util/status_names.h"

namespace cmdb::api {

namespace {

spdlog::logger& Logger() {
  static auto logger = [] {
    auto l = spdlog::get("request");
    return l ? l : spdlog::default_logger();
  }();
  return *logger;
}

spdlog::level::level_enum LevelFor(const grpc::Status& status) {
  return status.ok() ? spdlog::level::info
         : status.error_code() == grpc::StatusCode::INTERNAL || status.error_code() == grpc::StatusCode::UNKNOWN
             ? spdlog::level::err
             : spdlog::level::warn;
}

}  // namespace

bool RequestLogged(const grpc::Status& status) { return Logger().should_log(LevelFor(status)); }

void LogRequest(std::string_view method, const std::string& peer, std::string_view principal,
                const grpc::Status& status, double millis) {
  Logger().log(LevelFor(status), "method={} peer={} principal={} status={} duration_ms={:.2f}{}{}", method, peer,
               principal, proto_util::CodeName(status.error_code()), millis, status.ok() ? "" : " error=",
               status.error_message());
}

}  // namespace cmdb::api
