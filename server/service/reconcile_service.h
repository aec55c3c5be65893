// Identification and reconciliation: the entry point through which every
// writer that is not a person turns findings into CIs.
//
// Reconcile runs one payload in one transaction:
//   1. each item is checked and its values normalised; a bad item is
//      REJECTED with the field named, and the rest of the payload goes on;
//   2. the identifier stripes of all items are locked, so concurrent
//      reconciles of overlapping payloads serialise instead of both creating;
//   3. items are identified level by level (parents before dependents): a
//      source key first, then the class's identifier sets in order; the
//      first set that matches decides: one CI is a match, several a CONFLICT
//      (recorded as a duplicate candidate, nothing written), none goes on to
//      the next set; no match at all creates the CI, and an item that has no
//      identifier at all is REJECTED;
//   4. matched CIs are read without locks and the finding applied field by
//      field under the reconciliation rules (core/reconciliation.h); only CIs
//      that change are then locked and, if another writer got there first,
//      re-evaluated — so an UNCHANGED item writes nothing;
//   5. creates, updates, identifiers, sightings, relations and, for a
//      complete run, missed runs and staleness are written.
// A dry run does all of that and rolls back: the same answer, nothing written
// (created items get no id).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/reconciliation.h"
#include "db/database.h"
#include "db/identity_store.h"
#include "service/limits.h"

namespace cmdb {

struct ReconcileItemInput {
  std::string ref;
  Finding finding;
  std::string parent_ref;  // a ref in this payload, or
  std::string parent_id;   // an existing CI
  std::string source_key;
  std::optional<Micros> observed;
};

struct ReconcileRelationInput {
  std::string from_ref, from_id;
  std::string type;
  std::string to_ref, to_id;
  Json attributes = Json::object();
};

struct ReconcileInput {
  std::string source;
  std::vector<ReconcileItemInput> items;
  std::vector<ReconcileRelationInput> relations;
  bool dry_run = false;
  bool complete_run = false;
};

enum class ReconcileAction { kCreated, kUpdated, kUnchanged, kConflict, kRejected };
std::string_view ReconcileActionName(ReconcileAction action);

struct ItemOutcome {
  std::string ref;
  ReconcileAction action = ReconcileAction::kRejected;
  std::string ci_id;
  std::vector<FieldChange> diff;
  std::vector<SkippedField> skipped;
  std::string reason;
  std::vector<std::string> candidates;
  std::string matched_by;
};

struct RelationOutcome {
  int index = 0;
  ReconcileAction action = ReconcileAction::kRejected;
  std::string relationship_id;
  std::string reason;
};

struct ReconcileOutput {
  std::vector<ItemOutcome> items;
  std::vector<RelationOutcome> relations;
  bool dry_run = false;
  std::optional<ChangesetInfo> changeset;
  int64_t marked_stale = 0;
  int Count(ReconcileAction action) const;
};

struct IdentificationRulesView {
  std::string class_name;
  std::vector<IdentifierSetDef> sets;
  std::string inherited_from;  // "" when the class defines them
};

struct DuplicatePage {
  std::vector<db::DuplicateRow> candidates;
  std::string next_page_token;
};

struct MergeOutcome {
  Ci survivor;
  Ci duplicate;
  int relationships_moved = 0;
  int relationships_dropped = 0;
};

class ReconcileService {
 public:
  ReconcileService(db::Database& db, const Limits& limits) : db_(db), limits_(limits) {}

  // INVALID_ARGUMENT for a bad payload as a whole (source name, too many
  // items, repeated refs); item-level problems are REJECTED outcomes.
  // `streamed` payloads may hold up to Limits::max_stream_items.
  absl::StatusOr<ReconcileOutput> Reconcile(const WriteContext& context, const ReconcileInput& input,
                                            bool streamed = false);

  absl::StatusOr<IdentificationRulesView> GetIdentificationRules(const std::string& class_name);
  // Replaces a class's own sets (empty: inherit) and recomputes the
  // identifiers of every CI whose rules change.
  absl::StatusOr<IdentificationRulesView> SetIdentificationRules(const WriteContext& context,
                                                                 const std::string& class_name,
                                                                 const std::vector<IdentifierSetDef>& sets);

  // The rules that apply to `class_name` (own and inherited), or all rules.
  absl::StatusOr<std::vector<ReconciliationRuleDef>> ListReconciliationRules(const std::string& class_name);
  absl::StatusOr<ReconciliationRuleDef> SetReconciliationRule(const WriteContext& context,
                                                             const ReconciliationRuleDef& rule);
  absl::Status DeleteReconciliationRule(const WriteContext& context, const std::string& class_name,
                                        const std::string& field);

  absl::StatusOr<std::vector<db::SourcePolicy>> ListSources();
  absl::StatusOr<db::SourcePolicy> SetSourcePolicy(const WriteContext& context, const db::SourcePolicy& policy);

  absl::StatusOr<DuplicatePage> ListDuplicates(const WriteContext& context, bool detect, int page_size,
                                               const std::string& page_token);

  // FAILED_PRECONDITION when either is already merged or the classes are
  // unrelated; NOT_FOUND when either is missing.
  absl::StatusOr<MergeOutcome> Merge(const WriteContext& context, const std::string& survivor_id,
                                     const std::string& duplicate_id);

  // Marks stale the CIs their sources have not reported within stale_after.
  // cmdbd calls it every minute. Returns how many became stale.
  absl::StatusOr<int64_t> SweepStale();

 private:
  db::Database& db_;
  const Limits& limits_;
};

}  // namespace cmdb
