// The status report's table list and JSON helpers (see report_model.h).
#include "report_model.h"

#include <cmath>
#include <cstdio>

namespace cmdbctl::report {

const std::vector<Table>& Tables() {
  static const std::vector<Table> tables = {
      {.name = "ci_states",
       .section = 1,
       .path = {"ci_states"},
       .title = "CIs by class and status",
       .columns = {{"class", "Class"}, {"status", "Status"}, {"count", "CIs", Kind::kInteger}},
       .narrow = true},
      {.name = "recent_changes",
       .section = 1,
       .path = {"recent_changes", "by_class"},
       .title = "Changes in the last {days} days",
       .columns = {{"class", "Class"}, {"operation", "Operation"}, {"count", "Changes", Kind::kInteger}},
       .narrow = true},
      {.name = "relationship_types",
       .section = 2,
       .path = {"relationship_types"},
       .title = "Relationships by type",
       .columns = {{"type", "Type"}, {"count", "Relationships", Kind::kInteger}},
       .narrow = true},
      {.name = "critical_services",
       .section = 2,
       .path = {"critical_services"},
       .title = "Business services and their blast radius",
       .columns = {{"name", "Service", Kind::kProse},
                   {"class", "Class"},
                   {"criticality", "Criticality", Kind::kLevel},
                   {"affected", "CIs affected if it fails", Kind::kInteger},
                   {"services_affected", "Other services affected", Kind::kInteger},
                   {"risk_score", "Risk", Kind::kDecimal},
                   {"id", "ID", Kind::kId}}},
      {.name = "rules",
       .section = 3,
       .path = {"rules"},
       .title = "Rules",
       .columns = {{"rule", "Rule"},
                   {"category", "Category"},
                   {"kind", "Kind"},
                   {"severity", "Severity", Kind::kLevel},
                   {"checked", "Checked", Kind::kInteger},
                   {"failed", "Failed", Kind::kInteger},
                   {"acknowledged", "Acknowledged", Kind::kInteger},
                   {"compliance_percent", "Compliance", Kind::kPercent}},
       .failing_key = "failed"},
      {.name = "health",
       .section = 3,
       .path = {"health"},
       .title = "Health scores by class",
       .columns = {{"class", "Class", Kind::kText, "(overall)"},
                   {"cis", "CIs", Kind::kInteger},
                   {"completeness", "Completeness", Kind::kPercent},
                   {"correctness", "Correctness", Kind::kPercent},
                   {"compliance", "Compliance", Kind::kPercent}},
       .chart = Chart::kHealth},
      {.name = "trend",
       .section = 3,
       .path = {"trend"},
       .title = "Compliance over the audit runs",
       .columns = {{"run_id", "Run", Kind::kInteger},
                   {"time", "Time"},
                   {"checked", "Checked", Kind::kInteger},
                   {"failed", "Failed", Kind::kInteger},
                   {"compliance_percent", "Compliance", Kind::kPercent}},
       .chart = Chart::kTrend},
      {.name = "failures",
       .section = 3,
       .path = {"failures"},
       .title = "Failures",
       .columns = {{"rule", "Rule"},
                   {"severity", "Severity", Kind::kLevel},
                   {"ci_name", "CI", Kind::kProse},
                   {"class", "Class"},
                   {"criticality", "Criticality", Kind::kLevel},
                   {"reason", "Reason", Kind::kProse},
                   {"acknowledged", "Acknowledged", Kind::kFlag},
                   {"ci_id", "CI ID", Kind::kId}},
       .markdown_limit = 200,
       .muted_key = "acknowledged"},
      {.name = "risk_by_rule",
       .section = 4,
       .path = {"risk", "by_rule"},
       .title = "Risk by rule",
       .columns = {{"rule", "Rule"},
                   {"severity", "Severity", Kind::kLevel},
                   {"failed", "Failed", Kind::kInteger},
                   {"weight", "Weight", Kind::kInteger},
                   {"score", "Score", Kind::kDecimal}},
       .narrow = true},
      {.name = "expiring_certificates",
       .section = 4,
       .path = {"risk", "expiring_certificates"},
       .title = "Expiring certificates",
       .columns = {{"ci_name", "Certificate", Kind::kProse},
                   {"reason", "Reason", Kind::kProse},
                   {"ci_id", "CI ID", Kind::kId}},
       .narrow = true},
      {.name = "unauthorised_changes",
       .section = 4,
       .path = {"risk", "unauthorised_changes"},
       .title = "Unauthorised changes",
       .columns = {{"changeset", "Changeset"},
                   {"time", "Time"},
                   {"actor", "Actor"},
                   {"source", "Source"},
                   {"comment", "Comment", Kind::kProse},
                   {"cis", "CIs", Kind::kInteger},
                   {"relationships", "Relationships", Kind::kInteger}}},
  };
  return tables;
}

const json& Null() {
  static const json null;
  return null;
}

const json& At(const json& object, std::string_view key) {
  if (!object.is_object()) return Null();
  const auto it = object.find(std::string(key));
  return it == object.end() ? Null() : *it;
}

const json& AtPath(const json& report, const std::vector<std::string_view>& path) {
  const json* node = &report;
  for (std::string_view key : path) node = &At(*node, key);
  return *node;
}

// The rows of a table: the objects of its array (anything else is skipped).
std::vector<const json*> Rows(const json& report, const Table& table) {
  std::vector<const json*> rows;
  const json& array = AtPath(report, table.path);
  if (!array.is_array()) return rows;
  for (const json& row : array) {
    if (row.is_object()) rows.push_back(&row);
  }
  return rows;
}

std::optional<double> Number(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const double x = value.get<double>();
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

// JSON text of a value that is not a string (never throws on bad UTF-8).
std::string Dumped(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Fixed(double x, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
  return buffer;
}

// A value as plain text (the CSV field): "" for null.
std::string Plain(const json& value, const Column& column) {
  std::string text;
  if (value.is_null()) {
    text = "";
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_boolean()) {
    text = value.get<bool>() ? "true" : "false";
  } else if (value.is_number_integer() || value.is_number_unsigned()) {
    text = Dumped(value);
    if (column.kind == Kind::kDecimal || column.kind == Kind::kPercent) text = Fixed(value.get<double>(), 1);
  } else if (value.is_number_float()) {
    const double x = value.get<double>();
    if (!std::isfinite(x)) {
      text = "";
    } else if (column.kind == Kind::kDecimal || column.kind == Kind::kPercent) {
      text = Fixed(x, 1);
    } else if (x == std::floor(x) && std::fabs(x) < 1e15) {
      text = Fixed(x, 0);
    } else {
      text = Dumped(value);
    }
  } else {
    text = Dumped(value);
  }
  if (text.empty() && value.is_string()) text = column.if_empty;
  return text;
}

bool Missing(const json& value) { return value.is_null() || (value.is_number_float() && !Number(value)); }

// A value as a person reads it (Markdown and HTML): "–" for null, yes/no
// for a flag.
std::string Shown(const json& value, const Column& column) {
  if (Missing(value)) return "\u2013";
  if (column.kind == Kind::kFlag && value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return Plain(value, column);
}

std::string TextOf(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return Dumped(value);
}

std::string TableTitle(const json& report, const Table& table) {
  std::string title(table.title);
  const auto at = title.find("{days}");
  if (at != std::string::npos) {
    const json& days = At(At(report, "recent_changes"), "days");
    const std::string text = days.is_number() ? Plain(days, {"days", "", Kind::kInteger}) : "";
    title = text.empty() ? "Recent changes" : title.replace(at, 6, text);
  }
  return title;
}

std::string ReportTitle(const json& report) {
  const std::string title = TextOf(At(report, "title"));
  return title.empty() ? "Configuration status report" : title;
}

// "run 12 (all categories) by admin, 2026-12-02T14:00:00Z to ...", or ""
// when no audit ran.
std::string AuditRunText(const json& report) {
  const json& run = At(report, "audit_run");
  if (!run.is_object()) return "";
  std::string text = "run " + TextOf(At(run, "id"));
  const std::string category = TextOf(At(run, "category"));
  text += category.empty() ? " (all categories)" : " (category " + category + ")";
  const std::string actor = TextOf(At(run, "actor"));
  if (!actor.empty()) text += " by " + actor;
  const std::string start = TextOf(At(run, "start_time"));
  const std::string end = TextOf(At(run, "end_time"));
  if (!start.empty()) text += ", " + start + (end.empty() ? "" : " to " + end);
  return text;
}

// Rank of a severity or criticality word; 0 for anything else.
int LevelRank(const std::string& level) {
  if (level == "low") return 1;
  if (level == "medium") return 2;
  if (level == "high") return 3;
  if (level == "critical") return 4;
  return 0;
}


}  // namespace cmdbctl::report
