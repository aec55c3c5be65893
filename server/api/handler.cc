// The request log line (see handler.h).
#include "api/handler.h"

#include <spdlog/spdlog.h>

#include "util/status_names.h"
#include "util/text_scan.h"

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
  // Values a caller chose (the message may quote a filter) are escaped: a
  // newline in them cannot start a line of its own.
  Logger().log(LevelFor(status), "method={} peer={} principal={} status={} duration_ms={:.2f}{}{}", method,
               LogSafe(peer), LogSafe(principal), proto_util::CodeName(status.error_code()), millis,
               status.ok() ? "" : " error=", LogSafe(status.error_message()));
}

grpc::Status RefuseNulText(const google::protobuf::Message& request, std::initializer_list<std::string_view> skip) {
  if (auto bad = proto_util::FindNulText(request, skip)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, StrCat(*bad, ": contains a NUL character"));
  }
  return grpc::Status::OK;
}

grpc::Status InternalErrorFor(std::string_view method, const std::exception& e) {
  Logger().error("method={} unexpected exception: {}", method, LogSafe(e.what()));
  return grpc::Status(grpc::StatusCode::INTERNAL, "internal error (details are in the server log)");
}

}  // namespace cmdb::api
