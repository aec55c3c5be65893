// The status report's model, private to the renderers (report_render.cc:
// CSV and Markdown; report_html.cc: HTML): the one list of tables that
// drives every format, the sections and summary fields, and the helpers
// that read the report's JSON without throwing.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmdbctl::report {

using nlohmann::json;

// How a column's values read.
enum class Kind {
  kText,     // a word or a name: one line in HTML
  kProse,    // free text (a CI name, a reason): wraps in HTML
  kId,       // an identifier: small and monospaced in HTML
  kLevel,    // low, medium, high, critical: a coloured badge, sorted by rank
  kInteger,  // a count
  kDecimal,  // a score, one decimal
  kPercent,  // a percentage, one decimal; a coloured badge in HTML
  kFlag,     // a boolean: true/false in CSV, yes/no elsewhere
};

inline bool Numeric(Kind kind) { return kind == Kind::kInteger || kind == Kind::kDecimal || kind == Kind::kPercent; }

struct Column {
  std::string_view key;
  std::string_view header;
  Kind kind = Kind::kText;
  // Shown instead of an empty string, in every format.
  std::string_view if_empty = {};
};

enum class Chart { kNone, kHealth, kTrend };

struct Table {
  std::string_view name;  // CSV section, HTML table id
  int section = 0;        // 1 to 4
  std::vector<std::string_view> path;
  std::string_view title;  // "{days}": recent_changes.days
  std::vector<Column> columns;
  Chart chart = Chart::kNone;  // drawn before the table in HTML
  // Rows where this column is above zero are marked as failing in HTML.
  std::string_view failing_key = {};
  // Rows listed in Markdown; 0: all.
  size_t markdown_limit = 0;
  // Rows where this column is true are shown muted in HTML.
  std::string_view muted_key = {};
  // Few short columns: in HTML it takes half the width, beside its neighbour.
  bool narrow = false;
};

// Every table, in the order of report_render.h.
const std::vector<Table>& Tables();

struct Section {
  int number;
  std::string_view anchor;
  std::string_view title;
  std::string_view intro;
};

inline constexpr Section kSections[] = {
    {1, "current-state", "Current state and changes",
     "What the CMDB holds now, by class and status, and what changed recently."},
    {2, "relationships", "Relationships and impact",
     "How the CIs are connected, and how far the outage of each critical business service would reach."},
    {3, "compliance", "Compliance",
     "The audit rules, the health of each class and the failures of the latest audit run."},
    {4, "risk", "Risk", "Where the failures matter most, certificates about to expire and changes nobody approved."},
};

// The summary: the CSV section "summary" (every key, these first), the
// Markdown list (these) and the HTML cards (those with a card id).
struct SummaryField {
  std::string_view key;
  std::string_view label;
  Kind kind;
  std::string_view card = {};  // the HTML card's id is "summary-" + card
};

inline constexpr SummaryField kSummary[] = {
    {"cis", "CIs", Kind::kInteger, "cis"},
    {"relationships", "Relationships", Kind::kInteger, "relationships"},
    {"compliance_percent", "Compliance", Kind::kPercent, "compliance"},
    {"failed", "Failed checks", Kind::kInteger, "failed"},
    {"risk_score", "Risk score", Kind::kDecimal, "risk"},
    {"unauthorised_changes", "Unauthorised changes", Kind::kInteger, "unauthorised"},
    {"expiring_certificates", "Expiring certificates", Kind::kInteger, "expiring"},
    {"rules", "Rules", Kind::kInteger},
    {"checked", "Checks", Kind::kInteger},
    {"acknowledged", "Acknowledged failures", Kind::kInteger},
};

// ---- Reading the JSON without throwing.

const json& Null();
const json& At(const json& object, std::string_view key);
const json& AtPath(const json& report, const std::vector<std::string_view>& path);
// The rows of a table: the objects of its array (anything else is skipped).
std::vector<const json*> Rows(const json& report, const Table& table);
std::optional<double> Number(const json& value);
// JSON text of a value that is not a string (never throws on bad UTF-8).
std::string Dumped(const json& value);
std::string Fixed(double x, int decimals);
// A value as plain text (the CSV field): "" for null.
std::string Plain(const json& value, const Column& column);
bool Missing(const json& value);
// A value as a person reads it (Markdown and HTML): "–" for null, yes/no
// for a flag.
std::string Shown(const json& value, const Column& column);
std::string TextOf(const json& value);
std::string TableTitle(const json& report, const Table& table);
std::string ReportTitle(const json& report);
// "run 12 (all categories) by admin, 2026-12-02T14:00:00Z to ...", or ""
// when no audit ran.
std::string AuditRunText(const json& report);
// Rank of a severity or criticality word; 0 for anything else.
int LevelRank(const std::string& level);

}  // namespace cmdbctl::report
