// A private PostgreSQL cluster in a data directory, for cmdbd without
// --db-url and for tests: initdb on first start, pg_ctl start/stop, a Unix
// socket inside the data directory and no TCP listener, so two instances
// never collide and only this user (or root) can connect. As root, the
// cluster runs as user `postgres`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cmdb::db {

class EmbeddedPostgres {
 public:
  struct Options {
    std::string data_dir;  // holds pgdata/, run/ (the socket) and postgresql.log
    // Where initdb and pg_ctl live; empty: $CMDB_PG_BIN or /usr/lib/postgresql/15/bin.
    std::string bin_dir;
    std::string database = "cmdb";  // created if missing
    // false: fsync, synchronous_commit and full_page_writes off. For tests and
    // throwaway benchmark data only: a crash can lose or corrupt data.
    bool durable = true;
    // Extra postgresql.conf lines ("shared_buffers = '512MB'").
    std::vector<std::string> settings;
  };

  // Initialises the cluster if needed, starts it (or adopts one already
  // running on this data directory) and creates the database.
  // FAILED_PRECONDITION with advice when the data directory is unusable.
  static absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> Start(Options options);

  // Stops the cluster if still running.
  ~EmbeddedPostgres();

  // Fast shutdown (pg_ctl stop -m fast). Idempotent.
  absl::Status Stop();
  // Leaves the cluster running when this object goes away (a test cluster
  // that outlives the program starting it; `pg_ctl stop` ends it later).
  void Detach() { running_ = false; }

  // Whether the cluster's postmaster is running (pg_ctl status).
  bool Alive() const;
  // Starts the cluster again after its postmaster died (kill -9, a PANIC on
  // a full disk): pg_ctl start on the same data directory; PostgreSQL
  // recovers from its WAL and replaces a stale postmaster.pid itself. OK
  // at once when it is running.
  absl::Status Restart();

  // libpq connection string for a database of this cluster.
  std::string Url(std::string_view database) const;
  std::string url() const { return Url(options_.database); }
  const std::string& data_dir() const { return options_.data_dir; }

  // CREATE DATABASE name [TEMPLATE template_db].
  absl::Status CreateDatabase(std::string_view name, std::string_view template_db = "");
  absl::Status DropDatabase(std::string_view name);

 private:
  explicit EmbeddedPostgres(Options options) : options_(std::move(options)) {}
  absl::Status Run(const std::vector<std::string>& argv, std::string_view what);
  absl::Status StartServer();
  std::string Bin(std::string_view tool) const { return options_.bin_dir + "/" + std::string(tool); }
  std::string pgdata() const { return options_.data_dir + "/pgdata"; }
  std::string run_dir() const { return options_.data_dir + "/run"; }

  Options options_;
  std::string user_;  // run PostgreSQL as this user ("" = ourselves)
  bool running_ = false;
};

}  // namespace cmdb::db
