// A PostgreSQL LISTEN loop on a connection of its own. It calls `wake` when
// a notification arrives on the channel, at least once a second without one
// (so a lost notification only delays the caller, which re-reads the
// database anyway), and after a lost connection, which it re-opens.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace cmdb::db {

class NotificationListener {
 public:
  NotificationListener(std::string url, std::string channel, std::function<void()> wake);
  ~NotificationListener();  // stops
  NotificationListener(const NotificationListener&) = delete;
  NotificationListener& operator=(const NotificationListener&) = delete;

  // Starts the listener thread (once).
  void Start();
  // Stops and joins it; `wake` is not called after Stop returns.
  void Stop();

 private:
  void Run();

  std::string url_, channel_;
  std::function<void()> wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cmdb::db
