#include "service/reconcile_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/identification.h"
#include "core/normalize.h"
#include "core/page_token.h"
#include "core/patch.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/catalog_store.h"
#include "db/ci_store.h"
#include "db/relationship_store.h"
#include "service/ci_service.h"

namespace cmdb {

std::string_view ReconcileActionName(ReconcileAction action) {
  switch (action) {
    case ReconcileAction::kCreated: return "created";
    case ReconcileAction::kUpdated: return "updated";
    case ReconcileAction::kUnchanged: return "unchanged";
    case ReconcileAction::kConflict: return "conflict";
    case ReconcileAction::kRejected: return "rejected";
  }
  return "rejected";
}

int ReconcileOutput::Count(ReconcileAction action) const {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [&](const ItemOutcome& o) { return o.action == action; }));
}

namespace {

constexpr Micros kHour = 3600LL * 1000000;
constexpr size_t kMaxSourceKey = 255;
constexpr char kNoParent[] = "00000000-0000-0000-0000-000000000000";

// How often an unchanged sighting is refreshed: a tenth of the source's
// staleness window, at most an hour.
Micros SightingRefresh(const db::SourcePolicy& policy) {
  return policy.stale_after ? std::min(kHour, *policy.stale_after / 10) : kHour;
}

std::string DescribeSets(const std::vector<IdentifierSetDef>& sets) {
  std::vector<std::string> kinds;
  for (const auto& s : sets) kinds.push_back(IdentifierKind(s));
  return kinds.empty() ? "(no rules)" : Join(kinds, "; ");
}

// One payload, in one transaction attempt.
class Reconciler {
 public:
  Reconciler(db::Tx& tx, const Catalog& catalog, const ReconcileInput& in)
      : tx_(tx), catalog_(catalog), in_(in), now_(tx.now()) {}

  absl::StatusOr<ReconcileOutput> Run() {
    tx_.sql().exec0("SET LOCAL work_mem = '64MB'");
    policy_ = db::EnsureSource(tx_, in_.source);
    work_.resize(in_.items.size());
    for (size_t i = 0; i < work_.size(); ++i) {
      if (!in_.items[i].ref.empty()) by_ref_.emplace(in_.items[i].ref, i);
    }
    for (size_t i = 0; i < work_.size(); ++i) Check(i);
    CheckDirectParents();
    const int levels = AssignLevels();
    Lap("check");
    LockStripes();
    Lap("lock");
    for (int level = 0; level <= levels; ++level) Identify(level);
    Lap("identify");
    WriteItems();
    Lap("write");
    ReconcileOutput out;
    out.relations = WriteRelations();
    RecordConflicts();
    Lap("relations");
    std::vector<std::string> seen;  // what the source reported and we identified
    for (const auto& w : work_) {
      if (!w.decided) seen.push_back(w.ci_id);
    }
    db::RecordSightings(tx_, in_.source, seen, SightingRefresh(policy_));
    if (in_.complete_run) {
      out.marked_stale = db::EndCompleteRun(tx_, in_.source, seen);
    } else {
      db::NoteRun(tx_, in_.source);
    }
    for (auto& w : work_) out.items.push_back(std::move(w.outcome));
    Lap("sightings");
    spdlog::debug("reconcile {} items from {}:{}", work_.size(), in_.source, laps_);
    return out;
  }

 private:
  struct Work {
    ItemOutcome outcome;
    bool decided = false;  // rejected or conflict: nothing more to do
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

  // Step 1: the item on its own.
  void Check(size_t i) {
    const ReconcileItemInput& in = in_.items[i];
    Work& w = work_[i];
    w.outcome.ref = in.ref;
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
      if (it == by_ref_.end()) return Reject(i, StrCat("parent_ref: no item has ref \"", in.parent_ref, "\""));
      if (it->second == i) return Reject(i, "parent_ref: an item cannot be its own parent");
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

  // Step 2: parents before dependents. Returns the deepest level.
  int AssignLevels() {
    int deepest = 0;
    for (size_t i = 0; i < work_.size(); ++i) {
      if (work_[i].decided) continue;
      int level = 0;
      size_t at = i;
      while (!in_.items[at].parent_ref.empty() && level <= static_cast<int>(work_.size())) {
        at = by_ref_.at(in_.items[at].parent_ref);
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

  // Step 3: every stripe any item's keys fall in, whatever their parents
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

  // Step 4: identify the items of one level, then evaluate them.
  void Identify(int level) {
    std::vector<size_t> items;
    for (size_t i = 0; i < work_.size(); ++i) {
      Work& w = work_[i];
      if (w.decided || w.level != level) continue;
      if (!in_.items[i].parent_ref.empty()) {
        const Work& parent = work_[by_ref_.at(in_.items[i].parent_ref)];
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

  // Which CI an item is: tries its key groups in order.
  void Decide(size_t i, const StoredKeys& stored) {
    Work& w = work_[i];
    size_t k = 0;
    while (k < w.keys.size()) {
      const int group = w.keys[k].set_index;
      std::set<std::string> ids;
      std::string matched_kind;
      for (; k < w.keys.size() && w.keys[k].set_index == group; ++k) {
        const IdentifierKey& key = w.keys[k];
        auto it = stored.find({key.kind, key.value});
        if (it != stored.end()) {
          ids.insert(it->second.begin(), it->second.end());
          if (it->second.size() > 1) ambiguous_.push_back({key.kind, key.value, it->second});
          matched_kind = key.kind;
        }
        auto claimed = claimed_.find({key.kind, key.value});
        if (claimed != claimed_.end()) {
          ids.insert(work_[claimed->second].ci_id);
          matched_kind = key.kind;
        }
      }
      if (ids.size() > 1) {
        return Conflict(i, StrCat("ambiguous: ", matched_kind, " matches ", ids.size(), " CIs"),
                        {ids.begin(), ids.end()});
      }
      if (ids.size() == 1) {
        w.ci_id = *ids.begin();
        w.outcome.matched_by = matched_kind;
        break;
      }
    }
    if (w.ci_id.empty()) {
      w.create = true;
      w.ci_id = NewUuid();
    }
    // Two items of one payload must not be the same CI.
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

  // Step 5: creates, updates and source keys.
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

  std::vector<RelationOutcome> WriteRelations() {
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
      o.index = static_cast<int>(i);
      o.action = ReconcileAction::kRejected;
      auto end = [&](const std::string& ref, const std::string& id, const char* name, std::string& result) {
        if (!ref.empty()) {
          auto it = by_ref_.find(ref);
          if (it == by_ref_.end()) return StrCat(name, "_ref: no item has ref \"", ref, "\"");
          const Work& w = work_[it->second];
          if (w.decided || w.ci_id.empty()) return StrCat(name, "_ref: item \"", ref, "\" was not reconciled");
          result = w.ci_id;
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
      if (!r.attributes.is_object()) {
        o.reason = "attributes: must be an object";
        continue;
      }
      pending.push_back(i);
      keys.push_back(std::move(key));
    }
    std::vector<std::string> existing = db::FindRelationships(tx_, keys);
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
    for (const auto& a : ambiguous_) db::RecordDuplicate(tx_, a.kind, a.value, a.ids, in_.source);
  }

  // Phase timings, logged at debug level.
  void Lap(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    StrAppend(&laps_, " ", phase, "=", std::chrono::duration_cast<std::chrono::milliseconds>(now - lap_).count(),
              "ms");
    lap_ = now;
  }
  std::string laps_;
  std::chrono::steady_clock::time_point lap_ = std::chrono::steady_clock::now();

  struct Ambiguous {
    std::string kind, value;
    std::vector<std::string> ids;
  };

  db::Tx& tx_;
  const Catalog& catalog_;
  const ReconcileInput& in_;
  const Micros now_;
  db::SourcePolicy policy_;
  std::vector<Work> work_;
  std::unordered_map<std::string, size_t> by_ref_;
  std::map<std::pair<std::string, std::string>, size_t> claimed_;  // key -> item that owns it
  std::unordered_map<std::string, size_t> item_of_ci_;
  std::vector<Ambiguous> ambiguous_;
};

}  // namespace

absl::StatusOr<ReconcileOutput> ReconcileService::Reconcile(const WriteContext& context, const ReconcileInput& input,
                                                            bool streamed) {
  if (!IsValidSourceName(input.source)) {
    return FieldError("source", StrCat("\"", input.source,
                                       "\" is not a source name ([a-z0-9][a-z0-9_.-]*, not \"manual\")"));
  }
  const size_t items = input.items.size() + input.relations.size();
  if (items == 0) return absl::InvalidArgumentError("items: nothing to reconcile");
  const int limit = streamed ? limits_.max_stream_items : limits_.max_batch_items;
  if (items > static_cast<size_t>(limit)) {
    return absl::InvalidArgumentError(StrCat("items: ", items, " items and relations; the limit is ", limit,
                                             streamed ? "" : " (use StreamReconcile or split the payload)"));
  }
  std::set<std::string> refs;
  for (size_t i = 0; i < input.items.size(); ++i) {
    const std::string& ref = input.items[i].ref;
    if (!ref.empty() && !refs.insert(ref).second) {
      return FieldError(StrCat("items[", i, "].ref"), StrCat("\"", ref, "\" is used twice"));
    }
  }
  WriteContext ctx = context;
  ctx.source = input.source;
  ReconcileOutput output;
  auto body = [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    Reconciler reconciler(tx, *catalog, input);
    CMDB_ASSIGN_OR_RETURN(output, reconciler.Run());
    return absl::OkStatus();
  };
  auto written = input.dry_run ? db_.DryRun(ctx, body) : db_.Write(ctx, body);
  if (!written.ok()) return written.status();
  output.dry_run = input.dry_run;
  output.changeset = written->changeset;
  if (input.dry_run) {
    // Nothing was created: the ids handed out above do not exist. A diff
    // that names one (a new parent) names the item instead.
    std::unordered_map<std::string, std::string> provisional;
    for (auto& item : output.items) {
      if (item.action != ReconcileAction::kCreated) continue;
      provisional.emplace(item.ci_id, StrCat("(new item ", item.ref, ")"));
      item.ci_id.clear();
    }
    for (auto& item : output.items) {
      for (auto& change : item.diff) {
        if (change.new_value && change.new_value->is_string()) {
          auto it = provisional.find(change.new_value->get<std::string>());
          if (it != provisional.end()) *change.new_value = it->second;
        }
      }
    }
    for (auto& rel : output.relations) {
      if (rel.action == ReconcileAction::kCreated) rel.relationship_id.clear();
    }
  }
  return output;
}

absl::StatusOr<IdentificationRulesView> ReconcileService::GetIdentificationRules(const std::string& class_name) {
  IdentificationRulesView view;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(class_name) == nullptr) return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    view.class_name = class_name;
    view.sets = catalog->IdentificationRules(class_name, &view.inherited_from);
    if (view.inherited_from == class_name) view.inherited_from.clear();
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<IdentificationRulesView> ReconcileService::SetIdentificationRules(
    const WriteContext& context, const std::string& class_name, const std::vector<IdentifierSetDef>& sets) {
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(class_name) == nullptr) return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    for (size_t i = 0; i < sets.size(); ++i) {
      CMDB_RETURN_IF_ERROR(CheckIdentifierSet(*catalog, class_name, sets[i], StrCat("sets[", i, "].attributes")));
    }
    db::ReplaceIdentificationRules(tx, class_name, sets);
    // The catalog as it will be, to recompute identifiers with the new rules.
    std::map<std::string, std::vector<IdentifierSetDef>> rules(catalog->identification().begin(),
                                                               catalog->identification().end());
    rules[class_name] = sets;
    std::vector<ClassDef> classes;
    for (const ClassDef* c : catalog->ClassesInTreeOrder()) classes.push_back(*c);
    const Catalog next(catalog->generation(), std::move(classes), catalog->relationship_types(), std::move(rules),
                       catalog->reconciliation_rules());
    std::vector<std::string> affected;
    for (const std::string& cls : catalog->Subtree(class_name)) {
      std::string old_from, new_from;
      catalog->IdentificationRules(cls, &old_from);
      next.IdentificationRules(cls, &new_from);
      if (old_from == class_name || new_from == class_name) affected.push_back(cls);
    }
    std::string after = kNoParent;
    while (!affected.empty()) {
      std::vector<Ci> batch = db::CisOfClasses(tx, affected, after, 5000);
      if (batch.empty()) break;
      db::SyncIdentifiers(tx, next, batch);
      after = batch.back().id;
    }
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return GetIdentificationRules(class_name);
}

namespace {

absl::Status CheckRuleField(const Catalog& catalog, const ReconciliationRuleDef& rule) {
  static const std::set<std::string> kFields = {"*", "name", "owner", "status", "criticality", "parent_id"};
  if (kFields.contains(rule.field)) return absl::OkStatus();
  if (rule.field.starts_with("attributes.")) {
    const std::string attr = rule.field.substr(strlen("attributes."));
    if (catalog.FindAttribute(rule.class_name, attr) != nullptr) return absl::OkStatus();
    bool below = false;
    for (const auto& cls : catalog.Subtree(rule.class_name)) below = below || catalog.FindAttribute(cls, attr) != nullptr;
    if (below) return absl::OkStatus();
    return FieldError("rule.field", StrCat("class ", rule.class_name, " and its subclasses have no attribute \"", attr, "\""));
  }
  return FieldError("rule.field", StrCat("\"", rule.field,
                                         "\" is not a field (name, owner, status, criticality, parent_id, "
                                         "attributes.<name> or *)"));
}

}  // namespace

absl::StatusOr<std::vector<ReconciliationRuleDef>> ReconcileService::ListReconciliationRules(
    const std::string& class_name) {
  std::vector<ReconciliationRuleDef> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (!class_name.empty() && catalog->FindClass(class_name) == nullptr) {
      return absl::NotFoundError(StrCat("no class named \"", class_name, "\""));
    }
    for (const auto& rule : catalog->reconciliation_rules()) {
      if (class_name.empty() || catalog->IsA(class_name, rule.class_name)) out.push_back(rule);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ReconciliationRuleDef> ReconcileService::SetReconciliationRule(const WriteContext& context,
                                                                             const ReconciliationRuleDef& rule) {
  if (rule.sources.empty()) return FieldError("rule.sources", "name at least one source");
  for (size_t i = 0; i < rule.sources.size(); ++i) {
    const std::string& s = rule.sources[i];
    if (s != kManualSource && !IsValidSourceName(s)) {
      return FieldError(StrCat("rule.sources[", i, "]"), StrCat("\"", s, "\" is not a source name"));
    }
    if (std::count(rule.sources.begin(), rule.sources.end(), s) > 1) {
      return FieldError(StrCat("rule.sources[", i, "]"), StrCat("\"", s, "\" appears twice"));
    }
  }
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(rule.class_name) == nullptr) {
      return FieldError("rule.class_name", StrCat("unknown class \"", rule.class_name, "\""));
    }
    CMDB_RETURN_IF_ERROR(CheckRuleField(*catalog, rule));
    db::UpsertReconciliationRule(tx, rule);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return rule;
}

absl::Status ReconcileService::DeleteReconciliationRule(const WriteContext& context, const std::string& class_name,
                                                        const std::string& field) {
  return db_
      .Write(context,
             [&](db::Tx& tx) -> absl::Status {
               tx.LockCatalogForChange();
               if (!db::DeleteReconciliationRule(tx, class_name, field)) {
                 return absl::NotFoundError(StrCat("no rule for ", field, " of class ", class_name));
               }
               return absl::OkStatus();
             })
      .status();
}

absl::StatusOr<std::vector<db::SourcePolicy>> ReconcileService::ListSources() {
  std::vector<db::SourcePolicy> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    out = db::ListSources(tx);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<db::SourcePolicy> ReconcileService::SetSourcePolicy(const WriteContext& context,
                                                                  const db::SourcePolicy& policy) {
  if (!IsValidSourceName(policy.name)) return FieldError("source.name", StrCat("\"", policy.name, "\" is not a source name"));
  if (policy.stale_after_runs < 0) return FieldError("source.stale_after_runs", "must not be negative");
  if (policy.stale_after && *policy.stale_after < 0) return FieldError("source.stale_after", "must not be negative");
  db::SourcePolicy result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    db::SourcePolicy p = policy;
    if (p.stale_after && *p.stale_after == 0) p.stale_after.reset();
    db::SetSourcePolicy(tx, p);
    for (auto& s : db::ListSources(tx)) {
      if (s.name == policy.name) result = std::move(s);  // with its counts
    }
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<DuplicatePage> ReconcileService::ListDuplicates(const WriteContext& context, bool detect,
                                                               int page_size, const std::string& page_token) {
  if (page_size < 0) return FieldError("page_size", "must not be negative");
  const int limit = EffectivePageSize(limits_, page_size);
  std::string after_kind, after_value;
  if (!page_token.empty()) {
    CMDB_ASSIGN_OR_RETURN(Json token, DecodePageToken(page_token));
    if (!token.contains("k") || !token.contains("v") || !token["k"].is_string() || !token["v"].is_string()) {
      return FieldError("page_token", "does not belong to this listing");
    }
    after_kind = token["k"];
    after_value = token["v"];
  }
  if (detect) {
    auto scanned = db_.Write(context, [&](db::Tx& tx) {
      db::ScanDuplicates(tx);
      return absl::OkStatus();
    });
    if (!scanned.ok()) return scanned.status();
  }
  DuplicatePage page;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    page.candidates = db::ListDuplicates(tx, after_kind, after_value, limit);
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.candidates.size()) == limit) {
    page.next_page_token = EncodePageToken({{"k", page.candidates.back().kind}, {"v", page.candidates.back().value}});
  }
  return page;
}

absl::StatusOr<MergeOutcome> ReconcileService::Merge(const WriteContext& context, const std::string& survivor_id,
                                                     const std::string& duplicate_id) {
  CMDB_RETURN_IF_ERROR(CheckId(survivor_id, "survivor_id"));
  CMDB_RETURN_IF_ERROR(CheckId(duplicate_id, "duplicate_id"));
  const std::string keep = CanonicalUuid(survivor_id), drop = CanonicalUuid(duplicate_id);
  if (keep == drop) return FieldError("duplicate_id", "a CI cannot be merged into itself");
  MergeOutcome outcome;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    outcome = MergeOutcome{};
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    std::vector<Ci> locked = db::LockCis(tx, {keep, drop});
    const Ci* survivor = nullptr;
    const Ci* duplicate = nullptr;
    for (const Ci& ci : locked) (ci.id == keep ? survivor : duplicate) = &ci;
    if (survivor == nullptr) return absl::NotFoundError(StrCat("no CI with id ", keep));
    if (duplicate == nullptr) return absl::NotFoundError(StrCat("no CI with id ", drop));
    if (!duplicate->merged_into.empty()) {
      return absl::FailedPreconditionError(StrCat("CI ", drop, " was already merged into ", duplicate->merged_into));
    }
    if (!survivor->merged_into.empty()) {
      return absl::FailedPreconditionError(StrCat("CI ", keep, " was itself merged into ", survivor->merged_into));
    }
    if (!catalog->IsA(survivor->class_name, duplicate->class_name) &&
        !catalog->IsA(duplicate->class_name, survivor->class_name)) {
      return absl::FailedPreconditionError(StrCat("cannot merge a ", duplicate->class_name, " into a ",
                                                  survivor->class_name, ": the classes are unrelated"));
    }
    // The survivor takes what it lacks from the duplicate.
    Ci kept = *survivor;
    for (const auto& [key, value] : duplicate->attributes.items()) {
      if (kept.attributes.contains(key) || catalog->FindAttribute(kept.class_name, key) == nullptr) continue;
      kept.attributes[key] = value;
      const std::string field = "attributes." + key;
      if (duplicate->provenance.contains(field)) kept.provenance[field] = duplicate->provenance[field];
    }
    for (auto [field, mine, theirs] : {std::tuple{"owner", &kept.owner, &duplicate->owner},
                                       std::tuple{"criticality", &kept.criticality, &duplicate->criticality}}) {
      if (mine->empty() && !theirs->empty()) {
        *mine = *theirs;
        if (duplicate->provenance.contains(field)) kept.provenance[field] = duplicate->provenance[field];
      }
    }
    if (!SameContent(kept, *survivor)) {
      kept.version = survivor->version + 1;
      std::vector<Ci> rows{kept};
      db::UpdateCis(tx, rows, kOpMerge);
      kept = rows.front();
    }
    // Relationships follow the survivor; ones it already has are dropped.
    std::vector<Relationship> moved;
    std::vector<std::string> dropped;
    std::set<std::tuple<std::string, std::string, std::string>> claimed;
    for (Relationship rel : db::LockRelationshipsOf(tx, {drop})) {
      if (rel.source_id == drop) rel.source_id = keep;
      if (rel.target_id == drop) rel.target_id = keep;
      const bool loop = rel.source_id == rel.target_id;
      const bool twin = !loop && (!db::FindRelationships(tx, {{rel.source_id, rel.type, rel.target_id}}).front().empty() ||
                                  !claimed.emplace(rel.source_id, rel.type, rel.target_id).second);
      if (loop || twin) {
        dropped.push_back(rel.id);
      } else {
        rel.version += 1;
        moved.push_back(std::move(rel));
      }
    }
    db::DeleteRelationships(tx, dropped);
    db::UpdateRelationships(tx, moved, kOpMerge);
    // Dependents follow too.
    std::vector<Ci> dependents = db::LockDependents(tx, drop);
    for (Ci& d : dependents) {
      d.parent_id = keep;
      d.version += 1;
    }
    db::UpdateCis(tx, dependents, kOpMerge);
    db::MoveIdentityToSurvivor(tx, keep, drop);
    Ci retired = *duplicate;
    retired.status = std::string(kStatusRetired);
    retired.merged_into = keep;
    retired.version += 1;
    StampProvenance(ProvenanceFields(*duplicate), ProvenanceFields(retired), context.source, tx.now(),
                    retired.provenance);
    std::vector<Ci> rows{retired};
    db::UpdateCis(tx, rows, kOpMerge);
    outcome.survivor = *db::GetCi(tx, keep);
    outcome.duplicate = *db::GetCi(tx, drop);
    outcome.relationships_moved = static_cast<int>(moved.size());
    outcome.relationships_dropped = static_cast<int>(dropped.size());
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return outcome;
}

absl::StatusOr<int64_t> ReconcileService::SweepStale() {
  int64_t marked = 0;
  WriteContext context;
  context.actor = "cmdbd";
  auto written = db_.Write(context, [&](db::Tx& tx) {
    marked = db::SweepStaleByTime(tx);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return marked;
}

}  // namespace cmdb
