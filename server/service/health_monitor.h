// Keeps the server's health in step with its database. A thread probes the
// database (db::Database::Probe: `SELECT 1` on a connection of its own)
// every `interval`; another watches the probes, so that a probe that fails,
// or has not answered within `timeout` (a hung server), turns the health
// NOT_SERVING within about a second, and the first probe that succeeds
// turns it back. `on_change(healthy)` is called on each change.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "db/database.h"

namespace cmdb {

class HealthMonitor {
 public:
  struct Options {
    std::chrono::milliseconds interval{500};
    std::chrono::milliseconds timeout{1000};
  };

  HealthMonitor(db::Database& db, std::function<void(bool healthy)> on_change, Options options);
  HealthMonitor(db::Database& db, std::function<void(bool healthy)> on_change)
      : HealthMonitor(db, std::move(on_change), Options()) {}
  ~HealthMonitor();  // Stop()

  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  void Start();
  // Joins the threads; waits for a probe in flight (bounded by the probe's
  // connect timeout, except against a server that accepted and hangs).
  void Stop();
  bool healthy() const;

 private:
  void ProbeLoop();
  void WatchLoop();
  void SetLocked(bool healthy);

  db::Database& db_;
  std::function<void(bool)> on_change_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool healthy_ = true;
  bool probe_wanted_ = false;
  bool probing_ = false;
  std::chrono::steady_clock::time_point probe_started_;
  std::thread prober_, watcher_;
};

}  // namespace cmdb
