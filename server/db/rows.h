// Reading CI and relationship rows: the column lists and their parsers live
// together so that they cannot drift apart. Every query that returns CIs or
// relationships selects one of these lists first.
#pragma once

#include <pqxx/pqxx>

#include "core/model.h"

// A live CI (table ci, alias c) and a stored version (ci_version, alias v),
// in the order CiFromRow reads them.
#define CMDB_CI_COLUMNS                                                                          \
  "c.id::text, c.class_name, c.name, c.status, c.owner, c.criticality, c.attributes::text, "     \
  "c.provenance::text, c.version, epoch_us(c.created_at), epoch_us(c.updated_at), "               \
  "coalesce(c.parent_id::text, ''), c.stale, coalesce(c.merged_into::text, '')"
#define CMDB_CI_VERSION_COLUMNS                                                                  \
  "v.ci_id::text, v.class_name, v.name, v.status, v.owner, v.criticality, v.attributes::text, "  \
  "v.provenance::text, v.version, epoch_us(v.created_at), epoch_us(v.valid_from), "               \
  "coalesce(v.parent_id::text, ''), false, coalesce(v.merged_into::text, '')"

// A relationship (alias r) with its endpoints (aliases s and t, which may be
// missing in as-of reads), in the order RelationshipFromRow reads them. A
// relationship is flagged stale when either end is.
#define CMDB_REL_COLUMNS                                                                               \
  "r.id::text, r.type, r.source_id::text, r.target_id::text, r.attributes::text, r.provenance::text, " \
  "r.version, epoch_us(r.created_at), epoch_us(r.updated_at), s.name, s.class_name, t.name, t.class_name, " \
  "(s.stale OR t.stale)"
#define CMDB_REL_VERSION_COLUMNS                                                                           \
  "r.rel_id::text, r.type, r.source_id::text, r.target_id::text, r.attributes::text, r.provenance::text, " \
  "r.version, epoch_us(r.created_at), epoch_us(r.valid_from), coalesce(s.name, ''), "                      \
  "coalesce(s.class_name, ''), coalesce(t.name, ''), coalesce(t.class_name, ''), false"

namespace cmdb::db {

inline constexpr int kCiColumnCount = 14;
inline constexpr int kRelColumnCount = 14;

Ci CiFromRow(const pqxx::row& r);
// The same, with attributes and provenance kept as their JSON text
// (Ci::attributes_text, Ci::provenance_text), for reads made only to be sent.
Ci CiTextFromRow(const pqxx::row& r);
Relationship RelationshipFromRow(const pqxx::row& r);

}  // namespace cmdb::db
