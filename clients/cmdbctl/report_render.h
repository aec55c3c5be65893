// The configuration status report of `cmdbctl audit report` (ITIL status
// accounting) as CSV, Markdown and a self-contained HTML page, rendered
// from the report's JSON document (its shape is in docs/AUDIT.md, "The
// status report").
//
// One list of tables drives the three formats: each table has a name (the
// CSV section, the HTML table id), the place of its rows in the JSON, a
// title and its columns (JSON key, header, kind). In order:
//
//   summary                key, value (CSV only; Markdown lists it, HTML
//                          shows it as cards)
//   1. Current state and changes
//   ci_states              class, status, count
//   recent_changes         class, operation, count     (recent_changes.by_class)
//   2. Relationships and impact
//   relationship_types     type, count
//   critical_services      name, class, criticality, affected,
//                          services_affected, risk_score, id
//   3. Compliance
//   rules                  rule, category, kind, severity, checked, failed,
//                          acknowledged, compliance_percent
//   health                 class, cis, completeness, correctness, compliance
//   trend                  run_id, time, checked, failed, compliance_percent
//   failures               rule, severity, ci_name, class, criticality,
//                          reason, acknowledged, ci_id
//   4. Risk
//   risk_by_rule           rule, severity, failed, weight, score (risk.by_rule)
//   expiring_certificates  ci_name, reason, ci_id     (risk.expiring_certificates)
//   unauthorised_changes   changeset, time, actor, source, comment, cis,
//                          relationships              (risk.unauthorised_changes)
//
// Every format shows the same values: integers as integers, percentages and
// scores with one decimal, a JSON null (no score) as an empty CSV field and
// as "–" in Markdown and HTML, acknowledged as true/false in CSV and yes/no
// in Markdown and HTML. The health row whose class is "" (all classes) is
// shown with class "(overall)" in every format. A missing key, a missing
// array or a value of an unexpected type is rendered as empty (or as its
// JSON text); the functions never throw on any JSON input.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cmdbctl {

// CSV as in RFC 4180, every table of the report as a section: a line
// "# <table name>", the header row (the JSON keys), the rows, a blank line.
// A field that holds a comma, quote or line break, or begins with "#", is
// quoted, so the section lines are the only records that start with "# ".
std::string RenderReportCsv(const nlohmann::json& report);

// GitHub-flavoured Markdown: the title, time and audit run, a summary list,
// then "## 1. Current state and changes", "## 2. Relationships and impact",
// "## 3. Compliance" and "## 4. Risk" with a pipe table per table ("|" in a
// cell escaped as "\|", "<" in data as "\<", line breaks as spaces). At most
// 200 failures are listed, followed by how many more there are.
std::string RenderReportMarkdown(const nlohmann::json& report);

// One HTML page that needs nothing else (inline style and script, no
// external reference): a header, summary cards (ids summary-cis,
// summary-relationships, summary-compliance, summary-failed, summary-risk,
// summary-unauthorised, summary-expiring, each with the number in a
// class="value" element), SVG charts of the health scores and of the
// compliance trend, and the four sections with every table (id = the table
// name). Every data string is escaped. Clicking a column header sorts the
// table (again: reversed); the URL fragment `#sort=<table>:<column key>`
// or `#sort=<table>:<column key>:desc` sorts a table when the page loads.
std::string RenderReportHtml(const nlohmann::json& report);

}  // namespace cmdbctl
