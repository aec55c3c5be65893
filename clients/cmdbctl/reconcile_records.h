// The input of `cmdbctl reconcile`, read into one ReconcileRequest payload.
// No server calls: CSV typing gets class schemas through a lookup function.
//
// JSON Lines, one object per line (blank lines are skipped):
//   {"ref": "r1", "class": "switch", "name": "sw-1", "status": "in_use",
//    "owner": "network", "criticality": "high", "parent": "<ref or CI id>",
//    "source_key": "...", "observed_time": "2026-11-21T12:00:00Z",
//    "attributes": {"serial_number": "FOC1", "old_field": null}}
//   {"relation": {"from": "r1", "type": "connected_to", "to": "<ref or CI id>",
//                 "attributes": {...}}}
// Only "class" is required here (the server rejects items that lack a name
// or an identifier, and the rest of the payload goes on). Attribute values
// are sent as given; null clears an attribute.
// CSV: a header row; the columns class, name, status, owner, criticality,
// ref, parent and source_key are item fields, every other column an
// attribute typed by the class schema; an empty cell is absent. CSV holds no
// relations.
//
// A "parent", "from" or "to" names the item of this file with that ref, else
// an existing CI when it is a UUID; anything else is an error.
//
// Errors are INVALID_ARGUMENT cmdbctl::Errors whose message starts with
// "line N: ".
#pragma once

#include <istream>
#include <vector>

#include "cmdb/v1/reconcile.pb.h"
#include "record_reader.h"

namespace cmdbctl {

struct ReconcilePayload {
  std::vector<cmdb::v1::ReconcileItem> items;
  std::vector<int> item_lines;  // the line of items[i]
  std::vector<cmdb::v1::ReconcileRelation> relations;
  std::vector<int> relation_lines;
};

ReconcilePayload ReadReconcileJsonLines(std::istream& in);
ReconcilePayload ReadReconcileCsv(std::istream& in, const SchemaLookup& schema);

}  // namespace cmdbctl
