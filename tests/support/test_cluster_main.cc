// cmdb_test_cluster start|stop DIR: the CTest fixture that runs one
// throwaway PostgreSQL cluster (with a migrated template database) for a
// whole test run.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/strings.h"
#include "db/embedded_postgres.h"
#include "db/migrator.h"
#include "db/process.h"
#include "support/test_cluster.h"

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "start") != 0 && std::strcmp(argv[1], "stop") != 0)) {
    std::fprintf(stderr, "usage: cmdb_test_cluster start|stop DIR\n");
    return 2;
  }
  const std::string dir = argv[2];
  if (std::strcmp(argv[1], "stop") == 0) {
    const std::string pg_ctl = cmdb::StrCat(std::getenv("CMDB_PG_BIN") ? std::getenv("CMDB_PG_BIN")
                                                                        : "/usr/lib/postgresql/15/bin",
                                            "/pg_ctl");
    auto r = cmdb::db::RunProcess({pg_ctl, "-D", dir + "/pgdata", "-m", "immediate", "-w", "stop"},
                                  cmdb::db::ProcessOptions{cmdb::db::RunningAsRoot() ? "postgres" : ""});
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r.ok() ? 0 : 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // leftovers of an interrupted run
  cmdb::db::EmbeddedPostgres::Options options;
  options.data_dir = dir;
  options.database = cmdb::testing::kTemplateDatabase;
  options.durable = false;
  options.settings = {"max_connections = 400", "shared_buffers = '256MB'"};
  auto pg = cmdb::db::EmbeddedPostgres::Start(options);
  if (!pg.ok()) {
    std::fprintf(stderr, "cannot start PostgreSQL: %s\n", std::string(cmdb::ToStd(pg.status().message())).c_str());
    return 1;
  }
  auto migrated = cmdb::db::Migrate((*pg)->url());
  if (!migrated.ok()) {
    std::fprintf(stderr, "migration failed: %s\n", std::string(cmdb::ToStd(migrated.status().message())).c_str());
    return 1;
  }
  // Leave it running for the tests; `stop` ends it.
  (*pg)->Detach();
  std::printf("test PostgreSQL running in %s\n", dir.c_str());
  return 0;
}
