// PostgreSQL access: a bounded connection pool and transaction runners.
//
// Every write runs in one transaction through Database::Write: the function
// passed in gets a Tx and returns a status; OK commits, an error rolls back.
// Database::Read runs reads without a transaction block (autocommit): each
// statement sees the latest committed data, which saves the BEGIN/COMMIT
// round trips on the hot read paths. Serialization failures and deadlocks retry
// the whole function (so it must not keep state across attempts), up to
// Options::max_attempts. libpqxx exceptions never leave this layer: they map
// to absl::Status (UNAVAILABLE for a lost database, ABORTED for a conflict
// that persisted, ALREADY_EXISTS for a unique violation, ...).
//
// With Options::read_url (a streaming replica), Database::ReadReplica runs
// the reads that may be served from it there, with read-your-writes per
// caller: each write's commit position (WAL LSN) is kept for the caller
// that made it (CallerScope, core/caller.h), and a caller's read goes to
// the replica only once the replica has replayed that position; until
// then, and whenever the replica cannot be reached, it goes to the primary.
//
// This header names no libpqxx type that callers could use: services get a
// Tx to hand to the stores, and only code inside db/ runs SQL on it (through
// the private header db/sql.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/catalog.h"
#include "core/model.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace cmdb::db {

// A named SQL statement, prepared on every pooled connection. Declare one as
// a namespace-scope constant next to the code that runs it.
class Statement {
 public:
  Statement(std::string name, std::string sql);
  const std::string& name() const { return name_; }
  const std::string& sql() const { return sql_; }

 private:
  std::string name_;
  std::string sql_;
};

class Database;
class ConnectionPool;  // connections and the catalog cache, in database.cc

// One transaction. Valid only inside the function given to Write/Read.
class Tx {
 public:

  // The transaction's timestamp (PostgreSQL's now()): every row this
  // transaction writes carries it. Write transactions only.
  Micros now() const { return now_; }

  bool writable() const { return context_ != nullptr; }
  // The write's actor, source and comment. Requires writable().
  const WriteContext& context() const { return *context_; }

  // The catalog this transaction sees. Write transactions hold a shared lock
  // that keeps it from changing until commit.
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog();

  // This transaction's changeset, inserted on first call. Only writes that
  // change something call it, so a no-op write leaves no changeset.
  int64_t ChangesetId();
  std::optional<int64_t> changeset_id() const { return changeset_id_; }

  // Raises work_mem for the rest of this transaction (SET LOCAL), for
  // set-based statements over large payloads.
  void SetWorkMem(int megabytes);

  // Call in a catalog-changing transaction before reading the catalog to
  // change it: takes the exclusive catalog lock; the generation is bumped at
  // commit, so every server reloads the catalog afterwards.
  void LockCatalogForChange();

 private:
  friend class Database;
  friend pqxx::transaction_base& Sql(Tx& tx);
  Tx(ConnectionPool& pool, pqxx::transaction_base& txn, const WriteContext* context);
  void Begin();

  ConnectionPool& pool_;
  pqxx::transaction_base& txn_;
  const WriteContext* context_;
  Micros now_ = 0;
  std::optional<int64_t> generation_;
  std::optional<int64_t> changeset_id_;
  bool catalog_changed_ = false;
};

struct WriteResult {
  std::optional<ChangesetInfo> changeset;  // nullopt when nothing was written
};

class Database {
 public:
  struct Options {
    std::string url;
    int pool_size = 16;
    absl::Duration acquire_timeout = absl::Seconds(10);
    int max_attempts = 8;
    absl::Duration statement_timeout = absl::Seconds(120);
    // A streaming replica for ReadReplica (libpq URL); empty: none.
    std::string read_url;
    int read_pool_size = 16;
    // After the replica failed to answer, reads go to the primary for this
    // long before it is tried again.
    absl::Duration replica_retry_after = absl::Seconds(5);
  };

  // Connects once to check the URL. UNAVAILABLE when the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<Database>> Connect(Options options);
  ~Database();

  absl::StatusOr<WriteResult> Write(const WriteContext& context, const std::function<absl::Status(Tx&)>& fn);
  // Runs `fn` exactly as Write would, then rolls back: a preview that
  // writes nothing. The result has no changeset.
  absl::StatusOr<WriteResult> DryRun(const WriteContext& context, const std::function<absl::Status(Tx&)>& fn);
  absl::Status Read(const std::function<absl::Status(Tx&)>& fn);
  // Read, on the replica when there is one, it answers and it has replayed
  // the calling principal's last write; on the primary otherwise. For reads
  // that may lag other callers' writes by the replica's delay (Get, List,
  // history, as-of), never for a read that decides a write.
  absl::Status ReadReplica(const std::function<absl::Status(Tx&)>& fn);

  // Whether the database answers now: `SELECT 1` on a connection of its own
  // (a busy pool is not a dead database), opened again when lost, with a
  // connect timeout of `timeout` rounded up to seconds. UNAVAILABLE when not.
  absl::Status Probe(absl::Duration timeout = absl::Seconds(1));

  const Options& options() const { return options_; }

  // Number of write attempts that were retried (for tests and metrics).
  int64_t retries() const;

  // The newest change-feed seq and catalog generation that writes through
  // this object have committed (0 before any): what a reader must see to
  // include every write this server has acknowledged, known without asking
  // the database.
  int64_t committed_seq() const { return committed_seq_.load(std::memory_order_acquire); }
  int64_t committed_catalog_generation() const { return committed_generation_.load(std::memory_order_acquire); }

 private:
  friend class Tx;
  class Replica;  // the read replica's pool and replay positions, in database.cc
  explicit Database(Options options);

  template <typename TxnType>
  absl::StatusOr<WriteResult> Run(ConnectionPool& pool, const WriteContext* context, const std::function<absl::Status(Tx&)>& fn,
                                  bool commit = true);

  Options options_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<Replica> replica_;  // null without Options::read_url
  std::atomic<int64_t> committed_seq_{0};
  std::atomic<int64_t> committed_generation_{0};
};

// Maps an exception from the database client to a status (no retry logic).
// Exposed for tests.
absl::Status StatusFromException(const std::exception& e);

}  // namespace cmdb::db
