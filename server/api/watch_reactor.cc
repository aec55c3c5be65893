#include "api/watch_reactor.h"

#include <spdlog/spdlog.h>

#include "api/handler.h"
#include "api/convert.h"
#include "api/status_map.h"

namespace cmdb::api {
namespace {
constexpr int kReadBatch = 500;
}  // namespace

WatchReactor* WatchReactor::Start(ChangeFeed& feed, WorkerPool& pool, const WatchOptions& options, std::string peer,
                                  std::string principal) {
  auto* reactor = new WatchReactor(feed, pool, options, std::move(peer), std::move(principal));
  {
    std::lock_guard lock(reactor->mu_);
    reactor->reading_ = true;
  }
  reactor->subscription_ = feed.Subscribe([reactor] { reactor->Wake(); });
  pool.Post([reactor] { reactor->Read(); });
  return reactor;
}

WatchReactor::WatchReactor(ChangeFeed& feed, WorkerPool& pool, const WatchOptions& options, std::string peer,
                           std::string principal)
    : feed_(feed),
      pool_(pool),
      options_(options),
      peer_(std::move(peer)),
      principal_(std::move(principal)),
      position_(options.start),
      resolved_start_(!options.from_now) {}

void WatchReactor::Wake() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  if (feed_.stopping()) {
    if (!reading_ && !write_in_flight_) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down; resume from your cursor"));
    } else {
      wake_pending_ = true;
    }
    return;
  }
  if (reading_ || write_in_flight_) {
    wake_pending_ = true;
    return;
  }
  reading_ = true;
  pool_.Post([this] { Read(); });
}

void WatchReactor::Read() {
  FeedPosition from;
  bool resolve;
  {
    std::lock_guard lock(mu_);
    from = position_;
    resolve = !resolved_start_;
  }
  absl::Status error;
  FeedBatch batch;
  std::deque<v1::ChangeEvent> events;
  // This runs on a worker pool: whatever throws ends this stream with
  // INTERNAL (the reason in the log), never the process.
  try {
    if (resolve) {
      auto head = feed_.Head();
      if (head.ok()) {
        from = *head;
      } else {
        error = head.status();
      }
    }
    if (error.ok()) {
      auto read = feed_.Read(from, kReadBatch);
      if (read.ok()) {
        batch = std::move(*read);
      } else {
        error = read.status();
      }
    }
    for (const FeedEvent& e : batch.events) FeedEventToProto(e, &events.emplace_back());
  } catch (const std::exception& e) {
    spdlog::error("WatchChanges read failed: {}", LogSafe(e.what()));
    error = absl::InternalError("internal error (details are in the server log)");
  }

  std::lock_guard lock(mu_);
  reading_ = false;
  if (finished_) return;
  if (cancelled_) {
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
    return;
  }
  if (!error.ok()) {
    FinishLocked(ToGrpcStatus(error));
    return;
  }
  resolved_start_ = true;
  for (auto& event : events) queue_.push_back(std::move(event));
  position_ = batch.next;
  read_again_ = static_cast<int>(batch.events.size()) == kReadBatch;
  const auto now = std::chrono::steady_clock::now();
  if (batch.events.empty() && (!sent_caught_up_ || now - last_sent_ >= options_.heartbeat)) {
    v1::ChangeEvent& marker = queue_.emplace_back();
    marker.set_cursor(position_.ToCursor());
    marker.set_caught_up(true);
    sent_caught_up_ = true;
  }
  WriteNextLocked();
}

void WatchReactor::WriteNextLocked() {
  if (finished_) return;
  if (!queue_.empty()) {
    writing_ = std::move(queue_.front());
    queue_.pop_front();
    write_in_flight_ = true;
    StartWrite(&writing_);
    return;
  }
  if (feed_.stopping()) {
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down; resume from your cursor"));
    return;
  }
  if (read_again_ || wake_pending_) {
    read_again_ = wake_pending_ = false;
    reading_ = true;
    pool_.Post([this] { Read(); });
  }
}

void WatchReactor::OnWriteDone(bool ok) {
  std::lock_guard lock(mu_);
  write_in_flight_ = false;
  if (!ok) {
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
    return;
  }
  last_sent_ = std::chrono::steady_clock::now();
  WriteNextLocked();
}

void WatchReactor::OnCancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;  // a pending Read or OnWriteDone finishes the stream
  if (!reading_ && !write_in_flight_) {
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  final_status_ = status;
  Finish(status);
}

void WatchReactor::OnDone() {
  // After Unsubscribe returns, the feed thread can no longer call Wake(); no
  // read is pending because Finish is only called when none is.
  feed_.Unsubscribe(subscription_);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  LogRequest("WatchChanges", peer_, principal_, final_status_, ms);
  delete this;
}

}  // namespace cmdb::api
