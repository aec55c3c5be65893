// Applies schema migrations in order, each in its own transaction, recording
// them in schema_migrations (version, name, checksum, applied_at). A session
// advisory lock keeps two servers from migrating at once.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/schema_bundle.h"

namespace cmdb::db {

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this call
  int current_version = 0;
};

// FAILED_PRECONDITION when an applied migration's text has changed since, or
// the database is newer than this binary; UNAVAILABLE when it is unreachable;
// INTERNAL (naming the file) when a migration fails.
absl::StatusOr<MigrationReport> Migrate(const std::string& url,
                                        std::span<const Migration> migrations = BundledMigrations());

}  // namespace cmdb::db
