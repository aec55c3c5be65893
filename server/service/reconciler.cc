// The payload pipeline of Reconcile: one payload, in one transaction
// attempt. See service/reconciler.h for the steps.
#include "service/reconciler.h"
#include "service/reconcile_slices.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "core/identification.h"
#include "core/normalize.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/ci_store.h"
#include "db/identity_store.h"
#include "db/relationship_store.h"
#include "db/stream_store.h"

namespace cmdb {
namespace {

constexpr Micros kHour = 3600LL * 1000000;
constexpr size_t kMaxSourceKey = 255;
constexpr char kNoParent[] = "00000000-0000-0000-0000-000000000000";

// How often an unchanged sighting is refreshed: a tenth of the source's
// staleness window, at most an hour.
Micros SightingRefresh(const SourcePolicy& policy) {
  return policy.stale_after ? std::min(kHour, *policy.stale_after / 10) : kHour;
}

std::string DescribeSets(const std::vector<IdentifierSetDef>& sets) {
  std::vector<std::string> kinds;
  for (const auto& s : sets) kinds.push_back(IdentifierKind(s));
  return kinds.empty() ? "(no rules)" : Join(kinds, "; ");
}

// A symmetric type (its inverse is itself, e.g. connected_to).
bool IsSymmetric(const Catalog& catalog, const std::string& type) {
  const RelationshipTypeDef* def = catalog.FindRelationshipType(type);
  return def != nullptr && def->inverse_name == def->name;
}

// One payload, or one slice of a stream, in one transaction attempt.
class Reconciler {
 public:
  Reconciler(db::Tx& tx, const Catalog& catalog, const ReconcileInput& in, Micros seen_at,
             const StreamSlice* stream = nullptr)
      : tx_(tx), catalog_(catalog), in_(in), now_(tx.now()), seen_at_(seen_at), stream_(stream) {}

  // The whole payload.
  ReconcileOutput Run() {
    tx_.SetWorkMem(64);  // the payload's joins and sorts stay in memory
    policy_ = db::EnsureSource(tx_, in_.source);
    CheckItems();
    LockStripes();
    Lap("lock");
    ReconcileOutput out;
    ReconcileItems();
    std::vector<db::ExclusiveEnd> exclusive;
    out.relations = WriteRelations(exclusive);
    std::unordered_set<std::string> kept;  // what this payload reports stays
    for (const RelationOutcome& o : out.relations) {
      if (!o.relationship_id.empty()) kept.insert(o.relationship_id);
    }
    for (const auto& [index, removed] : RemoveReplaced(tx_, catalog_, in_.source, exclusive, &kept)) {
      out.relations[static_cast<size_t>(index)].removed = removed;
    }
    Lap("relations");
    RecordSightings();
    if (in_.complete_run) {
      out.marked_stale = db::EndCompleteRun(tx_, in_.source, Seen(), seen_at_);
    } else {
      db::NoteRun(tx_, in_.source, seen_at_);
    }
    out.items = TakeOutcomes();
    for (const ItemOutcome& o : out.items) ++out.item_totals[static_cast<size_t>(o.action)];
    Lap("sightings");
    spdlog::debug("reconcile {} items from {}:{}", work_.size(), in_.source, times_.ToString());
    return out;
  }

  // A slice of a stream's items (the stream holds every stripe lock): the
  // outcomes of the items reconciled, and the positions of those that wait
  // for a parent later in the stream.
  std::vector<ItemOutcome> RunItemSlice(const SourcePolicy& policy, std::vector<int>& waiting) {
    policy_ = policy;
    CheckItems();
    ReconcileItems();
    RecordSightings();
    Lap("sightings");
    std::vector<int> positions;
    std::vector<std::string> refs, ci_ids;
    for (size_t i = 0; i < work_.size(); ++i) {
      if (work_[i].waits) {
        waiting.push_back(Position(i));
        continue;
      }
      positions.push_back(Position(i));
      refs.push_back(in_.items[i].ref);
      ci_ids.push_back(work_[i].decided ? std::string() : work_[i].ci_id);
    }
    db::MarkStreamItems(tx_, std::vector<int64_t>(positions.begin(), positions.end()), refs, ci_ids);
    Lap("mark");
    return TakeOutcomes();
  }

  // A slice of a stream's relations: their outcomes; the relationships
  // they report and their exclusive ends go to the working tables.
  std::vector<RelationOutcome> RunRelationSlice() {
    std::vector<db::ExclusiveEnd> exclusive;
    std::vector<RelationOutcome> out = WriteRelations(exclusive);
    std::vector<std::string> reported;
    for (const RelationOutcome& o : out) {
      if (!o.relationship_id.empty()) reported.push_back(o.relationship_id);
    }
    db::AddStreamRelationships(tx_, reported);
    db::AddStreamExclusives(tx_, exclusive);
    Lap("relations");
    return out;
  }

 private:
  struct Work {
    ItemOutcome outcome;
    bool decided = false;  // rejected or conflict: nothing more to do
    bool waits = false;    // (stream) for a parent later in the stream; decided too
    int level = 0;
    Finding finding;       // normalised
    std::string parent_id;
    Micros observed = 0;
    std::vector<IdentifierKey> keys;
    std::string ci_id;     // matched or to be created
    bool create = false;
    Ci current;            // as read, when matched
    Ci after;              // what to write
  };

  void Reject(size_t i, std::string reason) {
    work_[i].decided = true;
    work_[i].outcome.action = ReconcileAction::kRejected;
    work_[i].outcome.reason = std::move(reason);
  }

  void Conflict(size_t i, std::string reason, std::vector<std::string> candidates) {
    work_[i].decided = true;
    work_[i].outcome.action = ReconcileAction::kConflict;
    work_[i].outcome.reason = std::move(reason);
    work_[i].outcome.candidates = std::move(candidates);
  }

  // (Stream) the item waits for its parent, later in the stream.
  void Wait(size_t i) {
    work_[i].decided = true;
    work_[i].waits = true;
  }

  int Position(size_t i) const { return stream_ != nullptr ? stream_->positions[i] : static_cast<int>(i); }

  // Step 1 for every item.
  void CheckItems() {
    work_.resize(in_.items.size());
    for (size_t i = 0; i < work_.size(); ++i) {
      if (!in_.items[i].ref.empty()) by_ref_.emplace(in_.items[i].ref, i);
    }
    for (size_t i = 0; i < work_.size(); ++i) Check(i);
    CheckDirectParents();
    levels_ = AssignLevels();
    Lap("check");
  }

  // Steps 3 to 6 for the items.
  void ReconcileItems() {
    for (int level = 0; level <= levels_; ++level) Identify(level);
    Lap("identify");
    WriteItems();
    RecordConflicts();
    Lap("write");
  }

  // What the source reported and was identified.
  std::vector<std::string> Seen() const {
    std::vector<std::string> seen;
    for (const auto& w : work_) {
      if (!w.decided) seen.push_back(w.ci_id);
    }
    return seen;
  }

  // Step 7: sightings and drift.
  void RecordSightings() {
    db::RecordSightings(tx_, in_.source, Seen(), SightingRefresh(policy_), seen_at_);
    RecordDrift();
  }

  // Step 7, continued: what the source reported for fields it may not
  // write, where that differs from the record (drift, for the audit).
  void RecordDrift() {
    std::vector<std::string> ids;
    std::vector<db::ReportedDrift> drift;
    for (const Work& w : work_) {
      if (w.decided) continue;
      ids.push_back(w.ci_id);
      for (const SkippedField& s : w.outcome.skipped) {
        if (s.field != "parent_id") drift.push_back({w.ci_id, s.field, s.reported, w.observed});
      }
    }
    db::RecordDrift(tx_, in_.source, ids, drift);
  }

  // The outcomes of the items that do not wait, in order.
  std::vector<ItemOutcome> TakeOutcomes() {
    std::vector<ItemOutcome> out;
    for (size_t i = 0; i < work_.size(); ++i) {
      if (work_[i].waits) continue;
      work_[i].outcome.index = Position(i);
      out.push_back(std::move(work_[i].outcome));
    }
    return out;
  }

  // (Stream) a ref of another slice; nullptr when no item has it.
  const db::StreamRef* OutsideRef(const std::string& ref) const {
    if (stream_ == nullptr) return nullptr;
    auto it = stream_->refs.find(ref);
    return it == stream_->refs.end() ? nullptr : &it->second;
  }

  // Step 1: the item on its own.
  void Check(size_t i) {
    const ReconcileItemInput& in = in_.items[i];
    Work& w = work_[i];
    w.outcome.ref = in.ref;
    if (!in.invalid.empty()) return Reject(i, in.invalid);
    const Finding& f = in.finding;
    const ClassDef* cls = catalog_.FindClass(f.class_name);
    if (f.class_name.empty()) return Reject(i, "class_name: required");
    if (cls == nullptr) return Reject(i, StrCat("class_name: unknown class \"", f.class_name, "\""));
    if (cls->abstract) return Reject(i, StrCat("class_name: class ", f.class_name, " is abstract"));
    w.finding = f;
    w.finding.name = std::string(TrimSpace(f.name));
    if (w.finding.name.empty()) return Reject(i, "name: required");
    if (w.finding.name.size() > kMaxNameLength) return Reject(i, "name: too long");
    if (!f.status.empty() && !IsValidStatus(f.status)) return Reject(i, StrCat("status: unknown status \"", f.status, "\""));
    if (!IsValidCriticality(f.criticality)) return Reject(i, StrCat("criticality: unknown \"", f.criticality, "\""));
    if (!f.attributes.is_object()) return Reject(i, "attributes: must be an object");
    Json normalised = Json::object();
    for (const auto& [key, value] : f.attributes.items()) {
      if (value.is_null()) {
        normalised[key] = nullptr;
        continue;
      }
      const AttributeDef* def = catalog_.FindAttribute(f.class_name, key);
      if (def == nullptr) {
        return Reject(i, StrCat("attributes.", key, ": class ", f.class_name, " has no attribute \"", key, "\""));
      }
      auto v = NormalizeAttributeValue(*def, value);
      if (!v.ok()) return Reject(i, StrCat("attributes.", key, ": ", v.status().message()));
      normalised[key] = std::move(*v);
    }
    w.finding.attributes = std::move(normalised);
    if (!in.parent_id.empty()) {
      if (!IsUuid(in.parent_id)) return Reject(i, StrCat("parent_id: not a UUID: \"", in.parent_id, "\""));
      w.parent_id = CanonicalUuid(in.parent_id);
    } else if (!in.parent_ref.empty()) {
      auto it = by_ref_.find(in.parent_ref);
      if (it != by_ref_.end()) {
        if (it->second == i) return Reject(i, "parent_ref: an item cannot be its own parent");
      } else if (auto outside = OutsideRef(in.parent_ref); outside == nullptr) {
        return Reject(i, StrCat("parent_ref: no item has ref \"", in.parent_ref, "\""));
      } else if (!outside->done) {
        return Wait(i);
      } else if (outside->ci_id.empty()) {
        return Reject(i, StrCat("parent_ref: item \"", in.parent_ref, "\" was not reconciled"));
      } else {
        w.parent_id = outside->ci_id;  // reconciled in an earlier slice of the stream
      }
    }
    if (in.source_key.size() > kMaxSourceKey) return Reject(i, "source_key: too long");
    w.observed = in.observed ? std::min(*in.observed, now_) : now_;
  }

  void CheckDirectParents() {
    std::vector<std::string> ids;
    for (const auto& w : work_) {
      if (!w.decided && !w.parent_id.empty()) ids.push_back(w.parent_id);
    }
    std::set<std::string> live;
    for (auto& [id, cls] : db::CiClasses(tx_, ids)) live.insert(id);
    for (size_t i = 0; i < work_.size(); ++i) {
      if (!work_[i].decided && !work_[i].parent_id.empty() && !live.contains(work_[i].parent_id)) {
        Reject(i, StrCat("parent_id: no CI with id ", work_[i].parent_id));
      }
    }
  }

  // Step 1, continued: parents before dependents. Returns the deepest level.
  int AssignLevels() {
    int deepest = 0;
    for (size_t i = 0; i < work_.size(); ++i) {
      if (work_[i].decided) continue;
      int level = 0;
      size_t at = i;
      for (auto it = by_ref_.find(in_.items[at].parent_ref); it != by_ref_.end() && level <= static_cast<int>(work_.size());
           it = by_ref_.find(in_.items[at].parent_ref)) {
        at = it->second;
        ++level;
      }
      if (level > static_cast<int>(work_.size())) {
        Reject(i, "parent_ref: the parents form a cycle");
        continue;
      }
      work_[i].level = level;
      deepest = std::max(deepest, level);
    }
    return deepest;
  }

  Ci Probe(const Work& w, const std::string& parent_id) const {
    Ci probe;
    probe.class_name = w.finding.class_name;
    probe.name = w.finding.name;
    probe.parent_id = parent_id;
    for (const auto& [k, v] : w.finding.attributes.items()) {
      if (!v.is_null()) probe.attributes[k] = v;
    }
    return probe;
  }

  // Step 2: every stripe any item's keys fall in, whatever their parents
  // turn out to be (stripes do not depend on the parent).
  void LockStripes() {
    std::vector<uint32_t> stripes;
    for (size_t i = 0; i < work_.size(); ++i) {
      if (work_[i].decided) continue;
      for (const auto& k : IdentifierKeys(catalog_, Probe(work_[i], kNoParent))) stripes.push_back(k.stripe);
      if (!in_.items[i].source_key.empty()) {
        stripes.push_back(SourceKey(in_.source, in_.items[i].source_key).stripe);
      }
    }
    db::LockIdentifierStripes(tx_, std::move(stripes));
  }

  // Steps 3 to 5 for the items of one level: identify, compare, apply.
  void Identify(int level) {
    std::vector<size_t> items;
    for (size_t i = 0; i < work_.size(); ++i) {
      Work& w = work_[i];
      if (w.decided || w.level != level) continue;
      if (auto p = by_ref_.find(in_.items[i].parent_ref); !in_.items[i].parent_ref.empty() && p != by_ref_.end()) {
        const Work& parent = work_[p->second];
        if (parent.waits) {
          Wait(i);
          continue;
        }
        if (parent.ci_id.empty() || parent.outcome.action == ReconcileAction::kConflict) {
          Reject(i, StrCat("parent_ref: item \"", in_.items[i].parent_ref, "\" was not reconciled"));
          continue;
        }
        w.parent_id = parent.ci_id;
      }
      w.keys = IdentifierKeys(catalog_, Probe(w, w.parent_id));
      if (!in_.items[i].source_key.empty()) w.keys.insert(w.keys.begin(), SourceKey(in_.source, in_.items[i].source_key));
      if (w.keys.empty()) {
        const auto& sets = catalog_.IdentificationRules(w.finding.class_name);
        const bool needs_parent = std::any_of(sets.begin(), sets.end(), [](const auto& s) { return s.within_parent; });
        Reject(i, StrCat("no identifier: class ", w.finding.class_name, " is identified by ", DescribeSets(sets),
                         " and the item has none of them",
                         needs_parent && w.parent_id.empty() ? " (parent: sets need parent_ref or parent_id)" : ""));
        continue;
      }
      items.push_back(i);
    }
    Lap("keys");
    const StoredKeys stored = LookUp(items);
    if (stream_ != nullptr) {  // which of those CIs earlier slices' items became
      std::vector<std::string> ids;
      for (const auto& [key, holders] : stored) ids.insert(ids.end(), holders.begin(), holders.end());
      taken_ = db::StreamItemsHolding(tx_, ids);
    }
    Lap("find");

    std::vector<std::string> to_read;
    for (size_t i : items) {
      Decide(i, stored);
      if (!work_[i].decided && !work_[i].create) to_read.push_back(work_[i].ci_id);
    }
    Lap("decide");
    // First a comparison in the database: an item that agrees with its CI
    // needs nothing more, and its CI is never sent.
    std::vector<db::AttributeProbe> probes;
    for (size_t i : items) {
      const Work& w = work_[i];
      if (w.decided || w.create) continue;
      db::AttributeProbe& p = probes.emplace_back();
      p.ci_id = w.ci_id;
      for (const auto& [key, value] : w.finding.attributes.items()) {
        if (value.is_null()) {
          p.absent.push_back(key);
        } else {
          p.present[key] = value;
        }
      }
    }
    std::unordered_map<std::string, db::CiSummary> summaries;
    for (auto& s : db::CompareCis(tx_, probes)) summaries.emplace(s.id, std::move(s));
    std::vector<std::string> differing;
    for (size_t i : items) {
      Work& w = work_[i];
      if (w.decided || w.create) continue;
      auto it = summaries.find(w.ci_id);
      if (it == summaries.end()) {
        Reject(i, StrCat("the matched CI ", w.ci_id, " no longer exists"));
      } else if (in_.items[i].create_only) {
        w.current.version = it->second.version;
        w.outcome.action = ReconcileAction::kUnchanged;
        w.outcome.ci_id = w.ci_id;
        w.outcome.reason = StrCat("matched by ", w.outcome.matched_by, "; create-only, so left as it is");
      } else if (Same(w, it->second)) {
        w.current.version = it->second.version;
        w.outcome.action = ReconcileAction::kUnchanged;
        w.outcome.ci_id = w.ci_id;
        w.outcome.reason = StrCat("matched by ", w.outcome.matched_by);
      } else {
        differing.push_back(w.ci_id);
      }
    }
    Lap("read");
    // The CIs that may change, read and locked at once: what is evaluated
    // is what will be overwritten (no other writer can change it meanwhile).
    std::unordered_map<std::string, Ci> current;
    for (Ci& ci : db::LockCis(tx_, differing)) current.emplace(ci.id, std::move(ci));
    const std::set<std::string> may_change(differing.begin(), differing.end());
    for (size_t i : items) {
      Work& w = work_[i];
      if (w.decided) continue;
      if (w.create) {
        Evaluate(i, nullptr);
        continue;
      }
      auto it = current.find(w.ci_id);
      if (it == current.end()) {
        if (may_change.contains(w.ci_id)) Reject(i, StrCat("the matched CI ", w.ci_id, " was deleted meanwhile"));
        continue;  // else unchanged, decided above
      }
      w.current = std::move(it->second);
      Evaluate(i, &w.current);
    }
  }

  // True when the item reports nothing that differs from the CI (so
  // nothing can be written, whatever the rules say).
  bool Same(const Work& w, const db::CiSummary& ci) const {
    const Finding& f = w.finding;
    if (f.class_name != ci.class_name && !catalog_.IsA(ci.class_name, f.class_name)) return false;
    if (f.name != ci.name) return false;
    if (!f.status.empty() && f.status != ci.status) return false;
    if (!f.owner.empty() && f.owner != ci.owner) return false;
    if (!f.criticality.empty() && f.criticality != ci.criticality) return false;
    if (!w.parent_id.empty() && w.parent_id != ci.parent_id) return false;
    return ci.attributes_agree;
  }

  using StoredKeys = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

  // The stored identifiers equal to the items' keys, queried set by set:
  // a set's keys are looked up only for items no earlier set identified.
  StoredKeys LookUp(const std::vector<size_t>& items) {
    StoredKeys stored;
    std::vector<size_t> open = items;
    for (int set = -1; !open.empty(); ++set) {
      std::vector<IdentifierKey> keys;
      bool more = false;
      for (size_t i : open) {
        for (const auto& k : work_[i].keys) {
          if (k.set_index == set) keys.push_back(k);
          more = more || k.set_index > set;
        }
      }
      for (auto& m : db::FindIdentifiers(tx_, keys)) stored[{m.kind, m.value}].push_back(std::move(m.ci_id));
      if (!more) break;
      std::vector<size_t> still_open;
      for (size_t i : open) {
        const bool found = std::any_of(work_[i].keys.begin(), work_[i].keys.end(), [&](const IdentifierKey& k) {
          return k.set_index == set && stored.contains({k.kind, k.value});
        });
        if (!found) still_open.push_back(i);
      }
      open = std::move(still_open);
    }
    return stored;
  }

  // Which CI an item is: DecideMatch over who holds its keys (stored, or
  // claimed by an earlier item of this payload).
  void Decide(size_t i, const StoredKeys& stored) {
    Work& w = work_[i];
    std::vector<KeyHolders> holders(w.keys.size());
    for (size_t k = 0; k < w.keys.size(); ++k) {
      const std::pair<std::string, std::string> key{w.keys[k].kind, w.keys[k].value};
      if (auto it = stored.find(key); it != stored.end()) holders[k].stored = it->second;
      if (auto it = claimed_.find(key); it != claimed_.end()) holders[k].claimed = work_[it->second].ci_id;
    }
    MatchDecision decision = DecideMatch(w.keys, holders);
    if (decision.kind == MatchDecision::kConflict) {
      for (auto& d : decision.duplicates) ambiguous_.push_back(std::move(d));
      return Conflict(i, std::move(decision.reason), std::move(decision.candidates));
    }
    if (decision.kind == MatchDecision::kMatch) {
      w.ci_id = std::move(decision.ci_id);
      w.outcome.matched_by = std::move(decision.matched_by);
    }
    if (w.ci_id.empty()) {
      w.create = true;
      w.ci_id = NewUuid();
    }
    // Two items of one payload must not be the same CI.
    if (auto taken = taken_.find(w.ci_id); taken != taken_.end()) {
      w.ci_id.clear();
      return Conflict(i, StrCat("the same CI as item \"", taken->second, "\""), {});
    }
    auto [owner, fresh] = item_of_ci_.emplace(w.ci_id, i);
    if (!fresh) {
      const std::string other = in_.items[owner->second].ref;
      w.ci_id.clear();
      return Conflict(i, StrCat("the same CI as item \"", other, "\""), {});
    }
    for (const auto& key : w.keys) claimed_.emplace(std::make_pair(key.kind, key.value), i);
  }

  // Applies the finding to `current` (nullptr: a new CI).
  void Evaluate(size_t i, const Ci* current) {
    Work& w = work_[i];
    Ci base;
    if (current != nullptr) {
      base = *current;
      const std::string& have = current->class_name;
      const std::string& want = w.finding.class_name;
      if (want != have) {
        if (catalog_.IsA(want, have)) {
          base.class_name = want;  // the source knows it more precisely
        } else if (!catalog_.IsA(have, want)) {
          return Conflict(i, StrCat("matched CI ", current->id, " by ", w.outcome.matched_by, " is a ", have,
                                    ", the item a ", want),
                          {current->id});
        }
      }
    } else {
      base.id = w.ci_id;
      base.class_name = w.finding.class_name;
    }
    FindingResult result = ApplyFinding(catalog_, base, w.finding, in_.source, w.observed);
    Ci& after = result.after;
    if (current != nullptr && after.class_name != current->class_name) {
      result.diff.insert(result.diff.begin(), {"class_name", Json(current->class_name), Json(after.class_name)});
    }
    if (!w.parent_id.empty() && w.parent_id != base.parent_id) {
      const Json* prov = after.provenance.contains("parent_id") ? &after.provenance["parent_id"] : nullptr;
      FieldDecision d = DecideField(catalog_.FindReconciliationRule(after.class_name, "parent_id"), prov, in_.source,
                                    w.observed, false);
      if (d.write) {
        result.diff.push_back({"parent_id", base.parent_id.empty() ? std::nullopt : std::optional<Json>(base.parent_id),
                               Json(w.parent_id)});
        after.parent_id = w.parent_id;
        after.provenance["parent_id"] = {{"source", in_.source}, {"set_at", w.observed}};
      } else {
        result.skipped.push_back({"parent_id", d.reason});
      }
    }
    if (absl::Status st = catalog_.ValidateCi(after); !st.ok()) {
      if (current == nullptr) w.ci_id.clear();
      return Reject(i, std::string(ToStd(st.message())));
    }
    w.after = std::move(after);
    w.outcome.diff = std::move(result.diff);
    w.outcome.skipped = std::move(result.skipped);
    w.outcome.ci_id = w.ci_id;
    if (current == nullptr) {
      w.outcome.action = ReconcileAction::kCreated;
      w.outcome.reason = "no CI matched";
    } else {
      w.outcome.action = w.outcome.diff.empty() ? ReconcileAction::kUnchanged : ReconcileAction::kUpdated;
      w.outcome.reason = StrCat("matched by ", w.outcome.matched_by);
    }
  }

  // Step 6: creates, updates and source keys.
  void WriteItems() {
    std::vector<Ci> creates, updates, before;
    std::vector<IdentifierKey> source_keys;
    std::vector<std::string> source_key_ids;
    for (size_t i = 0; i < work_.size(); ++i) {
      Work& w = work_[i];
      if (w.decided) continue;
      if (w.outcome.action == ReconcileAction::kCreated) {
        if (w.after.status.empty()) w.after.status = std::string(kStatusInUse);
        creates.push_back(w.after);
      } else if (w.outcome.action == ReconcileAction::kUpdated) {
        w.after.version = w.current.version + 1;
        updates.push_back(w.after);
        before.push_back(w.current);
      }
      if (!in_.items[i].source_key.empty()) {
        source_keys.push_back(SourceKey(in_.source, in_.items[i].source_key));
        source_key_ids.push_back(w.ci_id);
      }
    }
    db::InsertCis(tx_, creates);
    Lap("insert");
    db::UpdateCis(tx_, updates, kOpUpdate, &before);
    Lap("update");
    db::AddSourceKeys(tx_, source_keys, source_key_ids);
  }

  bool IsSymmetric(const std::string& type) const { return cmdb::IsSymmetric(catalog_, type); }

  // Step 6, continued: relations, created or their reported attributes
  // applied. Adds to `exclusive` the ends at which a relation written is
  // exclusive.
  std::vector<RelationOutcome> WriteRelations(std::vector<db::ExclusiveEnd>& exclusive) {
    std::vector<RelationOutcome> out(in_.relations.size());
    std::vector<std::string> direct;
    for (const auto& r : in_.relations) {
      for (const auto* id : {&r.from_id, &r.to_id}) {
        if (!id->empty() && IsUuid(*id)) direct.push_back(CanonicalUuid(*id));
      }
    }
    std::set<std::string> live;
    for (auto& [id, cls] : db::CiClasses(tx_, direct)) live.insert(id);

    std::vector<size_t> pending;
    std::vector<db::RelationshipKey> keys;
    for (size_t i = 0; i < in_.relations.size(); ++i) {
      const auto& r = in_.relations[i];
      RelationOutcome& o = out[i];
      o.index = Position(i);
      o.action = ReconcileAction::kRejected;
      if (!r.invalid.empty()) {
        o.reason = r.invalid;
        continue;
      }
      auto end = [&](const std::string& ref, const std::string& id, const char* name, std::string& result) {
        if (!ref.empty()) {
          const std::string* ci_id = nullptr;
          if (auto it = by_ref_.find(ref); it != by_ref_.end()) {
            const Work& w = work_[it->second];
            if (!w.decided) ci_id = &w.ci_id;
          } else if (const db::StreamRef* outside = OutsideRef(ref); outside == nullptr) {
            return StrCat(name, "_ref: no item has ref \"", ref, "\"");
          } else {
            ci_id = &outside->ci_id;
          }
          if (ci_id == nullptr || ci_id->empty()) return StrCat(name, "_ref: item \"", ref, "\" was not reconciled");
          result = *ci_id;
          return std::string();
        }
        if (!IsUuid(id)) return StrCat(name, "_id: not a UUID: \"", id, "\"");
        result = CanonicalUuid(id);
        if (!live.contains(result)) return StrCat(name, "_id: no CI with id ", result);
        return std::string();
      };
      db::RelationshipKey key{"", r.type, ""};
      if (std::string e = end(r.from_ref, r.from_id, "from", key.source_id); !e.empty()) {
        o.reason = e;
        continue;
      }
      if (std::string e = end(r.to_ref, r.to_id, "to", key.target_id); !e.empty()) {
        o.reason = e;
        continue;
      }
      if (catalog_.FindRelationshipType(r.type) == nullptr) {
        o.reason = StrCat("type: unknown relationship type \"", r.type, "\"");
        continue;
      }
      if (key.source_id == key.target_id) {
        o.reason = "a CI cannot relate to itself";
        continue;
      }
      if (absl::Status st = CheckFreeAttributes(r.attributes, "attributes"); !st.ok()) {
        o.reason = std::string(ToStd(st.message()));
        continue;
      }
      if (r.exclusive_at != ReconcileRelationInput::Exclusive::kNo) {
        const bool at_from = r.exclusive_at == ReconcileRelationInput::Exclusive::kAtFrom;
        exclusive.push_back({Position(i), at_from ? key.source_id : key.target_id, key.type, at_from});
      }
      // A symmetric type (its inverse is itself, e.g. connected_to) links
      // the two CIs once, whichever end reports it: stored with the smaller
      // id first, and found in either orientation.
      if (IsSymmetric(key.type) && key.target_id < key.source_id) std::swap(key.source_id, key.target_id);
      pending.push_back(i);
      keys.push_back(std::move(key));
    }
    std::vector<std::string> existing = db::FindRelationships(tx_, keys);
    {
      std::vector<size_t> reversed_of;
      std::vector<db::RelationshipKey> reversed;
      for (size_t k = 0; k < keys.size(); ++k) {
        if (existing[k].empty() && IsSymmetric(keys[k].type)) {
          reversed_of.push_back(k);
          reversed.push_back({keys[k].target_id, keys[k].type, keys[k].source_id});
        }
      }
      std::vector<std::string> found = db::FindRelationships(tx_, reversed);
      for (size_t r = 0; r < reversed_of.size(); ++r) existing[reversed_of[r]] = found[r];
    }
    std::vector<Relationship> creates, updates;
    std::map<std::tuple<std::string, std::string, std::string>, std::string> made;
    const Json stamp = {{"source", in_.source}, {"set_at", now_}};
    for (size_t k = 0; k < pending.size(); ++k) {
      RelationOutcome& o = out[pending[k]];
      const auto& key = keys[k];
      auto mine = made.find({key.source_id, key.type, key.target_id});
      if (!existing[k].empty() || mine != made.end()) {
        o.action = ReconcileAction::kUnchanged;
        o.relationship_id = !existing[k].empty() ? existing[k] : mine->second;
        const Json& reported = in_.relations[pending[k]].attributes;
        if (!existing[k].empty() && !reported.empty()) {
          if (std::optional<Relationship> changed = ApplyRelationAttributes(existing[k], reported, stamp)) {
            o.action = ReconcileAction::kUpdated;
            updates.push_back(std::move(*changed));
          }
        }
        continue;
      }
      Relationship rel;
      rel.id = NewUuid();
      rel.type = key.type;
      rel.source_id = key.source_id;
      rel.target_id = key.target_id;
      rel.attributes = in_.relations[pending[k]].attributes;
      rel.provenance = {{"type", stamp}};
      for (const auto& [a, v] : rel.attributes.items()) rel.provenance["attributes." + a] = stamp;
      made.emplace(std::make_tuple(key.source_id, key.type, key.target_id), rel.id);
      o.action = ReconcileAction::kCreated;
      o.relationship_id = rel.id;
      creates.push_back(std::move(rel));
    }
    db::InsertRelationships(tx_, creates);
    db::UpdateRelationships(tx_, updates);
    return out;
  }

  // The relationship with the reported attributes applied field by field
  // (as for a CI field without a rule), or nullopt when nothing changes.
  std::optional<Relationship> ApplyRelationAttributes(const std::string& id, const Json& reported, const Json& stamp) {
    std::optional<Relationship> rel = db::LockRelationship(tx_, id);
    if (!rel) return std::nullopt;
    bool changed = false;
    for (const auto& [key, value] : reported.items()) {
      const std::string field = "attributes." + key;
      auto it = rel->attributes.find(key);
      const bool had = it != rel->attributes.end();
      if (value.is_null() ? !had : (had && *it == value)) continue;
      const Json* prov = rel->provenance.contains(field) ? &rel->provenance[field] : nullptr;
      if (!DecideField(nullptr, prov, in_.source, now_, value.is_null()).write) continue;
      if (value.is_null()) {
        rel->attributes.erase(key);
        rel->provenance.erase(field);
      } else {
        rel->attributes[key] = value;
        rel->provenance[field] = stamp;
      }
      changed = true;
    }
    if (!changed) return std::nullopt;
    rel->version += 1;
    return rel;
  }

  void RecordConflicts() {
    for (const auto& a : ambiguous_) db::RecordDuplicate(tx_, a.kind, a.value, a.ci_ids, in_.source);
  }

  // Phase timings, logged at debug level.
  // A stream's slices add theirs to the stream's; a whole payload keeps its own.
  void Lap(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    PhaseTimes* times = stream_ != nullptr && stream_->times != nullptr ? stream_->times : &times_;
    times->Add(phase, now - lap_);
    lap_ = now;
  }
  PhaseTimes times_;
  std::chrono::steady_clock::time_point lap_ = std::chrono::steady_clock::now();

  db::Tx& tx_;
  const Catalog& catalog_;
  const ReconcileInput& in_;
  const Micros now_;      // the transaction's time: versions and provenance
  const Micros seen_at_;  // the clock's: sightings and staleness
  const StreamSlice* const stream_;  // null for a whole payload
  SourcePolicy policy_;
  int levels_ = 0;
  std::vector<Work> work_;
  std::unordered_map<std::string, size_t> by_ref_;
  std::map<std::pair<std::string, std::string>, size_t> claimed_;  // key -> item that owns it
  std::unordered_map<std::string, size_t> item_of_ci_;
  std::unordered_map<std::string, std::string> taken_;  // (stream) CI -> ref of the earlier item that became it
  std::vector<SharedIdentifier> ambiguous_;  // duplicate candidates to record
};

}  // namespace

void PhaseTimes::Add(std::string_view phase, std::chrono::steady_clock::duration d) {
  for (auto& [name, total] : phases_) {
    if (name == phase) {
      total += d;
      return;
    }
  }
  phases_.emplace_back(std::string(phase), d);
}

std::string PhaseTimes::ToString() const {
  std::string out;
  for (const auto& [name, total] : phases_) {
    StrAppend(&out, " ", name, "=", std::chrono::duration_cast<std::chrono::milliseconds>(total).count(), "ms");
  }
  return out;
}

ReconcileOutput ReconcilePayload(db::Tx& tx, const Catalog& catalog, const ReconcileInput& input, Micros seen_at) {
  return Reconciler(tx, catalog, input, seen_at).Run();
}

std::vector<ItemOutcome> ReconcileItemSlice(db::Tx& tx, const Catalog& catalog, const ReconcileInput& slice,
                                            Micros seen_at, const StreamSlice& stream, const SourcePolicy& policy,
                                            std::vector<int>& waiting) {
  return Reconciler(tx, catalog, slice, seen_at, &stream).RunItemSlice(policy, waiting);
}

std::vector<RelationOutcome> ReconcileRelationSlice(db::Tx& tx, const Catalog& catalog, const ReconcileInput& slice,
                                                    Micros seen_at, const StreamSlice& stream) {
  return Reconciler(tx, catalog, slice, seen_at, &stream).RunRelationSlice();
}

// Exclusive relations: at each end in `exclusive`, the other relationships
// of the type whose type `source` set are removed (a renewed certificate
// now secures the endpoint; the old one no longer does), except those the
// payload reports: `kept`, or for a stream (kept null) those in its working
// table. Returns how many each relation (by index) replaced.
std::map<int, int> RemoveReplaced(db::Tx& tx, const Catalog& catalog, const std::string& source,
                                  const std::vector<db::ExclusiveEnd>& exclusive,
                                  const std::unordered_set<std::string>* kept) {
  std::map<int, int> removed_by;
  if (exclusive.empty()) return removed_by;
  std::vector<std::string> ends;
  for (const auto& e : exclusive) ends.push_back(e.end_id);
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  const std::vector<Relationship> others = db::LockRelationshipsOf(tx, ends);
  std::unordered_set<std::string> reported;
  if (kept == nullptr) {
    std::vector<std::string> ids;
    for (const Relationship& other : others) ids.push_back(other.id);
    reported = db::StreamRelationshipsAmong(tx, ids);
    kept = &reported;
  }
  std::set<std::string> removed;
  for (const Relationship& other : others) {
    if (kept->contains(other.id)) continue;
    const Json* stamp = other.provenance.contains("type") ? &other.provenance["type"] : nullptr;
    if (stamp == nullptr || !stamp->is_object() || stamp->value("source", "") != source) continue;
    for (const auto& e : exclusive) {
      if (other.type != e.type) continue;
      // A symmetric type is stored in either orientation: either end counts.
      const bool touches = IsSymmetric(catalog, other.type)
                               ? other.source_id == e.end_id || other.target_id == e.end_id
                               : (e.at_from ? other.source_id : other.target_id) == e.end_id;
      if (!touches) continue;
      if (removed.insert(other.id).second) ++removed_by[static_cast<int>(e.index)];
      break;
    }
  }
  db::DeleteRelationships(tx, {removed.begin(), removed.end()});
  return removed_by;
}


}  // namespace cmdb
