// UUIDs: the ids of CIs and relationships.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cmdb {

// A new time-ordered UUID (version 7, RFC 9562): ids made close in time sort
// close together, which keeps the primary-key index compact under bulk load.
std::string NewUuid();
// The same with `unix_ms` (milliseconds since the Unix epoch, 48 bits) as
// its time: what NewUuid does with the clock's time.
std::string NewUuidAt(int64_t unix_ms);

// True for a UUID in 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view text);

// Lower-cased canonical form; the input must satisfy IsUuid.
std::string CanonicalUuid(std::string_view text);

// The 16 bytes of a UUID, for compact in-memory keys.
using UuidBytes = std::array<uint8_t, 16>;
// Parses the 8-4-4-4-12 hex form (either case); false for anything else.
bool ParseUuid(std::string_view text, UuidBytes* out);
// The lower-case canonical text of `id`.
std::string FormatUuid(const UuidBytes& id);

}  // namespace cmdb
