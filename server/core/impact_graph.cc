#include "core/impact_graph.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/hash/hash.h"

namespace cmdb::impact {
namespace {

// Counting sort into CSR arrays: Count(n) for every item first, then
// Start(), then Put(n, item) for the same items in the same order.
template <typename T>
struct CsrBuilder {
  std::vector<int64_t>& offsets;
  std::vector<T>& items;
  std::vector<int64_t> cursor;

  CsrBuilder(size_t nodes, std::vector<int64_t>& o, std::vector<T>& i) : offsets(o), items(i) {
    offsets.assign(nodes + 1, 0);
  }
  void Count(NodeId n) { ++offsets[static_cast<size_t>(n) + 1]; }
  void Start() {
    for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
    items.clear();
    items.shrink_to_fit();
    items.resize(static_cast<size_t>(offsets.back()));
    cursor.assign(offsets.begin(), offsets.end() - 1);
  }
  void Put(NodeId n, const T& item) { items[cursor[n]++] = item; }
};

template <typename V>
size_t Bytes(const V& v) {
  return v.capacity() * sizeof(typename V::value_type);
}

}  // namespace

size_t UuidHash::operator()(const Uuid& u) const {
  uint64_t a;
  uint64_t b;
  std::memcpy(&a, u.data(), 8);
  std::memcpy(&b, u.data() + 8, 8);
  return absl::HashOf(a, b);
}

void Graph::SetDirections(std::vector<Direction> by_type) {
  directions_ = std::move(by_type);
  Rebuild();
}

NodeId Graph::UpsertNode(const Uuid& id, ClassId class_id, uint8_t criticality, std::string_view name) {
  auto [it, inserted] = node_index_.try_emplace(id, static_cast<NodeId>(nodes_.size()));
  if (!inserted) {
    NodeData& d = nodes_[it->second];
    d.class_id = class_id;
    d.criticality = criticality;
    d.name.assign(name.data(), name.size());
    class_of_[it->second] = class_id;
    return it->second;
  }
  NodeData d;
  d.id = id;
  d.class_id = class_id;
  d.criticality = criticality;
  d.alive = true;
  d.name.assign(name.data(), name.size());
  nodes_.push_back(std::move(d));
  class_of_.push_back(class_id);
  out_added_.Grow(nodes_.size());
  in_added_.Grow(nodes_.size());
  incident_added_.Grow(nodes_.size());
  ++live_nodes_;
  return it->second;
}

void Graph::RemoveNode(const Uuid& id) {
  auto it = node_index_.find(id);
  if (it == node_index_.end()) return;
  const NodeId n = it->second;
  node_index_.erase(it);
  // Collect first: killing changes the liveness the walks read.
  std::vector<RelIndex> touching;
  if (n + 1 < static_cast<NodeId>(incident_.offsets.size())) {
    for (int64_t i = incident_.offsets[n]; i < incident_.offsets[n + 1]; ++i) {
      touching.push_back(incident_.items[i]);
    }
  }
  for (int32_t i = incident_added_.head[n]; i >= 0; i = incident_added_.next[i]) {
    touching.push_back(incident_added_.items[i]);
  }
  for (RelIndex r : touching) {
    if (!rels_[r].alive) continue;
    rel_index_.erase(rels_[r].id);
    Kill(r);
  }
  nodes_[n].alive = false;
  --live_nodes_;
  MaybeCompact();
}

bool Graph::UpsertRelationship(const Uuid& id, const Uuid& source, const Uuid& target, TypeId type) {
  const NodeId s = Find(source);
  const NodeId t = Find(target);
  if (s < 0 || t < 0) return false;
  auto it = rel_index_.find(id);
  if (it != rel_index_.end()) {
    const RelData& old = rels_[it->second];
    if (old.source == s && old.target == t && old.type == type) return true;
    Kill(it->second);
  }
  const auto r = static_cast<RelIndex>(rels_.size());
  rels_.push_back(RelData{.id = id, .source = s, .target = t, .type = type, .alive = true});
  if (rel_alive_.size() * 64 < rels_.size()) rel_alive_.push_back(0);
  rel_alive_[static_cast<size_t>(r) >> 6] |= uint64_t{1} << (r & 63);
  rel_index_[id] = r;
  ++live_rels_;
  AddEdges(r);
  MaybeCompact();
  return true;
}

void Graph::RemoveRelationship(const Uuid& id) {
  auto it = rel_index_.find(id);
  if (it == rel_index_.end()) return;
  const RelIndex r = it->second;
  rel_index_.erase(it);
  Kill(r);
  MaybeCompact();
}

void Graph::Compact() { Rebuild(); }

void Graph::SetAutoCompact(bool enabled) {
  auto_compact_ = enabled;
  MaybeCompact();
}

NodeId Graph::Find(const Uuid& id) const {
  auto it = node_index_.find(id);
  return it == node_index_.end() ? -1 : it->second;
}

RelIndex Graph::FindRelationship(const Uuid& id) const {
  auto it = rel_index_.find(id);
  return it == rel_index_.end() ? -1 : it->second;
}

Direction Graph::direction(TypeId t) const {
  if (t < 0 || t >= static_cast<TypeId>(directions_.size())) return Direction::kNone;
  return directions_[t];
}

size_t Graph::MemoryBytes() const {
  size_t bytes = sizeof(*this) + Bytes(directions_) + Bytes(nodes_) + Bytes(rels_) + Bytes(class_of_) +
                 Bytes(rel_alive_);
  for (const NodeData& n : nodes_) {
    if (n.name.capacity() > 15) bytes += n.name.capacity() + 1;  // beyond the small-string buffer
  }
  bytes += node_index_.capacity() * (sizeof(Uuid) + sizeof(NodeId) + 1);
  bytes += rel_index_.capacity() * (sizeof(Uuid) + sizeof(RelIndex) + 1);
  bytes += Bytes(out_.offsets) + Bytes(out_.items) + Bytes(in_.offsets) + Bytes(in_.items);
  bytes += Bytes(incident_.offsets) + Bytes(incident_.items);
  bytes += Bytes(out_added_.head) + Bytes(out_added_.has) + Bytes(out_added_.items) + Bytes(out_added_.next);
  bytes += Bytes(in_added_.head) + Bytes(in_added_.has) + Bytes(in_added_.items) + Bytes(in_added_.next);
  bytes += Bytes(incident_added_.head) + Bytes(incident_added_.has) + Bytes(incident_added_.items) +
           Bytes(incident_added_.next);
  return bytes;
}

int Graph::EdgeCount(RelIndex r) const {
  switch (direction(rels_[r].type)) {
    case Direction::kNone: return 0;
    case Direction::kTargetToSource:
    case Direction::kSourceToTarget: return 1;
    case Direction::kBoth: return 2;
  }
  return 0;
}

void Graph::AddEdges(RelIndex r) {
  const RelData& d = rels_[r];
  const auto dir = static_cast<uint8_t>(direction(d.type));
  if (dir & static_cast<uint8_t>(Direction::kTargetToSource)) {
    out_added_.Add(d.target, Edge{d.source, d.type, r});
    in_added_.Add(d.source, Edge{d.target, d.type, r});
    pending_ += 2;
  }
  if (dir & static_cast<uint8_t>(Direction::kSourceToTarget)) {
    out_added_.Add(d.source, Edge{d.target, d.type, r});
    in_added_.Add(d.target, Edge{d.source, d.type, r});
    pending_ += 2;
  }
  incident_added_.Add(d.source, r);
  if (d.target != d.source) incident_added_.Add(d.target, r);
  pending_ += 2;
}

void Graph::Kill(RelIndex r) {
  RelData& d = rels_[r];
  if (!d.alive) return;
  d.alive = false;
  rel_alive_[static_cast<size_t>(r) >> 6] &= ~(uint64_t{1} << (r & 63));
  --live_rels_;
  if (r < rels_in_arrays_) {
    // Its edges stay in the arrays until the next rebuild; readers check
    // liveness while there are any.
    const int64_t edges = 2 * EdgeCount(r);
    dead_array_edges_ += edges;
    pending_ += edges + 2;
  }
}

void Graph::Rebuild() {
  const size_t n = nodes_.size();
  CsrBuilder<Edge> out(n, out_.offsets, out_.items);
  CsrBuilder<Edge> in(n, in_.offsets, in_.items);
  CsrBuilder<RelIndex> incident(n, incident_.offsets, incident_.items);
  constexpr auto kT2S = static_cast<uint8_t>(Direction::kTargetToSource);
  constexpr auto kS2T = static_cast<uint8_t>(Direction::kSourceToTarget);
  const auto rels = static_cast<RelIndex>(rels_.size());
  for (RelIndex r = 0; r < rels; ++r) {
    const RelData& d = rels_[r];
    if (!d.alive) continue;
    const auto dir = static_cast<uint8_t>(direction(d.type));
    if (dir & kT2S) {
      out.Count(d.target);
      in.Count(d.source);
    }
    if (dir & kS2T) {
      out.Count(d.source);
      in.Count(d.target);
    }
    incident.Count(d.source);
    if (d.target != d.source) incident.Count(d.target);
  }
  out.Start();
  in.Start();
  incident.Start();
  for (RelIndex r = 0; r < rels; ++r) {
    const RelData& d = rels_[r];
    if (!d.alive) continue;
    const auto dir = static_cast<uint8_t>(direction(d.type));
    if (dir & kT2S) {
      out.Put(d.target, Edge{d.source, d.type, r});
      in.Put(d.source, Edge{d.target, d.type, r});
    }
    if (dir & kS2T) {
      out.Put(d.source, Edge{d.target, d.type, r});
      in.Put(d.target, Edge{d.source, d.type, r});
    }
    incident.Put(d.source, r);
    if (d.target != d.source) incident.Put(d.target, r);
  }
  out_added_.Clear(n);
  in_added_.Clear(n);
  incident_added_.Clear(n);
  rels_in_arrays_ = rels;
  dead_array_edges_ = 0;
  pending_ = 0;
}

void Graph::MaybeCompact() {
  if (!auto_compact_) return;
  const auto array_items = static_cast<int64_t>(out_.items.size() + in_.items.size() + incident_.items.size());
  if (pending_ > std::max<int64_t>(4096, array_items / 50)) Rebuild();
}

}  // namespace cmdb::impact
