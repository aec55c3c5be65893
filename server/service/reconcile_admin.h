// The administration of reconciliation: which identifier sets identify a
// class, which sources may set which fields (reconciliation rules), each
// source's staleness policy, and the duplicate candidates to review.
// Built from a db::Database and the limits; knows nothing of gRPC. Every
// change runs in one transaction; rule changes take the exclusive catalog
// lock, so every server reloads the catalog after them.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/model.h"
#include "core/queries.h"
#include "db/database.h"
#include "service/limits.h"

namespace cmdb {

// A class's identifier sets, as they apply to it.
struct IdentificationRulesView {
  std::string class_name;
  std::vector<IdentifierSetDef> sets;
  std::string inherited_from;  // "" when the class defines them
};

// One page of duplicate candidates, in (kind, value) order.
struct DuplicatePage {
  std::vector<DuplicateRow> candidates;
  std::string next_page_token;  // "" on the last page
};

class ReconcileAdmin {
 public:
  ReconcileAdmin(db::Database& db, const Limits& limits) : db_(db), limits_(limits) {}

  // The sets that identify `class_name` (its own, or the nearest
  // ancestor's). NOT_FOUND for an unknown class.
  absl::StatusOr<IdentificationRulesView> GetIdentificationRules(const std::string& class_name);
  // Replaces a class's own sets (empty: inherit) and recomputes the
  // identifiers of every CI whose rules change. Returns the rules as they
  // now apply. NOT_FOUND for an unknown class; INVALID_ARGUMENT naming
  // "sets[i].attributes[j]" for a field the class lacks or cannot identify by.
  absl::StatusOr<IdentificationRulesView> SetIdentificationRules(const WriteContext& context,
                                                                 const std::string& class_name,
                                                                 const std::vector<IdentifierSetDef>& sets);

  // The rules that apply to `class_name` (own and inherited), or all rules
  // for "". NOT_FOUND for an unknown class.
  absl::StatusOr<std::vector<ReconciliationRuleDef>> ListReconciliationRules(const std::string& class_name);
  // Creates or replaces the rule for (class, field); returns it.
  // INVALID_ARGUMENT naming rule.sources[i] (no source, not a source name,
  // named twice), rule.class_name (unknown) or rule.field (not a field of
  // the class or its subclasses).
  absl::StatusOr<ReconciliationRuleDef> SetReconciliationRule(const WriteContext& context,
                                                             const ReconciliationRuleDef& rule);
  // NOT_FOUND when there is no rule for (class_name, field).
  absl::Status DeleteReconciliationRule(const WriteContext& context, const std::string& class_name,
                                        const std::string& field);

  // Every source with its policy and counts, by name.
  absl::StatusOr<std::vector<SourcePolicy>> ListSources();
  // Creates or updates a source's policy (a stale_after of zero: none);
  // returns it with its counts. INVALID_ARGUMENT naming source.name,
  // source.stale_after_runs or source.stale_after.
  absl::StatusOr<SourcePolicy> SetSourcePolicy(const WriteContext& context, const SourcePolicy& policy);

  // A page of the candidates that still name two or more live CIs; with
  // `detect`, first records every identifier live CIs share (a write).
  // INVALID_ARGUMENT for a negative page_size or a foreign page_token.
  absl::StatusOr<DuplicatePage> ListDuplicates(const WriteContext& context, bool detect, int page_size,
                                               const std::string& page_token);

 private:
  db::Database& db_;
  const Limits& limits_;
};

}  // namespace cmdb
