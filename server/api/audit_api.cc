// AuditService handlers and conversions.
#include "api/audit_api.h"

#include "api/convert.h"
#include "api/handler.h"
#include "core/status.h"
#include "core/strings.h"

namespace cmdb::api {
namespace {

constexpr int kDefaultFailures = 100;
constexpr int kMaxFailures = 10000;

v1::Severity SeverityEnum(std::string_view s) {
  switch (SeverityWeight(s)) {
    case 1: return v1::SEVERITY_LOW;
    case 2: return v1::SEVERITY_MEDIUM;
    case 3: return v1::SEVERITY_HIGH;
    case 4: return v1::SEVERITY_CRITICAL;
    default: return v1::SEVERITY_UNSPECIFIED;
  }
}

absl::StatusOr<std::string> SeverityText(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_UNSPECIFIED:
    case v1::SEVERITY_MEDIUM: return std::string("medium");
    case v1::SEVERITY_LOW: return std::string("low");
    case v1::SEVERITY_HIGH: return std::string("high");
    case v1::SEVERITY_CRITICAL: return std::string("critical");
    default: return FieldError("rule.severity", "LOW, MEDIUM, HIGH or CRITICAL");
  }
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
  for (const auto& f : report.failures) {
    auto* o = out->add_failures();
    o->set_rule(f.rule);
    o->set_ci_id(f.ci_id);
    o->set_ci_name(f.ci_name);
    o->set_class_name(f.ci_class);
    o->set_reason(f.reason);
    o->set_acknowledged(f.acknowledged);
  }
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

}  // namespace cmdb::api
