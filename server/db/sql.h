// Private to db/: running SQL on a Tx. Stores include this header in their
// .cc files; nothing outside server/db/ may (a test checks the layering).
#pragma once

#include <utility>

#include <pqxx/pqxx>

#include "db/database.h"

namespace cmdb::db {

// The libpqxx transaction behind `tx`.
pqxx::transaction_base& Sql(Tx& tx);

// Runs a prepared statement (prepared on every pooled connection).
template <typename... Args>
pqxx::result Exec(Tx& tx, const Statement& statement, Args&&... args) {
  return Sql(tx).exec_prepared(statement.name(), std::forward<Args>(args)...);
}

}  // namespace cmdb::db
