#include "db/migrator.h"

#include <map>

#include <pqxx/pqxx>

#include "core/strings.h"
#include "core/page_token.h"
#include "db/database.h"

namespace cmdb::db {
namespace {
constexpr int64_t kMigrationLock = 7270000;
}  // namespace

absl::StatusOr<MigrationReport> Migrate(const std::string& url, std::span<const Migration> migrations) {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(url);
  } catch (const std::exception& e) {
    return absl::UnavailableError(StrCat("cannot connect to the database: ", e.what()));
  }
  MigrationReport report;
  try {
    pqxx::nontransaction session(*conn);
    session.exec0("SET client_min_messages = warning");
    session.exec_params("SELECT pg_advisory_lock($1)", kMigrationLock);
    session.exec0(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        "  applied_at timestamptz NOT NULL DEFAULT now())");
    std::map<int, std::pair<std::string, std::string>> applied;
    for (const auto& r : session.exec("SELECT version, name, checksum FROM schema_migrations")) {
      applied[r[0].as<int>()] = {r[1].as<std::string>(), r[2].as<std::string>()};
    }
    session.commit();

    absl::Status problem;
    int known_max = 0;
    for (const Migration& m : migrations) {
      known_max = std::max(known_max, m.version);
      const std::string checksum = RequestFingerprint({m.sql});
      auto it = applied.find(m.version);
      if (it != applied.end()) {
        if (it->second.second != checksum) {
          problem = absl::FailedPreconditionError(
              StrCat("migration ", m.name, " was changed after it was applied; add a new migration instead"));
          break;
        }
        report.current_version = m.version;
        continue;
      }
      try {
        pqxx::work txn(*conn);
        txn.exec(std::string(m.sql));
        txn.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                        std::string(m.name), checksum);
        txn.commit();
      } catch (const std::exception& e) {
        problem = absl::InternalError(StrCat("migration ", m.name, " failed: ", e.what()));
        break;
      }
      report.applied.emplace_back(m.name);
      report.current_version = m.version;
    }
    if (problem.ok() && !applied.empty() && applied.rbegin()->first > known_max) {
      problem = absl::FailedPreconditionError(StrCat("the database schema is at version ",
                                                           applied.rbegin()->first, ", newer than this server (",
                                                           known_max, ")"));
    }
    pqxx::nontransaction unlock(*conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
    if (!problem.ok()) return problem;
    return report;
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

}  // namespace cmdb::db
