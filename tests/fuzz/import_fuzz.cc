// Fuzzes `cmdbctl import`'s input (import_records.h) the way import.cc reads
// a file: the input as JSON Lines (ReadJsonLines) and as CSV (ReadCsv, typed
// by cmdbctl_schema.h), each followed by CheckReferences and ParentsFirst.
//
// A cmdbctl::Error is the documented answer to bad input (cmdbctl prints it
// and exits 1); any other exception escapes cmdbctl's main and is a finding,
// like a crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "cmdbctl_schema.h"
#include "import_records.h"

namespace {

void Check(const cmdbctl::ImportRecords& records) {
  cmdbctl::CheckReferences(records);
  (void)cmdbctl::ParentsFirst(records.cis);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::istringstream in(text);
    Check(cmdbctl::ReadJsonLines(in));
  } catch (const cmdbctl::Error&) {
  }
  try {
    std::istringstream in(text);
    Check(cmdbctl::ReadCsv(in, cmdbctl::fuzz::FuzzSchema));
  } catch (const cmdbctl::Error&) {
  }
  return 0;
}
