#include "db/database.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/caller.h"
#include "core/strings.h"
#include "db/catalog_store.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {

std::vector<const Statement*>& Registry() {
  static std::vector<const Statement*> statements;
  return statements;
}

// Catalog lock: writers share it, catalog changes take it exclusively.
constexpr int64_t kCatalogLock = 7270002;

const Statement kBeginWrite{
    "tx_begin_write",
    "SELECT generation, epoch_us(now()), pg_advisory_xact_lock_shared($1) FROM catalog_state"};
const Statement kBeginRead{"tx_begin_read", "SELECT generation, epoch_us(now()) FROM catalog_state"};
const Statement kLockCatalog{"tx_lock_catalog", "SELECT pg_advisory_xact_lock($1)"};
const Statement kBumpGeneration{"tx_bump_generation",
                                "UPDATE catalog_state SET generation = generation + 1 RETURNING generation"};
const Statement kInsertChangeset{
    "changeset_insert",
    "INSERT INTO changeset (actor, source, comment, external_ref) VALUES ($1, $2, $3, $4) RETURNING id"};
const Statement kSealChangeset{"changeset_seal", "SELECT cmdb_seal_changeset($1)"};
// WAL positions as byte offsets: where a committed write ends (on the
// primary, after its commit), and how far a replica has replayed (a
// promoted replica, no longer replaying, has everything it holds).
const Statement kWalPosition{"wal_position", "SELECT (pg_current_wal_lsn() - '0/0')::bigint"};
const Statement kReplayedPosition{"wal_replayed",
                                  "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                                  "ELSE pg_current_wal_lsn() END - '0/0')::bigint"};

void RaiseTo(std::atomic<int64_t>& a, int64_t value) {
  int64_t seen = a.load(std::memory_order_relaxed);
  while (seen < value && !a.compare_exchange_weak(seen, value, std::memory_order_release)) {
  }
}

std::shared_ptr<spdlog::logger> Log() {
  static auto logger = [] {
    auto l = spdlog::get("db");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

}  // namespace

Statement::Statement(std::string name, std::string sql) : name_(std::move(name)), sql_(std::move(sql)) {
  Registry().push_back(this);
}

// ---------------------------------------------------------------------------
// ConnectionPool: connections (created on demand up to the pool size, waited
// for with a bounded wait) and the catalog of the newest generation seen.

class ConnectionPool {
 public:
  explicit ConnectionPool(const Database::Options& options) : options_(options) {}

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open();
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> connection);
  std::shared_ptr<const Catalog> CatalogFor(pqxx::transaction_base& txn, int64_t generation);
  void CountRetry() {
    std::lock_guard lock(mu_);
    ++retries_;
  }
  int64_t retries() const {
    std::lock_guard lock(mu_);
    return retries_;
  }

 private:
  const Database::Options& options_;
  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_count_ = 0;
  int64_t retries_ = 0;

  std::mutex catalog_mu_;
  std::shared_ptr<const Catalog> catalog_;

 public:
  std::mutex probe_mu_;
  std::unique_ptr<pqxx::connection> probe_;  // Database::Probe's own connection
};

pqxx::transaction_base& Sql(Tx& tx) { return tx.txn_; }

// ---------------------------------------------------------------------------
// Replica: the read replica's pool, how far it has replayed (as last seen:
// it only grows), the commit position of each caller's last write, and
// since when it failed to answer.

class Database::Replica {
 public:
  explicit Replica(const Options& primary) : options_(primary), pool_(options_) {
    options_.url = WithConnectTimeout(primary.read_url, 2);
    options_.pool_size = primary.read_pool_size;
    // A lost replica must not hold readers for the primary's acquire timeout.
    options_.acquire_timeout = absl::Seconds(2);
  }

  ConnectionPool& pool() { return pool_; }

  void Wrote(std::string_view caller, int64_t position) {
    std::lock_guard lock(mu_);
    auto& last = written_[std::string(caller)];
    // A failed read of the position is forgotten by the next write.
    last = last == std::numeric_limits<int64_t>::max() ? position : std::max(last, position);
  }

  // Keeps where the write just committed on `conn` ends, for the caller
  // that made it.
  void RecordCommit(pqxx::connection& conn) {
    const std::string_view caller = CallerScope::Current();
    if (caller.empty()) return;  // the server's own work: no one reads it back
    try {
      pqxx::nontransaction txn(conn);
      const int64_t position = txn.exec_prepared(kWalPosition.name())[0][0].as<int64_t>();
      txn.commit();
      Wrote(caller, position);
    } catch (const std::exception& e) {
      // Committed, but where its WAL ends is unknown: this caller reads
      // from the primary until its next write.
      Log()->warn("cannot read the WAL position after a commit: {}", LogSafe(e.what()));
      Wrote(caller, std::numeric_limits<int64_t>::max());
    }
  }

  // The position the replica must have replayed for `caller` (0: none).
  int64_t NeededBy(std::string_view caller) {
    if (caller.empty()) return 0;
    std::lock_guard lock(mu_);
    auto it = written_.find(std::string(caller));
    return it == written_.end() ? 0 : it->second;
  }

  // Whether the replica has replayed `needed`, asking it when what was
  // last seen is not enough. nullopt when it cannot be asked.
  std::optional<bool> HasReplayed(int64_t needed) {
    if (needed <= replayed_.load()) return true;
    auto connection = pool_.Acquire();
    if (!connection.ok()) return std::nullopt;
    std::unique_ptr<pqxx::connection> conn = std::move(*connection);
    try {
      pqxx::nontransaction txn(*conn);
      const int64_t now = txn.exec_prepared(kReplayedPosition.name())[0][0].as<int64_t>();
      txn.commit();
      pool_.Release(std::move(conn));
      int64_t seen = replayed_.load();
      while (seen < now && !replayed_.compare_exchange_weak(seen, now)) {
      }
      return needed <= now;
    } catch (const std::exception& e) {
      if (conn && !conn->is_open()) conn.reset();
      pool_.Release(std::move(conn));
      Log()->debug("read replica: cannot read its replay position: {}", LogSafe(e.what()));
      return std::nullopt;
    }
  }

  bool Down() {
    std::lock_guard lock(mu_);
    return std::chrono::steady_clock::now() < down_until_;
  }

  void MarkDown(const absl::Status& why, absl::Duration retry_after) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now >= down_until_) {
      Log()->warn("read replica unavailable ({}); reading from the primary for {} s", ToStd(why.message()),
                  absl::ToInt64Seconds(retry_after));
    }
    down_until_ = now + absl::ToChronoMilliseconds(retry_after);
  }

 private:
  Options options_;
  ConnectionPool pool_;
  std::atomic<int64_t> replayed_{0};
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> written_;
  std::chrono::steady_clock::time_point down_until_{};
};

// ---------------------------------------------------------------------------
// Tx

Tx::Tx(ConnectionPool& pool, pqxx::transaction_base& txn, const WriteContext* context)
    : pool_(pool), txn_(txn), context_(context) {}

void Tx::Begin() {
  if (context_ == nullptr) return;  // reads fetch the catalog generation when they need it
  pqxx::row r = Exec(*this, kBeginWrite, kCatalogLock)[0];
  generation_ = r[0].as<int64_t>();
  now_ = r[1].as<int64_t>();
}

absl::StatusOr<std::shared_ptr<const Catalog>> Tx::catalog() {
  if (!generation_) generation_ = Exec(*this, kBeginRead)[0][0].as<int64_t>();
  return pool_.CatalogFor(txn_, *generation_);
}

void Tx::LockCatalogForChange() {
  Exec(*this, kLockCatalog, kCatalogLock);
  generation_ = Exec(*this, kBeginRead)[0][0].as<int64_t>();
  catalog_changed_ = true;
}

void Tx::SetWorkMem(int megabytes) {
  Sql(*this).exec0(StrCat("SET LOCAL work_mem = '", std::max(1, megabytes), "MB'"));
}

int64_t Tx::ChangesetId() {
  if (!changeset_id_) {
    changeset_id_ = Exec(*this, kInsertChangeset, context_->actor, context_->source, context_->comment,
                         context_->external_ref)[0][0]
                        .as<int64_t>();
  }
  return *changeset_id_;
}

// ---------------------------------------------------------------------------
// Database

Database::Database(Options options)
    : options_(std::move(options)),
      pool_(std::make_unique<ConnectionPool>(options_)),
      replica_(options_.read_url.empty() ? nullptr : std::make_unique<Replica>(options_)) {}

Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(Options options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("database pool size must be at least 1");
  std::unique_ptr<Database> db(new Database(std::move(options)));
  auto connection = db->pool_->Open();
  if (!connection.ok()) return connection.status();
  db->pool_->Release(std::move(*connection));
  if (db->replica_) {
    // A replica that is away at start is only logged: reads go to the
    // primary until it answers.
    if (!db->replica_->HasReplayed(1).has_value()) {  // 1: past what was seen, so it is asked
      db->replica_->MarkDown(absl::UnavailableError("cannot connect"), db->options_.replica_retry_after);
    }
  }
  return db;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Open() {
  try {
    auto c = std::make_unique<pqxx::connection>(options_.url);
    pqxx::nontransaction setup(*c);
    setup.exec0("SET TIME ZONE 'UTC'");
    setup.exec0("SET DateStyle = 'ISO'");
    setup.exec0(StrCat("SET statement_timeout = ", absl::ToInt64Milliseconds(options_.statement_timeout)));
    setup.commit();
    for (const Statement* s : Registry()) c->prepare(s->name(), s->sql());
    return c;
  } catch (const std::exception& e) {
    Log()->warn("cannot connect to the database: {}", LogSafe(e.what()));
    return absl::UnavailableError("cannot connect to the database");
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(options_.acquire_timeout);
  while (idle_.empty() && open_count_ >= options_.pool_size) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_count_ >= options_.pool_size) {
      return absl::UnavailableError("database busy: no connection free within the acquire timeout");
    }
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_count_;
  lock.unlock();
  auto c = Open();
  if (!c.ok()) {
    std::lock_guard relock(mu_);
    --open_count_;
    available_.notify_one();
  }
  return c;
}

void ConnectionPool::Release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mu_);
  if (connection && connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_count_;
  }
  available_.notify_one();
}

std::shared_ptr<const Catalog> ConnectionPool::CatalogFor(pqxx::transaction_base& txn, int64_t generation) {
  {
    std::lock_guard lock(catalog_mu_);
    if (catalog_ && catalog_->generation() == generation) return catalog_;
  }
  auto loaded = std::make_shared<const Catalog>(LoadCatalog(txn, generation));
  std::lock_guard lock(catalog_mu_);
  if (!catalog_ || catalog_->generation() < generation) catalog_ = loaded;
  return loaded;
}

int64_t Database::retries() const { return pool_->retries(); }

absl::Status Database::Probe(absl::Duration timeout) {
  std::lock_guard lock(pool_->probe_mu_);
  auto& connection = pool_->probe_;
  try {
    if (!connection || !connection->is_open()) {
      connection.reset();
      const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)));
      connection = std::make_unique<pqxx::connection>(WithConnectTimeout(options_.url, seconds));
    }
    pqxx::nontransaction txn(*connection);
    txn.exec("SELECT 1");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    connection.reset();
    Log()->debug("database probe failed: {}", LogSafe(e.what()));
    return absl::UnavailableError("database unavailable");
  }
}

namespace {

// What a client is told about a failed SQL statement of class 22 (data
// exception) or 54 (program limit): the kind of problem, never the
// server's text (which quotes values, parameters and the database's names).
std::string_view DataProblem(const std::string& sqlstate) {
  if (sqlstate == "22003") return "a number is out of range";
  if (sqlstate == "22001") return "a value is too long";
  if (sqlstate == "22021" || sqlstate == "22P05") return "a value holds characters that cannot be stored";
  if (sqlstate == "22P02" || sqlstate == "22007" || sqlstate == "22008") return "a value has an invalid form";
  if (sqlstate == "22032" || sqlstate == "22030" || sqlstate == "2203A") return "a JSON value is not valid";
  if (sqlstate.starts_with("54")) return "a value is too large to be stored or indexed";
  return "a value is not valid";
}

}  // namespace

absl::Status StatusFromException(const std::exception& e) {
  // The detail goes to the server log only: database errors quote values,
  // parameters, and the database's host and socket.
  const std::string detail = LogSafe(e.what());
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    Log()->error("commit outcome unknown: {}", detail);
    return absl::UnavailableError("database connection lost during commit; outcome unknown");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    Log()->warn("database unavailable: {}", detail);
    return absl::UnavailableError("database unavailable");
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError("conflicting concurrent write; retry the request");
  }
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  const std::string state = sql != nullptr ? sql->sqlstate() : std::string();
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    Log()->warn("unique violation: {}", detail);
    return absl::AlreadyExistsError("a record with the same unique key exists");
  }
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&e) != nullptr) {
    Log()->warn("foreign key violation: {}", detail);
    return absl::FailedPreconditionError("a record it refers to does not exist, or others refer to it");
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr) {
    Log()->warn("constraint violation: {}", detail);
    return absl::InvalidArgumentError("a value breaks a constraint of the database");
  }
  if (dynamic_cast<const pqxx::data_exception*>(&e) != nullptr || state.starts_with("22") || state.starts_with("54")) {
    Log()->warn("data exception {}: {}", state, detail);
    return absl::InvalidArgumentError(std::string(DataProblem(state)));
  }
  if (dynamic_cast<const pqxx::insufficient_resources*>(&e) != nullptr) {
    Log()->error("database out of resources: {}", detail);
    return absl::ResourceExhaustedError("the database is out of resources");
  }
  if (sql != nullptr) {
    if (state == "57014") return absl::DeadlineExceededError("database statement timed out");
    if (state.starts_with("08") || state.starts_with("57P")) {
      Log()->warn("database unavailable: {}", detail);
      return absl::UnavailableError("database unavailable");
    }
    Log()->error("database error {}: {}", state, detail);
    return absl::InternalError("database error (details are in the server log)");
  }
  Log()->error("internal error: {}", detail);
  return absl::InternalError("internal error (details are in the server log)");
}

template <typename TxnType>
absl::StatusOr<WriteResult> Database::Run(ConnectionPool& pool, const WriteContext* context,
                                          const std::function<absl::Status(Tx&)>& fn, bool commit) {
  thread_local std::mt19937 jitter(std::random_device{}());
  absl::Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    std::unique_ptr<pqxx::connection> conn = std::move(*connection);
    bool retry = false;
    try {
      TxnType txn(*conn);
      Tx tx(pool, txn, context);
      tx.Begin();
      absl::Status status = fn(tx);
      if (!status.ok()) {
        txn.abort();
        pool.Release(std::move(conn));
        return status;
      }
      WriteResult result;
      if (!commit) {
        txn.abort();
        pool.Release(std::move(conn));
        return result;
      }
      std::optional<int64_t> generation;
      if (tx.catalog_changed_) generation = Exec(tx, kBumpGeneration)[0][0].as<int64_t>();
      if (tx.changeset_id()) {
        ChangesetInfo info;
        info.id = *tx.changeset_id();
        info.seq = Exec(tx, kSealChangeset, info.id)[0][0].as<int64_t>();
        info.actor = context->actor;
        info.source = context->source;
        info.comment = context->comment;
        info.external_ref = context->external_ref;
        info.time = tx.now();
        result.changeset = std::move(info);
      }
      txn.commit();
      if (result.changeset) RaiseTo(committed_seq_, result.changeset->seq);
      if (generation) RaiseTo(committed_generation_, *generation);
      if (replica_ && context != nullptr) replica_->RecordCommit(*conn);
      pool.Release(std::move(conn));
      return result;
    } catch (const pqxx::in_doubt_error& e) {
      conn.reset();
      last = StatusFromException(e);
    } catch (const pqxx::broken_connection& e) {
      // Nothing was committed: safe to run again on a fresh connection.
      conn.reset();
      last = StatusFromException(e);
      retry = true;
    } catch (const pqxx::transaction_rollback& e) {
      last = StatusFromException(e);
      retry = true;
    } catch (const std::exception& e) {
      last = StatusFromException(e);
    }
    if (conn && !conn->is_open()) conn.reset();
    pool.Release(std::move(conn));
    if (!retry) break;
    pool.CountRetry();
    // Back off a little, with jitter, before trying again.
    std::uniform_int_distribution<int> ms(1, 5 << std::min(attempt, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms(jitter)));
  }
  return last;
}

absl::StatusOr<WriteResult> Database::Write(const WriteContext& context, const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::work>(*pool_, &context, fn);
}

absl::StatusOr<WriteResult> Database::DryRun(const WriteContext& context,
                                             const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::work>(*pool_, &context, fn, /*commit=*/false);
}

absl::Status Database::Read(const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::nontransaction>(*pool_, nullptr, fn).status();
}

absl::Status Database::ReadReplica(const std::function<absl::Status(Tx&)>& fn) {
  if (!replica_ || replica_->Down()) return Read(fn);
  const std::optional<bool> caught_up = replica_->HasReplayed(replica_->NeededBy(CallerScope::Current()));
  if (!caught_up.has_value()) {
    replica_->MarkDown(absl::UnavailableError("no answer"), options_.replica_retry_after);
    return Read(fn);
  }
  if (!*caught_up) return Read(fn);  // the caller's last write is not there yet
  absl::Status status = Run<pqxx::nontransaction>(replica_->pool(), nullptr, fn).status();
  if (absl::IsUnavailable(status)) {
    replica_->MarkDown(status, options_.replica_retry_after);
    return Read(fn);
  }
  return status;
}

}  // namespace cmdb::db
