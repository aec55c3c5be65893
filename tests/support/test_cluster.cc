#include "support/test_cluster.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <pqxx/pqxx>

#include "core/strings.h"
#include "db/embedded_postgres.h"
#include "db/migrator.h"

namespace cmdb::testing {
namespace {

struct Cluster {
  std::unique_ptr<db::EmbeddedPostgres> owned;  // when not under CTest
  std::string private_dir;
  std::string socket_dir;

  ~Cluster() {
    if (owned) {
      owned.reset();
      std::error_code ec;
      std::filesystem::remove_all(private_dir, ec);
    }
  }
};

Cluster& TheCluster() {
  static Cluster* cluster = [] {
    auto* c = new Cluster;
    const char* dir = std::getenv("CMDB_TEST_PG_DIR");
    if (dir != nullptr && *dir != '\0') {
      c->socket_dir = StrCat(dir, "/run");
      return c;
    }
    char tmpl[] = "/tmp/cmdb-test-XXXXXX";
    c->private_dir = mkdtemp(tmpl);
    db::EmbeddedPostgres::Options options;
    options.data_dir = c->private_dir;
    options.database = kTemplateDatabase;
    options.durable = false;
    auto pg = db::EmbeddedPostgres::Start(options);
    if (!pg.ok()) {
      fprintf(stderr, "cannot start the test PostgreSQL: %s\n", std::string(ToStd(pg.status().message())).c_str());
      std::abort();
    }
    c->owned = std::move(*pg);
    c->socket_dir = c->private_dir + "/run";
    auto migrated = db::Migrate(c->owned->url());
    if (!migrated.ok()) {
      fprintf(stderr, "cannot migrate the test template: %s\n", std::string(ToStd(migrated.status().message())).c_str());
      std::abort();
    }
    // Stop the private cluster when the test binary exits.
    std::atexit([] { delete &TheCluster(); });
    return c;
  }();
  return *cluster;
}

}  // namespace

std::string ClusterUrl(const std::string& database) {
  return StrCat("host=", TheCluster().socket_dir, " port=5432 user=postgres dbname=", database);
}

std::string CreateTestDatabase() {
  static std::atomic<int> counter{0};
  const std::string name = StrCat("t_", getpid(), "_", counter++);
  pqxx::connection admin(ClusterUrl("postgres"));
  pqxx::nontransaction txn(admin);
  txn.exec0(StrCat("CREATE DATABASE ", txn.quote_name(name), " TEMPLATE ", kTemplateDatabase,
                   " STRATEGY FILE_COPY"));
  return name;
}

void DropTestDatabase(const std::string& name) {
  pqxx::connection admin(ClusterUrl("postgres"));
  pqxx::nontransaction txn(admin);
  txn.exec0(StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(name), " WITH (FORCE)"));
}

void DbTest::SetUp() {
  name_ = CreateTestDatabase();
  url_ = ClusterUrl(name_);
  db_ = Connect(8);
}

void DbTest::TearDown() {
  db_.reset();
  DropTestDatabase(name_);
}

std::unique_ptr<db::Database> DbTest::Connect(int pool_size) {
  db::Database::Options options;
  options.url = url_;
  options.pool_size = pool_size;
  auto db = db::Database::Connect(options);
  if (!db.ok()) {
    ADD_FAILURE() << "cannot connect to " << url_ << ": " << db.status();
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace cmdb::testing
