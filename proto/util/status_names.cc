// The canonical code names (see status_names.h).
#include "util/status_names.h"

#include <iterator>
#include <string_view>

namespace cmdb::proto_util {
namespace {

std::string NameOf(int code) {
  static constexpr std::string_view kNames[] = {
      "OK",           "CANCELLED",     "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND",    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",      "OUT_OF_RANGE",  "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS",    "UNAUTHENTICATED"};
  if (code >= 0 && static_cast<size_t>(code) < std::size(kNames)) return std::string(kNames[code]);
  return "CODE_" + std::to_string(code);
}

}  // namespace

std::string CodeName(grpc::StatusCode code) { return NameOf(static_cast<int>(code)); }
std::string CodeName(absl::StatusCode code) { return NameOf(static_cast<int>(code)); }

}  // namespace cmdb::proto_util
