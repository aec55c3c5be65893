// Compiles a parsed List filter (core/filter.h) and an order_by into SQL over
// the live `ci` table or the `ci_version` history (for as-of listings).
// Values always travel as parameters; only catalog-checked identifiers
// (attribute names) appear in the SQL text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"

namespace cmdb::db {

// Accumulates positional parameters ($1, $2, ...) for a dynamic statement.
class SqlParams {
 public:
  // Adds a value; returns its placeholder.
  std::string Add(std::string value);
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

// Where the CI columns are in the table being queried.
struct CiSqlColumns {
  std::string alias;    // table alias
  std::string id;       // the CI id column
  std::string updated;  // when the row's content took effect
  std::string Col(std::string_view name) const { return alias + "." + std::string(name); }

  static CiSqlColumns Live() { return {"c", "c.id", "c.updated_at"}; }
  static CiSqlColumns Version() { return {"v", "v.ci_id", "v.valid_from"}; }
};

// A WHERE condition for `filter` (TRUE when empty). INVALID_ARGUMENT
// "filter: ..." naming an unknown field, class or attribute, or a value that
// does not fit the field.
absl::StatusOr<std::string> CompileCiFilter(std::string_view filter, const Catalog& catalog,
                                            const CiSqlColumns& columns, SqlParams& params);

struct CiOrder {
  std::string canonical;   // normalised order_by, e.g. "name asc"
  std::string expression;  // SQL sort expression
  std::string key_text;    // SQL giving the sort key as text (kept in page tokens)
  std::string key_cast;    // how to read that text back: "text", "timestamptz", "jsonb"
  bool collate_c = false;  // compare text keys in byte order
  bool descending = false;

  // `placeholder` read back as a sort key.
  std::string ParamCast(const std::string& placeholder) const;
};

// Parses order_by: one of name (default), class, status, owner, create_time,
// update_time, attributes.<name>, optionally followed by "asc" or "desc".
// INVALID_ARGUMENT "order_by: ..." otherwise.
absl::StatusOr<CiOrder> ParseCiOrder(std::string_view order_by, const Catalog& catalog, const CiSqlColumns& columns);

}  // namespace cmdb::db
