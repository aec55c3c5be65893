// SQL of baselines: a baseline is a name, a filter and a time (table
// baseline); the configuration it stands for is read back from history
// (ci_version, relationship_version), and a comparison diffs two points in
// time in two set-based statements, one for CIs and one for relationships.
// Each function runs inside the caller's transaction (db/database.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/audit.h"
#include "core/catalog.h"
#include "db/database.h"

namespace cmdb::db {

// One side of a comparison: the CIs matching `filter` at `at`, and the
// relationships of that time with an end among them.
struct BaselineScope {
  std::string filter;
  Micros at = 0;
};

// Counts the CIs and relationships of `scope`. INVALID_ARGUMENT
// "filter: ..." when the filter does not compile.
absl::StatusOr<std::pair<int64_t, int64_t>> CountBaselineScope(Tx& tx, const Catalog& catalog,
                                                               const BaselineScope& scope);

// The database's clock: the time history records changes in.
Micros DatabaseTime(Tx& tx);

// false when the name is taken.
bool InsertBaseline(Tx& tx, const Baseline& baseline);
std::optional<Baseline> GetBaseline(Tx& tx, const std::string& name);
std::vector<Baseline> ListBaselines(Tx& tx);
bool DeleteBaseline(Tx& tx, const std::string& name);

// What was added to, removed from and changed in the scope from `from` to
// `to`: CIs and relationships by name, at most `limit` of each (totals
// counted before the limit), each with the changesets between the two
// times that wrote it; then those changesets, and apart the changesets of
// the period that wrote a CI or relationship of either side without a
// change ticket (at most `limit`).
absl::StatusOr<BaselineComparison> CompareScopes(Tx& tx, const Catalog& catalog, const BaselineScope& from,
                                                 const BaselineScope& to, int limit);

}  // namespace cmdb::db
