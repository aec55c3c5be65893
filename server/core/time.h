// Timestamps. The server passes time around as microseconds since the Unix
// epoch (UTC), the resolution of PostgreSQL's timestamptz.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cmdb {

using Micros = int64_t;

// "2026-11-21T12:32:05.123456Z" (fraction omitted when zero).
std::string FormatRfc3339(Micros t);

// Parses RFC 3339 ("2026-11-21T12:32:05Z", "...+01:00", fractions allowed).
// INVALID_ARGUMENT on anything else.
absl::StatusOr<Micros> ParseRfc3339(std::string_view text);

// A timestamptz literal PostgreSQL reads exactly: "2026-11-21 12:32:05.123456+00".
std::string ToSqlTimestamp(Micros t);

// `t` rounded down to a whole second (also before 1970).
inline Micros FloorToSecond(Micros t) { return (t >= 0 ? t : t - 999999) / 1000000 * 1000000; }

// Current wall-clock time.
Micros NowMicros();

}  // namespace cmdb
