// Names of cmdb.v1 enum values as the API's users write them ("high" for
// SEVERITY_HIGH), shared by cmdbd and cmdbctl so that both read and print
// them alike.
#pragma once

#include <string_view>

#include "cmdb/v1/audit.pb.h"

namespace cmdb::proto_util {

// low, medium, high, critical; "" for SEVERITY_UNSPECIFIED or a value
// outside the enum.
std::string_view SeverityName(v1::Severity severity);
// The value named (as above); SEVERITY_UNSPECIFIED for any other text.
v1::Severity SeverityFromName(std::string_view name);

}  // namespace cmdb::proto_util
