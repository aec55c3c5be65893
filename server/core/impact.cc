#include "core/impact.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace cmdb::impact {
namespace {

// Per-query state of a node in Analyze, valid when epoch is the query's:
// what every edge looks at, 24 bytes so that the walks touch as little
// memory per edge as possible.
struct Slot {
  uint32_t epoch = 0;
  State state = State::kOk;
  State sent = State::kOk;   // the state last passed on to the node's dependants
  State plain = State::kOk;  // worst state passed over edges outside the rule
  uint8_t flags = 0;
  int32_t dist = -1;  // over edges that carried impact; -1 until affected
  int32_t via = -1;
  int32_t via_rel = -1;
  int32_t via_type = -1;
};
static_assert(sizeof(Slot) == 24);
constexpr uint8_t kRoot = 1;
constexpr uint8_t kQueued = 2;
constexpr uint8_t kRuleKnown = 4;  // whether the node has a rule is known
constexpr uint8_t kHasRule = 8;    // Cold's rule fields are set
constexpr uint8_t kInRegion = 16;
constexpr uint8_t kFresh = 32;     // dist set in the level being walked: a via may still improve

// The rest, read only for nodes with a rule; valid per the Slot's flags,
// never by itself.
struct Cold {
  int32_t total = 0;     // rule: distinct inputs over the rule's types
  int32_t needed = 0;
  int32_t lost = 0;      // rule: members whose down state reached the node
  int32_t degraded = 0;  // rule: members whose degraded state reached the node
  uint32_t last_event = 0;
  const Redundancy* rule = nullptr;
};

struct Visit {
  uint32_t epoch = 0;
  int32_t dist = 0;
};

struct CandSlot {
  uint32_t epoch = 0;
  int32_t explains = 0;  // after ranking: the position in the answer
  int32_t distance_sum = 0;
};

// Arrays sized to the graph and reused between queries on a thread. Each
// walk takes a fresh epoch, so nothing is cleared between queries.
struct Scratch {
  std::vector<Slot> slots;
  std::vector<Cold> cold;
  std::vector<Visit> visit;
  std::vector<uint32_t> mark;
  std::vector<CandSlot> cand;
  uint32_t epoch = 0;
  std::vector<NodeId> queue;
  std::vector<NodeId> work;
  std::vector<NodeId> list;
  std::vector<NodeId> roots;
  std::vector<uint8_t> follow;
  std::vector<Effect> effect;
  std::vector<std::array<uint32_t, 2>> seen;  // WalkEffects: per node and walk state
  struct Item {
    NodeId node;
    uint8_t state;
    int32_t dist;
  };
  std::vector<Item> items;

  // Called once at the start of a query: a query takes far fewer than
  // 2^28 epochs, so stamps never wrap inside one.
  void Begin() {
    if (epoch < 0xF0000000u) return;
    for (Slot& s : slots) s.epoch = 0;  // Cold is read only through a valid Slot
    for (Visit& v : visit) v.epoch = 0;
    for (uint32_t& m : mark) m = 0;
    for (CandSlot& c : cand) c.epoch = 0;
    for (auto& x : seen) x = {0, 0};
    epoch = 0;
  }
  uint32_t Next() { return ++epoch; }
};

Scratch& GetScratch() {
  thread_local Scratch scratch;
  scratch.Begin();
  return scratch;
}

template <typename T>
void Fit(std::vector<T>& v, int n) {
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
}

// follow[t] for every type of the graph's table.
void BuildFollow(const Graph& g, const std::vector<bool>& follow_type, std::vector<uint8_t>& follow) {
  const int types = g.type_count();
  follow.assign(static_cast<size_t>(types), follow_type.empty() ? 1 : 0);
  if (follow_type.empty()) return;
  for (int t = 0; t < types && t < static_cast<int>(follow_type.size()); ++t) follow[t] = follow_type[t] ? 1 : 0;
}

bool Alive(const Graph& g, NodeId n) { return n >= 0 && n < g.node_count() && g.node(n).alive; }

// What an input in state `s` passes over an edge of effect `e`.
State Pass(State s, Effect e) {
  if (e == Effect::kDown) return s;
  return s == State::kDown ? State::kDegraded : State::kOk;
}

bool Covers(const Redundancy& rule, TypeId t) {
  if (rule.types.empty()) return true;
  for (TypeId x : rule.types) {
    if (x == t) return true;
  }
  return false;
}

State RuleState(const Cold& c) {
  if (c.lost == 0 && c.degraded == 0) return State::kOk;
  return c.total - c.lost < c.needed ? State::kDown : State::kDegraded;
}

const Redundancy* RuleOf(const Graph& g, const Rules& rules, NodeId v) {
  if (!rules.node_rule.empty()) {
    if (auto it = rules.node_rule.find(v); it != rules.node_rule.end()) return &it->second;
  }
  if (rules.class_rule.empty()) return nullptr;
  const ClassId c = g.class_of(v);
  if (c >= 0 && c < static_cast<ClassId>(rules.class_rule.size())) return rules.class_rule[c];
  return nullptr;
}

// Breadth-first walk from `start` over followed edges (forward or reverse)
// within max_depth hops (0: no limit), only along edges that carry a single
// failure's impact under the types' effects (redundancy aside). Forward from a failed CI the walk
// state is 0 "down" or 1 "degraded"; backward from an affected CI it is 0
// "needs to be affected" or 1 "needs to be down". Both change the same way:
// a down-effect edge keeps the state; a degraded-effect edge turns 0 into 1
// and stops 1 (a degraded CI passes nothing over it, and it makes nothing
// down). fn(node, distance) is called once per node, at its first reach
// (start included); the walk ends early when fn returns false.
template <bool kForward, typename Fn>
void WalkEffects(const Graph& g, Scratch& s, NodeId start, int max_depth, Fn&& fn) {
  const uint32_t ep = s.Next();
  auto& q = s.items;
  q.clear();
  s.seen[start][0] = ep;
  s.visit[start] = Visit{ep, 0};
  q.push_back({start, 0, 0});
  if (!fn(start, 0)) return;
  bool more = true;
  for (size_t h = 0; h < q.size() && more; ++h) {
    const Scratch::Item item = q[h];
    if (max_depth > 0 && item.dist >= max_depth) continue;
    auto step = [&](const Edge& e) {
      if (!more || !s.follow[e.type]) return;
      uint8_t next = item.state;
      if (s.effect[e.type] == Effect::kDegraded) {
        if (next == 1) return;
        next = 1;
      }
      if (s.seen[e.node][next] == ep) return;
      s.seen[e.node][next] = ep;
      q.push_back({e.node, next, item.dist + 1});
      if (s.visit[e.node].epoch != ep) {
        s.visit[e.node] = Visit{ep, item.dist + 1};
        more = fn(e.node, item.dist + 1);
      }
    };
    if constexpr (kForward) {
      g.ForEachOut(item.node, step);
    } else {
      g.ForEachIn(item.node, step);
    }
  }
}

}  // namespace

ImpactResult Analyze(const Graph& g, const Rules& rules, const ImpactQuery& query) {
  ImpactResult result;
  const int n = g.node_count();
  Scratch& s = GetScratch();
  Fit(s.slots, n);
  Fit(s.cold, n);
  Fit(s.mark, n);
  const uint32_t ep = s.Next();
  BuildFollow(g, query.follow_type, s.follow);
  s.effect.assign(static_cast<size_t>(g.type_count()), Effect::kDown);
  for (size_t t = 0; t < s.effect.size() && t < rules.effect_by_type.size(); ++t) s.effect[t] = rules.effect_by_type[t];
  const bool any_rule = !rules.node_rule.empty() ||
                        std::any_of(rules.class_rule.begin(), rules.class_rule.end(),
                                    [](const Redundancy* r) { return r != nullptr; });
  bool all_down = true;
  for (size_t t = 0; t < s.effect.size(); ++t) {
    if (s.follow[t] && s.effect[t] != Effect::kDown) all_down = false;
  }

  std::vector<Slot>& slots = s.slots;
  std::vector<Cold>& cold = s.cold;
  auto touch = [&](NodeId v) -> Slot& {
    Slot& sl = slots[v];
    if (sl.epoch != ep) sl = Slot{.epoch = ep};
    return sl;
  };
  const bool any_stop = std::find(query.stop_class.begin(), query.stop_class.end(), true) != query.stop_class.end();
  // True when `v` stops propagation: a stop class, not a root.
  auto stops = [&](NodeId v, const Slot& sl) {
    if (!any_stop || (sl.flags & kRoot)) return false;
    const ClassId c = g.class_of(v);
    return c >= 0 && c < static_cast<ClassId>(query.stop_class.size()) && query.stop_class[c];
  };

  std::vector<NodeId>& roots = s.roots;
  roots.clear();
  for (NodeId r : query.roots) {
    if (!Alive(g, r)) continue;
    Slot& sl = touch(r);
    if (sl.flags & kRoot) continue;
    sl.flags |= kRoot;
    roots.push_back(r);
  }
  if (roots.empty() || query.root_state == State::kOk) return result;

  // The region, when the depth is limited (otherwise every node is in it):
  // a breadth-first walk, level by level. When every followed edge passes
  // states unchanged and no rule applies, propagation below is itself that
  // walk (every affected node has the roots' state and passes it over every
  // edge, in breadth-first order), so the region is the nodes it reaches
  // within max_depth and needs no walk of its own.
  const bool limited = query.max_depth > 0;
  const bool bfs_only = all_down && !any_rule;
  const bool region_walk = limited && !bfs_only;
  if (region_walk) {
    std::vector<NodeId>& q = s.queue;
    q.clear();
    for (NodeId r : roots) {
      slots[r].flags |= kInRegion;
      q.push_back(r);
    }
    size_t level_end = q.size();
    int depth = 0;
    for (size_t h = 0; h < q.size(); ++h) {
      if (h == level_end) {
        ++depth;
        level_end = q.size();
      }
      if (depth >= query.max_depth) break;
      const NodeId u = q[h];
      if (stops(u, slots[u])) continue;
      g.ForEachOut(u, [&](const Edge& e) {
        if (!s.follow[e.type]) return;
        Slot& sv = touch(e.node);
        if (sv.flags & kInRegion) return;
        sv.flags |= kInRegion;
        q.push_back(e.node);
      });
    }
  }

  // Propagation to the fixed point, with distances. A node is queued when
  // its state rose; on its turn it passes the change (sent -> state) to its
  // dependants, whose counters are updated in place, so every edge is
  // looked at once per rise of its input (at most twice). It also offers
  // its distance over every edge that carries its state. Whether an edge
  // carries depends only on its input's state, which only rises; so if no
  // node's distance falls after it made its own offers, every node's last
  // offers used its final distance and state, and the distances are the
  // shortest over the edges that carry in the end (with the smaller
  // (node, relationship) among equal offers). Otherwise, rarely, they are
  // computed again below by a walk of their own.
  std::vector<NodeId>& work = s.work;
  std::vector<NodeId>& affected = s.list;
  work.clear();
  affected.clear();
  for (NodeId r : roots) {
    Slot& sl = slots[r];
    sl.state = query.root_state;
    sl.dist = 0;
    sl.via = -1;
    sl.flags |= kQueued;
    work.push_back(r);
    affected.push_back(r);
  }
  uint32_t event = 0;
  bool redo_distances = false;
  for (size_t h = 0; h < work.size(); ++h) {
    const NodeId u = work[h];
    Slot& su = slots[u];
    su.flags &= static_cast<uint8_t>(~kQueued);
    const State now = su.state;
    const State before = su.sent;
    if (now <= before) continue;
    su.sent = now;
    if (stops(u, su)) continue;
    if (limited && bfs_only && su.dist >= query.max_depth) continue;
    ++event;
    const int32_t offer = su.dist + 1;
    g.ForEachOut(u, [&](const Edge& e) {
      if (!s.follow[e.type]) return;
      const NodeId v = e.node;
      Slot* svp;
      if (region_walk) {
        svp = &slots[v];
        if (svp->epoch != ep || !(svp->flags & kInRegion)) return;
      } else {
        svp = &touch(v);
      }
      Slot& sv = *svp;
      if (sv.flags & kRoot) return;
      if (!(sv.flags & kRuleKnown)) {
        sv.flags |= kRuleKnown;
        const Redundancy* rule = any_rule ? RuleOf(g, rules, v) : nullptr;
        if (rule != nullptr) {
          sv.flags |= kHasRule;
          Cold& cv = cold[v];
          cv = Cold{};
          cv.rule = rule;
          const uint32_t m = s.Next();
          int total = 0;
          g.ForEachIn(v, [&](const Edge& in) {
            if (!Covers(*rule, in.type) || s.mark[in.node] == m) return;
            s.mark[in.node] = m;
            ++total;
          });
          cv.total = total;
          cv.needed = rule->min_up > 0
                          ? rule->min_up
                          : static_cast<int32_t>((static_cast<int64_t>(total) * rule->min_up_percent + 99) / 100);
        }
      }
      // The state.
      State next = State::kOk;
      bool carried;
      if ((sv.flags & kHasRule) && Covers(*cold[v].rule, e.type)) {
        carried = true;  // a member that is not ok always counts
        Cold& cv = cold[v];
        if (cv.last_event != event) {  // once per member, however many edges
          cv.last_event = event;
          if (before == State::kDegraded) --cv.degraded;
          if (now == State::kDown) {
            ++cv.lost;
          } else {
            ++cv.degraded;
          }
          next = std::max(sv.plain, RuleState(cv));
        }
      } else {
        const State passed = Pass(now, s.effect[e.type]);
        carried = passed != State::kOk;
        if (passed > sv.plain) {
          sv.plain = passed;
          next = passed;  // the rule's part is at most the current state
        }
      }
      if (next > sv.state) {
        if (sv.state == State::kOk) affected.push_back(v);
        sv.state = next;
        if (!(sv.flags & kQueued)) {
          sv.flags |= kQueued;
          work.push_back(v);
        }
      }
      // The distance.
      if (!carried || redo_distances) return;
      if (sv.dist < 0 || offer < sv.dist) {
        if (sv.dist >= 0 && sv.sent != State::kOk) redo_distances = true;  // it offered a longer one
        sv.dist = offer;
        sv.via = u;
        sv.via_rel = e.rel;
        sv.via_type = e.type;
      } else if (offer == sv.dist && (u < sv.via || (u == sv.via && e.rel < sv.via_rel))) {
        sv.via = u;
        sv.via_rel = e.rel;
        sv.via_type = e.type;
      }
    });
  }

  // The distances by a walk of their own: breadth-first, level by level,
  // over the edges that carry. While a level is walked the nodes it finds
  // are fresh, and a smaller predecessor replaces their via.
  if (redo_distances) {
    for (NodeId v : affected) {
      if (!(slots[v].flags & kRoot)) slots[v].dist = -1;
    }
    std::vector<NodeId>& q = s.queue;
    q.assign(roots.begin(), roots.end());
    size_t level_end = q.size();
    int32_t du = 0;
    for (size_t h = 0; h < q.size(); ++h) {
      if (h == level_end) {
        for (size_t i = h; i < q.size(); ++i) slots[q[i]].flags &= static_cast<uint8_t>(~kFresh);
        ++du;
        level_end = q.size();
      }
      const NodeId u = q[h];
      const Slot& su = slots[u];
      if (stops(u, su)) continue;
      const State us = su.state;
      g.ForEachOut(u, [&](const Edge& e) {
        if (!s.follow[e.type]) return;
        Slot& sv = slots[e.node];
        if (sv.epoch != ep || sv.state == State::kOk || (sv.flags & kRoot)) return;
        if (sv.dist >= 0 && !(sv.flags & kFresh)) return;  // nearer already
        const bool member = (sv.flags & kHasRule) && Covers(*cold[e.node].rule, e.type);
        const bool carried = member || Pass(us, s.effect[e.type]) != State::kOk;
        if (!carried) return;
        if (sv.dist < 0) {
          sv.flags |= kFresh;
          sv.dist = du + 1;
          q.push_back(e.node);
        } else if (u > sv.via || (u == sv.via && e.rel >= sv.via_rel)) {
          return;
        }
        sv.via = u;
        sv.via_rel = e.rel;
        sv.via_type = e.type;
      });
    }
  }

  std::vector<std::pair<int32_t, NodeId>> order;
  order.reserve(affected.size());
  for (NodeId v : affected) {
    if (!(slots[v].flags & kRoot)) order.emplace_back(slots[v].dist, v);
  }
  std::sort(order.begin(), order.end());
  result.affected.reserve(affected.size());
  auto emit = [&](NodeId v) {
    const Slot& sl = slots[v];
    Affected a;
    a.node = v;
    a.state = sl.state;
    a.distance = sl.dist;
    a.via = sl.via;
    a.via_rel = sl.via_rel;
    a.via_type = sl.via_type;
    if ((sl.flags & kHasRule) && !(sl.flags & kRoot)) {
      const Cold& cv = cold[v];
      a.redundancy_total = cv.total;
      a.redundancy_lost = cv.lost;
      a.redundancy_needed = cv.needed;
    }
    result.affected.push_back(a);
  };
  for (NodeId r : roots) emit(r);
  for (const auto& [dist, v] : order) emit(v);
  return result;
}

absl::flat_hash_map<NodeId, int> IndexByNode(const ImpactResult& result) {
  absl::flat_hash_map<NodeId, int> index;
  index.reserve(result.affected.size());
  for (size_t i = 0; i < result.affected.size(); ++i) index.emplace(result.affected[i].node, static_cast<int>(i));
  return index;
}

std::vector<int> PathTo(const ImpactResult& result, const absl::flat_hash_map<NodeId, int>& index, int i) {
  std::vector<int> path;
  if (i < 0 || i >= static_cast<int>(result.affected.size())) return path;
  int at = i;
  // Bounded by the result's size, in case of a result not made by Analyze.
  for (size_t steps = 0; steps <= result.affected.size(); ++steps) {
    const Affected& a = result.affected[at];
    path.push_back(at);
    if (a.via < 0) break;
    auto it = index.find(a.via);
    if (it == index.end()) break;
    at = it->second;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

absl::flat_hash_map<NodeId, int> Reachable(const Graph& g, const std::vector<NodeId>& roots, int max_depth,
                                           const std::vector<bool>& follow_type) {
  absl::flat_hash_map<NodeId, int> reached;
  Scratch& s = GetScratch();
  Fit(s.visit, g.node_count());
  BuildFollow(g, follow_type, s.follow);
  const uint32_t ep = s.Next();
  std::vector<NodeId>& q = s.queue;
  q.clear();
  for (NodeId r : roots) {
    if (!Alive(g, r) || s.visit[r].epoch == ep) continue;
    s.visit[r] = Visit{ep, 0};
    q.push_back(r);
  }
  for (size_t h = 0; h < q.size(); ++h) {
    const NodeId u = q[h];
    const int d = s.visit[u].dist;
    if (max_depth > 0 && d >= max_depth) continue;
    g.ForEachOut(u, [&](const Edge& e) {
      if (!s.follow[e.type]) return;
      Visit& v = s.visit[e.node];
      if (v.epoch == ep) return;
      v = Visit{ep, d + 1};
      q.push_back(e.node);
    });
  }
  reached.reserve(q.size());
  for (NodeId v : q) reached.emplace(v, s.visit[v].dist);
  return reached;
}

std::vector<Candidate> RankRootCauses(const Graph& g, const Rules& rules, const RootCauseQuery& query) {
  std::vector<Candidate> answer;
  if (query.max_candidates <= 0) return answer;
  const int n = g.node_count();
  Scratch& s = GetScratch();
  Fit(s.visit, n);
  Fit(s.mark, n);
  Fit(s.cand, n);
  Fit(s.seen, n);
  BuildFollow(g, query.follow_type, s.follow);
  s.effect.assign(static_cast<size_t>(g.type_count()), Effect::kDown);
  for (size_t t = 0; t < s.effect.size() && t < rules.effect_by_type.size(); ++t) s.effect[t] = rules.effect_by_type[t];

  const uint32_t alarm_mark = s.Next();
  std::vector<NodeId> alarms;
  for (NodeId a : query.alarms) {
    if (!Alive(g, a) || s.mark[a] == alarm_mark) continue;
    s.mark[a] = alarm_mark;
    alarms.push_back(a);
  }
  if (alarms.empty()) return answer;

  // Every ancestor of every alarm, with how many alarms it reaches.
  const uint32_t cand_epoch = s.Next();
  std::vector<NodeId> cands;
  for (NodeId a : alarms) {
    WalkEffects<false>(g, s, a, query.max_depth, [&](NodeId c, int d) {
      CandSlot& cs = s.cand[c];
      if (cs.epoch != cand_epoch) {
        cs = CandSlot{cand_epoch, 0, 0};
        cands.push_back(c);
      }
      ++cs.explains;
      cs.distance_sum += d;
      return true;
    });
  }

  struct Row {
    NodeId node;
    int explains;
    int evidence;
    int silent;
    int distance_sum;
  };
  std::vector<Row> rows;
  rows.reserve(cands.size());
  for (NodeId c : cands) {
    int evidence = 0;
    if (!query.evidence.empty()) {
      if (auto it = query.evidence.find(c); it != query.evidence.end()) evidence = it->second;
    }
    rows.push_back(Row{c, s.cand[c].explains, evidence, 0, s.cand[c].distance_sum});
  }
  auto uuid_less = [&](NodeId a, NodeId b) { return g.node(a).id < g.node(b).id; };
  auto before_silent = [&](const Row& a, const Row& b) {
    if (a.explains != b.explains) return a.explains > b.explains;
    if (a.evidence != b.evidence) return a.evidence > b.evidence;
    if (a.distance_sum != b.distance_sum) return a.distance_sum < b.distance_sum;
    return uuid_less(a.node, b.node);
  };
  auto full = [&](const Row& a, const Row& b) {
    if (a.explains != b.explains) return a.explains > b.explains;
    if (a.evidence != b.evidence) return a.evidence > b.evidence;
    if (a.silent != b.silent) return a.silent < b.silent;
    if (a.distance_sum != b.distance_sum) return a.distance_sum < b.distance_sum;
    return uuid_less(a.node, b.node);
  };

  // The shortlist, then the silent CIs of each.
  const size_t shortlist = std::min<size_t>(rows.size(), 4 * static_cast<size_t>(query.max_candidates));
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shortlist), rows.end(), before_silent);
  rows.resize(shortlist);
  const int64_t cap = std::max<int64_t>(1, 1'000'000 / static_cast<int64_t>(std::max<size_t>(shortlist, 1)));
  for (Row& row : rows) {
    int64_t visits = 0;
    int silent = 0;
    WalkEffects<true>(g, s, row.node, query.max_depth, [&](NodeId v, int d) {
      if (d > 0 && s.mark[v] != alarm_mark) ++silent;
      return ++visits < cap;
    });
    row.silent = silent;
  }
  std::sort(rows.begin(), rows.end(), full);
  if (rows.size() > static_cast<size_t>(query.max_candidates)) rows.resize(static_cast<size_t>(query.max_candidates));

  // The alarms each chosen candidate explains, in alarm order.
  const uint32_t chosen = s.Next();
  answer.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    s.cand[rows[i].node] = CandSlot{chosen, static_cast<int32_t>(i), 0};
    Candidate& c = answer[i];
    c.node = rows[i].node;
    c.silent_affected = rows[i].silent;
    c.distance_sum = rows[i].distance_sum;
    c.evidence = rows[i].evidence;
  }
  for (NodeId a : alarms) {
    WalkEffects<false>(g, s, a, query.max_depth, [&](NodeId c, int) {
      if (s.cand[c].epoch == chosen) answer[s.cand[c].explains].explained.push_back(a);
      return true;
    });
  }
  for (Candidate& c : answer) {
    size_t j = 0;
    for (NodeId a : alarms) {
      if (j < c.explained.size() && c.explained[j] == a) {
        ++j;
      } else {
        c.unexplained.push_back(a);
      }
    }
  }
  return answer;
}

}  // namespace cmdb::impact
