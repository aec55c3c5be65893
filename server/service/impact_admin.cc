// ImpactService's administration: propagation rules (relationship type
// direction and effect, class and CI redundancy) and the external records
// linked to CIs. Rule changes bump the rules' generation, which every
// query checks (service/impact_service.cc).
#include <algorithm>
#include <regex>

#include "core/impact_checks.h"
#include "core/page_token.h"
#include "core/request_checks.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/ci_store.h"
#include "db/impact_store.h"
#include "service/impact_service.h"

namespace cmdb {
namespace {

constexpr int kMaxRecordCis = 10000;

// Rule and record writes change no CI, so they write no changeset; the
// context only names them.
const WriteContext& RulesContext() {
  static const WriteContext context = [] {
    WriteContext c;
    c.actor = "impact";
    return c;
  }();
  return context;
}

absl::StatusOr<std::shared_ptr<const Catalog>> ReadCatalog(db::Database& db) {
  std::shared_ptr<const Catalog> catalog;
  absl::Status st = db.Read([&](db::Tx& tx) -> absl::Status {
    absl::StatusOr<std::shared_ptr<const Catalog>> read = tx.catalog();
    if (!read.ok()) return read.status();
    catalog = *read;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return catalog;
}

}  // namespace

absl::StatusOr<PropagationRuleSet> ImpactService::GetRules() {
  PropagationRuleSet set;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    set = db::LoadPropagationRules(tx);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return set;
}

absl::StatusOr<TypePropagation> ImpactService::SetTypePropagation(const TypePropagation& rule) {
  TypePropagation r = rule;
  if (r.relationship_type.empty()) return FieldError("propagation.relationship_type", "required");
  if (absl::StatusOr<impact::Direction> d = ParseDirection(r.direction, "propagation.direction"); !d.ok()) {
    return d.status();
  }
  if (r.effect.empty()) r.effect = "down";
  if (r.effect != "down" && r.effect != "degraded") {
    return FieldError("propagation.effect", StrCat("\"", r.effect, "\" is not one of down, degraded"));
  }
  absl::StatusOr<db::WriteResult> w = db_.Write(RulesContext(), [&](db::Tx& tx) {
    tx.LockCatalogForChange();
    return db::SetTypePropagation(tx, r);
  });
  Touched();  // the next query reads the rules and records again
  if (!w.ok()) return w.status();
  return r;
}

absl::StatusOr<ClassRedundancyRule> ImpactService::SetClassRedundancy(const ClassRedundancyRule& rule) {
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog = ReadCatalog(db_);
  if (!catalog.ok()) return catalog.status();
  if ((*catalog)->FindClass(rule.class_name) == nullptr) {
    return absl::NotFoundError(StrCat("class_name: no class \"", rule.class_name, "\""));
  }
  if (absl::Status st = CheckRedundancyRule(rule.rule, **catalog, "rule"); !st.ok()) return st;
  absl::StatusOr<db::WriteResult> w =
      db_.Write(RulesContext(), [&](db::Tx& tx) { return db::SetClassRedundancy(tx, rule); });
  Touched();  // the next query reads the rules and records again
  if (!w.ok()) return w.status();
  return rule;
}

absl::StatusOr<CiRedundancyRule> ImpactService::SetCiRedundancy(const CiRedundancyRule& rule) {
  if (absl::Status st = CheckId(rule.ci_id, "ci_id"); !st.ok()) return st;
  CiRedundancyRule r = rule;
  r.ci_id = CanonicalUuid(rule.ci_id);
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog = ReadCatalog(db_);
  if (!catalog.ok()) return catalog.status();
  if (absl::Status st = CheckRedundancyRule(r.rule, **catalog, "rule"); !st.ok()) return st;
  absl::StatusOr<db::WriteResult> w = db_.Write(RulesContext(), [&](db::Tx& tx) -> absl::Status {
    if (db::ExistingCiIds(tx, {r.ci_id}).empty()) return absl::NotFoundError(StrCat("ci_id: no CI ", r.ci_id));
    return db::SetCiRedundancy(tx, r);
  });
  Touched();  // the next query reads the rules and records again
  if (!w.ok()) return w.status();
  return r;
}

absl::StatusOr<ExternalRecordInfo> ImpactService::PutRecord(ExternalRecordInfo record) {
  if (record.system.empty()) return FieldError("record.system", "required");
  if (absl::Status st = CheckRecordRef({record.system, record.kind, record.key}, "record"); !st.ok()) return st;
  if (record.title.size() > 1024 || HasControlCharacter(record.title)) {
    return FieldError("record.title", "at most 1024 characters, no control characters");
  }
  if (record.state.size() > 64 || HasControlCharacter(record.state)) {
    return FieldError("record.state", "at most 64 characters, no control characters");
  }
  if (!record.url.empty()) {
    static const std::regex kUrl("^https?://[^\\s]+$", std::regex::icase);
    if (record.url.size() > 2048 || !std::regex_match(record.url, kUrl)) {
      return FieldError("record.url", "an http:// or https:// URL of at most 2048 characters");
    }
  }
  if (static_cast<int>(record.ci_ids.size()) > kMaxRecordCis) {
    return FieldError("record.ci_ids", StrCat("at most ", kMaxRecordCis, " CIs"));
  }
  std::vector<impact::Uuid> uuids;
  if (absl::Status st = ParseUuids(record.ci_ids, "record.ci_ids", &uuids); !st.ok()) return st;
  std::vector<std::string> ids;
  for (const auto& u : uuids) ids.push_back(impact::FormatUuid(u));
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  ExternalRecordInfo out;
  absl::StatusOr<db::WriteResult> w = db_.Write(RulesContext(), [&](db::Tx& tx) -> absl::Status {
    std::vector<std::string> existing = db::ExistingCiIds(tx, sorted);
    std::sort(existing.begin(), existing.end());
    if (existing.size() != sorted.size()) {
      for (size_t i = 0; i < ids.size(); ++i) {
        if (!std::binary_search(existing.begin(), existing.end(), ids[i])) {
          return absl::NotFoundError(StrCat("record.ci_ids[", i, "]: no CI ", ids[i]));
        }
      }
    }
    ExternalRecordInfo r = record;
    r.ci_ids = sorted;
    out = db::PutRecord(tx, r);
    return absl::OkStatus();
  });
  Touched();  // the next query reads the rules and records again
  if (!w.ok()) return w.status();
  return out;
}

absl::StatusOr<ExternalRecordInfo> ImpactService::GetRecord(const RecordRef& ref) {
  if (absl::Status st = CheckRecordRef(ref, "ref"); !st.ok()) return st;
  std::vector<ExternalRecordInfo> found;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    found = db::FindRecords(tx, ref);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (found.empty()) return absl::NotFoundError(StrCat("ref: no ", ref.kind, " record \"", ref.key, "\""));
  if (found.size() > 1) {
    std::vector<std::string> systems;
    for (const auto& r : found) systems.push_back(r.system);
    return FieldError("ref.system", StrCat("\"", ref.key, "\" exists in several systems (", Join(systems, ", "),
                                           "): name one"));
  }
  return found.front();
}

absl::StatusOr<ExternalRecordPage> ImpactService::ListRecords(const RecordListQuery& query) {
  if (!query.ci_id.empty()) {
    if (absl::Status st = CheckId(query.ci_id, "ci_id"); !st.ok()) return st;
  }
  if (!query.kind.empty()) {
    if (absl::Status st = CheckRecordKind(query.kind, "kind"); !st.ok()) return st;
  }
  if (query.page_size < 0) return FieldError("page_size", "must not be negative");
  const int limit = query.page_size == 0 ? 100 : std::min(query.page_size, 1000);
  const std::string fingerprint = RequestFingerprint({query.ci_id, query.kind, query.state});
  std::vector<std::string> after;
  if (!query.page_token.empty()) {
    absl::StatusOr<Json> token = DecodePageToken(query.page_token);
    if (!token.ok()) return token.status();
    const Json& t = *token;
    if (!t.is_object() || TokenString(t, "f") != fingerprint || !t.contains("a") || !t["a"].is_array() ||
        t["a"].size() != 3 || !t["a"][0].is_string() || !t["a"][1].is_string() || !t["a"][2].is_string()) {
      return FieldError("page_token", "not a token of this listing");
    }
    for (const auto& v : t["a"]) after.push_back(v.get<std::string>());
  }
  ExternalRecordPage page;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    page.records = db::ListRecords(tx, query, after, limit);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (static_cast<int>(page.records.size()) > limit) {
    page.records.resize(limit);
    const ExternalRecordInfo& last = page.records.back();
    page.next_page_token = EncodePageToken(Json{{"f", fingerprint}, {"a", {last.system, last.kind, last.key}}});
  }
  return page;
}

absl::Status ImpactService::DeleteRecord(const RecordRef& ref) {
  absl::StatusOr<ExternalRecordInfo> found = GetRecord(ref);
  if (!found.ok()) return found.status();
  absl::StatusOr<db::WriteResult> w = db_.Write(RulesContext(), [&](db::Tx& tx) -> absl::Status {
    if (!db::DeleteRecord(tx, {found->system, found->kind, found->key})) {
      return absl::NotFoundError(StrCat("ref: no ", ref.kind, " record \"", ref.key, "\""));
    }
    return absl::OkStatus();
  });
  Touched();
  return w.ok() ? absl::OkStatus() : w.status();
}

}  // namespace cmdb
