// The schema migrations (schema/NNNN_*.sql), compiled into the binary.
#pragma once

#include <span>
#include <string_view>

namespace cmdb::db {

struct Migration {
  int version;            // the file's number
  std::string_view name;  // the file name
  std::string_view sql;
};

// All migrations, in version order.
std::span<const Migration> BundledMigrations();

}  // namespace cmdb::db
