#include "util/enum_names.h"

namespace cmdb::proto_util {

std::string_view SeverityName(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_LOW: return "low";
    case v1::SEVERITY_MEDIUM: return "medium";
    case v1::SEVERITY_HIGH: return "high";
    case v1::SEVERITY_CRITICAL: return "critical";
    default: return "";
  }
}

v1::Severity SeverityFromName(std::string_view name) {
  for (v1::Severity s : {v1::SEVERITY_LOW, v1::SEVERITY_MEDIUM, v1::SEVERITY_HIGH, v1::SEVERITY_CRITICAL}) {
    if (SeverityName(s) == name) return s;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

}  // namespace cmdb::proto_util
