// ImpactService handlers and conversions.
#include "api/impact_api.h"

#include "api/convert.h"
#include "api/handler.h"
#include "core/status.h"

namespace cmdb::api {
namespace {

std::string ScenarioText(v1::ImpactScenario s) {
  switch (s) {
    case v1::IMPACT_SCENARIO_UNSPECIFIED:
    case v1::IMPACT_SCENARIO_OUTAGE: return "outage";
    case v1::IMPACT_SCENARIO_DEGRADED: return "degraded";
    case v1::IMPACT_SCENARIO_CHANGE: return "change";
    default: return StrCat("scenario ", static_cast<int>(s));
  }
}

absl::StatusOr<std::string> DirectionText(v1::ImpactDirection d) {
  switch (d) {
    case v1::IMPACT_DIRECTION_TARGET_TO_SOURCE: return std::string("target_to_source");
    case v1::IMPACT_DIRECTION_SOURCE_TO_TARGET: return std::string("source_to_target");
    case v1::IMPACT_DIRECTION_BOTH: return std::string("both");
    case v1::IMPACT_DIRECTION_NONE: return std::string("none");
    default: return FieldError("propagation.direction", "required: TARGET_TO_SOURCE, SOURCE_TO_TARGET, BOTH or NONE");
  }
}

v1::ImpactDirection DirectionEnum(std::string_view d) {
  if (d == "target_to_source") return v1::IMPACT_DIRECTION_TARGET_TO_SOURCE;
  if (d == "source_to_target") return v1::IMPACT_DIRECTION_SOURCE_TO_TARGET;
  if (d == "both") return v1::IMPACT_DIRECTION_BOTH;
  if (d == "none") return v1::IMPACT_DIRECTION_NONE;
  return v1::IMPACT_DIRECTION_UNSPECIFIED;
}

v1::ImpactEffect EffectEnum(std::string_view e) {
  return e == "degraded" ? v1::IMPACT_EFFECT_DEGRADED : v1::IMPACT_EFFECT_DOWN;
}

v1::ImpactState StateEnum(std::string_view s) {
  return s == "down" ? v1::IMPACT_STATE_DOWN : v1::IMPACT_STATE_DEGRADED;
}

RedundancyRuleInfo RuleFromProto(const v1::RedundancyRule& in) {
  RedundancyRuleInfo r;
  r.min_up = in.min_up();
  r.min_up_percent = in.min_up_percent();
  r.relationship_types.assign(in.relationship_types().begin(), in.relationship_types().end());
  return r;
}

void RuleToProto(const RedundancyRuleInfo& r, v1::RedundancyRule* out) {
  out->set_min_up(r.min_up);
  out->set_min_up_percent(r.min_up_percent);
  for (const auto& t : r.relationship_types) out->add_relationship_types(t);
}

RecordRef RefFromProto(const v1::ExternalRecordRef& in) { return {in.system(), in.kind(), in.key()}; }

// Moves the text out of `a`: an answer can hold thousands of CIs.
void AffectedToProto(AffectedCiInfo& a, v1::AffectedCi* out) {
  out->set_id(std::move(a.id));
  out->set_name(std::move(a.name));
  out->set_class_name(std::move(a.class_name));
  out->set_criticality(CriticalityEnum(a.criticality));
  out->set_state(StateEnum(a.state));
  out->set_distance(a.distance);
  out->set_root(a.root);
  out->set_via_id(std::move(a.via_id));
  out->set_via_relationship_type(std::move(a.via_relationship_type));
  for (PathStep& p : a.path) {
    auto* step = out->add_path();
    step->set_ci_id(std::move(p.ci_id));
    step->set_relationship_type(std::move(p.relationship_type));
    step->set_relationship_id(std::move(p.relationship_id));
  }
  out->set_redundancy(std::move(a.redundancy));
}

}  // namespace

absl::StatusOr<ImpactRequest> ImpactRequestFromProto(const v1::AnalyzeImpactRequest& in) {
  ImpactRequest r;
  r.ci_ids.assign(in.ci_ids().begin(), in.ci_ids().end());
  if (in.has_change()) r.change = RefFromProto(in.change());
  if (!v1::ImpactScenario_IsValid(in.scenario())) {
    return FieldError("scenario", StrCat("unknown value ", static_cast<int>(in.scenario())));
  }
  r.scenario = ScenarioText(in.scenario());
  r.max_depth = in.max_depth();
  r.relationship_types.assign(in.relationship_types().begin(), in.relationship_types().end());
  r.stop_classes.assign(in.stop_classes().begin(), in.stop_classes().end());
  CMDB_ASSIGN_OR_RETURN(r.as_of, OptionalTime(in.has_as_of(), in.as_of(), "as_of"));
  r.include_paths = in.include_paths();
  r.max_results = in.max_results();
  return r;
}

void ImpactAnswerToProto(ImpactAnswer a, v1::AnalyzeImpactResponse* out) {
  out->mutable_affected()->Reserve(static_cast<int>(a.affected.size()));
  for (auto& x : a.affected) AffectedToProto(x, out->add_affected());
  for (auto& x : a.services) AffectedToProto(x, out->add_services());
  for (const auto& t : a.totals) {
    auto* total = out->add_totals();
    total->set_class_name(t.class_name);
    total->set_down(t.down);
    total->set_degraded(t.degraded);
  }
  out->set_affected_count(a.affected_count);
  auto* risk = out->mutable_risk();
  risk->set_score(a.risk.score);
  risk->set_level(a.risk.level);
  risk->set_formula(a.risk.formula);
  for (const auto& [k, v] : a.risk.terms) (*risk->mutable_terms())[k] = v;
  for (const auto& id : a.root_ids) out->add_root_ids(id);
  SetTimestamp(a.as_of, out->mutable_as_of());
  out->set_truncated(a.truncated);
}

void RecordToProto(const ExternalRecordInfo& r, v1::ExternalRecord* out) {
  out->set_system(r.system);
  out->set_kind(r.kind);
  out->set_key(r.key);
  out->set_title(r.title);
  out->set_url(r.url);
  out->set_state(r.state);
  for (const auto& id : r.ci_ids) out->add_ci_ids(id);
  SetTimestamp(r.created_at, out->mutable_create_time());
  SetTimestamp(r.updated_at, out->mutable_update_time());
}

grpc::Status ImpactApi::AnalyzeImpact(grpc::ServerContext* ctx, const v1::AnalyzeImpactRequest* req,
                                      v1::AnalyzeImpactResponse* resp) {
  return HandleCall(auth_, ctx, "AnalyzeImpact", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ImpactRequest r, ImpactRequestFromProto(*req));
    CMDB_ASSIGN_OR_RETURN(ImpactAnswer a, service_.Analyze(r));
    ImpactAnswerToProto(std::move(a), resp);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::SuggestRootCause(grpc::ServerContext* ctx, const v1::SuggestRootCauseRequest* req,
                                         v1::SuggestRootCauseResponse* resp) {
  return HandleCall(auth_, ctx, "SuggestRootCause", *req, [&](const Principal&) -> absl::Status {
    RootCauseRequest r;
    r.ci_ids.assign(req->ci_ids().begin(), req->ci_ids().end());
    r.include_open_incidents = req->include_open_incidents();
    CMDB_ASSIGN_OR_RETURN(r.window_start, OptionalTime(req->has_window_start(), req->window_start(), "window_start"));
    CMDB_ASSIGN_OR_RETURN(r.window_end, OptionalTime(req->has_window_end(), req->window_end(), "window_end"));
    r.max_depth = req->max_depth();
    r.relationship_types.assign(req->relationship_types().begin(), req->relationship_types().end());
    r.max_candidates = req->max_candidates();
    CMDB_ASSIGN_OR_RETURN(RootCauseAnswer a, service_.SuggestRootCause(r));
    for (const auto& c : a.candidates) {
      auto* out = resp->add_candidates();
      out->set_id(c.id);
      out->set_name(c.name);
      out->set_class_name(c.class_name);
      out->set_explains(c.explains);
      for (const auto& id : c.explained_ids) out->add_explained_ids(id);
      for (const auto& id : c.unexplained_ids) out->add_unexplained_ids(id);
      out->set_silent_affected(c.silent_affected);
      for (const auto& k : c.recent_changes) out->add_recent_changes(k);
      for (const auto& k : c.open_incidents) out->add_open_incidents(k);
      out->set_explanation(c.explanation);
    }
    for (const auto& id : a.alarm_ids) resp->add_alarm_ids(id);
    resp->set_ranking(a.ranking);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::GetGraphStats(grpc::ServerContext* ctx, const v1::GetGraphStatsRequest* req,
                                      v1::GraphStats* resp) {
  return HandleCall(auth_, ctx, "GetGraphStats", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(GraphStatsInfo s, service_.Stats());
    resp->set_nodes(s.nodes);
    resp->set_relationships(s.relationships);
    resp->set_edges(s.edges);
    resp->set_memory_bytes(s.memory_bytes);
    resp->set_bytes_per_edge(s.edges > 0 ? static_cast<double>(s.memory_bytes) / static_cast<double>(s.edges) : 0);
    resp->set_load_millis(s.load_millis);
    SetTimestamp(s.loaded_at, resp->mutable_loaded_time());
    resp->set_applied_cursor(s.applied_cursor);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::GetPropagationRules(grpc::ServerContext* ctx, const v1::GetPropagationRulesRequest* req,
                                            v1::PropagationRules* resp) {
  return HandleCall(auth_, ctx, "GetPropagationRules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(PropagationRuleSet set, service_.GetRules());
    for (const auto& t : set.types) {
      auto* out = resp->add_relationship_types();
      out->set_relationship_type(t.relationship_type);
      out->set_direction(DirectionEnum(t.direction));
      out->set_effect(EffectEnum(t.effect));
    }
    for (const auto& c : set.classes) {
      auto* out = resp->add_classes();
      out->set_class_name(c.class_name);
      RuleToProto(c.rule, out->mutable_rule());
    }
    for (const auto& c : set.cis) {
      auto* out = resp->add_cis();
      out->set_ci_id(c.ci_id);
      RuleToProto(c.rule, out->mutable_rule());
    }
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::SetRelationshipPropagation(grpc::ServerContext* ctx,
                                                   const v1::SetRelationshipPropagationRequest* req,
                                                   v1::RelationshipPropagation* resp) {
  return HandleCall(auth_, ctx, "SetRelationshipPropagation", *req, [&](const Principal&) -> absl::Status {
    const v1::RelationshipPropagation& in = req->propagation();
    TypePropagation t;
    t.relationship_type = in.relationship_type();
    CMDB_ASSIGN_OR_RETURN(t.direction, DirectionText(in.direction()));
    switch (in.effect()) {
      case v1::IMPACT_EFFECT_UNSPECIFIED:
      case v1::IMPACT_EFFECT_DOWN: t.effect = "down"; break;
      case v1::IMPACT_EFFECT_DEGRADED: t.effect = "degraded"; break;
      default: return FieldError("propagation.effect", StrCat("unknown value ", static_cast<int>(in.effect())));
    }
    CMDB_ASSIGN_OR_RETURN(TypePropagation out, service_.SetTypePropagation(t));
    resp->set_relationship_type(out.relationship_type);
    resp->set_direction(DirectionEnum(out.direction));
    resp->set_effect(EffectEnum(out.effect));
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::SetClassRedundancy(grpc::ServerContext* ctx, const v1::SetClassRedundancyRequest* req,
                                           v1::ClassRedundancy* resp) {
  return HandleCall(auth_, ctx, "SetClassRedundancy", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ClassRedundancyRule out,
                          service_.SetClassRedundancy({req->class_name(), RuleFromProto(req->rule())}));
    resp->set_class_name(out.class_name);
    if (!out.rule.empty()) RuleToProto(out.rule, resp->mutable_rule());
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::SetCiRedundancy(grpc::ServerContext* ctx, const v1::SetCiRedundancyRequest* req,
                                        v1::CiRedundancy* resp) {
  return HandleCall(auth_, ctx, "SetCiRedundancy", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(CiRedundancyRule out, service_.SetCiRedundancy({req->ci_id(), RuleFromProto(req->rule())}));
    resp->set_ci_id(out.ci_id);
    if (!out.rule.empty()) RuleToProto(out.rule, resp->mutable_rule());
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::PutExternalRecord(grpc::ServerContext* ctx, const v1::PutExternalRecordRequest* req,
                                          v1::ExternalRecord* resp) {
  return HandleCall(auth_, ctx, "PutExternalRecord", *req, [&](const Principal&) -> absl::Status {
    const v1::ExternalRecord& in = req->record();
    ExternalRecordInfo r;
    r.system = in.system();
    r.kind = in.kind();
    r.key = in.key();
    r.title = in.title();
    r.url = in.url();
    r.state = in.state();
    r.ci_ids.assign(in.ci_ids().begin(), in.ci_ids().end());
    CMDB_ASSIGN_OR_RETURN(ExternalRecordInfo out, service_.PutRecord(std::move(r)));
    RecordToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::GetExternalRecord(grpc::ServerContext* ctx, const v1::GetExternalRecordRequest* req,
                                          v1::ExternalRecord* resp) {
  return HandleCall(auth_, ctx, "GetExternalRecord", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ExternalRecordInfo out, service_.GetRecord(RefFromProto(req->ref())));
    RecordToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::ListExternalRecords(grpc::ServerContext* ctx, const v1::ListExternalRecordsRequest* req,
                                            v1::ListExternalRecordsResponse* resp) {
  return HandleCall(auth_, ctx, "ListExternalRecords", *req, [&](const Principal&) -> absl::Status {
    RecordListQuery q{req->ci_id(), req->kind(), req->state(), req->page_size(), req->page_token()};
    CMDB_ASSIGN_OR_RETURN(ExternalRecordPage page, service_.ListRecords(q));
    for (const auto& r : page.records) RecordToProto(r, resp->add_records());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ImpactApi::DeleteExternalRecord(grpc::ServerContext* ctx, const v1::DeleteExternalRecordRequest* req,
                                             v1::DeleteExternalRecordResponse*) {
  return HandleCall(auth_, ctx, "DeleteExternalRecord", *req,
                    [&](const Principal&) -> absl::Status { return service_.DeleteRecord(RefFromProto(req->ref())); });
}

}  // namespace cmdb::api
