// SQL for the catalog: classes, attribute definitions, relationship types.
// Callers validate changes first (service/class_service.h); these functions
// only read and write rows.
#pragma once

#include <string>
#include <vector>

#include "core/catalog.h"
#include "db/database.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace cmdb::db {

// Reads the whole catalog (used by the transaction runner's catalog cache).
Catalog LoadCatalog(pqxx::transaction_base& txn, int64_t generation);

void InsertClass(Tx& tx, const ClassDef& cls);
// Updates description and abstract; replaces the own attribute list.
void UpdateClass(Tx& tx, const ClassDef& cls);
void DeleteClass(Tx& tx, const std::string& name);

// Number of live CIs whose class is one of `classes`.
int64_t CountCis(Tx& tx, const std::vector<std::string>& classes);
// Number of live CIs of `classes` that hold (or, with has = false, lack) `attribute`.
int64_t CountCisWithAttribute(Tx& tx, const std::vector<std::string>& classes, const std::string& attribute,
                              bool has);

// Creates the expression index for an indexed attribute, if missing. The
// name must be a valid identifier (IsValidIdentifier).
void EnsureAttributeIndex(Tx& tx, const std::string& attribute);

void InsertRelationshipType(Tx& tx, const RelationshipTypeDef& type);

// Replaces a class's own identification rules (empty: it inherits again).
void ReplaceIdentificationRules(Tx& tx, const std::string& class_name, const std::vector<IdentifierSetDef>& sets);
void UpsertReconciliationRule(Tx& tx, const ReconciliationRuleDef& rule);
// False when there was no such rule.
bool DeleteReconciliationRule(Tx& tx, const std::string& class_name, const std::string& field);

}  // namespace cmdb::db
