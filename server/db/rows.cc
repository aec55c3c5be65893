#include "db/rows.h"

namespace cmdb::db {

namespace {

// Every column but attributes and provenance.
void CiScalarsFromRow(const pqxx::row& r, Ci& ci) {
  ci.id = r[0].as<std::string>();
  ci.class_name = r[1].as<std::string>();
  ci.name = r[2].as<std::string>();
  ci.status = r[3].as<std::string>();
  ci.owner = r[4].as<std::string>();
  ci.criticality = r[5].as<std::string>();
  ci.version = r[8].as<int64_t>();
  ci.created_at = r[9].as<int64_t>();
  ci.updated_at = r[10].as<int64_t>();
  ci.parent_id = r[11].as<std::string>();
  ci.stale = r[12].as<bool>();
  ci.merged_into = r[13].as<std::string>();
}

}  // namespace

Ci CiFromRow(const pqxx::row& r) {
  Ci ci;
  CiScalarsFromRow(r, ci);
  ci.attributes = Json::parse(r[6].c_str());
  ci.provenance = Json::parse(r[7].c_str());
  return ci;
}

Ci CiTextFromRow(const pqxx::row& r) {
  Ci ci;
  CiScalarsFromRow(r, ci);
  ci.attributes_text = r[6].as<std::string>();
  ci.provenance_text = r[7].as<std::string>();
  return ci;
}

Relationship RelationshipFromRow(const pqxx::row& r) {
  Relationship rel;
  rel.id = r[0].as<std::string>();
  rel.type = r[1].as<std::string>();
  rel.source_id = r[2].as<std::string>();
  rel.target_id = r[3].as<std::string>();
  rel.attributes = Json::parse(r[4].c_str());
  rel.provenance = Json::parse(r[5].c_str());
  rel.version = r[6].as<int64_t>();
  rel.created_at = r[7].as<int64_t>();
  rel.updated_at = r[8].as<int64_t>();
  rel.source_name = r[9].as<std::string>();
  rel.source_class = r[10].as<std::string>();
  rel.target_name = r[11].as<std::string>();
  rel.target_class = r[12].as<std::string>();
  rel.stale = r[13].as<bool>();
  return rel;
}

}  // namespace cmdb::db
