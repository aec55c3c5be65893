// Fuzzes `cmdbctl reconcile`'s input (reconcile_records.h) the way
// reconcile.cc reads a file: the input as JSON Lines
// (ReadReconcileJsonLines) and as CSV (ReadReconcileCsv, typed by
// cmdbctl_schema.h). Each item of a payload read must carry the line it came
// from.
//
// A cmdbctl::Error is the documented answer to bad input (cmdbctl prints it
// and exits 1); any other exception escapes cmdbctl's main and is a finding,
// like a crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "cmdbctl_schema.h"
#include "fuzz_check.h"
#include "reconcile_records.h"

namespace {

void Check(const cmdbctl::ReconcilePayload& payload) {
  if (payload.items.size() != payload.item_lines.size() ||
      payload.relations.size() != payload.relation_lines.size()) {
    cmdb::fuzz::Fail("items or relations without their lines");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::istringstream in(text);
    Check(cmdbctl::ReadReconcileJsonLines(in));
  } catch (const cmdbctl::Error&) {
  }
  try {
    std::istringstream in(text);
    Check(cmdbctl::ReadReconcileCsv(in, cmdbctl::fuzz::FuzzSchema));
  } catch (const cmdbctl::Error&) {
  }
  return 0;
}
