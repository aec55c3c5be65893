// Builders for reconcile payloads in the service tests.
#pragma once

#include <string>
#include <utility>

#include "service/reconcile_types.h"

namespace cmdb::testing {

inline ReconcileItemInput Item(std::string ref, std::string cls, std::string name, Json attrs) {
  ReconcileItemInput in;
  in.ref = std::move(ref);
  in.finding.class_name = std::move(cls);
  in.finding.name = std::move(name);
  in.finding.attributes = std::move(attrs);
  return in;
}

inline ReconcileRelationInput Relation(std::string from_ref, std::string type, std::string to_ref) {
  ReconcileRelationInput r;
  r.from_ref = std::move(from_ref);
  r.type = std::move(type);
  r.to_ref = std::move(to_ref);
  return r;
}

}  // namespace cmdb::testing
