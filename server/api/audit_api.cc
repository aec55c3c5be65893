// AuditService handlers and conversions.
#include "api/audit_api.h"

#include "api/convert.h"
#include "api/handler.h"
#include "core/status.h"
#include "core/strings.h"
#include "util/enum_names.h"

namespace cmdb::api {
namespace {

constexpr int kDefaultFailures = 100;
constexpr int kMaxFailures = 10000;

v1::Severity SeverityEnum(std::string_view s) { return proto_util::SeverityFromName(s); }

absl::StatusOr<std::string> SeverityText(v1::Severity s) {
  if (s == v1::SEVERITY_UNSPECIFIED) return std::string("medium");
  const std::string_view name = proto_util::SeverityName(s);
  if (name.empty()) return FieldError("rule.severity", "LOW, MEDIUM, HIGH or CRITICAL");
  return std::string(name);
}

absl::StatusOr<AuditRule> RuleFromProto(const v1::AuditRule& in) {
  AuditRule rule;
  rule.name = in.name();
  rule.category = in.category();
  rule.kind = in.kind();
  rule.class_name = in.class_name();
  rule.filter = in.filter();
  CMDB_ASSIGN_OR_RETURN(rule.severity, SeverityText(in.severity()));
  CMDB_ASSIGN_OR_RETURN(rule.params, AttributesFromProto(in.params(), "rule.params"));
  rule.description = in.description();
  rule.enabled = !in.disabled();
  return rule;
}

void RuleToProto(const AuditRule& rule, v1::AuditRule* out) {
  out->set_name(rule.name);
  out->set_category(rule.category);
  out->set_kind(rule.kind);
  out->set_class_name(rule.class_name);
  out->set_filter(rule.filter);
  out->set_severity(SeverityEnum(rule.severity));
  StructFromJson(rule.params, out->mutable_params());
  out->set_description(rule.description);
  out->set_disabled(!rule.enabled);
  SetTimestamp(rule.updated_at, out->mutable_update_time());
  out->set_updated_by(rule.updated_by);
}

void RunToProto(const AuditRun& run, v1::AuditRun* out) {
  out->set_id(run.id);
  out->set_category(run.category);
  out->set_actor(run.actor);
  SetTimestamp(run.started_at, out->mutable_start_time());
  SetTimestamp(run.finished_at, out->mutable_end_time());
}

void FailureToProto(const AuditFailure& f, v1::AuditFailure* o) {
  o->set_rule(f.rule);
  o->set_ci_id(f.ci_id);
  o->set_ci_name(f.ci_name);
  o->set_class_name(f.ci_class);
  o->set_reason(f.reason);
  o->set_acknowledged(f.acknowledged);
  o->set_ci_criticality(f.ci_criticality);
}

void HealthToProto(const HealthScore& h, v1::HealthScore* o) {
  o->set_class_name(h.class_name);
  o->set_cis(h.cis);
  if (h.completeness) o->set_completeness(*h.completeness);
  if (h.correctness) o->set_correctness(*h.correctness);
  if (h.compliance) o->set_compliance(*h.compliance);
}

void BaselineToProto(const Baseline& b, v1::Baseline* o) {
  o->set_name(b.name);
  o->set_description(b.description);
  o->set_filter(b.filter);
  SetTimestamp(b.as_of, o->mutable_as_of());
  o->set_cis(b.cis);
  o->set_relationships(b.relationships);
  SetTimestamp(b.created_at, o->mutable_create_time());
  o->set_created_by(b.created_by);
}

v1::ConfigurationChange::Kind ChangeKind(std::string_view change) {
  if (change == "added") return v1::ConfigurationChange::KIND_ADDED;
  if (change == "removed") return v1::ConfigurationChange::KIND_REMOVED;
  return v1::ConfigurationChange::KIND_CHANGED;
}

void DiffToProto(const ConfigurationDiff& d, v1::ConfigurationChange* o) {
  o->set_change(ChangeKind(d.change));
  o->set_id(d.id);
  o->set_name(d.name);
  o->set_class_name(d.class_name);
  o->set_source_id(d.source_id);
  o->set_target_id(d.target_id);
  for (const auto& f : d.fields) {
    auto* field = o->add_fields();
    field->set_field(f.field);
    if (!f.before.is_null()) ValueFromJson(f.before, field->mutable_old_value());
    if (!f.after.is_null()) ValueFromJson(f.after, field->mutable_new_value());
  }
  for (int64_t id : d.changesets) o->add_changeset_ids(std::to_string(id));
}

void ScheduleToProto(const AuditSchedule& s, v1::AuditSchedule* o) {
  o->set_name(s.name);
  o->set_category(s.category);
  o->set_interval_seconds(s.interval_seconds);
  o->set_disabled(!s.enabled);
  SetTimestamp(s.next_run_at, o->mutable_next_run_time());
  o->set_last_run_id(s.last_run_id);
  SetTimestamp(s.updated_at, o->mutable_update_time());
  o->set_updated_by(s.updated_by);
}

void ReportToProto(const AuditReport& report, v1::AuditRunReport* out) {
  RunToProto(report.run, out->mutable_run());
  for (const auto& r : report.results) {
    auto* o = out->add_results();
    o->set_rule(r.rule);
    o->set_category(r.category);
    o->set_kind(r.kind);
    o->set_severity(SeverityEnum(r.severity));
    o->set_checked(r.checked);
    o->set_failed(r.failed);
    o->set_acknowledged(r.acknowledged);
  }
  for (const auto& f : report.failures) FailureToProto(f, out->add_failures());
  for (const auto& h : report.health) HealthToProto(h, out->add_health());
}

void AckToProto(const AuditAcknowledgement& a, v1::Acknowledgement* out) {
  out->set_rule(a.rule);
  out->set_ci_id(a.ci_id);
  out->set_reason(a.reason);
  out->set_actor(a.actor);
  if (a.created_at != 0) SetTimestamp(a.created_at, out->mutable_create_time());
  if (a.expires_at) SetTimestamp(*a.expires_at, out->mutable_expire_time());
}

absl::StatusOr<int> FailuresPerRule(int32_t requested) {
  if (requested < 0) return FieldError("failures_per_rule", "must not be negative");
  if (requested == 0) return kDefaultFailures;
  return std::min<int>(requested, kMaxFailures);
}

}  // namespace

grpc::Status AuditApi::PutAuditRule(grpc::ServerContext* ctx, const v1::PutAuditRuleRequest* req,
                                    v1::AuditRule* resp) {
  return HandleCall(auth_, ctx, "PutAuditRule", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(AuditRule rule, RuleFromProto(req->rule()));
    CMDB_ASSIGN_OR_RETURN(AuditRule saved, service_.PutRule(WriteContext{.actor = p.name}, std::move(rule)));
    RuleToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::GetAuditRule(grpc::ServerContext* ctx, const v1::GetAuditRuleRequest* req,
                                    v1::AuditRule* resp) {
  return HandleCall(auth_, ctx, "GetAuditRule", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(AuditRule rule, service_.GetRule(req->name()));
    RuleToProto(rule, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::ListAuditRules(grpc::ServerContext* ctx, const v1::ListAuditRulesRequest* req,
                                      v1::ListAuditRulesResponse* resp) {
  return HandleCall(auth_, ctx, "ListAuditRules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto rules, service_.ListRules(req->category()));
    for (const auto& rule : rules) RuleToProto(rule, resp->add_rules());
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::DeleteAuditRule(grpc::ServerContext* ctx, const v1::DeleteAuditRuleRequest* req,
                                       v1::DeleteAuditRuleResponse*) {
  return HandleCall(auth_, ctx, "DeleteAuditRule", *req, [&](const Principal& p) -> absl::Status {
    return service_.DeleteRule(WriteContext{.actor = p.name}, req->name());
  });
}

grpc::Status AuditApi::RunAudit(grpc::ServerContext* ctx, const v1::RunAuditRequest* req, v1::AuditRunReport* resp) {
  return HandleCall(auth_, ctx, "RunAudit", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(int failures, FailuresPerRule(req->failures_per_rule()));
    CMDB_ASSIGN_OR_RETURN(AuditReport report, service_.Run(WriteContext{.actor = p.name}, req->category(), failures));
    ReportToProto(report, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::GetAuditRun(grpc::ServerContext* ctx, const v1::GetAuditRunRequest* req,
                                   v1::AuditRunReport* resp) {
  return HandleCall(auth_, ctx, "GetAuditRun", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(int failures, FailuresPerRule(req->failures_per_rule()));
    CMDB_ASSIGN_OR_RETURN(AuditReport report, service_.GetRun(req->run_id(), failures));
    ReportToProto(report, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::ListAuditRuns(grpc::ServerContext* ctx, const v1::ListAuditRunsRequest* req,
                                     v1::ListAuditRunsResponse* resp) {
  return HandleCall(auth_, ctx, "ListAuditRuns", *req, [&](const Principal&) -> absl::Status {
    if (req->limit() < 0) return FieldError("limit", "must not be negative");
    CMDB_ASSIGN_OR_RETURN(auto runs, service_.ListRuns(req->limit()));
    for (const auto& run : runs) RunToProto(run, resp->add_runs());
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::AcknowledgeFinding(grpc::ServerContext* ctx, const v1::AcknowledgeFindingRequest* req,
                                          v1::Acknowledgement* resp) {
  return HandleCall(auth_, ctx, "AcknowledgeFinding", *req, [&](const Principal& p) -> absl::Status {
    const auto& in = req->acknowledgement();
    AuditAcknowledgement ack;
    ack.rule = in.rule();
    ack.ci_id = in.ci_id();
    ack.reason = in.reason();
    CMDB_ASSIGN_OR_RETURN(ack.expires_at, OptionalTime(in.has_expire_time(), in.expire_time(),
                                                       "acknowledgement.expire_time"));
    CMDB_ASSIGN_OR_RETURN(AuditAcknowledgement saved, service_.Acknowledge(WriteContext{.actor = p.name}, ack));
    AckToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::WithdrawAcknowledgement(grpc::ServerContext* ctx,
                                               const v1::WithdrawAcknowledgementRequest* req,
                                               v1::WithdrawAcknowledgementResponse*) {
  return HandleCall(auth_, ctx, "WithdrawAcknowledgement", *req, [&](const Principal& p) -> absl::Status {
    return service_.Withdraw(WriteContext{.actor = p.name}, req->rule(), req->ci_id());
  });
}

grpc::Status AuditApi::ListAcknowledgements(grpc::ServerContext* ctx, const v1::ListAcknowledgementsRequest* req,
                                            v1::ListAcknowledgementsResponse* resp) {
  return HandleCall(auth_, ctx, "ListAcknowledgements", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto acks, service_.ListAcknowledgements(req->rule()));
    for (const auto& a : acks) AckToProto(a, resp->add_acknowledgements());
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::GetStatusReport(grpc::ServerContext* ctx, const v1::GetStatusReportRequest* req,
                                       v1::StatusReport* resp) {
  return HandleCall(auth_, ctx, "GetStatusReport", *req, [&](const Principal&) -> absl::Status {
    StatusReportQuery query;
    query.run_id = req->run_id();
    if (req->recent_days() != 0) query.recent_days = req->recent_days();
    CMDB_ASSIGN_OR_RETURN(query.failures_per_rule, FailuresPerRule(req->failures_per_rule()));
    if (req->trend_runs() != 0) query.trend_runs = req->trend_runs();
    if (req->max_changes() != 0) query.max_changes = req->max_changes();
    CMDB_ASSIGN_OR_RETURN(StatusReport report, service_.Status(query));
    SetTimestamp(report.generated_at, resp->mutable_generate_time());
    if (report.audit) ReportToProto(*report.audit, resp->mutable_audit());
    resp->set_cis(report.cis);
    for (const auto& c : report.ci_states) {
      auto* o = resp->add_ci_states();
      o->set_class_name(c.class_name);
      o->set_status(c.status);
      o->set_count(c.count);
    }
    resp->set_recent_days(report.recent_days);
    for (const auto& c : report.recent_changes) {
      auto* o = resp->add_recent_changes();
      o->set_class_name(c.class_name);
      o->set_operation(c.operation);
      o->set_count(c.count);
    }
    resp->set_relationships(report.relationships);
    for (const auto& t : report.relationship_types) {
      auto* o = resp->add_relationship_types();
      o->set_type(t.type);
      o->set_count(t.count);
    }
    for (const auto& t : report.trend) {
      auto* o = resp->add_trend();
      o->set_run_id(t.run_id);
      SetTimestamp(t.time, o->mutable_time());
      o->set_checked(t.checked);
      o->set_failed(t.failed);
      o->set_acknowledged(t.acknowledged);
    }
    resp->set_risk_score(report.risk_score);
    resp->set_risk_formula(report.risk_formula);
    for (const auto& r : report.risk_by_rule) {
      auto* o = resp->add_risk_by_rule();
      o->set_rule(r.rule);
      o->set_severity(SeverityEnum(r.severity));
      o->set_failed(r.failed);
      o->set_criticality_weight(r.criticality_weight);
      o->set_score(r.score);
    }
    for (const auto& f : report.expiring_certificates) FailureToProto(f, resp->add_expiring_certificates());
    for (const auto& c : report.unauthorised_changes) {
      auto* o = resp->add_unauthorised_changes();
      ChangesetToProto(c.changeset, o->mutable_changeset());
      o->set_cis(c.cis);
      o->set_relationships(c.relationships);
    }
    resp->set_unauthorised_total(report.unauthorised_total);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::PutAuditSchedule(grpc::ServerContext* ctx, const v1::PutAuditScheduleRequest* req,
                                        v1::AuditSchedule* resp) {
  return HandleCall(auth_, ctx, "PutAuditSchedule", *req, [&](const Principal& p) -> absl::Status {
    const auto& in = req->schedule();
    AuditSchedule schedule;
    schedule.name = in.name();
    schedule.category = in.category();
    schedule.interval_seconds = in.interval_seconds();
    schedule.enabled = !in.disabled();
    CMDB_ASSIGN_OR_RETURN(AuditSchedule saved, service_.PutSchedule(WriteContext{.actor = p.name}, schedule));
    ScheduleToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::ListAuditSchedules(grpc::ServerContext* ctx, const v1::ListAuditSchedulesRequest* req,
                                          v1::ListAuditSchedulesResponse* resp) {
  return HandleCall(auth_, ctx, "ListAuditSchedules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto schedules, service_.ListSchedules());
    for (const auto& s : schedules) ScheduleToProto(s, resp->add_schedules());
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::DeleteAuditSchedule(grpc::ServerContext* ctx, const v1::DeleteAuditScheduleRequest* req,
                                           v1::DeleteAuditScheduleResponse*) {
  return HandleCall(auth_, ctx, "DeleteAuditSchedule", *req, [&](const Principal& p) -> absl::Status {
    return service_.DeleteSchedule(WriteContext{.actor = p.name}, req->name());
  });
}

grpc::Status AuditApi::AuditDiscovery(grpc::ServerContext* ctx, const v1::AuditDiscoveryRequest* req,
                                      v1::DiscoveryAuditReport* resp) {
  return HandleCall(auth_, ctx, "AuditDiscovery", *req, [&](const Principal&) -> absl::Status {
    if (req->limit() < 0) return FieldError("limit", "must not be negative");
    CMDB_ASSIGN_OR_RETURN(DiscoveryAudit audit,
                          service_.AuditDiscovery(req->schedule(), req->run_id(), req->limit() == 0 ? 1000 : req->limit()));
    resp->set_run_id(audit.run_id);
    resp->set_schedule(audit.schedule);
    if (audit.run_ended_at != 0) SetTimestamp(audit.run_ended_at, resp->mutable_run_end_time());
    resp->set_targets(audit.targets);
    for (const auto& u : audit.unregistered) {
      auto* o = resp->add_unregistered();
      o->set_address(u.address);
      o->set_sys_name(u.sys_name);
      o->set_class_name(u.class_name);
      o->set_sys_object_id(u.sys_object_id);
      o->set_ci_id(u.ci_id);
      o->set_reason(u.reason);
      SetTimestamp(u.found_at, o->mutable_found_time());
    }
    for (const auto& m : audit.missing) {
      auto* o = resp->add_missing();
      o->set_ci_id(m.ci_id);
      o->set_name(m.name);
      o->set_class_name(m.class_name);
      o->set_address(m.address);
      o->set_reason(m.reason);
      if (m.last_seen != 0) SetTimestamp(m.last_seen, o->mutable_last_seen_time());
    }
    for (const auto& d : audit.drift) {
      auto* o = resp->add_drift();
      o->set_ci_id(d.ci_id);
      o->set_name(d.name);
      o->set_class_name(d.class_name);
      o->set_field(d.field);
      ValueFromJson(d.recorded, o->mutable_recorded());
      ValueFromJson(d.reported, o->mutable_reported());
      o->set_source(d.source);
      SetTimestamp(d.reported_at, o->mutable_reported_time());
    }
    resp->set_unregistered_total(audit.unregistered_total);
    resp->set_missing_total(audit.missing_total);
    resp->set_drift_total(audit.drift_total);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::CreateBaseline(grpc::ServerContext* ctx, const v1::CreateBaselineRequest* req,
                                      v1::Baseline* resp) {
  return HandleCall(auth_, ctx, "CreateBaseline", *req, [&](const Principal& p) -> absl::Status {
    const auto& in = req->baseline();
    Baseline baseline;
    baseline.name = in.name();
    baseline.description = in.description();
    baseline.filter = in.filter();
    CMDB_ASSIGN_OR_RETURN(auto as_of, OptionalTime(in.has_as_of(), in.as_of(), "baseline.as_of"));
    baseline.as_of = as_of.value_or(0);
    CMDB_ASSIGN_OR_RETURN(Baseline saved, service_.CreateBaseline(WriteContext{.actor = p.name}, baseline));
    BaselineToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::GetBaseline(grpc::ServerContext* ctx, const v1::GetBaselineRequest* req, v1::Baseline* resp) {
  return HandleCall(auth_, ctx, "GetBaseline", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Baseline baseline, service_.GetBaseline(req->name()));
    BaselineToProto(baseline, resp);
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::ListBaselines(grpc::ServerContext* ctx, const v1::ListBaselinesRequest* req,
                                     v1::ListBaselinesResponse* resp) {
  return HandleCall(auth_, ctx, "ListBaselines", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto baselines, service_.ListBaselines());
    for (const auto& b : baselines) BaselineToProto(b, resp->add_baselines());
    return absl::OkStatus();
  });
}

grpc::Status AuditApi::DeleteBaseline(grpc::ServerContext* ctx, const v1::DeleteBaselineRequest* req,
                                      v1::DeleteBaselineResponse*) {
  return HandleCall(auth_, ctx, "DeleteBaseline", *req, [&](const Principal& p) -> absl::Status {
    return service_.DeleteBaseline(WriteContext{.actor = p.name}, req->name());
  });
}

grpc::Status AuditApi::CompareBaseline(grpc::ServerContext* ctx, const v1::CompareBaselineRequest* req,
                                       v1::CompareBaselineResponse* resp) {
  return HandleCall(auth_, ctx, "CompareBaseline", *req, [&](const Principal&) -> absl::Status {
    BaselineCompareQuery query;
    query.name = req->name();
    query.to_name = req->to_baseline();
    CMDB_ASSIGN_OR_RETURN(query.to_time, OptionalTime(req->has_to_time(), req->to_time(), "to_time"));
    if (req->limit() < 0) return FieldError("limit", "must not be negative");
    if (req->limit() != 0) query.limit = req->limit();
    CMDB_ASSIGN_OR_RETURN(BaselineComparison c, service_.CompareBaseline(query));
    BaselineToProto(c.from, resp->mutable_from());
    resp->set_to_baseline(c.to_name);
    SetTimestamp(c.to_time, resp->mutable_to_time());
    for (const auto& d : c.cis) DiffToProto(d, resp->add_cis());
    for (const auto& d : c.relationships) DiffToProto(d, resp->add_relationships());
    resp->set_cis_total(c.cis_total);
    resp->set_relationships_total(c.relationships_total);
    for (const auto& cs : c.changesets) ChangesetToProto(cs, resp->add_changesets());
    for (const auto& cs : c.unauthorised) ChangesetToProto(cs, resp->add_unauthorised());
    return absl::OkStatus();
  });
}

}  // namespace cmdb::api
