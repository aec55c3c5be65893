// The change feed's live side. A listener thread holds one connection that
// LISTENs on "cmdb_changes" (notified by every sealed changeset) and wakes
// subscribers (db/notification_listener.h); it also wakes them once a
// second, so a lost notification or connection only delays delivery, and
// watchers can send heartbeats. The feed's content is always read from the
// database (db/feed_store.h): a notification is only a hint.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <memory>

#include "absl/status/statusor.h"
#include "core/feed.h"
#include "db/database.h"

namespace cmdb {
namespace db {
class NotificationListener;
}  // namespace db

class ChangeFeed {
 public:
  ChangeFeed(db::Database& db, std::string listen_url);
  ~ChangeFeed();

  void Start();
  // Stops the listener; subscribers get one last wake with stopping() true.
  void Stop();
  bool stopping() const { return stopping_; }

  // `wake` runs on the listener thread: it must return quickly.
  uint64_t Subscribe(std::function<void()> wake);
  void Unsubscribe(uint64_t id);

  // Up to `limit` events after `after`.
  absl::StatusOr<FeedBatch> Read(const FeedPosition& after, int limit);
  // The position at the end of the feed now.
  absl::StatusOr<FeedPosition> Head();

 private:
  void WakeAll();

  db::Database& db_;
  std::unique_ptr<db::NotificationListener> listener_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::function<void()>> subscribers_;
};

}  // namespace cmdb
