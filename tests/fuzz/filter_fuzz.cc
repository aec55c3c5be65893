// Fuzzes the List filter: ParseFilter (core/filter.h) on the text, then the
// whole path a List request's filter and order_by take before SQL, without a
// database: CompileCiFilter and ParseCiOrder (db/ci_filter.h) against a small
// catalog. Every outcome must be a value or a status; an exception, a crash
// or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/filter.h"
#include "db/ci_filter.h"
#include "fuzz_catalog.h"
#include "util/struct_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A request carries the filter in a proto3 string, which protobuf refuses
  // to parse unless it is UTF-8, and the server rejects NUL in any string
  // before a handler runs (util/text_scan.h). Other bytes never get here.
  if (!cmdb::proto_util::IsValidUtf8(text) || text.find('\0') != std::string_view::npos) return -1;

  (void)cmdb::ParseFilter(text);

  const cmdb::Catalog& catalog = cmdb::fuzz::FuzzCatalog();
  for (const auto& columns : {cmdb::db::CiSqlColumns::Live(), cmdb::db::CiSqlColumns::Version()}) {
    cmdb::db::SqlParams params;
    (void)cmdb::db::CompileCiFilter(text, catalog, columns, params);
  }
  (void)cmdb::db::ParseCiOrder(text, catalog, cmdb::db::CiSqlColumns::Live());
  return 0;
}
