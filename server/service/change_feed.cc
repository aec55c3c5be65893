#include "service/change_feed.h"

#include <algorithm>
#include <tuple>

#include "db/feed_store.h"
#include "db/notification_listener.h"

namespace cmdb {
namespace {
// The newest events the shared window keeps, and the least a shared read
// asks the database for.
constexpr size_t kWindowEvents = 4096;
constexpr int kFetchEvents = 500;
}  // namespace

bool FeedBefore(const FeedPosition& a, const FeedPosition& b) {
  return std::tie(a.seq, a.kind, a.entity_id, a.version) < std::tie(b.seq, b.kind, b.entity_id, b.version);
}

ChangeFeed::~ChangeFeed() { Stop(); }

ChangeFeed::ChangeFeed(db::Database& db, std::string listen_url, bool share_reads)
    : db_(db),
      listener_(
          std::make_unique<db::NotificationListener>(std::move(listen_url), "cmdb_changes", [this] { WakeAll(); })),
      share_reads_(share_reads) {}

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
  if (!share_reads_ || limit <= 0) return ReadDatabase(after, limit);
  std::unique_lock lock(window_mu_);
  // A fetch numbered above this one began after this call did, so it saw
  // every change committed before it.
  const uint64_t ticket = fetches_started_;
  while (true) {
    if (!anchored_ || (FeedBefore(tail_, after) && !fetching_)) {
      // The first reader, or one ahead of the window: the window moves to it.
      anchored_ = true;
      anchor_ = tail_ = after;
      window_.clear();
    }
    if (FeedBefore(after, anchor_) || FeedBefore(tail_, after)) {
      lock.unlock();
      return ReadDatabase(after, limit);
    }
    FeedBatch cached = FromWindowLocked(after, limit);
    if (static_cast<int>(cached.events.size()) >= limit || last_fetch_done_ > ticket) return cached;
    if (fetching_) {
      window_cv_.wait(lock);
      continue;
    }
    fetching_ = true;
    const uint64_t mine = ++fetches_started_;
    const FeedPosition from = tail_;
    lock.unlock();
    absl::StatusOr<FeedBatch> read;
    try {
      read = ReadDatabase(from, std::max(limit, kFetchEvents));
    } catch (...) {
      lock.lock();
      fetching_ = false;
      window_cv_.notify_all();
      throw;
    }
    lock.lock();
    fetching_ = false;
    // tail_ is still `from`: only the fetching reader moves it, and the
    // window is only moved while no one fetches.
    if (read.ok()) {
      AppendLocked(std::move(*read));
      last_fetch_done_ = mine;
    }
    window_cv_.notify_all();
    if (!read.ok()) return read.status();
  }
}

FeedBatch ChangeFeed::FromWindowLocked(const FeedPosition& after, int limit) const {
  FeedBatch batch;
  auto it = std::upper_bound(window_.begin(), window_.end(), after,
                             [](const FeedPosition& p, const FeedEvent& e) { return FeedBefore(p, e.position); });
  for (; it != window_.end() && static_cast<int>(batch.events.size()) < limit; ++it) batch.events.push_back(*it);
  batch.next = it == window_.end() ? tail_ : batch.events.back().position;
  return batch;
}

void ChangeFeed::AppendLocked(FeedBatch batch) {
  for (FeedEvent& e : batch.events) window_.push_back(std::move(e));
  tail_ = std::move(batch.next);
  while (window_.size() > kWindowEvents) {
    anchor_ = window_.front().position;
    window_.pop_front();
  }
}

absl::StatusOr<FeedBatch> ChangeFeed::ReadDatabase(const FeedPosition& after, int limit) {
  ++database_reads_;
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
