// LISTEN loop.
#include "db/notification_listener.h"

#include <chrono>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace cmdb::db {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, bool& flag)
      : pqxx::notification_receiver(c, channel), flag_(flag) {}
  void operator()(const std::string&, int) override { flag_ = true; }

 private:
  bool& flag_;
};

}  // namespace

NotificationListener::NotificationListener(std::string url, std::string channel, std::function<void()> wake)
    : url_(std::move(url)), channel_(std::move(channel)), wake_(std::move(wake)) {}

NotificationListener::~NotificationListener() { Stop(); }

void NotificationListener::Start() {
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void NotificationListener::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void NotificationListener::Run() {
  while (!stopping_) {
    try {
      pqxx::connection conn(url_);
      bool notified = false;
      Receiver receiver(conn, channel_, notified);
      auto last_tick = std::chrono::steady_clock::now();
      while (!stopping_) {
        conn.await_notification(0, 200000);
        const auto now = std::chrono::steady_clock::now();
        if (notified || now - last_tick >= std::chrono::seconds(1)) {
          notified = false;
          last_tick = now;
          wake_();
        }
      }
    } catch (const std::exception& e) {
      spdlog::warn("listener on {}: {}; retrying", channel_, e.what());
      wake_();
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace cmdb::db
