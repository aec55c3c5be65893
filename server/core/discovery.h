// Pure pieces of discovery scheduling: target expressions (CIDR ranges,
// address ranges, single hosts, exclusions) expanded to addresses and split
// into jobs, and five-field cron expressions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/time.h"

namespace cmdb {

// Expands target expressions into distinct addresses in ascending order
// (IPv4 before IPv6), minus the exclusions. Accepted forms, IPv4 or IPv6:
// "10.0.0.5", "10.0.0.0/24" (network and broadcast addresses of IPv4
// prefixes shorter than /31 are left out), "10.0.0.5-10.0.0.20",
// "10.0.0.5-20" (last octet), "2001:db8::/120", "2001:db8::1-2001:db8::ff".
// Addresses come out canonical ("2001:db8::1", never "2001:0db8::0001").
// INVALID_ARGUMENT names the field and index ("targets[2]: not an address or
// range: \"10.0.0.0/33\""; "exclusions[0]: ..."); more than `max_targets`
// addresses before exclusions is INVALID_ARGUMENT "targets: ... addresses;
// the limit is N". `targets` empty is INVALID_ARGUMENT "targets: required".
absl::StatusOr<std::vector<std::string>> ExpandTargets(const std::vector<std::string>& targets,
                                                       const std::vector<std::string>& exclusions,
                                                       size_t max_targets);

// Splits addresses into consecutive chunks of at most `job_size` (>= 1).
std::vector<std::vector<std::string>> ChunkTargets(const std::vector<std::string>& addresses, size_t job_size);

// A five-field cron expression (minute hour day-of-month month day-of-week,
// UTC), as crontab(5): numbers, `*`, lists `1,5`, ranges `1-5`, steps `*/15`
// and `10-50/10`, month and day names (`jan`, `mon`), day-of-week 0 or 7 for
// Sunday, and the usual rule that when both day fields are restricted a day
// matching either runs. Also the macros @hourly, @daily (@midnight),
// @weekly, @monthly, @yearly (@annually).
class CronSchedule {
 public:
  // INVALID_ARGUMENT "cron: ..." naming the bad field.
  static absl::StatusOr<CronSchedule> Parse(std::string_view text);

  // The first matching minute strictly after `after` (microseconds since the
  // epoch, UTC), or nullopt if none within the next eight years (e.g. 30 Feb).
  std::optional<Micros> Next(Micros after) const;

 private:
  uint64_t minutes_ = 0;   // bit per minute 0-59
  uint32_t hours_ = 0;     // bit per hour 0-23
  uint32_t days_ = 0;      // bit per day of month 1-31
  uint16_t months_ = 0;    // bit per month 1-12
  uint8_t weekdays_ = 0;   // bit per day of week 0-6 (0 = Sunday)
  bool days_restricted_ = false, weekdays_restricted_ = false;
};

// A name of a schedule or credential: [a-z0-9][a-z0-9_.-]{0,62}.
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status CheckResourceName(std::string_view name, std::string_view field);

}  // namespace cmdb
