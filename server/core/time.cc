#include "core/time.h"

#include "core/strings.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cmdb {

std::string FormatRfc3339(Micros t) {
  // RFC 3339 with "Z" for UTC; the fraction only when non-zero.
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixMicros(t), absl::UTCTimeZone());
}

absl::StatusOr<Micros> ParseRfc3339(std::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), &t, &err)) {
    return absl::InvalidArgumentError(
        StrCat("not an RFC 3339 time (e.g. 2026-01-31T12:00:00Z): \"", text, "\""));
  }
  return absl::ToUnixMicros(t);
}

std::string ToSqlTimestamp(Micros t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", absl::FromUnixMicros(t), absl::UTCTimeZone());
}

Micros NowMicros() { return absl::ToUnixMicros(absl::Now()); }

}  // namespace cmdb
