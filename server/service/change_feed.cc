#include "service/change_feed.h"

#include <chrono>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace cmdb {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, bool& flag) : pqxx::notification_receiver(c, "cmdb_changes"), flag_(flag) {}
  void operator()(const std::string&, int) override { flag_ = true; }

 private:
  bool& flag_;
};

}  // namespace

ChangeFeed::~ChangeFeed() { Stop(); }

void ChangeFeed::Start() {
  if (listener_.joinable()) return;
  listener_ = std::thread([this] { Listen(); });
}

void ChangeFeed::Stop() {
  if (stopping_.exchange(true)) return;
  if (listener_.joinable()) listener_.join();
  WakeAll();
}

uint64_t ChangeFeed::Subscribe(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(wake));
  return id;
}

void ChangeFeed::Unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

void ChangeFeed::WakeAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, wake] : subscribers_) wake();
}

void ChangeFeed::Listen() {
  while (!stopping_) {
    try {
      pqxx::connection conn(listen_url_);
      bool notified = false;
      Receiver receiver(conn, notified);
      auto last_tick = std::chrono::steady_clock::now();
      while (!stopping_) {
        conn.await_notification(0, 200000);
        const auto now = std::chrono::steady_clock::now();
        if (notified || now - last_tick >= std::chrono::seconds(1)) {
          notified = false;
          last_tick = now;
          WakeAll();
        }
      }
    } catch (const std::exception& e) {
      spdlog::warn("change feed listener: {}; retrying", e.what());
      WakeAll();
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

absl::StatusOr<db::FeedBatch> ChangeFeed::Read(const db::FeedPosition& after, int limit) {
  db::FeedBatch batch;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    batch = db::ReadFeed(tx, after, limit);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return batch;
}

absl::StatusOr<db::FeedPosition> ChangeFeed::Head() {
  db::FeedPosition head;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    head.seq = db::LatestFeedSeq(tx);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return head;
}

}  // namespace cmdb
