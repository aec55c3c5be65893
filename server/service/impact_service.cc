// ImpactService's queries: AnalyzeImpact and SuggestRootCause, on the live
// graph (impact_live.cc) or one read from history, translated between API
// values and the dense ids of core/impact.h.
#include "service/impact_service.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "absl/container/flat_hash_map.h"
#include "core/impact.h"
#include "core/impact_checks.h"
#include "core/impact_graph.h"
#include "core/status.h"
#include "core/strings.h"
#include "db/impact_store.h"
#include "service/impact_live.h"

namespace cmdb {
namespace {

using impact::ClassId;
using impact::NodeId;
using impact::TypeId;

std::string StateWord(impact::State s) { return s == impact::State::kDown ? "down" : "degraded"; }

// The types a query follows, by TypeId (empty: all).
std::vector<bool> FollowTypes(const NamedGraph& g, const std::vector<std::string>& names) {
  std::vector<bool> follow;
  if (names.empty()) return follow;
  follow.assign(g.types.names.size(), false);
  for (const auto& t : names) {
    if (int32_t id = g.types.Find(t); id >= 0) follow[id] = true;
  }
  return follow;
}

// Rules on dense ids for one query.
struct QueryRules {
  impact::Rules rules;
  std::vector<impact::Redundancy> class_rules;  // owned; rules.class_rule points here
};

impact::Redundancy ToRedundancy(const RedundancyRuleInfo& info, const IdTable& types) {
  impact::Redundancy r;
  r.min_up = info.min_up;
  r.min_up_percent = info.min_up_percent;
  for (const auto& t : info.relationship_types) {
    if (int32_t id = types.Find(t); id >= 0) r.types.push_back(id);
  }
  // A rule over types no relationship has yet still counts only those types.
  if (r.types.empty() && !info.relationship_types.empty()) r.types.push_back(-1);
  return r;
}

void BuildRules(const NamedGraph& g, const PropagationRuleSet& set, const Catalog& catalog, QueryRules* out) {
  out->rules.effect_by_type.assign(g.types.names.size(), impact::Effect::kDown);
  for (const auto& t : set.types) {
    if (int32_t id = g.types.Find(t.relationship_type); id >= 0 && t.effect == "degraded") {
      out->rules.effect_by_type[id] = impact::Effect::kDegraded;
    }
  }
  absl::flat_hash_map<std::string, const RedundancyRuleInfo*> by_class;
  for (const auto& c : set.classes) by_class[c.class_name] = &c.rule;
  out->class_rules.clear();
  out->class_rules.reserve(g.classes.names.size());
  out->rules.class_rule.assign(g.classes.names.size(), nullptr);
  for (size_t cid = 0; cid < g.classes.names.size(); ++cid) {
    std::string cls = g.classes.names[cid];
    for (int guard = 0; !cls.empty() && guard < 64; ++guard) {
      if (auto it = by_class.find(cls); it != by_class.end()) {
        out->class_rules.push_back(ToRedundancy(*it->second, g.types));
        out->rules.class_rule[cid] = &out->class_rules.back();
        break;
      }
      const ClassDef* def = catalog.FindClass(cls);
      cls = def == nullptr ? "" : def->parent;
    }
  }
  out->rules.node_rule.clear();
  for (const auto& c : set.cis) {
    impact::Uuid id;
    if (!impact::ParseUuid(c.ci_id, &id)) continue;
    if (NodeId n = g.graph.Find(id); n >= 0) out->rules.node_rule[n] = ToRedundancy(c.rule, g.types);
  }
}

}  // namespace

absl::StatusOr<ImpactAnswer> ImpactService::Analyze(const ImpactRequest& request) {
  Live& L = *live_;
  if (!L.started) return absl::UnavailableError("impact analysis is not running");
  impact::ImpactQuery query;
  if (request.scenario == "outage" || request.scenario == "change" || request.scenario.empty()) {
    query.root_state = impact::State::kDown;
  } else if (request.scenario == "degraded") {
    query.root_state = impact::State::kDegraded;
  } else {
    return FieldError("scenario", StrCat("\"", request.scenario, "\" is not one of outage, degraded, change"));
  }
  if (request.max_depth < 0) return FieldError("max_depth", "must not be negative");
  if (request.max_results < 0) return FieldError("max_results", "must not be negative");
  query.max_depth = request.max_depth;

  std::vector<impact::Uuid> root_uuids;
  if (absl::Status st = ParseUuids(request.ci_ids, "ci_ids", &root_uuids); !st.ok()) return st;
  std::vector<std::string> root_texts = request.ci_ids;
  if (request.change) {
    RecordRef ref = *request.change;
    if (ref.kind.empty()) ref.kind = "change";
    if (ref.kind != "change") return FieldError("change.kind", "must be \"change\"");
    absl::StatusOr<ExternalRecordInfo> record = GetRecord(ref);
    if (!record.ok()) {
      if (absl::IsNotFound(record.status())) {
        return absl::NotFoundError(StrCat("change: no change record \"", ref.key, "\""));
      }
      return record.status();
    }
    if (record->ci_ids.empty()) {
      return absl::FailedPreconditionError(StrCat("change: record \"", ref.key, "\" is linked to no CI"));
    }
    if (absl::Status st = ParseUuids(record->ci_ids, "change.ci_ids", &root_uuids); !st.ok()) return st;
    root_texts.insert(root_texts.end(), record->ci_ids.begin(), record->ci_ids.end());
  }
  if (root_uuids.empty()) return FieldError("ci_ids", "give at least one CI, or a change record");
  if (static_cast<int>(root_uuids.size()) > options_.max_roots) {
    return FieldError("ci_ids", StrCat("at most ", options_.max_roots, " roots"));
  }

  absl::StatusOr<Freshness> fresh = Fresh(root_uuids);
  if (!fresh.ok()) return fresh.status();
  const Catalog& catalog = *fresh->catalog;
  if (absl::Status st = CheckRelationshipTypes(catalog, request.relationship_types, "relationship_types"); !st.ok()) return st;
  for (size_t i = 0; i < request.stop_classes.size(); ++i) {
    if (catalog.FindClass(request.stop_classes[i]) == nullptr) {
      return FieldError(StrCat("stop_classes[", i, "]"), StrCat("no class \"", request.stop_classes[i], "\""));
    }
  }

  // The graph: the live one brought up to date, or one read from history.
  std::unique_ptr<NamedGraph> historic;
  std::shared_lock<std::shared_mutex> graph_lock;
  const NamedGraph* g = nullptr;
  PropagationRuleSet rules_copy;
  const PropagationRuleSet* rules = nullptr;
  if (request.as_of) {
    historic = std::make_unique<NamedGraph>();
    absl::Status st = db_.Read([&](db::Tx& tx) -> absl::Status {
      rules_copy = db::LoadPropagationRules(tx);
      historic->ApplyDirections(rules_copy);
      historic->graph.SetAutoCompact(false);
      return db::ReadGraph(
          tx, request.as_of,
          [&](const db::GraphNodeRow& n) { historic->Node(n.id, n.class_name, n.criticality, n.name); },
          [&](const db::GraphRelRow& r) { historic->Rel(r.id, r.type, r.source_id, r.target_id); });
    });
    if (!st.ok()) return st;
    historic->graph.Compact();
    g = historic.get();
    rules = &rules_copy;
  } else {
    if (absl::Status st = CatchUp(fresh->head, fresh->rules_generation, catalog.generation()); !st.ok()) return st;
    graph_lock = std::shared_lock<std::shared_mutex>(L.graph_mu);
    g = &L.g;
    rules = &L.rules;
  }

  for (size_t i = 0; i < root_uuids.size(); ++i) {
    const NodeId n = g->graph.Find(root_uuids[i]);
    if (n < 0) {
      const std::string field = i < request.ci_ids.size() ? StrCat("ci_ids[", i, "]") : std::string("change");
      return absl::NotFoundError(StrCat(field, ": no CI ", root_texts[i],
                                        request.as_of ? " at the as_of time" : ""));
    }
    if (std::find(query.roots.begin(), query.roots.end(), n) == query.roots.end()) query.roots.push_back(n);
  }
  query.follow_type = FollowTypes(*g, request.relationship_types);
  if (!request.stop_classes.empty()) {
    query.stop_class.assign(g->classes.names.size(), false);
    for (size_t c = 0; c < g->classes.names.size(); ++c) {
      for (const auto& s : request.stop_classes) {
        if (catalog.IsA(g->classes.names[c], s)) query.stop_class[c] = true;
      }
    }
  }
  QueryRules qr;
  BuildRules(*g, *rules, catalog, &qr);
  const impact::ImpactResult result = impact::Analyze(g->graph, qr.rules, query);

  // Into API values: ordering, totals, services and risk on dense ids; text
  // only for what the answer carries.
  const std::vector<impact::Affected>& hit = result.affected;
  const impact::Graph& graph = g->graph;
  // The answer's order (roots, then by distance, name and id), as far as
  // the answer needs it: with max_results, only the first max_results and
  // the roots (which come first) are put in order.
  std::vector<int> order(hit.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  size_t limit = hit.size();
  if (request.max_results > 0 && limit > static_cast<size_t>(request.max_results)) {
    limit = static_cast<size_t>(request.max_results);
  }
  const size_t root_count = static_cast<size_t>(
      std::count_if(hit.begin(), hit.end(), [](const impact::Affected& a) { return a.via < 0; }));
  auto before = [&](int x, int y) {
    const impact::Affected& a = hit[x];
    const impact::Affected& b = hit[y];
    if ((a.via < 0) != (b.via < 0)) return a.via < 0;
    if (a.distance != b.distance) return a.distance < b.distance;
    const impact::NodeData& na = graph.node(a.node);
    const impact::NodeData& nb = graph.node(b.node);
    if (const int c = na.name.compare(nb.name); c != 0) return c < 0;
    return na.id < nb.id;
  };
  const size_t ordered = std::max(limit, root_count);
  if (ordered < order.size()) {
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(ordered), order.end(), before);
  } else {
    std::sort(order.begin(), order.end(), before);
  }
  std::vector<char> is_service(g->classes.names.size(), 0);
  for (size_t c = 0; c < is_service.size(); ++c) is_service[c] = catalog.IsA(g->classes.names[c], "business_service");
  std::vector<std::pair<int, int>> totals(g->classes.names.size());  // down, degraded
  RiskInputs risk;
  std::vector<int> services;
  for (size_t i = 0; i < hit.size(); ++i) {
    const impact::Affected& a = hit[i];
    const impact::NodeData& node = graph.node(a.node);
    const bool down = a.state == impact::State::kDown;
    (down ? totals[node.class_id].first : totals[node.class_id].second) += 1;
    if (a.via >= 0) risk.affected.push_back({node.criticality, down});
    if (is_service[node.class_id]) {
      services.push_back(static_cast<int>(i));
      risk.services.push_back({node.criticality, down});
    }
    if (a.redundancy_total >= 0 && a.redundancy_lost > 0 &&
        a.redundancy_total - a.redundancy_lost == a.redundancy_needed) {
      ++risk.redundancy_exhausted;
    }
  }
  absl::flat_hash_map<NodeId, int> index;
  if (request.include_paths) index = impact::IndexByNode(result);
  auto info_of = [&](int i) {
    const impact::Affected& a = hit[i];
    const impact::NodeData& node = graph.node(a.node);
    AffectedCiInfo info;
    info.id = impact::FormatUuid(node.id);
    info.name = node.name;
    info.class_name = g->classes.names[node.class_id];
    info.criticality = std::string(CriticalityOfRank(node.criticality));
    info.state = StateWord(a.state);
    info.distance = a.distance;
    info.root = a.via < 0;
    if (a.via >= 0) {
      info.via_id = impact::FormatUuid(graph.node(a.via).id);
      info.via_relationship_type = a.via_type >= 0 ? g->types.names[a.via_type] : "";
    }
    if (a.redundancy_total >= 0) {
      info.redundancy = StrCat("needs ", a.redundancy_needed, " of ", a.redundancy_total, ", ",
                               a.redundancy_total - a.redundancy_lost, " left");
    }
    if (request.include_paths) {
      for (int step : impact::PathTo(result, index, i)) {
        const impact::Affected& s = hit[step];
        PathStep p;
        p.ci_id = impact::FormatUuid(graph.node(s.node).id);
        if (s.via_rel >= 0) {
          p.relationship_type = g->types.names[s.via_type];
          p.relationship_id = impact::FormatUuid(graph.relationship(s.via_rel).id);
        }
        info.path.push_back(std::move(p));
      }
    }
    return info;
  };

  ImpactAnswer answer;
  answer.as_of = request.as_of.value_or(clock_.Now());
  answer.affected_count = static_cast<int>(hit.size());
  answer.truncated = limit < hit.size();
  answer.affected.reserve(limit);
  for (size_t k = 0; k < limit; ++k) answer.affected.push_back(info_of(order[k]));
  for (size_t k = 0; k < root_count; ++k) {
    answer.root_ids.push_back(impact::FormatUuid(graph.node(hit[order[k]].node).id));
  }
  for (int i : services) answer.services.push_back(info_of(i));
  std::vector<std::pair<std::string, std::pair<int, int>>> by_name;
  for (size_t c = 0; c < totals.size(); ++c) {
    if (totals[c].first + totals[c].second > 0) by_name.emplace_back(g->classes.names[c], totals[c]);
  }
  std::sort(by_name.begin(), by_name.end());
  for (const auto& [name, t] : by_name) answer.totals.push_back({name, t.first, t.second});
  graph_lock = {};
  historic.reset();

  std::stable_sort(answer.services.begin(), answer.services.end(),
                   [](const AffectedCiInfo& a, const AffectedCiInfo& b) {
                     const int ca = CriticalityRank(a.criticality), cb = CriticalityRank(b.criticality);
                     if (ca != cb) return ca > cb;
                     if (a.state != b.state) return a.state == "down";
                     return a.name < b.name;
                   });
  risk.failed_changes = fresh->failed_changes;
  risk.change_scenario = request.scenario == "change";
  answer.risk = ComputeRisk(risk);
  return answer;
}

absl::StatusOr<RootCauseAnswer> ImpactService::SuggestRootCause(const RootCauseRequest& request) {
  Live& L = *live_;
  if (!L.started) return absl::UnavailableError("impact analysis is not running");
  if (request.max_depth < 0) return FieldError("max_depth", "must not be negative");
  if (request.max_candidates < 0 || request.max_candidates > 1000) {
    return FieldError("max_candidates", "between 0 and 1000 (0: 10)");
  }
  std::vector<impact::Uuid> alarm_uuids;
  if (absl::Status st = ParseUuids(request.ci_ids, "ci_ids", &alarm_uuids); !st.ok()) return st;
  if (static_cast<int>(alarm_uuids.size()) > options_.max_alarms) {
    return FieldError("ci_ids", StrCat("at most ", options_.max_alarms, " alarming CIs"));
  }
  const Micros now = clock_.Now();
  const Micros end = request.window_end.value_or(now);
  if (request.window_start && *request.window_start > end) {
    return FieldError("window_start", "must not be after window_end");
  }
  std::vector<db::RecordEvidence> evidence;
  absl::StatusOr<Freshness> fresh = Fresh({});
  if (!fresh.ok()) return fresh.status();
  const Catalog& catalog = *fresh->catalog;
  if (absl::Status st = CheckRelationshipTypes(catalog, request.relationship_types, "relationship_types"); !st.ok()) return st;
  absl::Status st = db_.Read([&](db::Tx& tx) {
    evidence = db::EvidenceInWindow(tx, request.window_start.value_or(end - kRecentChangeWindow), end);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (absl::Status st2 = CatchUp(fresh->head, fresh->rules_generation, catalog.generation()); !st2.ok()) return st2;
  std::shared_lock graph_lock(L.graph_mu);
  const NamedGraph& g = L.g;

  impact::RootCauseQuery query;
  query.max_depth = request.max_depth;
  query.max_candidates = request.max_candidates == 0 ? 10 : request.max_candidates;
  for (size_t i = 0; i < alarm_uuids.size(); ++i) {
    const NodeId n = g.graph.Find(alarm_uuids[i]);
    if (n < 0) return absl::NotFoundError(StrCat("ci_ids[", i, "]: no CI ", request.ci_ids[i]));
    if (std::find(query.alarms.begin(), query.alarms.end(), n) == query.alarms.end()) query.alarms.push_back(n);
  }
  absl::flat_hash_map<NodeId, std::vector<std::string>> changes, incidents;
  for (const auto& e : evidence) {
    impact::Uuid u;
    if (!impact::ParseUuid(e.ci_id, &u)) continue;
    const NodeId n = g.graph.Find(u);
    if (n < 0) continue;
    if (e.kind == "incident") {
      incidents[n].push_back(e.key);
      if (request.include_open_incidents &&
          std::find(query.alarms.begin(), query.alarms.end(), n) == query.alarms.end()) {
        query.alarms.push_back(n);
      }
    } else if (e.kind == "change") {
      changes[n].push_back(e.key);
    }
    query.evidence[n] += 1;
  }
  if (query.alarms.empty()) return FieldError("ci_ids", "give at least one alarming CI (or include open incidents)");
  query.follow_type = FollowTypes(g, request.relationship_types);
  QueryRules qr;
  BuildRules(g, L.rules, catalog, &qr);
  const std::vector<impact::Candidate> ranked = impact::RankRootCauses(g.graph, qr.rules, query);

  RootCauseAnswer answer;
  for (NodeId a : query.alarms) answer.alarm_ids.push_back(impact::FormatUuid(g.graph.node(a).id));
  answer.ranking =
      "by alarming CIs explained (more first), then evidence (open incidents and changes in the window on the "
      "candidate), then CIs affected that are not alarming (fewer first), then total distance to the explained "
      "CIs (smaller first), then id";
  for (const impact::Candidate& c : ranked) {
    const impact::NodeData& node = g.graph.node(c.node);
    RootCauseCandidateInfo info;
    info.id = impact::FormatUuid(node.id);
    info.name = node.name;
    info.class_name = g.classes.names[node.class_id];
    info.explains = static_cast<int>(c.explained.size());
    for (NodeId n : c.explained) info.explained_ids.push_back(impact::FormatUuid(g.graph.node(n).id));
    for (NodeId n : c.unexplained) info.unexplained_ids.push_back(impact::FormatUuid(g.graph.node(n).id));
    info.silent_affected = c.silent_affected;
    if (auto it = changes.find(c.node); it != changes.end()) info.recent_changes = it->second;
    if (auto it = incidents.find(c.node); it != incidents.end()) info.open_incidents = it->second;
    info.explanation = StrCat("its failure would affect ", info.explains, " of ", query.alarms.size(),
                              " alarming CIs", info.unexplained_ids.empty() ? "" : StrCat(
                                  " (", info.unexplained_ids.size(), " unexplained)"),
                              " and ", c.silent_affected, " CIs that are not alarming");
    if (!info.open_incidents.empty()) StrAppend(&info.explanation, "; open incidents: ", Join(info.open_incidents, ", "));
    if (!info.recent_changes.empty()) StrAppend(&info.explanation, "; recent changes: ", Join(info.recent_changes, ", "));
    answer.candidates.push_back(std::move(info));
  }
  return answer;
}

}  // namespace cmdb
