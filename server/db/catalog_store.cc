#include "db/catalog_store.h"

#include <map>

#include "core/strings.h"
#include "db/sql_util.h"
#include "db/sql.h"

namespace cmdb::db {
namespace {

const Statement kLoadClasses{
    "catalog_load_classes",
    "SELECT name, coalesce(parent, ''), description, abstract, system, epoch_us(created_at), epoch_us(updated_at) "
    "FROM ci_class"};
const Statement kLoadAttributes{
    "catalog_load_attributes",
    "SELECT class_name, name, type, required, indexed, description, position FROM ci_attribute"};
const Statement kLoadTypes{"catalog_load_types",
                           "SELECT name, inverse_name, description, impact, system FROM relationship_type"};
const Statement kInsertClass{
    "catalog_insert_class",
    "INSERT INTO ci_class (name, parent, description, abstract) VALUES ($1, $2, $3, $4)"};
const Statement kUpdateClass{
    "catalog_update_class",
    "UPDATE ci_class SET description = $2, abstract = $3, updated_at = now() WHERE name = $1"};
const Statement kDeleteAttributes{"catalog_delete_attributes", "DELETE FROM ci_attribute WHERE class_name = $1"};
const Statement kInsertAttribute{
    "catalog_insert_attribute",
    "INSERT INTO ci_attribute (class_name, name, type, required, indexed, description, position) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)"};
const Statement kDeleteClass{"catalog_delete_class", "DELETE FROM ci_class WHERE name = $1"};
const Statement kCountCis{"catalog_count_cis", "SELECT count(*) FROM ci WHERE class_name = ANY($1::text[])"};
const Statement kCountWithAttribute{
    "catalog_count_with_attribute",
    "SELECT count(*) FROM ci WHERE class_name = ANY($1::text[]) AND (attributes ? $2) = $3"};
const Statement kLoadIdentification{
    "catalog_load_identification",
    "SELECT class_name, fields, within_parent FROM identification_rule ORDER BY class_name, position"};
const Statement kLoadReconciliation{"catalog_load_reconciliation",
                                    "SELECT class_name, field, sources FROM reconciliation_rule ORDER BY 1, 2"};
const Statement kDeleteIdentification{"catalog_delete_identification",
                                      "DELETE FROM identification_rule WHERE class_name = $1"};
const Statement kInsertIdentification{
    "catalog_insert_identification",
    "INSERT INTO identification_rule (class_name, position, fields, within_parent) VALUES ($1, $2, $3::text[], $4)"};
const Statement kUpsertReconciliation{
    "catalog_upsert_reconciliation",
    "INSERT INTO reconciliation_rule (class_name, field, sources) VALUES ($1, $2, $3::text[]) "
    "ON CONFLICT (class_name, field) DO UPDATE SET sources = EXCLUDED.sources"};
const Statement kDeleteReconciliation{"catalog_delete_reconciliation",
                                      "DELETE FROM reconciliation_rule WHERE class_name = $1 AND field = $2"};
const Statement kInsertType{
    "catalog_insert_type",
    "INSERT INTO relationship_type (name, inverse_name, description, impact) VALUES ($1, $2, $3, $4)"};

}  // namespace

Catalog LoadCatalog(pqxx::transaction_base& txn, int64_t generation) {
  std::map<std::string, ClassDef> classes;
  for (const auto& r : txn.exec_prepared(kLoadClasses.name())) {
    ClassDef c;
    c.name = r[0].as<std::string>();
    c.parent = r[1].as<std::string>();
    c.description = r[2].as<std::string>();
    c.abstract = r[3].as<bool>();
    c.system = r[4].as<bool>();
    c.created_at = r[5].as<int64_t>();
    c.updated_at = r[6].as<int64_t>();
    classes.emplace(c.name, std::move(c));
  }
  for (const auto& r : txn.exec_prepared(kLoadAttributes.name())) {
    auto it = classes.find(r[0].as<std::string>());
    if (it == classes.end()) continue;
    AttributeDef a;
    a.name = r[1].as<std::string>();
    a.type = AttrTypeFromName(r[2].as<std::string>()).value_or(AttrType::kString);
    a.required = r[3].as<bool>();
    a.indexed = r[4].as<bool>();
    a.description = r[5].as<std::string>();
    a.position = r[6].as<int>();
    it->second.attributes.push_back(std::move(a));
  }
  std::vector<RelationshipTypeDef> types;
  for (const auto& r : txn.exec_prepared(kLoadTypes.name())) {
    RelationshipTypeDef t;
    t.name = r[0].as<std::string>();
    t.inverse_name = r[1].as<std::string>();
    t.description = r[2].as<std::string>();
    t.impact = r[3].as<std::string>();
    t.system = r[4].as<bool>();
    types.push_back(std::move(t));
  }
  std::map<std::string, std::vector<IdentifierSetDef>> identification;
  for (const auto& r : txn.exec_prepared(kLoadIdentification.name())) {
    IdentifierSetDef set;
    set.fields = ParseTextArray(r[1]);
    set.within_parent = r[2].as<bool>();
    identification[r[0].as<std::string>()].push_back(std::move(set));
  }
  std::vector<ReconciliationRuleDef> reconciliation;
  for (const auto& r : txn.exec_prepared(kLoadReconciliation.name())) {
    reconciliation.push_back({r[0].as<std::string>(), r[1].as<std::string>(), ParseTextArray(r[2])});
  }
  std::vector<ClassDef> list;
  list.reserve(classes.size());
  for (auto& [name, c] : classes) list.push_back(std::move(c));
  return Catalog(generation, std::move(list), std::move(types), std::move(identification), std::move(reconciliation));
}

namespace {
void WriteAttributes(Tx& tx, const ClassDef& cls) {
  Exec(tx, kDeleteAttributes, cls.name);
  int position = 0;
  for (const auto& a : cls.attributes) {
    Exec(tx, kInsertAttribute, cls.name, a.name, std::string(AttrTypeName(a.type)), a.required, a.indexed,
            a.description, a.position != 0 ? a.position : ++position);
    if (a.indexed) EnsureAttributeIndex(tx, a.name);
  }
}
}  // namespace

void InsertClass(Tx& tx, const ClassDef& cls) {
  Exec(tx, kInsertClass, cls.name, cls.parent, cls.description, cls.abstract);
  WriteAttributes(tx, cls);
}

void UpdateClass(Tx& tx, const ClassDef& cls) {
  Exec(tx, kUpdateClass, cls.name, cls.description, cls.abstract);
  WriteAttributes(tx, cls);
}

void DeleteClass(Tx& tx, const std::string& name) { Exec(tx, kDeleteClass, name); }

int64_t CountCis(Tx& tx, const std::vector<std::string>& classes) {
  return Exec(tx, kCountCis, ArrayLiteral(classes))[0][0].as<int64_t>();
}

int64_t CountCisWithAttribute(Tx& tx, const std::vector<std::string>& classes, const std::string& attribute,
                              bool has) {
  return Exec(tx, kCountWithAttribute, ArrayLiteral(classes), attribute, has)[0][0].as<int64_t>();
}

void EnsureAttributeIndex(Tx& tx, const std::string& attribute) {
  // DDL takes no parameters: the attribute name is a checked identifier
  // ([a-z][a-z0-9_]*), quoted here as an identifier and a literal.
  pqxx::transaction_base& txn = Sql(tx);
  txn.exec0(StrCat("CREATE INDEX IF NOT EXISTS ", txn.quote_name("ci_attr_" + attribute + "_idx"),
                   " ON ci ((attributes -> ", txn.quote(attribute), ")) WHERE attributes ? ", txn.quote(attribute)));
}

void ReplaceIdentificationRules(Tx& tx, const std::string& class_name, const std::vector<IdentifierSetDef>& sets) {
  Exec(tx, kDeleteIdentification, class_name);
  for (size_t i = 0; i < sets.size(); ++i) {
    Exec(tx, kInsertIdentification, class_name, static_cast<int>(i + 1), ArrayLiteral(sets[i].fields),
            sets[i].within_parent);
  }
}

void UpsertReconciliationRule(Tx& tx, const ReconciliationRuleDef& rule) {
  Exec(tx, kUpsertReconciliation, rule.class_name, rule.field, ArrayLiteral(rule.sources));
}

bool DeleteReconciliationRule(Tx& tx, const std::string& class_name, const std::string& field) {
  return Exec(tx, kDeleteReconciliation, class_name, field).affected_rows() > 0;
}

void InsertRelationshipType(Tx& tx, const RelationshipTypeDef& type) {
  Exec(tx, kInsertType, type.name, type.inverse_name, type.description, type.impact);
}

}  // namespace cmdb::db
