// Real PostgreSQL for tests. One throwaway cluster (initdb + pg_ctl, as user
// postgres when root) serves a test run; each test gets a fresh database
// cloned from a migrated template, so tests never see each other's data.
//
// Under CTest the cluster is started once by the pg_cluster fixture
// (cmdb_test_cluster start DIR) and found through $CMDB_TEST_PG_DIR. A test
// binary run by hand starts a private cluster in a temp dir instead and
// stops it at exit.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db/database.h"

namespace cmdb::testing {

// The template database every test database is cloned from.
inline constexpr char kTemplateDatabase[] = "cmdb_template";

// Starts (or attaches to) the cluster and makes sure the template exists.
// Returns the libpq URL of `database` in it.
std::string ClusterUrl(const std::string& database);

// Creates a new database from the template; returns its name.
std::string CreateTestDatabase();
void DropTestDatabase(const std::string& name);

// Base for tests that need a database: a fresh one per test, with a
// connected pool in db().
class DbTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  db::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // A database pool of another size on the same database.
  std::unique_ptr<db::Database> Connect(int pool_size = 4);

 private:
  std::string name_;
  std::string url_;
  std::unique_ptr<db::Database> db_;
};

}  // namespace cmdb::testing
