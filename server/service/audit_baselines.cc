// AuditService: baselines and their comparison (see audit_service.h).
#include "core/status.h"
#include "core/strings.h"
#include "core/time.h"
#include "db/audit_store.h"
#include "db/baseline_store.h"
#include "service/audit_service.h"

namespace cmdb {
namespace {

constexpr size_t kMaxDescription = 1000;

absl::Status NoBaseline(const std::string& name) {
  return absl::NotFoundError(StrCat("no baseline named \"", name, "\""));
}

// "filter: ..." from the filter compiler, as "<prefix>filter: ...".
absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  if (!absl::IsInvalidArgument(status)) return status;
  return absl::InvalidArgumentError(StrCat(prefix, ToStd(status.message())));
}

}  // namespace

absl::StatusOr<Baseline> AuditService::CreateBaseline(const WriteContext& context, Baseline baseline) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(baseline.name, "baseline.name"));
  if (baseline.description.size() > kMaxDescription) {
    return FieldError("baseline.description", "at most 1000 characters");
  }
  std::optional<Baseline> stored;
  bool taken = false;
  const Micros requested = baseline.as_of;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    // Times are the database's, as in history.
    const Micros now = db::DatabaseTime(tx);
    baseline.as_of = requested == 0 ? now : requested;
    if (baseline.as_of > now) return FieldError("baseline.as_of", "must not be in the future");
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    auto counts = db::CountBaselineScope(tx, *catalog, {baseline.filter, baseline.as_of});
    if (!counts.ok()) return Prefixed(counts.status(), "baseline.");
    baseline.cis = counts->first;
    baseline.relationships = counts->second;
    taken = !db::InsertBaseline(tx, baseline);
    if (!taken) stored = db::GetBaseline(tx, baseline.name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (taken) return absl::AlreadyExistsError(StrCat("a baseline named \"", baseline.name, "\" exists"));
  return *stored;
}

absl::StatusOr<Baseline> AuditService::GetBaseline(const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(name, "name"));
  std::optional<Baseline> baseline;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    baseline = db::GetBaseline(tx, name);
    return absl::OkStatus();
  }));
  if (!baseline) return NoBaseline(name);
  return *baseline;
}

absl::StatusOr<std::vector<Baseline>> AuditService::ListBaselines() {
  std::vector<Baseline> baselines;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) {
    baselines = db::ListBaselines(tx);
    return absl::OkStatus();
  }));
  return baselines;
}

absl::Status AuditService::DeleteBaseline(const WriteContext& context, const std::string& name) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(name, "name"));
  bool deleted = false;
  auto written = db_.Write(context, [&](db::Tx& tx) {
    deleted = db::DeleteBaseline(tx, name);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  if (!deleted) return NoBaseline(name);
  return absl::OkStatus();
}

absl::StatusOr<BaselineComparison> AuditService::CompareBaseline(const BaselineCompareQuery& query) {
  CMDB_RETURN_IF_ERROR(CheckAuditName(query.name, "name"));
  if (!query.to_name.empty()) {
    CMDB_RETURN_IF_ERROR(CheckAuditName(query.to_name, "to_baseline"));
    if (query.to_time) return FieldError("to_time", "give to_baseline or to_time, not both");
  }
  if (query.limit < 1 || query.limit > 100000) return FieldError("limit", "from 1 to 100000");
  BaselineComparison comparison;
  CMDB_RETURN_IF_ERROR(db_.ReadReplica([&](db::Tx& tx) -> absl::Status {
    const Micros now = db::DatabaseTime(tx);
    if (query.to_time && *query.to_time > now) return FieldError("to_time", "must not be in the future");
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    std::optional<Baseline> from = db::GetBaseline(tx, query.name);
    if (!from) return NoBaseline(query.name);
    db::BaselineScope to{from->filter, query.to_time.value_or(now)};
    if (!query.to_name.empty()) {
      std::optional<Baseline> other = db::GetBaseline(tx, query.to_name);
      if (!other) return NoBaseline(query.to_name);
      to = {other->filter, other->as_of};
    }
    auto compared = db::CompareScopes(tx, *catalog, {from->filter, from->as_of}, to, query.limit);
    // The filters compiled when the baselines were made; a catalog change
    // since (a removed attribute) is the caller's to mend.
    if (!compared.ok()) return Prefixed(compared.status(), "baseline ");
    comparison = *std::move(compared);
    comparison.from = *from;
    comparison.to_name = query.to_name;
    comparison.to_time = to.at;
    return absl::OkStatus();
  }));
  return comparison;
}

}  // namespace cmdb
