// Checks of request fields shared by the use cases: ids, etags, and the
// prefixing of a nested validation error with the item's path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cmdb {

// Checks a CI id from a request: INVALID_ARGUMENT naming `field` unless a
// UUID other than the nil UUID.
absl::Status CheckId(const std::string& id, std::string_view field);
// Checks an etag against a version: INVALID_ARGUMENT if malformed, ABORTED if stale.
absl::Status CheckEtag(const std::string& etag, int64_t current_version, std::string_view what);
// Returns `status` with INVALID_ARGUMENT messages prefixed by `prefix`.
absl::Status Prefixed(const absl::Status& status, std::string_view prefix);

}  // namespace cmdb
