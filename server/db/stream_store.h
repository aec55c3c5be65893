// A streamed reconcile payload in the database: its staged chunks (table
// reconcile_stage, written while the stream is read) and the working
// tables of the one transaction that reconciles it slice by slice
// (temporary tables, dropped at commit or rollback), which hold what one
// slice must know of the others so that the server keeps none of it in
// memory:
//   stream_item          every item with a ref or a CI: its position in the
//                        stream, its ref, whether it has been reconciled and
//                        the CI it became (refs resolve, a CI is taken by
//                        one item, a complete run's sightings);
//   stream_relationship  the relationships the stream reported (kept when an
//                        exclusive relation removes the others);
//   stream_exclusive     the exclusive relations, their end and type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/time.h"
#include "db/database.h"

namespace cmdb::db {

// --- Staged chunks (each call in its own short transaction) ------------------

// `item_refs`: one per item of the chunk, "" for none; `relations`: how
// many it holds.
void StageChunk(Tx& tx, const std::string& stage_id, int seq, const std::string& bytes,
                const std::vector<std::string>& item_refs, int64_t relations);
// The chunk `seq` of stage `stage_id`; nullopt when there is none.
std::optional<std::string> ReadStagedChunk(Tx& tx, const std::string& stage_id, int seq);
void DropStage(Tx& tx, const std::string& stage_id);
// Removes stages whose last chunk was staged `age` or longer ago (left by
// a server that stopped while reconciling them). Returns how many chunks
// went.
int64_t DropStagesOlderThan(Tx& tx, Micros age);

// --- The working tables, inside the reconciling transaction ------------------

void CreateStreamTables(Tx& tx);

// The items and relations of each staged chunk of `stage_id`, by seq.
struct StagedChunkSize {
  int64_t items = 0;
  int64_t relations = 0;
};
std::vector<StagedChunkSize> StagedChunkSizes(Tx& tx, const std::string& stage_id);

// Records the refs of every staged item of `stage_id` with its position in
// the stream (one statement). Returns the first item whose ref an earlier
// item already has, if any: its position and ref.
std::optional<std::pair<int64_t, std::string>> AddStagedRefs(Tx& tx, const std::string& stage_id);

struct StreamRef {
  int64_t position = 0;
  bool done = false;  // reconciled (or rejected): ci_id is final
  std::string ci_id;  // "" when it did not become a CI
};
// The items with these refs (refs no item has are absent).
std::unordered_map<std::string, StreamRef> FindStreamRefs(Tx& tx, const std::vector<std::string>& refs);

// Marks the items at `positions` reconciled as `ci_ids` ("" for none); an
// item without a ref is recorded only when it became a CI.
void MarkStreamItems(Tx& tx, const std::vector<int64_t>& positions, const std::vector<std::string>& refs,
                     const std::vector<std::string>& ci_ids);

// Of `ci_ids`, those an item of the stream already became, with that
// item's ref ("" for none).
std::unordered_map<std::string, std::string> StreamItemsHolding(Tx& tx, const std::vector<std::string>& ci_ids);

void AddStreamRelationships(Tx& tx, const std::vector<std::string>& ids);
// Of `ids`, those the stream reported.
std::unordered_set<std::string> StreamRelationshipsAmong(Tx& tx, const std::vector<std::string>& ids);

// An exclusive relation: at `end_id`, the only relationship of `type` that
// the source reports (`at_from`: end_id is its from end).
struct ExclusiveEnd {
  int64_t index = 0;  // the relation's position in the payload
  std::string end_id;
  std::string type;
  bool at_from = true;
};
void AddStreamExclusives(Tx& tx, const std::vector<ExclusiveEnd>& ends);
// Up to `limit` exclusive relations after index `after`, in index order.
std::vector<ExclusiveEnd> NextStreamExclusives(Tx& tx, int64_t after, int limit);

// Ends a complete run of `source` at `now` whose sightings are the CIs in
// stream_item (as EndCompleteRun, identity_store.h).
int64_t EndCompleteStreamRun(Tx& tx, const std::string& source, Micros now);

}  // namespace cmdb::db
