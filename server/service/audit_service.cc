#include "service/audit_service.h"

#include <spdlog/spdlog.h>

#include "core/status.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/audit_report_store.h"
#include "db/audit_store.h"
#include "db/identity_store.h"

namespace cmdb {
namespace {

constexpr size_t kMaxReason = 1000;

absl::Status CheckRuleName(const std::string& name, std::string_view field) {
  if (name.empty() || name.size() > 63) return FieldError(field, "a rule name");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditRule> AuditService::PutRule(const WriteContext& context, AuditRule rule) {
  std::optional<AuditRule> stored;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    CMDB_RETURN_IF_ERROR(ValidateAuditRule(*catalog, rule));
    CMDB_RETURN_IF_ERROR(db::CheckFilter(*catalog, rule.filter));
    if (rule.kind == AuditKindName(AuditKind::kPattern)) {
      CMDB_RETURN_IF_ERROR(db::CheckRegex(tx, rule.params["regex"].get<std::string>()));
    }
    db::PutAuditRule(tx, rule);
    stored = db::GetAuditRule(tx, rule.name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return *stored;
}

absl::StatusOr<AuditRule> AuditService::GetRule(const std::string& name) {
  std::optional<AuditRule> rule;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    rule = db::GetAuditRule(tx, name);
    return absl::OkStatus();
  }));
  if (!rule) return absl::NotFoundError(StrCat("no audit rule named \"", name, "\""));
  return *rule;
}

absl::StatusOr<std::vector<AuditRule>> AuditService::ListRules(const std::string& category) {
  std::vector<AuditRule> rules;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    rules = db::ListAuditRules(tx, category);
    return absl::OkStatus();
  }));
  return rules;
}

absl::Status AuditService::DeleteRule(const WriteContext& context, const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckRuleName(name, "name"));
  bool deleted = false;
  auto written = db_.Write(context, [&](db::Tx& tx) {
    deleted = db::DeleteAuditRule(tx, name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (!deleted) return absl::NotFoundError(StrCat("no audit rule named \"", name, "\""));
  return absl::OkStatus();
}

absl::StatusOr<AuditReport> AuditService::Run(const WriteContext& context, const std::string& category,
                                              int failures_per_rule) {
  if (failures_per_rule < 0) return FieldError("failures_per_rule", "must not be negative");
  AuditReport report;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    std::vector<AuditRule> rules;
    for (AuditRule& rule : db::ListAuditRules(tx, category)) {
      if (rule.enabled) rules.push_back(std::move(rule));
    }
    if (rules.empty()) {
      return FieldError("category", category.empty() ? "there is no enabled audit rule"
                                                     : StrCat("no enabled audit rule in category \"", category, "\""));
    }
    const Micros now = clock_.Now();
    db::RelaxRunDurability(tx);
    const int64_t run_id = db::InsertAuditRun(tx, category, context.actor, now);
    for (const AuditRule& rule : rules) CMDB_RETURN_IF_ERROR(db::RunAuditRule(tx, *catalog, run_id, rule, now).status());
    db::StoreAuditHealth(tx, run_id);
    db::FinishAuditRun(tx, run_id, clock_.Now());
    CMDB_ASSIGN_OR_RETURN(report, Report(tx, run_id, failures_per_rule));
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return report;
}

absl::StatusOr<AuditReport> AuditService::GetRun(int64_t run_id, int failures_per_rule) {
  if (run_id < 0) return FieldError("run_id", "must not be negative");
  if (failures_per_rule < 0) return FieldError("failures_per_rule", "must not be negative");
  AuditReport report;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(report, Report(tx, run_id, failures_per_rule));
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<AuditReport> AuditService::Report(db::Tx& tx, int64_t run_id, int failures_per_rule) {
  std::optional<AuditRun> run = db::GetAuditRun(tx, run_id);
  if (!run) {
    return absl::NotFoundError(run_id == 0 ? std::string("no audit has run yet") : StrCat("no audit run ", run_id));
  }
  AuditReport report;
  report.run = *run;
  report.results = db::AuditResults(tx, run->id);
  if (failures_per_rule > 0) report.failures = db::AuditFailures(tx, run->id, failures_per_rule);
  report.health = db::AuditHealth(tx, run->id);
  return report;
}

absl::StatusOr<std::vector<AuditRun>> AuditService::ListRuns(int limit) {
  if (limit <= 0 || limit > 1000) limit = 100;
  std::vector<AuditRun> runs;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    runs = db::ListAuditRuns(tx, limit);
    return absl::OkStatus();
  }));
  return runs;
}

absl::StatusOr<AuditSchedule> AuditService::PutSchedule(const WriteContext& context, AuditSchedule schedule) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(schedule.name, "schedule.name"));
  if (!schedule.category.empty()) CMDB_RETURN_IF_ERROR(CheckAuditName(schedule.category, "schedule.category"));
  if (schedule.interval_seconds < 300 || schedule.interval_seconds > 366 * 86400) {
    return FieldError("schedule.interval", "from 5 minutes to 366 days");
  }
  schedule.next_run_at = clock_.Now() + schedule.interval_seconds * 1000000;
  std::optional<AuditSchedule> stored;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    if (!schedule.category.empty() && db::ListAuditRules(tx, schedule.category).empty()) {
      return FieldError("schedule.category", StrCat("no audit rule in category \"", schedule.category, "\""));
    }
    stored = db::PutAuditSchedule(tx, schedule);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return *stored;
}

absl::StatusOr<std::vector<AuditSchedule>> AuditService::ListSchedules() {
  std::vector<AuditSchedule> schedules;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    schedules = db::ListAuditSchedules(tx);
    return absl::OkStatus();
  }));
  return schedules;
}

absl::Status AuditService::DeleteSchedule(const WriteContext& context, const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(name, "name"));
  bool deleted = false;
  auto written = db_.Write(context, [&](db::Tx& tx) {
    deleted = db::DeleteAuditSchedule(tx, name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (!deleted) return absl::NotFoundError(StrCat("no audit schedule named \"", name, "\""));
  return absl::OkStatus();
}

absl::StatusOr<int> AuditService::Tick(int retention_days) {
  int ran = 0;
  for (int guard = 0; guard < 100; ++guard) {  // each schedule at most once a tick
    std::optional<AuditSchedule> due;
    const Micros now = clock_.Now();
    auto claimed = db_.Write(WriteContext{.actor = "cmdbd"}, [&](db::Tx& tx) {
      due = db::ClaimDueAuditSchedule(tx, now);
      return absl::OkStatus();
    });
    if (!claimed.ok()) return claimed.status();
    if (!due) break;
    auto report = Run(WriteContext{.actor = StrCat("schedule:", due->name)}, due->category, 0);
    if (!report.ok()) {
      spdlog::warn("scheduled audit {} failed: {}", due->name, ToStd(report.status().message()));
      continue;
    }
    ++ran;
    auto noted = db_.Write(WriteContext{.actor = "cmdbd"}, [&](db::Tx& tx) {
      db::SetAuditScheduleRun(tx, due->name, report->run.id);
      return absl::OkStatus();
    });
    if (!noted.ok()) return noted.status();
    spdlog::info("scheduled audit {}: run {}", due->name, report->run.id);
  }
  int64_t pruned = 0;
  auto swept = db_.Write(WriteContext{.actor = "cmdbd"}, [&](db::Tx& tx) {
    pruned = db::PruneAuditRuns(tx, clock_.Now() - int64_t{retention_days} * 86400 * 1000000);
    return absl::OkStatus();
  });
  if (!swept.ok()) return swept.status();
  if (pruned > 0) spdlog::info("pruned {} audit runs older than {} days", pruned, retention_days);
  return ran;
}

absl::StatusOr<AuditAcknowledgement> AuditService::Acknowledge(const WriteContext& context,
                                                               AuditAcknowledgement ack) {
  CMDB_RETURN_IF_ERROR(CheckRuleName(ack.rule, "rule"));
  if (!IsUuid(ack.ci_id)) return FieldError("ci_id", StrCat("not a UUID: \"", ack.ci_id, "\""));
  ack.ci_id = CanonicalUuid(ack.ci_id);
  if (ack.reason.empty()) return FieldError("reason", "required: why the risk is accepted");
  if (ack.reason.size() > kMaxReason) return FieldError("reason", "at most 1000 characters");
  if (ack.expires_at && *ack.expires_at <= clock_.Now()) return FieldError("expire_time", "must be in the future");
  ack.actor = context.actor;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    if (!db::GetAuditRule(tx, ack.rule)) return absl::NotFoundError(StrCat("no audit rule named \"", ack.rule, "\""));
    if (db::CiClasses(tx, {ack.ci_id}).empty()) return absl::NotFoundError(StrCat("no CI with id ", ack.ci_id));
    db::PutAcknowledgement(tx, ack);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return ack;
}

absl::Status AuditService::Withdraw(const WriteContext& context, const std::string& rule, const std::string& ci_id) {
  CMDB_RETURN_IF_ERROR(CheckRuleName(rule, "rule"));
  if (!IsUuid(ci_id)) return FieldError("ci_id", StrCat("not a UUID: \"", ci_id, "\""));
  bool deleted = false;
  auto written = db_.Write(context, [&](db::Tx& tx) {
    deleted = db::DeleteAcknowledgement(tx, rule, CanonicalUuid(ci_id));
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (!deleted) return absl::NotFoundError(StrCat("no acknowledgement of ", rule, " for ", ci_id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditAcknowledgement>> AuditService::ListAcknowledgements(const std::string& rule) {
  std::vector<AuditAcknowledgement> acks;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    acks = db::ListAcknowledgements(tx, rule);
    return absl::OkStatus();
  }));
  return acks;
}

}  // namespace cmdb
