// SQL of impact analysis: reading the graph (now, or as of a time) row by
// row into the caller's sinks, the propagation rules, and external records
// with their links to CIs. Each function runs inside the caller's
// transaction (db/database.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/impact_model.h"
#include "db/database.h"

namespace cmdb::db {

struct GraphNodeRow {
  std::string_view id;
  std::string_view class_name;
  std::string_view criticality;
  std::string_view name;
};

struct GraphRelRow {
  std::string_view id;
  std::string_view type;
  std::string_view source_id;
  std::string_view target_id;
};

// Streams every current CI, then every current relationship; with `as_of`,
// those alive at that time (from history).
absl::Status ReadGraph(Tx& tx, std::optional<Micros> as_of, const std::function<void(const GraphNodeRow&)>& node,
                       const std::function<void(const GraphRelRow&)>& rel);

// What every impact query reads first, in one round trip: the change feed's
// head, the rules' and the catalog's generations, and the failed changes
// linked to `root_ids` updated at or after `failed_since`.
// A change record in state "failed" linked to a CI (one per link).
struct FailedChangeLink {
  std::string ci_id;
  int64_t record_id = 0;
  Micros updated_at = 0;
};
struct ImpactFreshness {
  int64_t head_seq = 0;
  int64_t rules_generation = 0;
  int64_t catalog_generation = 0;
  // With ReadImpactFreshness(..., failed_since): the failed changes updated
  // since then, on every CI.
  std::vector<FailedChangeLink> failed_changes;
};
// The feed's head and the rules' and catalog's generations; with
// `failed_since`, also the failed change records updated since then.
ImpactFreshness ReadImpactFreshness(Tx& tx, std::optional<Micros> failed_since = std::nullopt);

// Every relationship type's direction and effect, and the class and CI
// redundancy rules.
PropagationRuleSet LoadPropagationRules(Tx& tx);

// NOT_FOUND when the type does not exist. Changes the catalog (the type's
// impact direction): call tx.LockCatalogForChange() first.
absl::Status SetTypePropagation(Tx& tx, const TypePropagation& rule);
// An empty rule deletes. NOT_FOUND for an unknown class.
absl::Status SetClassRedundancy(Tx& tx, const ClassRedundancyRule& rule);
absl::Status SetCiRedundancy(Tx& tx, const CiRedundancyRule& rule);

// Creates or replaces the record (system, kind, key) and its links.
ExternalRecordInfo PutRecord(Tx& tx, const ExternalRecordInfo& record);
// The records matching ref (system may be empty: every system).
std::vector<ExternalRecordInfo> FindRecords(Tx& tx, const RecordRef& ref);
// Keyset page after `after` (system, kind, key), up to limit + 1 rows.
std::vector<ExternalRecordInfo> ListRecords(Tx& tx, const RecordListQuery& query, const std::vector<std::string>& after,
                                            int limit);
// True when a record was deleted.
bool DeleteRecord(Tx& tx, const RecordRef& ref);

struct RecordEvidence {
  std::string ci_id;
  std::string kind;
  std::string key;
  bool open = false;
};
// Links of incidents open in [start, end] (created before end and open, or
// closed after start), and of changes updated in [start, end].
std::vector<RecordEvidence> EvidenceInWindow(Tx& tx, Micros start, Micros end);

}  // namespace cmdb::db
