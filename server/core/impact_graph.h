// The impact graph: current CIs and relationships on dense integer ids, in
// compressed adjacency arrays (CSR) for the bulk of the edges plus a small
// overlay for the changes applied since the arrays were last built. Pure
// data structure, no I/O and no locking: the owner (service/impact_service)
// serialises writers against readers. Const readers may run on several
// threads at once.
//
// Nodes are CIs, keyed by their 16-byte UUID; relationships are kept as
// (source, target, type) and turned into impact edges by the direction of
// their type: "u -> v" means that u failing affects v (for target_to_source
// the edge runs target -> source, for both there are two edges, for none
// there is none). Changing a type's direction rebuilds the arrays.
//
// Slots: a node or relationship gets a new slot when first seen, and a
// relationship also whenever an upsert changes its endpoints or type (the
// old slot dies with its edges). A removed node that comes back gets a new
// slot. Dead slots stay (alive = false) and are never reused, so ids held
// by a query result stay meaningful until the graph is dropped.
//
// Cost: writers append to the overlay in O(1) amortised (RemoveNode in the
// node's degree); when the overlay plus the edges of dead relationships
// still in the arrays exceed max(4096, 2% of the arrays), the writer
// compacts, which rebuilds the arrays in O(nodes + relationships) by
// counting sort (a bulk load turns this off meanwhile: SetAutoCompact).
// Readers visit array edges, then overlay edges (newest first).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/uuid.h"

namespace cmdb::impact {

using NodeId = int32_t;   // dense, assigned in order of first sight, never reused
using TypeId = int32_t;   // relationship type, index into the type table
using ClassId = int32_t;  // CI class, index into the class table
using RelIndex = int32_t; // relationship slot, never reused
using Uuid = UuidBytes;  // core/uuid.h: ParseUuid, FormatUuid

enum class Direction : uint8_t { kNone = 0, kTargetToSource = 1, kSourceToTarget = 2, kBoth = 3 };

using ::cmdb::FormatUuid;
using ::cmdb::ParseUuid;

struct UuidHash {
  size_t operator()(const Uuid& u) const;
};

// One impact edge as seen from one end: the node at the other end, the
// relationship's type and its slot.
struct Edge {
  NodeId node;
  TypeId type;
  RelIndex rel;
};

struct NodeData {
  Uuid id{};
  ClassId class_id = 0;
  uint8_t criticality = 0;  // 0 unset, 1 low .. 4 critical (cmdb.v1.Criticality)
  bool alive = false;       // false once removed
  std::string name;
};

struct RelData {
  Uuid id{};
  NodeId source = -1;
  NodeId target = -1;
  TypeId type = 0;
  bool alive = false;  // false once removed or replaced
};

class Graph {
 public:
  Graph() = default;

  // --- Writing ------------------------------------------------------------
  // Sets the impact direction of each type (indexed by TypeId; types beyond
  // the vector's end have kNone). Rebuilds the arrays.
  void SetDirections(std::vector<Direction> by_type);
  // Adds the node or updates its data; returns its id.
  NodeId UpsertNode(const Uuid& id, ClassId class_id, uint8_t criticality, std::string_view name);
  // Removes the node and every relationship that touches it (whatever its
  // type's direction). No-op when unknown.
  void RemoveNode(const Uuid& id);
  // Adds or replaces the relationship `id` (its endpoints must exist: a
  // relationship with an unknown endpoint is ignored and false returned;
  // an existing relationship of that id then stays as it was). Upserting
  // the same endpoints and type again changes nothing; other changes give
  // the relationship a new slot. True when the relationship is in the graph.
  bool UpsertRelationship(const Uuid& id, const Uuid& source, const Uuid& target, TypeId type);
  // No-op when unknown.
  void RemoveRelationship(const Uuid& id);
  // Folds the overlay into the arrays and drops the edges of dead
  // relationships. Called by the writers above when the overlay grows past
  // a fraction of the arrays; callable at any time.
  void Compact();
  // Automatic compaction is on by default. A bulk load (the whole graph at
  // start) turns it off, upserts everything, and turns it back on, which
  // compacts once when needed: one O(V+E) rebuild instead of one every 2%.
  void SetAutoCompact(bool enabled);

  // --- Reading ------------------------------------------------------------
  int node_count() const { return static_cast<int>(nodes_.size()); }  // slots, dead included
  int relationship_slot_count() const { return static_cast<int>(rels_.size()); }  // dead included
  int live_node_count() const { return live_nodes_; }
  int live_relationship_count() const { return live_rels_; }
  // Size of the direction table: every impact edge has a type below it.
  int type_count() const { return static_cast<int>(directions_.size()); }
  const NodeData& node(NodeId n) const { return nodes_[n]; }
  ClassId class_of(NodeId n) const { return class_of_[n]; }  // node(n).class_id, densely stored
  const RelData& relationship(RelIndex r) const { return rels_[r]; }
  // -1 when unknown or removed.
  NodeId Find(const Uuid& id) const;
  // The relationship's current slot; -1 when unknown or removed.
  RelIndex FindRelationship(const Uuid& id) const;
  Direction direction(TypeId t) const;
  // Edges waiting in the overlay (both directions) plus array edges of dead
  // relationships: what the next Compact folds away.
  int64_t pending_edges() const { return pending_; }

  // Calls fn(const Edge&) for each impact edge leaving `n` (the nodes n
  // affects) or entering it (the nodes that affect n). Edges of removed or
  // replaced relationships are skipped. `n` must be a valid slot.
  template <typename Fn>
  void ForEachOut(NodeId n, Fn&& fn) const { ForEach(out_, out_added_, n, fn); }
  template <typename Fn>
  void ForEachIn(NodeId n, Fn&& fn) const { ForEach(in_, in_added_, n, fn); }

  // Bytes held by the arrays, overlay and tables (approximate).
  size_t MemoryBytes() const;

 private:
  template <typename T>
  struct Csr {
    std::vector<int64_t> offsets;  // nodes at the last rebuild + 1 entries
    std::vector<T> items;
  };
  // Per-node chains of items added since the last rebuild: head[n] is the
  // newest item's index in `items`, next[i] the one before it (-1 ends).
  // `has` is a bitmap of the nodes with a chain, small enough to stay in
  // cache, so readers skip `head` for the others.
  template <typename T>
  struct Overlay {
    std::vector<int32_t> head;  // by node, -1 when empty
    std::vector<uint64_t> has;  // by node, one bit each
    std::vector<T> items;
    std::vector<int32_t> next;
    void Grow(size_t nodes) {
      head.resize(nodes, -1);
      has.resize((nodes + 63) / 64, 0);
    }
    void Add(NodeId n, const T& item) {
      next.push_back(head[n]);
      head[n] = static_cast<int32_t>(items.size());
      has[static_cast<size_t>(n) >> 6] |= uint64_t{1} << (n & 63);
      items.push_back(item);
    }
    bool Has(NodeId n) const { return (has[static_cast<size_t>(n) >> 6] >> (n & 63)) & 1; }
    void Clear(size_t nodes) {
      head.assign(nodes, -1);
      has.assign((nodes + 63) / 64, 0);
      items.clear();
      next.clear();
      // After a bulk load the overlay held everything once: give that back.
      if (items.capacity() > 65536) {
        items.shrink_to_fit();
        next.shrink_to_fit();
      }
    }
  };

  bool RelAlive(RelIndex r) const { return (rel_alive_[static_cast<size_t>(r) >> 6] >> (r & 63)) & 1; }

  template <typename Fn>
  void ForEach(const Csr<Edge>& csr, const Overlay<Edge>& added, NodeId n, Fn& fn) const {
    if (n + 1 < static_cast<NodeId>(csr.offsets.size())) {
      const Edge* it = csr.items.data() + csr.offsets[n];
      const Edge* end = csr.items.data() + csr.offsets[n + 1];
      if (dead_array_edges_ == 0) {
        for (; it != end; ++it) fn(*it);
      } else {
        for (; it != end; ++it) {
          if (RelAlive(it->rel)) fn(*it);
        }
      }
    }
    if (added.items.empty() || !added.Has(n)) return;
    for (int32_t i = added.head[n]; i >= 0; i = added.next[i]) {
      const Edge& e = added.items[i];
      if (RelAlive(e.rel)) fn(e);
    }
  }

  int EdgeCount(RelIndex r) const;  // impact edges of the relationship (0..2)
  void AddEdges(RelIndex r);        // into the overlay, by the type's direction
  void Kill(RelIndex r);            // marks dead, counts its array edges as pending
  void Rebuild();
  void MaybeCompact();

  std::vector<Direction> directions_;
  std::vector<NodeData> nodes_;
  std::vector<RelData> rels_;
  std::vector<ClassId> class_of_;   // by node
  std::vector<uint64_t> rel_alive_;  // by relationship slot, one bit each
  absl::flat_hash_map<Uuid, NodeId, UuidHash> node_index_;
  absl::flat_hash_map<Uuid, RelIndex, UuidHash> rel_index_;
  Csr<Edge> out_;
  Csr<Edge> in_;
  Csr<RelIndex> incident_;  // every relationship touching a node, any direction
  Overlay<Edge> out_added_;
  Overlay<Edge> in_added_;
  Overlay<RelIndex> incident_added_;
  RelIndex rels_in_arrays_ = 0;   // slots below this were considered by the last rebuild
  int64_t dead_array_edges_ = 0;  // array edges (out, in) of relationships dead since
  int64_t pending_ = 0;
  int live_nodes_ = 0;
  int live_rels_ = 0;
  bool auto_compact_ = true;
};

}  // namespace cmdb::impact
