#include "db/database.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/strings.h"
#include "db/catalog_store.h"
#include "db/sql.h"

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
// Pool: connections (created on demand up to the pool size, waited for with
// a bounded wait) and the catalog of the newest generation seen.

class Database::Pool {
 public:
  explicit Pool(const Options& options) : options_(options) {}

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
  const Options& options_;
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

namespace {

// `url` (a URI or key=value words) with libpq's connect_timeout set.
std::string WithConnectTimeout(const std::string& url, int64_t seconds) {
  const std::string setting = StrCat("connect_timeout=", std::max<int64_t>(1, seconds));
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return StrCat(url, url.find('?') == std::string::npos ? "?" : "&", setting);
  }
  return StrCat(url, " ", setting);
}

}  // namespace

pqxx::transaction_base& Sql(Tx& tx) { return tx.txn_; }

// ---------------------------------------------------------------------------
// Tx

Tx::Tx(Database& db, pqxx::transaction_base& txn, const WriteContext* context)
    : db_(db), txn_(txn), context_(context) {}

void Tx::Begin() {
  if (context_ == nullptr) return;  // reads fetch the catalog generation when they need it
  pqxx::row r = Exec(*this, kBeginWrite, kCatalogLock)[0];
  generation_ = r[0].as<int64_t>();
  now_ = r[1].as<int64_t>();
}

absl::StatusOr<std::shared_ptr<const Catalog>> Tx::catalog() {
  if (!generation_) generation_ = Exec(*this, kBeginRead)[0][0].as<int64_t>();
  return db_.pool_->CatalogFor(txn_, *generation_);
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

Database::Database(Options options) : options_(std::move(options)), pool_(std::make_unique<Pool>(options_)) {}

Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(Options options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("database pool size must be at least 1");
  std::unique_ptr<Database> db(new Database(std::move(options)));
  auto connection = db->pool_->Open();
  if (!connection.ok()) return connection.status();
  db->pool_->Release(std::move(*connection));
  return db;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Database::Pool::Open() {
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

absl::StatusOr<std::unique_ptr<pqxx::connection>> Database::Pool::Acquire() {
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

void Database::Pool::Release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mu_);
  if (connection && connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_count_;
  }
  available_.notify_one();
}

std::shared_ptr<const Catalog> Database::Pool::CatalogFor(pqxx::transaction_base& txn, int64_t generation) {
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
absl::StatusOr<WriteResult> Database::Run(const WriteContext* context, const std::function<absl::Status(Tx&)>& fn,
                                          bool commit) {
  thread_local std::mt19937 jitter(std::random_device{}());
  absl::Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto connection = pool_->Acquire();
    if (!connection.ok()) return connection.status();
    std::unique_ptr<pqxx::connection> conn = std::move(*connection);
    bool retry = false;
    try {
      TxnType txn(*conn);
      Tx tx(*this, txn, context);
      tx.Begin();
      absl::Status status = fn(tx);
      if (!status.ok()) {
        txn.abort();
        pool_->Release(std::move(conn));
        return status;
      }
      WriteResult result;
      if (!commit) {
        txn.abort();
        pool_->Release(std::move(conn));
        return result;
      }
      if (tx.catalog_changed_) Exec(tx, kBumpGeneration);
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
      pool_->Release(std::move(conn));
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
    pool_->Release(std::move(conn));
    if (!retry) break;
    pool_->CountRetry();
    // Back off a little, with jitter, before trying again.
    std::uniform_int_distribution<int> ms(1, 5 << std::min(attempt, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms(jitter)));
  }
  return last;
}

absl::StatusOr<WriteResult> Database::Write(const WriteContext& context, const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::work>(&context, fn);
}

absl::StatusOr<WriteResult> Database::DryRun(const WriteContext& context,
                                             const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::work>(&context, fn, /*commit=*/false);
}

absl::Status Database::Read(const std::function<absl::Status(Tx&)>& fn) {
  return Run<pqxx::nontransaction>(nullptr, fn).status();
}

}  // namespace cmdb::db
