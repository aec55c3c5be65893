// The promise every discovery payload keeps, checked by the targets that
// build one: it parses back from its wire form (protobuf refuses strings
// that are not UTF-8) and holds no NUL in any string (the server refuses
// the whole request). A broken promise prints the payload and fails.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "cmdb/v1/reconcile.pb.h"
#include "fuzz_check.h"
#include "util/text_scan.h"

namespace cmdb::fuzz {

inline void CheckFindings(const cmdb::v1::ReconcileRequest& request) {
  std::string wire;
  cmdb::v1::ReconcileRequest parsed;
  if (!request.SerializeToString(&wire) || !parsed.ParseFromString(wire)) {
    std::fprintf(stderr, "%s\n", request.DebugString().c_str());
    Fail("the findings do not parse back (a string that is not UTF-8?)");
  }
  if (std::optional<std::string> path = cmdb::proto_util::FindNulText(request)) {
    std::fprintf(stderr, "NUL in %s\n", path->c_str());
    Fail("the findings hold a NUL, which the server refuses");
  }
}

}  // namespace cmdb::fuzz
