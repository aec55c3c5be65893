// Impact analysis SQL: the graph in keyset chunks, rules, external records.
#include "db/impact_store.h"

#include "absl/strings/ascii.h"
#include "core/strings.h"
#include "core/time.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

constexpr int kChunk = 50000;
constexpr const char* kNilUuid = "00000000-0000-0000-0000-000000000000";

const Statement kNodesNow{
    "impact_nodes_now",
    "SELECT c.id::text, c.class_name, c.criticality, c.name FROM ci c WHERE c.id > $1::uuid ORDER BY c.id LIMIT $2"};
const Statement kRelsNow{
    "impact_rels_now",
    "SELECT r.id::text, r.type, r.source_id::text, r.target_id::text FROM relationship r "
    "WHERE r.id > $1::uuid ORDER BY r.id LIMIT $2"};
const Statement kNodesAsOf{
    "impact_nodes_as_of",
    "SELECT v.ci_id::text, v.class_name, v.criticality, v.name FROM ci_version v "
    "WHERE v.ci_id > $1::uuid AND v.valid_from <= $3::timestamptz AND $3::timestamptz < v.valid_to "
    "ORDER BY v.ci_id LIMIT $2"};
const Statement kRelsAsOf{
    "impact_rels_as_of",
    "SELECT v.rel_id::text, v.type, v.source_id::text, v.target_id::text FROM relationship_version v "
    "WHERE v.rel_id > $1::uuid AND v.valid_from <= $3::timestamptz AND $3::timestamptz < v.valid_to "
    "ORDER BY v.rel_id LIMIT $2"};

const Statement kBumpRules{"impact_rules_bump",
                           "UPDATE impact_rules_state SET generation = generation + 1"};
const Statement kTypeRules{"impact_type_rules",
                           "SELECT name, impact, impact_effect FROM relationship_type ORDER BY name"};
const Statement kClassRules{
    "impact_class_rules",
    "SELECT class_name, min_up, min_up_percent, relationship_types FROM impact_class_redundancy ORDER BY class_name"};
const Statement kCiRules{
    "impact_ci_rules",
    "SELECT ci_id::text, min_up, min_up_percent, relationship_types FROM impact_ci_redundancy ORDER BY ci_id"};
const Statement kSetType{
    "impact_set_type",
    "UPDATE relationship_type SET impact = $2, impact_effect = $3 WHERE name = $1 RETURNING name"};
const Statement kClassExists{"impact_class_exists", "SELECT 1 FROM ci_class WHERE name = $1"};
const Statement kUpsertClassRule{
    "impact_upsert_class_rule",
    "INSERT INTO impact_class_redundancy (class_name, min_up, min_up_percent, relationship_types) "
    "VALUES ($1, $2, $3, $4::text[]) ON CONFLICT (class_name) DO UPDATE SET min_up = EXCLUDED.min_up, "
    "  min_up_percent = EXCLUDED.min_up_percent, relationship_types = EXCLUDED.relationship_types, "
    "  updated_at = now()"};
const Statement kDeleteClassRule{"impact_delete_class_rule",
                                 "DELETE FROM impact_class_redundancy WHERE class_name = $1"};
const Statement kUpsertCiRule{
    "impact_upsert_ci_rule",
    "INSERT INTO impact_ci_redundancy (ci_id, min_up, min_up_percent, relationship_types) "
    "VALUES ($1::uuid, $2, $3, $4::text[]) ON CONFLICT (ci_id) DO UPDATE SET min_up = EXCLUDED.min_up, "
    "  min_up_percent = EXCLUDED.min_up_percent, relationship_types = EXCLUDED.relationship_types, "
    "  updated_at = now()"};
const Statement kDeleteCiRule{"impact_delete_ci_rule", "DELETE FROM impact_ci_redundancy WHERE ci_id = $1::uuid"};

#define CMDB_RECORD_COLUMNS                                                                              \
  "r.id, r.system, r.kind, r.key, r.title, r.url, r.state, epoch_us(r.created_at), epoch_us(r.updated_at), " \
  "coalesce((SELECT array_agg(l.ci_id::text ORDER BY l.ci_id) FROM external_record_ci l "                   \
  "          WHERE l.record_id = r.id), '{}')"

const Statement kUpsertRecord{
    "record_upsert",
    "INSERT INTO external_record (system, kind, key, title, url, state, is_open) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (system, kind, key) DO UPDATE SET "
    "  title = EXCLUDED.title, url = EXCLUDED.url, state = EXCLUDED.state, is_open = EXCLUDED.is_open, "
    "  updated_at = now() RETURNING id"};
const Statement kReplaceLinks{
    "record_replace_links",
    "WITH gone AS (DELETE FROM external_record_ci WHERE record_id = $1 AND NOT ci_id = ANY($2::uuid[])) "
    "INSERT INTO external_record_ci (record_id, ci_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING"};
const Statement kGetRecordById{"record_get_id",
                               "SELECT " CMDB_RECORD_COLUMNS " FROM external_record r WHERE r.id = $1"};
const Statement kFindRecords{
    "record_find",
    "SELECT " CMDB_RECORD_COLUMNS " FROM external_record r "
    "WHERE r.kind = $1 AND r.key = $2 AND ($3 = '' OR r.system = $3) ORDER BY r.system"};
const Statement kListRecords{
    "record_list",
    "SELECT " CMDB_RECORD_COLUMNS " FROM external_record r "
    "WHERE ($1 = '' OR r.id IN (SELECT record_id FROM external_record_ci WHERE ci_id = nullif($1, '')::uuid)) "
    "  AND ($2 = '' OR r.kind = $2) "
    "  AND ($3 = '' OR ($3 = 'open' AND r.is_open) OR lower(r.state) = $3) "
    "  AND (r.system, r.kind, r.key) > ($4, $5, $6) "
    "ORDER BY r.system, r.kind, r.key LIMIT $7"};
const Statement kDeleteRecord{
    "record_delete",
    "DELETE FROM external_record WHERE system = $1 AND kind = $2 AND key = $3 RETURNING id"};
const Statement kFreshness{
    "impact_freshness",
    "SELECT (SELECT coalesce(max(seq), 0) FROM changeset), "
    "       (SELECT generation FROM impact_rules_state), "
    "       (SELECT generation FROM catalog_state)"};
const Statement kFailedChanges{
    "impact_failed_changes",
    "SELECT l.ci_id::text, r.id, epoch_us(r.updated_at) FROM external_record r "
    "JOIN external_record_ci l ON l.record_id = r.id "
    "WHERE r.kind = 'change' AND lower(r.state) = 'failed' AND r.updated_at >= $1::timestamptz"};
const Statement kEvidence{
    "record_evidence",
    "SELECT l.ci_id::text, r.kind, r.key, r.is_open FROM external_record r "
    "JOIN external_record_ci l ON l.record_id = r.id "
    "WHERE (r.kind = 'incident' AND r.created_at <= $2::timestamptz AND (r.is_open OR r.updated_at >= $1::timestamptz)) "
    "   OR (r.kind = 'change' AND r.updated_at BETWEEN $1::timestamptz AND $2::timestamptz) "
    "ORDER BY l.ci_id, r.kind, r.key"};

std::string_view View(const pqxx::field& f) { return {f.c_str(), f.size()}; }

template <typename Sink>
void Chunked(Tx& tx, const Statement& statement, std::optional<Micros> as_of, const Sink& sink) {
  std::string after = kNilUuid;
  for (;;) {
    pqxx::result rows = as_of ? Exec(tx, statement, after, kChunk, ToSqlTimestamp(*as_of))
                              : Exec(tx, statement, after, kChunk);
    for (const auto& r : rows) sink(r);
    if (rows.size() < static_cast<size_t>(kChunk)) return;
    after = rows[rows.size() - 1][0].as<std::string>();
  }
}

RedundancyRuleInfo RuleFromRow(const pqxx::row& r) {
  RedundancyRuleInfo rule;
  rule.min_up = r[1].as<int>();
  rule.min_up_percent = r[2].as<int>();
  rule.relationship_types = ParseTextArray(r[3]);
  return rule;
}

ExternalRecordInfo RecordFromRow(const pqxx::row& r) {
  ExternalRecordInfo rec;
  rec.system = r[1].as<std::string>();
  rec.kind = r[2].as<std::string>();
  rec.key = r[3].as<std::string>();
  rec.title = r[4].as<std::string>();
  rec.url = r[5].as<std::string>();
  rec.state = r[6].as<std::string>();
  rec.created_at = r[7].as<int64_t>();
  rec.updated_at = r[8].as<int64_t>();
  rec.ci_ids = ParseTextArray(r[9]);
  return rec;
}

}  // namespace

absl::Status ReadGraph(Tx& tx, std::optional<Micros> as_of, const std::function<void(const GraphNodeRow&)>& node,
                       const std::function<void(const GraphRelRow&)>& rel) {
  Chunked(tx, as_of ? kNodesAsOf : kNodesNow, as_of, [&](const pqxx::row& r) {
    node(GraphNodeRow{View(r[0]), View(r[1]), View(r[2]), View(r[3])});
  });
  Chunked(tx, as_of ? kRelsAsOf : kRelsNow, as_of, [&](const pqxx::row& r) {
    rel(GraphRelRow{View(r[0]), View(r[1]), View(r[2]), View(r[3])});
  });
  return absl::OkStatus();
}

PropagationRuleSet LoadPropagationRules(Tx& tx) {
  PropagationRuleSet set;
  for (const auto& r : Exec(tx, kTypeRules)) {
    set.types.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
  }
  for (const auto& r : Exec(tx, kClassRules)) set.classes.push_back({r[0].as<std::string>(), RuleFromRow(r)});
  for (const auto& r : Exec(tx, kCiRules)) set.cis.push_back({r[0].as<std::string>(), RuleFromRow(r)});
  return set;
}

absl::Status SetTypePropagation(Tx& tx, const TypePropagation& rule) {
  if (Exec(tx, kSetType, rule.relationship_type, rule.direction, rule.effect).empty()) {
    return absl::NotFoundError(StrCat("relationship_type: no relationship type \"", rule.relationship_type, "\""));
  }
  Exec(tx, kBumpRules);
  return absl::OkStatus();
}

absl::Status SetClassRedundancy(Tx& tx, const ClassRedundancyRule& rule) {
  if (Exec(tx, kClassExists, rule.class_name).empty()) {
    return absl::NotFoundError(StrCat("class_name: no class \"", rule.class_name, "\""));
  }
  if (rule.rule.empty()) {
    Exec(tx, kDeleteClassRule, rule.class_name);
  } else {
    Exec(tx, kUpsertClassRule, rule.class_name, rule.rule.min_up, rule.rule.min_up_percent,
         ArrayLiteral(rule.rule.relationship_types));
  }
  Exec(tx, kBumpRules);
  return absl::OkStatus();
}

absl::Status SetCiRedundancy(Tx& tx, const CiRedundancyRule& rule) {
  if (rule.rule.empty()) {
    Exec(tx, kDeleteCiRule, rule.ci_id);
  } else {
    Exec(tx, kUpsertCiRule, rule.ci_id, rule.rule.min_up, rule.rule.min_up_percent,
         ArrayLiteral(rule.rule.relationship_types));
  }
  Exec(tx, kBumpRules);
  return absl::OkStatus();
}

ExternalRecordInfo PutRecord(Tx& tx, const ExternalRecordInfo& record) {
  const int64_t id = Exec(tx, kUpsertRecord, record.system, record.kind, record.key, record.title, record.url,
                          record.state, IsOpenRecordState(record.state))[0][0]
                         .as<int64_t>();
  Exec(tx, kReplaceLinks, id, ArrayLiteral(record.ci_ids));
  return RecordFromRow(Exec(tx, kGetRecordById, id)[0]);
}

std::vector<ExternalRecordInfo> FindRecords(Tx& tx, const RecordRef& ref) {
  std::vector<ExternalRecordInfo> out;
  for (const auto& r : Exec(tx, kFindRecords, ref.kind, ref.key, ref.system)) out.push_back(RecordFromRow(r));
  return out;
}

std::vector<ExternalRecordInfo> ListRecords(Tx& tx, const RecordListQuery& query, const std::vector<std::string>& after,
                                            int limit) {
  std::vector<ExternalRecordInfo> out;
  const std::string a0 = after.size() == 3 ? after[0] : "";
  const std::string a1 = after.size() == 3 ? after[1] : "";
  const std::string a2 = after.size() == 3 ? after[2] : "";
  for (const auto& r :
       Exec(tx, kListRecords, query.ci_id, query.kind, absl::AsciiStrToLower(query.state), a0, a1, a2, limit + 1)) {
    out.push_back(RecordFromRow(r));
  }
  return out;
}

bool DeleteRecord(Tx& tx, const RecordRef& ref) {
  return !Exec(tx, kDeleteRecord, ref.system, ref.kind, ref.key).empty();
}

ImpactFreshness ReadImpactFreshness(Tx& tx, std::optional<Micros> failed_since) {
  const pqxx::row r = Exec(tx, kFreshness)[0];
  ImpactFreshness out{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(), {}};
  if (failed_since) {
    for (const auto& row : Exec(tx, kFailedChanges, ToSqlTimestamp(*failed_since))) {
      out.failed_changes.push_back({row[0].as<std::string>(), row[1].as<int64_t>(), row[2].as<int64_t>()});
    }
  }
  return out;
}

std::vector<RecordEvidence> EvidenceInWindow(Tx& tx, Micros start, Micros end) {
  std::vector<RecordEvidence> out;
  for (const auto& r : Exec(tx, kEvidence, ToSqlTimestamp(start), ToSqlTimestamp(end))) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<bool>()});
  }
  return out;
}

}  // namespace cmdb::db
