// UUIDs: the ids of CIs and relationships.
#pragma once

#include <string>
#include <string_view>

namespace cmdb {

// A new time-ordered UUID (version 7, RFC 9562): ids made close in time sort
// close together, which keeps the primary-key index compact under bulk load.
std::string NewUuid();

// True for a UUID in 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view text);

// Lower-cased canonical form; the input must satisfy IsUuid.
std::string CanonicalUuid(std::string_view text);

}  // namespace cmdb
