// ReconcileAdmin: identification rules, reconciliation rules, source
// policies and duplicate candidates. See service/reconcile_admin.h.
#include "service/reconcile_admin.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "core/identification.h"
#include "core/page_token.h"
#include "core/reconciliation.h"
#include "core/status.h"
#include "core/strings.h"
#include "db/catalog_store.h"
#include "db/ci_store.h"
#include "db/identity_store.h"

namespace cmdb {
namespace {

// Below every CI id: where paging through the CIs of some classes starts.
constexpr char kBeforeFirstId[] = "00000000-0000-0000-0000-000000000000";

}  // namespace

absl::StatusOr<IdentificationRulesView> ReconcileAdmin::GetIdentificationRules(const std::string& class_name) {
  IdentificationRulesView view;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(class_name) == nullptr) return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    view.class_name = class_name;
    view.sets = catalog->IdentificationRules(class_name, &view.inherited_from);
    if (view.inherited_from == class_name) view.inherited_from.clear();
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<IdentificationRulesView> ReconcileAdmin::SetIdentificationRules(
    const WriteContext& context, const std::string& class_name, const std::vector<IdentifierSetDef>& sets) {
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(class_name) == nullptr) return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    for (size_t i = 0; i < sets.size(); ++i) {
      CMDB_RETURN_IF_ERROR(CheckIdentifierSet(*catalog, class_name, sets[i], StrCat("sets[", i, "].attributes")));
    }
    db::ReplaceIdentificationRules(tx, class_name, sets);
    // The catalog as it will be, to recompute identifiers with the new rules.
    std::map<std::string, std::vector<IdentifierSetDef>> rules(catalog->identification().begin(),
                                                               catalog->identification().end());
    rules[class_name] = sets;
    std::vector<ClassDef> classes;
    for (const ClassDef* c : catalog->ClassesInTreeOrder()) classes.push_back(*c);
    const Catalog next(catalog->generation(), std::move(classes), catalog->relationship_types(), std::move(rules),
                       catalog->reconciliation_rules());
    std::vector<std::string> affected;
    for (const std::string& cls : catalog->Subtree(class_name)) {
      std::string old_from, new_from;
      catalog->IdentificationRules(cls, &old_from);
      next.IdentificationRules(cls, &new_from);
      if (old_from == class_name || new_from == class_name) affected.push_back(cls);
    }
    std::string after = kBeforeFirstId;
    while (!affected.empty()) {
      std::vector<Ci> batch = db::CisOfClasses(tx, affected, after, 5000);
      if (batch.empty()) break;
      db::SyncIdentifiers(tx, next, batch);
      after = batch.back().id;
    }
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return GetIdentificationRules(class_name);
}

namespace {

absl::Status CheckRuleField(const Catalog& catalog, const ReconciliationRuleDef& rule) {
  static const std::set<std::string> kFields = {"*", "name", "owner", "status", "criticality", "parent_id"};
  if (kFields.contains(rule.field)) return absl::OkStatus();
  if (rule.field.starts_with("attributes.")) {
    const std::string attr = rule.field.substr(strlen("attributes."));
    if (catalog.FindAttribute(rule.class_name, attr) != nullptr) return absl::OkStatus();
    bool below = false;
    for (const auto& cls : catalog.Subtree(rule.class_name)) below = below || catalog.FindAttribute(cls, attr) != nullptr;
    if (below) return absl::OkStatus();
    return FieldError("rule.field", StrCat("class ", rule.class_name, " and its subclasses have no attribute \"", attr, "\""));
  }
  return FieldError("rule.field", StrCat("\"", rule.field,
                                         "\" is not a field (name, owner, status, criticality, parent_id, "
                                         "attributes.<name> or *)"));
}

}  // namespace

absl::StatusOr<std::vector<ReconciliationRuleDef>> ReconcileAdmin::ListReconciliationRules(
    const std::string& class_name) {
  std::vector<ReconciliationRuleDef> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (!class_name.empty() && catalog->FindClass(class_name) == nullptr) {
      return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    }
    for (const auto& rule : catalog->reconciliation_rules()) {
      if (class_name.empty() || catalog->IsA(class_name, rule.class_name)) out.push_back(rule);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ReconciliationRuleDef> ReconcileAdmin::SetReconciliationRule(const WriteContext& context,
                                                                             const ReconciliationRuleDef& rule) {
  if (rule.sources.empty()) return FieldError("rule.sources", "name at least one source");
  for (size_t i = 0; i < rule.sources.size(); ++i) {
    const std::string& s = rule.sources[i];
    if (s != kManualSource && !IsValidSourceName(s)) {
      return FieldError(StrCat("rule.sources[", i, "]"), StrCat("\"", s, "\" is not a source name"));
    }
    if (std::count(rule.sources.begin(), rule.sources.end(), s) > 1) {
      return FieldError(StrCat("rule.sources[", i, "]"), StrCat("\"", s, "\" appears twice"));
    }
  }
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(rule.class_name) == nullptr) {
      return FieldError("rule.class_name", StrCat("unknown class \"", rule.class_name, "\""));
    }
    CMDB_RETURN_IF_ERROR(CheckRuleField(*catalog, rule));
    db::UpsertReconciliationRule(tx, rule);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return rule;
}

absl::Status ReconcileAdmin::DeleteReconciliationRule(const WriteContext& context, const std::string& class_name,
                                                        const std::string& field) {
  return db_
      .Write(context,
             [&](db::Tx& tx) -> absl::Status {
               tx.LockCatalogForChange();
               if (!db::DeleteReconciliationRule(tx, class_name, field)) {
                 return absl::NotFoundError(StrCat("no rule for ", field, " of class ", class_name));
               }
               return absl::OkStatus();
             })
      .status();
}

absl::StatusOr<std::vector<SourcePolicy>> ReconcileAdmin::ListSources() {
  std::vector<SourcePolicy> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::ListSources(tx);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<SourcePolicy> ReconcileAdmin::SetSourcePolicy(const WriteContext& context,
                                                                  const SourcePolicy& policy) {
  if (!IsValidSourceName(policy.name)) return FieldError("source.name", StrCat("\"", policy.name, "\" is not a source name"));
  if (policy.stale_after_runs < 0) return FieldError("source.stale_after_runs", "must not be negative");
  if (policy.stale_after && *policy.stale_after < 0) return FieldError("source.stale_after", "must not be negative");
  SourcePolicy result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    SourcePolicy p = policy;
    if (p.stale_after && *p.stale_after == 0) p.stale_after.reset();
    db::SetSourcePolicy(tx, p);
    for (auto& s : db::ListSources(tx)) {
      if (s.name == policy.name) result = std::move(s);  // with its counts
    }
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<DuplicatePage> ReconcileAdmin::ListDuplicates(const WriteContext& context, bool detect,
                                                               int page_size, const std::string& page_token) {
  if (page_size < 0) return FieldError("page_size", "must not be negative");
  const int limit = EffectivePageSize(limits_, page_size);
  std::string after_kind, after_value;
  if (!page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json token, DecodePageToken(page_token));
    if (!token.contains("k") || !token.contains("v") || !token["k"].is_string() || !token["v"].is_string()) {
      return FieldError("page_token", "does not belong to this listing");
    }
    after_kind = token["k"];
    after_value = token["v"];
  }
  if (detect) {
    auto scanned = db_.Write(context, [&](db::Tx& tx) {
      db::ScanDuplicates(tx);
      return absl::OkStatus();
    });
    if (!scanned.ok()) return scanned.status();
  }
  DuplicatePage page;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    page.candidates = db::ListDuplicates(tx, after_kind, after_value, limit);
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.candidates.size()) == limit) {
    page.next_page_token = EncodePageToken({{"k", page.candidates.back().kind}, {"v", page.candidates.back().value}});
  }
  return page;
}

}  // namespace cmdb
