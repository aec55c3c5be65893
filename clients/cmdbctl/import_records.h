// The import file formats, read into CIs and relationships to create. No
// server calls: CSV typing gets class schemas through a lookup function.
//
// JSON Lines, one object per line (blank lines are skipped):
//   {"ref": "r1", "id": "<uuid>", "class": "server", "name": "web01",
//    "status": "in_use", "owner": "ops", "criticality": "high",
//    "attributes": {"cpu_count": 8}, "parent": "<ref or uuid>"}
//   {"relation": {"from": "r1", "type": "runs_on", "to": "<ref or uuid>",
//                 "attributes": {...}}}
// "parent" names the CI this one depends on (an interface's device).
// CSV: a header row; the columns class, name, status, owner, criticality,
// id, ref and parent are CI fields, every other column an attribute typed by the
// class schema; an empty cell is absent. CSV holds no relationships.
//
// Errors are INVALID_ARGUMENT cmdbctl::Errors whose message starts with
// "line N: ".
#pragma once

#include <google/protobuf/struct.pb.h>

#include <istream>
#include <string>
#include <vector>

#include "cmdb/v1/cmdb_service.pb.h"
#include "record_reader.h"

namespace cmdbctl {

struct ImportCi {
  int line = 0;
  cmdb::v1::BatchCreate create;  // ref, ci and ci_id as in the file
  std::string parent;            // a ref of this file or a CI id; empty if none
};

struct ImportRelation {
  int line = 0;
  std::string from, type, to;  // from/to: a ref of this file or a CI id
  google::protobuf::Struct attributes;
};

struct ImportRecords {
  std::vector<ImportCi> cis;
  std::vector<ImportRelation> relations;
};

ImportRecords ReadJsonLines(std::istream& in);
ImportRecords ReadCsv(std::istream& in, const SchemaLookup& schema);

// A relation line, {"relation": {"from", "type", "to", "attributes"}}
// (`line` is left 0). Also the relation format of `cmdbctl reconcile`.
ImportRelation RelationFromJson(const Json& object);

// Checks that refs are unique, that every relation's from/to and every
// parent is a ref of a CI in `records` or a UUID, and that parents form no
// cycle.
void CheckReferences(const ImportRecords& records);

// `cis` reordered so that each CI comes after its parent when the parent is
// in the file; otherwise in file order.
std::vector<ImportCi> ParentsFirst(const std::vector<ImportCi>& cis);

// True for a UUID in canonical text form.
bool IsUuid(const std::string& text);

}  // namespace cmdbctl
