// The leader lock: one holder among several processes on one database; it
// passes on when the holder lets go, dies or loses its session.
#include "db/leader_lock.h"

#include <pqxx/pqxx>

#include <chrono>
#include <thread>

#include "service_fixture.h"

namespace cmdb::testing {
namespace {

class LeaderLockTest : public ServiceTest {};

TEST_F(LeaderLockTest, OneHolderAtATimeAndItPassesOn) {
  db::LeaderLock a(url()), b(url()), c(url());
  EXPECT_TRUE(a.Check());
  EXPECT_FALSE(b.Check());
  EXPECT_FALSE(c.Check());
  EXPECT_TRUE(a.Check());  // still holding
  // Let go: the next to check takes it.
  a.Release();
  EXPECT_TRUE(b.Check());
  EXPECT_FALSE(a.Check());
  EXPECT_FALSE(c.Check());

  // The holder's session cut from the server side (a dead process, a
  // network cut, a restart): PostgreSQL releases the lock; the old holder
  // learns at its next check that it no longer leads.
  const int holder = b.backend_pid();
  ASSERT_GT(holder, 0);
  {
    pqxx::connection admin(url());
    pqxx::nontransaction txn(admin);
    ASSERT_TRUE(txn.exec_params1("SELECT pg_terminate_backend($1)", holder)[0].as<bool>());
  }
  bool taken = false;
  for (int i = 0; i < 50 && !taken; ++i) {  // the backend exits asynchronously
    taken = c.Check();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(taken);
  EXPECT_FALSE(b.Check());
  EXPECT_FALSE(a.Check());
}

TEST_F(LeaderLockTest, AnUnreachableDatabaseMeansNotLeading) {
  db::LeaderLock lock("postgresql://nobody@127.0.0.1:1/none");
  EXPECT_FALSE(lock.Check());
  EXPECT_EQ(lock.backend_pid(), 0);
}

}  // namespace
}  // namespace cmdb::testing
