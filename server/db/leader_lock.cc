#include "db/leader_lock.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "core/strings.h"
#include "db/sql_util.h"

namespace cmdb::db {
namespace {
// The lock's key: ('cmdb', 1). Advisory locks are per database, so two
// CMDB databases on one cluster have a leader each.
constexpr int kKeyClass = 0x636d6462;
constexpr int kKeyScheduler = 1;

std::shared_ptr<spdlog::logger> Log() {
  auto logger = spdlog::get("db");
  return logger ? logger : spdlog::default_logger();
}
}  // namespace

struct LeaderLock::Session {
  explicit Session(const std::string& url) : connection(url) {}
  pqxx::connection connection;
};

LeaderLock::LeaderLock(std::string url) : url_(std::move(url)) {}

LeaderLock::~LeaderLock() { Release(); }

bool LeaderLock::Check() {
  try {
    if (!session_ || !session_->connection.is_open()) {
      held_ = false;
      session_.reset();
      session_ = std::make_unique<Session>(WithConnectTimeout(url_, 2));
    }
    pqxx::nontransaction txn(session_->connection);
    if (held_) {
      // The lock lives as long as the session: a round trip shows it does.
      txn.exec("SELECT 1");
      return true;
    }
    held_ = txn.exec_params1("SELECT pg_try_advisory_lock($1, $2)", kKeyClass, kKeyScheduler)[0].as<bool>();
    return held_;
  } catch (const std::exception& e) {
    // The session is gone, and with it any lock it held.
    Log()->debug("leader lock: {}", LogSafe(e.what()));
    session_.reset();
    held_ = false;
    return false;
  }
}

void LeaderLock::Release() {
  // Unlock explicitly: closing the session releases the lock too, but only
  // once the server has noticed, which another process may check before.
  if (session_ && held_) {
    try {
      pqxx::nontransaction txn(session_->connection);
      txn.exec_params("SELECT pg_advisory_unlock($1, $2)", kKeyClass, kKeyScheduler);
    } catch (const std::exception& e) {
      Log()->debug("leader lock release: {}", LogSafe(e.what()));
    }
  }
  session_.reset();
  held_ = false;
}

int LeaderLock::backend_pid() const { return session_ ? session_->connection.backendpid() : 0; }

}  // namespace cmdb::db
