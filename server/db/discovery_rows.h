// Private to the discovery store (discovery_store.cc,
// discovery_run_store.cc): row helpers that schedules and runs share.
// In cmdb::db like db/rows.h, but no other file includes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/discovery_model.h"
#include "core/time.h"
#include "db/sql.h"

namespace cmdb::db {

std::vector<int> ParseIntArray(const pqxx::field& f);
// A PostgreSQL int[] literal: {1,2,3}.
std::string IntArrayLiteral(const std::vector<int>& values);
std::optional<Micros> OptionalMicros(const pqxx::field& f);
ScanLimits LimitsFromJson(const std::string& text);
std::string LimitsToJson(const ScanLimits& limits);
std::optional<std::string> OptionalTimestamp(std::optional<Micros> t);

}  // namespace cmdb::db
