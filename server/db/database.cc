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
};

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
    return absl::UnavailableError(StrCat("cannot connect to the database: ", e.what()));
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

absl::Status StatusFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(StrCat("database connection lost during commit; outcome unknown: ", e.what()));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(StrCat("database unavailable: ", e.what()));
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError("conflicting concurrent write; retry the request");
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return absl::AlreadyExistsError(e.what());
  }
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&e) != nullptr) {
    return absl::FailedPreconditionError(e.what());
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr ||
      dynamic_cast<const pqxx::data_exception*>(&e) != nullptr) {
    return absl::InvalidArgumentError(e.what());
  }
  if (dynamic_cast<const pqxx::insufficient_resources*>(&e) != nullptr) {
    return absl::ResourceExhaustedError(e.what());
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    if (sql->sqlstate() == "57014") return absl::DeadlineExceededError("database statement timed out");
    if (sql->sqlstate().starts_with("08") || sql->sqlstate().starts_with("57P")) {
      return absl::UnavailableError(StrCat("database unavailable: ", e.what()));
    }
    return absl::InternalError(StrCat("database error: ", e.what()));
  }
  return absl::InternalError(StrCat("internal error: ", e.what()));
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
      if (last.code() == absl::StatusCode::kInternal) Log()->error("transaction failed: {}", e.what());
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
