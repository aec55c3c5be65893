// Small helpers for building statement parameters and connection strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace cmdb::db {

// A PostgreSQL array literal ({"a","b"}) for a text[] / uuid[] parameter.
std::string ArrayLiteral(const std::vector<std::string>& items);

// Parses a text[] column value ({a,"b c"}) into its elements (no NULLs).
std::vector<std::string> ParseTextArray(const pqxx::field& field);

// Escapes LIKE wildcards so `text` matches literally: % _ and backslash.
std::string EscapeLike(std::string_view text);

// SQL giving, as jsonb, the value the CI row aliased `ci` records for the
// field whose name the SQL expression `field` yields: name, status, owner,
// criticality or attributes.<name> (NULL when it has none).
std::string RecordedValueSql(std::string_view ci, std::string_view field);

// `url` (a URI or key=value words) with libpq's connect_timeout set to
// `seconds` (at least 1).
std::string WithConnectTimeout(const std::string& url, int64_t seconds);

}  // namespace cmdb::db
