// Which of several cmdbd processes on one database runs the work that must
// run once: the discovery scheduler (due schedules, lost workers, retention)
// and the staleness sweep. The leader is the process holding a PostgreSQL
// session advisory lock, on a connection of its own; the lock goes with the
// session, so when the leader dies or its connection is cut, PostgreSQL
// releases it and another process takes it at its next check. No protocol
// of our own: only pg_try_advisory_lock.
//
// The connection must be a real session: through pgBouncer, point
// --db-url at a session-mode pool (or at PostgreSQL), or the lock would be
// released at the end of each transaction.
#pragma once

#include <memory>
#include <string>

namespace cmdb::db {

class LeaderLock {
 public:
  explicit LeaderLock(std::string url);
  ~LeaderLock();
  LeaderLock(const LeaderLock&) = delete;
  LeaderLock& operator=(const LeaderLock&) = delete;

  // Whether this process leads now: confirms a held lock's session is
  // alive, or tries to take the lock (connecting first if needed). False
  // while the database is unreachable. Call it before each run of the
  // once-only work; it costs one round trip.
  bool Check();
  // Gives the lock up (closes the session).
  void Release();
  // The backend pid of the session (0 when not connected), for tests.
  int backend_pid() const;

 private:
  struct Session;  // the connection (libpqxx stays in the .cc)

  const std::string url_;
  std::unique_ptr<Session> session_;
  bool held_ = false;
};

}  // namespace cmdb::db
