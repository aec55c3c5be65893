#include "service/change_feed.h"

#include "db/feed_store.h"
#include "db/notification_listener.h"

namespace cmdb {

ChangeFeed::~ChangeFeed() { Stop(); }

ChangeFeed::ChangeFeed(db::Database& db, std::string listen_url)
    : db_(db), listener_(std::make_unique<db::NotificationListener>(std::move(listen_url), "cmdb_changes",
                                                                    [this] { WakeAll(); })) {}

void ChangeFeed::Start() { listener_->Start(); }

void ChangeFeed::Stop() {
  if (stopping_.exchange(true)) return;
  listener_->Stop();
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

absl::StatusOr<FeedBatch> ChangeFeed::Read(const FeedPosition& after, int limit) {
  FeedBatch batch;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    batch = db::ReadFeed(tx, after, limit);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return batch;
}

absl::StatusOr<FeedPosition> ChangeFeed::Head() {
  FeedPosition head;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    head.seq = db::LatestFeedSeq(tx);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return head;
}

}  // namespace cmdb
