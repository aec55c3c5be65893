// The change feed's live side. A listener thread holds one connection that
// LISTENs on "cmdb_changes" (notified by every sealed changeset) and wakes
// subscribers (db/notification_listener.h); it also wakes them once a
// second, so a lost notification or connection only delays delivery, and
// watchers can send heartbeats. The feed's content is always read from the
// database (db/feed_store.h): a notification is only a hint.
//
// Watchers near the head share their reads: the feed keeps the newest events
// it read as one contiguous window (anchor, tail] of the feed's order, and a
// Read after a position inside the window is answered from it. When readers
// need more than the window holds, one of them reads on from the tail while
// the others wait for it, so N watchers woken by one commit cost one
// database read, not N. A reader behind the window reads the database
// directly; one ahead of it moves the window to itself. Positions are
// compared in the feed's own order (seq, kind, entity id, version), so a
// window never holds a gap: seq is assigned in commit order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
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
  // `share_reads` false: every Read goes to the database (a baseline for
  // benchmarks).
  ChangeFeed(db::Database& db, std::string listen_url, bool share_reads = true);
  ~ChangeFeed();

  void Start();
  // Stops the listener; subscribers get one last wake with stopping() true.
  void Stop();
  bool stopping() const { return stopping_; }

  // `wake` runs on the listener thread: it must return quickly.
  uint64_t Subscribe(std::function<void()> wake);
  void Unsubscribe(uint64_t id);

  // Up to `limit` events after `after`. Fewer than exist only when `after`
  // is the newest position a read that began after this call has seen.
  absl::StatusOr<FeedBatch> Read(const FeedPosition& after, int limit);
  // Database reads made so far (shared and direct).
  int64_t database_reads() const { return database_reads_; }
  // The position at the end of the feed now.
  absl::StatusOr<FeedPosition> Head();

 private:
  void WakeAll();
  absl::StatusOr<FeedBatch> ReadDatabase(const FeedPosition& after, int limit);
  // The window's events after `after` (which is inside it), at most `limit`.
  FeedBatch FromWindowLocked(const FeedPosition& after, int limit) const;
  void AppendLocked(FeedBatch batch);

  db::Database& db_;
  std::unique_ptr<db::NotificationListener> listener_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::function<void()>> subscribers_;

  const bool share_reads_;
  std::atomic<int64_t> database_reads_{0};
  std::mutex window_mu_;
  std::condition_variable window_cv_;
  bool anchored_ = false;         // the window is empty until the first read
  FeedPosition anchor_, tail_;    // the window is (anchor_, tail_]
  std::deque<FeedEvent> window_;  // its events, in feed order
  bool fetching_ = false;         // a reader is reading on from tail_
  uint64_t fetches_started_ = 0;
  uint64_t last_fetch_done_ = 0;  // the start number of the newest completed fetch
};

// The feed's order: true when `a` comes before `b`.
bool FeedBefore(const FeedPosition& a, const FeedPosition& b);

}  // namespace cmdb
