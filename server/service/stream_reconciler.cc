// The stream pipeline of Reconcile (service/reconciler.h): a staged
// stream, slice by slice, in one transaction attempt.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <numeric>
#include <set>

#include <spdlog/spdlog.h>

#include "absl/cleanup/cleanup.h"
#include "core/identification.h"
#include "core/status.h"
#include "core/strings.h"
#include "db/identity_store.h"
#include "db/stream_store.h"
#include "service/reconcile_slices.h"
#include "service/reconciler.h"

namespace cmdb {
namespace {

bool IsProblem(ReconcileAction action) {
  return action == ReconcileAction::kRejected || action == ReconcileAction::kConflict;
}

// The outcomes a stream's answer lists: all while there are at most
// `limit`; past that, rejections and conflicts first, then the others in
// stream order, `limit` in all. Holds at most twice `limit`.
template <typename Outcome>
class Listed {
 public:
  explicit Listed(size_t limit) : limit_(limit) {}

  void Add(Outcome o) {
    ++total_;
    auto& list = IsProblem(o.action) ? problems_ : others_;
    if (list.size() < limit_) list.push_back(std::move(o));
  }

  // Adds `removed` to the listed relation at `index` (added in index order).
  void AddRemoved(int index, int removed) {
    auto it = std::lower_bound(others_.begin(), others_.end(), index,
                               [](const Outcome& o, int i) { return o.index < i; });
    if (it != others_.end() && it->index == index) it->removed += removed;
  }

  // The listed outcomes in payload order; `omitted` gets how many are not.
  std::vector<Outcome> Take(int64_t& omitted) {
    std::vector<Outcome> out = std::move(problems_);
    const size_t room = limit_ - out.size();
    if (others_.size() > room) others_.resize(room);
    std::move(others_.begin(), others_.end(), std::back_inserter(out));
    std::sort(out.begin(), out.end(), [](const Outcome& a, const Outcome& b) { return a.index < b.index; });
    omitted = total_ - static_cast<int64_t>(out.size());
    return out;
  }

 private:
  const size_t limit_;
  int64_t total_ = 0;
  std::vector<Outcome> problems_, others_;
};

// Adds the time from its construction to its end to `phase`.
class Timer {
 public:
  Timer(PhaseTimes& times, const char* phase) : times_(times), phase_(phase) {}
  ~Timer() { times_.Add(phase_, std::chrono::steady_clock::now() - start_); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  PhaseTimes& times_;
  const char* const phase_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// A stream in one transaction attempt (service/reconciler.h).
class StreamReconciler {
 public:
  StreamReconciler(db::Tx& tx, const Catalog& catalog, const ReconcileInput& header, const StagedPayload& staged,
                   Micros seen_at, size_t result_limit)
      : tx_(tx), catalog_(catalog), header_(header), staged_(staged), seen_at_(seen_at), items_(result_limit),
        relations_(result_limit) {}

  absl::StatusOr<ReconcileOutput> Run() {
    const auto start = std::chrono::steady_clock::now();
    auto log = absl::MakeCleanup([&] {
      spdlog::debug("stream reconcile of {} chunks from {}: {} ms;{}", staged_.count, header_.source,
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                        .count(),
                    times_.ToString());
    });
    tx_.SetWorkMem(64);
    policy_ = db::EnsureSource(tx_, header_.source);
    db::CreateStreamTables(tx_);
    CMDB_RETURN_IF_ERROR(RecordRefs());
    if (first_item_.back() + first_relation_.back() == 0) {
      return absl::InvalidArgumentError("items: nothing to reconcile");
    }
    // Every stripe, in one ascending order: a large stream's keys fall in
    // nearly all of them anyway.
    std::vector<uint32_t> stripes(kIdentifierStripes);
    std::iota(stripes.begin(), stripes.end(), 0u);
    {
      Timer timer(times_, "stripes");
      db::LockIdentifierStripes(tx_, std::move(stripes));
    }

    // Items in stream order, then those that wait for a parent later in the
    // stream, last first (dependents usually come before their parents
    // when they do not come after), until a round reconciles none.
    for (int seq = 0; seq < staged_.count; ++seq) {
      CMDB_ASSIGN_OR_RETURN(ReconcileInput in, Chunk(seq));
      for (size_t from = 0; from < in.items.size(); from += kSliceItems) {
        ReconcileInput slice = Header();
        std::vector<int> positions;
        for (size_t i = from; i < std::min(in.items.size(), from + kSliceItems); ++i) {
          slice.items.push_back(std::move(in.items[i]));
          positions.push_back(first_item_[seq] + static_cast<int>(i));
        }
        ReconcileItems(slice, std::move(positions));
      }
    }
    while (!waiting_.empty()) {
      std::vector<int> round = std::move(waiting_);
      waiting_.clear();
      std::sort(round.rbegin(), round.rend());
      CMDB_RETURN_IF_ERROR(ForItemsAt(round, [&](ReconcileInput slice, std::vector<int> positions) {
        ReconcileItems(slice, std::move(positions));
      }));
      if (waiting_.size() == round.size()) {
        CMDB_RETURN_IF_ERROR(RejectWaiting());
        break;
      }
    }
    for (int seq = 0; seq < staged_.count; ++seq) {
      CMDB_ASSIGN_OR_RETURN(ReconcileInput in, Chunk(seq));
      for (size_t from = 0; from < in.relations.size(); from += kSliceItems) {
        ReconcileInput slice = Header();
        StreamSlice stream;
        std::vector<std::string> refs;
        for (size_t i = from; i < std::min(in.relations.size(), from + kSliceItems); ++i) {
          for (const std::string* ref : {&in.relations[i].from_ref, &in.relations[i].to_ref}) {
            if (!ref->empty()) refs.push_back(*ref);
          }
          slice.relations.push_back(std::move(in.relations[i]));
          stream.positions.push_back(first_relation_[seq] + static_cast<int>(i));
        }
        {
          Timer timer(times_, "stream refs");
          stream.refs = db::FindStreamRefs(tx_, refs);
        }
        stream.times = &times_;
        for (RelationOutcome& o : ReconcileRelationSlice(tx_, catalog_, slice, seen_at_, stream)) {
          relations_.Add(std::move(o));
        }
      }
    }
    for (int64_t after = -1;;) {
      std::vector<db::ExclusiveEnd> batch = db::NextStreamExclusives(tx_, after, static_cast<int>(kSliceItems));
      if (batch.empty()) break;
      for (const auto& [index, removed] : RemoveReplaced(tx_, catalog_, header_.source, batch, nullptr)) {
        relations_.AddRemoved(index, removed);
      }
      after = batch.back().index;
    }
    Timer end_timer(times_, "end");
    ReconcileOutput out;
    if (header_.complete_run) {
      out.marked_stale = db::EndCompleteStreamRun(tx_, header_.source, seen_at_);
    } else {
      db::NoteRun(tx_, header_.source, seen_at_);
    }
    out.items = items_.Take(out.items_omitted);
    out.relations = relations_.Take(out.relations_omitted);
    out.item_totals = totals_;
    return out;
  }

 private:
  ReconcileInput Header() const {
    ReconcileInput in;
    in.source = header_.source;
    in.dry_run = header_.dry_run;
    in.complete_run = header_.complete_run;
    return in;
  }

  // Chunk `seq`, read back from the stage.
  absl::StatusOr<ReconcileInput> Chunk(int seq) {
    Timer timer(times_, "chunks");
    std::optional<std::string> bytes = db::ReadStagedChunk(tx_, staged_.stage_id, seq);
    if (!bytes) return absl::InternalError(StrCat("chunk ", seq, " of the stream is not staged"));
    ReconcileInput in = Header();
    CMDB_RETURN_IF_ERROR(staged_.decode(*bytes, static_cast<size_t>(first_item_[seq]), in));
    return in;
  }

  // Every item's ref goes to the working table first, so that a slice can
  // tell a ref that comes later from one no item has; and each chunk's
  // first item and relation position are counted. Both come from what was
  // staged beside the chunks' bytes: no chunk is decoded here.
  absl::Status RecordRefs() {
    const std::vector<db::StagedChunkSize> sizes = db::StagedChunkSizes(tx_, staged_.stage_id);
    if (static_cast<int>(sizes.size()) != staged_.count) {
      return absl::InternalError(StrCat(sizes.size(), " of the stream's ", staged_.count, " chunks are staged"));
    }
    first_item_.assign(1, 0);
    first_relation_.assign(1, 0);
    for (const db::StagedChunkSize& size : sizes) {
      first_item_.push_back(first_item_.back() + static_cast<int>(size.items));
      first_relation_.push_back(first_relation_.back() + static_cast<int>(size.relations));
    }
    Timer timer(times_, "add refs");
    if (auto twice = db::AddStagedRefs(tx_, staged_.stage_id)) {
      return FieldError(StrCat("items[", twice->first, "].ref"), StrCat("\"", twice->second, "\" is used twice"));
    }
    return absl::OkStatus();
  }

  // Calls `fn` with slices of the items at `positions` (grouped by chunk,
  // in the order given).
  absl::Status ForItemsAt(const std::vector<int>& positions,
                          const std::function<void(ReconcileInput, std::vector<int>)>& fn) {
    std::optional<ReconcileInput> in;
    int seq = -1;
    ReconcileInput slice = Header();
    std::vector<int> at;
    auto flush = [&] {
      if (!slice.items.empty()) fn(std::move(slice), std::move(at));
      slice = Header();
      at.clear();
    };
    for (int position : positions) {
      const int of = static_cast<int>(std::upper_bound(first_item_.begin(), first_item_.end(), position) -
                                      first_item_.begin()) - 1;
      if (of != seq) {
        flush();
        CMDB_ASSIGN_OR_RETURN(in, Chunk(of));
        seq = of;
      }
      slice.items.push_back(std::move(in->items[static_cast<size_t>(position - first_item_[seq])]));
      at.push_back(position);
      if (slice.items.size() == kSliceItems) flush();
    }
    flush();
    return absl::OkStatus();
  }

  void ReconcileItems(const ReconcileInput& slice, std::vector<int> positions) {
    StreamSlice stream;
    stream.positions = std::move(positions);
    std::set<std::string> own;
    for (const auto& item : slice.items) own.insert(item.ref);
    std::vector<std::string> outside;
    for (const auto& item : slice.items) {
      if (!item.parent_ref.empty() && !own.contains(item.parent_ref)) outside.push_back(item.parent_ref);
    }
    {
      Timer timer(times_, "stream refs");
      stream.refs = db::FindStreamRefs(tx_, outside);
    }
    stream.times = &times_;
    for (ItemOutcome& o : ReconcileItemSlice(tx_, catalog_, slice, seen_at_, stream, policy_, waiting_)) {
      ++totals_[static_cast<size_t>(o.action)];
      items_.Add(std::move(o));
    }
  }

  // The items still waiting when a round reconciled none: their parents
  // form a cycle, or descend from one.
  absl::Status RejectWaiting() {
    std::vector<int> waiting = std::move(waiting_);
    waiting_.clear();
    std::sort(waiting.begin(), waiting.end());
    return ForItemsAt(waiting, [&](ReconcileInput slice, std::vector<int> positions) {
      std::vector<std::string> refs;
      for (size_t i = 0; i < slice.items.size(); ++i) {
        ItemOutcome o;
        o.index = positions[i];
        o.ref = slice.items[i].ref;
        o.action = ReconcileAction::kRejected;
        o.reason = "parent_ref: the parents form a cycle";
        refs.push_back(o.ref);
        ++totals_[static_cast<size_t>(o.action)];
        items_.Add(std::move(o));
      }
      db::MarkStreamItems(tx_, std::vector<int64_t>(positions.begin(), positions.end()), refs,
                          std::vector<std::string>(refs.size()));
    });
  }

  db::Tx& tx_;
  const Catalog& catalog_;
  const ReconcileInput& header_;
  const StagedPayload& staged_;
  const Micros seen_at_;
  SourcePolicy policy_;
  std::vector<int> first_item_, first_relation_;  // per chunk, and one past the last
  std::vector<int> waiting_;                       // items waiting for a later parent
  Listed<ItemOutcome> items_;
  Listed<RelationOutcome> relations_;
  std::array<int64_t, 5> totals_{};
  PhaseTimes times_;
};

}  // namespace

absl::StatusOr<ReconcileOutput> ReconcileStaged(db::Tx& tx, const Catalog& catalog, const ReconcileInput& header,
                                                const StagedPayload& staged, Micros seen_at, size_t result_limit) {
  return StreamReconciler(tx, catalog, header, staged, seen_at, result_limit).Run();
}

}  // namespace cmdb
