// The status report's renderers (clients/cmdbctl/report_render.h): the CSV
// read back section by section with an RFC 4180 parser and compared with the
// JSON value by value, the Markdown's headings and pipe tables, and the HTML
// page's numbers, tables, escaping and self-containedness.
#include "report_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace cmdbctl {
namespace {

using nlohmann::json;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// A report with awkward values: commas, quotes, line breaks, "|", markup,
// non-ASCII text, nulls, a field starting with "#", an empty array and a
// missing one.
json Sample() {
  return json::parse(R"json({
  "title": "Configuration status report",
  "generated_at": "2026-12-02T15:00:00Z",
  "audit_run": {"id": 12, "category": "", "actor": "admin", "start_time": "2026-12-02T14:00:00Z",
                "end_time": "2026-12-02T14:00:09Z"},
  "summary": {"cis": 1234, "relationships": 2345, "rules": 3, "checked": 5000, "failed": 40, "acknowledged": 3,
              "compliance_percent": 99.2, "risk_score": 123.5, "unauthorised_changes": 4, "expiring_certificates": 2},
  "ci_states": [{"class": "server", "status": "in_use", "count": 10},
                {"class": "switch", "status": "retired", "count": 2}],
  "recent_changes": {"days": 30, "by_class": [{"class": "server", "operation": "update", "count": 7},
                                              {"class": "switch", "operation": "create", "count": 1}]},
  "relationship_types": [{"type": "runs_on", "count": 40}, {"type": "depends_on", "count": 12}],
  "critical_services": [
    {"id": "6f1c2a10-0000-4000-8000-000000000001", "name": "Payroll, \"HR\" | EU", "class": "business_service",
     "criticality": "critical", "affected": 12, "services_affected": 2, "risk_score": 48.0},
    {"id": "6f1c2a10-0000-4000-8000-000000000002", "name": "Zürich ✓ 東京", "class": "business_service",
     "criticality": null, "affected": 0, "services_affected": 0, "risk_score": null}],
  "rules": [
    {"rule": "has-owner, \"primary\"\nsecond line", "category": "completeness", "kind": "required_attribute",
     "severity": "low", "checked": 4900, "failed": 38, "acknowledged": 2, "compliance_percent": 99.22},
    {"rule": "a|b", "category": "compliance", "kind": "certificate_expiry", "severity": "critical",
     "checked": 0, "failed": 0, "acknowledged": 0, "compliance_percent": null},
    {"rule": "unique-serial", "category": "correctness", "kind": "unique_attribute", "severity": "high",
     "checked": 100, "failed": 2, "acknowledged": 1, "compliance_percent": 98.0}],
  "health": [
    {"class": "", "cis": 120, "completeness": 97.5, "correctness": 99.0, "compliance": 96.1},
    {"class": "server", "cis": 40, "completeness": 95.0, "correctness": null, "compliance": 90.0}],
  "trend": [
    {"run_id": 10, "time": "2026-11-30T14:00:00Z", "checked": 4900, "failed": 60, "compliance_percent": 98.8},
    {"run_id": 11, "time": "2026-12-01T14:00:00Z", "checked": 4950, "failed": 45, "compliance_percent": 99.09},
    {"run_id": 12, "time": "2026-12-02T14:00:00Z", "checked": 5000, "failed": 40, "compliance_percent": 99.2}],
  "failures": [
    {"rule": "unique-serial", "severity": "high", "ci_id": "6f1c2a10-0000-4000-8000-0000000000a1",
     "ci_name": "<script>alert(1)</script>", "class": "server", "criticality": "high",
     "reason": "attributes.serial_number: \"X\" is shared with 1 other CIs", "acknowledged": false},
    {"rule": "has-owner", "severity": "low", "ci_id": "6f1c2a10-0000-4000-8000-0000000000a2",
     "ci_name": "# not a section", "class": "server", "criticality": null,
     "reason": "line one\nline two, with a comma", "acknowledged": true}],
  "risk": {"score": 123.5,
           "formula": "sum over failing rules of severity weight × (1 + criticality weight of each failing CI)",
           "by_rule": [{"rule": "unique-serial", "severity": "high", "failed": 2, "weight": 3, "score": 12.0}],
           "unauthorised_changes": []}
})json");
}

// The tables as the report promises them: CSV section, where the rows are,
// the columns in order.
struct Expected {
  std::string name;
  std::vector<std::string> path;
  std::vector<std::string> keys;
};

const std::vector<Expected>& ExpectedTables() {
  static const std::vector<Expected> tables = {
      {"ci_states", {"ci_states"}, {"class", "status", "count"}},
      {"recent_changes", {"recent_changes", "by_class"}, {"class", "operation", "count"}},
      {"relationship_types", {"relationship_types"}, {"type", "count"}},
      {"critical_services",
       {"critical_services"},
       {"name", "class", "criticality", "affected", "services_affected", "risk_score", "id"}},
      {"rules",
       {"rules"},
       {"rule", "category", "kind", "severity", "checked", "failed", "acknowledged", "compliance_percent"}},
      {"health", {"health"}, {"class", "cis", "completeness", "correctness", "compliance"}},
      {"trend", {"trend"}, {"run_id", "time", "checked", "failed", "compliance_percent"}},
      {"failures",
       {"failures"},
       {"rule", "severity", "ci_name", "class", "criticality", "reason", "acknowledged", "ci_id"}},
      {"risk_by_rule", {"risk", "by_rule"}, {"rule", "severity", "failed", "weight", "score"}},
      {"expiring_certificates", {"risk", "expiring_certificates"}, {"ci_name", "reason", "ci_id"}},
      {"unauthorised_changes",
       {"risk", "unauthorised_changes"},
       {"changeset", "time", "actor", "source", "comment", "cis", "relationships"}},
  };
  return tables;
}

int Occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- CSV reading, independent of the code under test.

using Records = std::vector<std::vector<std::string>>;

Records ParseCsv(const std::string& text) {
  Records records;
  std::vector<std::string> fields(1);
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      records.push_back(fields);
      fields.assign(1, "");
      any = false;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  EXPECT_FALSE(quoted) << "a quoted field is not closed";
  if (any) records.push_back(fields);
  return records;
}

// Splits CSV output on its "# name" lines; each section's text parsed,
// with the blank line that ends it checked and removed.
std::vector<std::pair<std::string, Records>> Sections(const std::string& csv) {
  std::vector<std::pair<std::string, std::string>> texts;
  size_t start = 0;
  while (start < csv.size()) {
    size_t end = csv.find('\n', start);
    if (end == std::string::npos) end = csv.size();
    const std::string line = csv.substr(start, end - start);
    if (line.rfind("# ", 0) == 0) {
      texts.emplace_back(line.substr(2), "");
    } else {
      EXPECT_FALSE(texts.empty()) << "text before the first section: " << line;
      if (!texts.empty()) texts.back().second += line + "\n";
    }
    start = end + 1;
  }
  std::vector<std::pair<std::string, Records>> sections;
  for (auto& [name, text] : texts) {
    Records records = ParseCsv(text);
    EXPECT_FALSE(records.empty()) << name;
    if (!records.empty()) {
      EXPECT_EQ(records.back(), std::vector<std::string>{""}) << name << " does not end with a blank line";
      records.pop_back();
    }
    sections.emplace_back(name, std::move(records));
  }
  return sections;
}

const json& AtPath(const json& j, const std::vector<std::string>& path) {
  static const json null;
  const json* node = &j;
  for (const auto& key : path) {
    if (!node->is_object() || !node->contains(key)) return null;
    node = &(*node)[key];
  }
  return *node;
}

// A CSV field against the JSON value it came from.
void ExpectField(const json& value, const std::string& field, const std::string& where) {
  SCOPED_TRACE(where);
  if (value.is_null()) {
    EXPECT_EQ(field, "");
  } else if (value.is_string()) {
    EXPECT_EQ(field, value.get<std::string>());
  } else if (value.is_boolean()) {
    EXPECT_EQ(field, value.get<bool>() ? "true" : "false");
  } else if (value.is_number_integer()) {
    EXPECT_EQ(field, std::to_string(value.get<long long>()));
  } else {
    EXPECT_TRUE(std::regex_match(field, std::regex(R"(-?\d+\.\d)"))) << field << ": not one decimal";
    EXPECT_NEAR(std::stod(field), value.get<double>(), 0.05);
  }
}

TEST(ReportCsv, SectionsInOrderWithTheirColumns) {
  const auto sections = Sections(RenderReportCsv(Sample()));
  std::vector<std::string> names;
  for (const auto& [name, records] : sections) names.push_back(name);
  std::vector<std::string> expected = {"summary"};
  for (const auto& t : ExpectedTables()) expected.push_back(t.name);
  EXPECT_THAT(names, ElementsAreArray(expected));
  ASSERT_EQ(sections.size(), expected.size());
  EXPECT_EQ(sections[0].second.at(0), (std::vector<std::string>{"key", "value"}));
  for (size_t i = 0; i < ExpectedTables().size(); ++i) {
    const auto& [name, records] = sections[i + 1];
    ASSERT_FALSE(records.empty()) << name;
    EXPECT_EQ(records[0], ExpectedTables()[i].keys) << name;
  }
}

TEST(ReportCsv, EveryFieldEqualsTheJson) {
  const json report = Sample();
  const auto sections = Sections(RenderReportCsv(report));
  ASSERT_EQ(sections.size(), ExpectedTables().size() + 1);
  int compared = 0;
  for (size_t i = 0; i < ExpectedTables().size(); ++i) {
    const Expected& table = ExpectedTables()[i];
    const Records& records = sections[i + 1].second;
    const json& rows = AtPath(report, table.path);
    const size_t count = rows.is_array() ? rows.size() : 0;
    ASSERT_EQ(records.size(), count + 1) << table.name;  // the header, then one record per row
    for (size_t r = 0; r < count; ++r) {
      ASSERT_EQ(records[r + 1].size(), table.keys.size()) << table.name << " row " << r;
      for (size_t c = 0; c < table.keys.size(); ++c) {
        const std::string& key = table.keys[c];
        const json& value = rows[r].contains(key) ? rows[r][key] : json();
        if (table.name == "health" && key == "class" && value == "") {
          EXPECT_EQ(records[r + 1][c], "(overall)");
          continue;
        }
        ExpectField(value, records[r + 1][c], table.name + "[" + std::to_string(r) + "]." + key);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 80);
}

TEST(ReportCsv, ValuesReadBack) {
  const auto sections = Sections(RenderReportCsv(Sample()));
  std::map<std::string, Records> by_name(sections.begin(), sections.end());
  // Summary: one row per key.
  std::map<std::string, std::string> summary;
  for (size_t i = 1; i < by_name["summary"].size(); ++i) summary[by_name["summary"][i][0]] = by_name["summary"][i][1];
  EXPECT_EQ(summary.size(), 10u);
  EXPECT_EQ(summary["cis"], "1234");
  EXPECT_EQ(summary["compliance_percent"], "99.2");
  EXPECT_EQ(summary["risk_score"], "123.5");
  EXPECT_EQ(summary["expiring_certificates"], "2");
  // The rule with a comma, quotes and a line break survives; unique-serial
  // keeps its numbers.
  const Records& rules = by_name["rules"];
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[1][0], "has-owner, \"primary\"\nsecond line");
  EXPECT_EQ(rules[1][7], "99.2");
  EXPECT_EQ(rules[2][7], "");  // null: no score
  EXPECT_EQ(rules[3], (std::vector<std::string>{"unique-serial", "correctness", "unique_attribute", "high", "100", "2",
                                                "1", "98.0"}));
  EXPECT_EQ(by_name["health"][1][0], "(overall)");
  EXPECT_EQ(by_name["health"][2][3], "");
  EXPECT_EQ(by_name["failures"][1][2], "<script>alert(1)</script>");
  EXPECT_EQ(by_name["failures"][2][2], "# not a section");
  EXPECT_EQ(by_name["failures"][2][5], "line one\nline two, with a comma");
  EXPECT_EQ(by_name["failures"][2][6], "true");
  EXPECT_EQ(by_name["critical_services"][2][0], "Zürich ✓ 東京");
  EXPECT_EQ(by_name["risk_by_rule"][1][4], "12.0");
  EXPECT_EQ(by_name["unauthorised_changes"].size(), 1u);   // empty array: the header
  EXPECT_EQ(by_name["expiring_certificates"].size(), 1u);  // missing: the header
}

TEST(ReportCsv, QuotesOnlyWhatNeedsIt) {
  const std::string csv = RenderReportCsv(Sample());
  EXPECT_THAT(csv, HasSubstr("\n\"has-owner, \"\"primary\"\"\nsecond line\",completeness,"));
  EXPECT_THAT(csv, HasSubstr("\nunique-serial,correctness,unique_attribute,high,100,2,1,98.0\n"));
  EXPECT_THAT(csv, HasSubstr("\nunique-serial,high,<script>alert(1)</script>,server,high,"));
  EXPECT_THAT(csv, HasSubstr(",\"# not a section\","));
}

// ---- Markdown

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Cells of a pipe-table line: "|" not preceded by "\" separates them.
int PipeCells(const std::string& line) {
  int pipes = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++pipes;
  }
  return pipes - 1;
}

// The pipe tables of a Markdown text, each as its lines.
std::vector<std::vector<std::string>> PipeTables(const std::string& markdown) {
  std::vector<std::vector<std::string>> tables;
  bool in_table = false;
  for (const auto& line : Lines(markdown)) {
    const bool row = !line.empty() && line[0] == '|';
    if (row && !in_table) tables.emplace_back();
    if (row) tables.back().push_back(line);
    in_table = row;
  }
  return tables;
}

TEST(ReportMarkdown, HeadingsSummaryAndTables) {
  const json report = Sample();
  const std::string md = RenderReportMarkdown(report);
  EXPECT_EQ(md.rfind("# Configuration status report\n", 0), 0u);
  EXPECT_THAT(md, HasSubstr("Generated 2026-12-02T15:00:00Z"));
  EXPECT_THAT(md, HasSubstr("run 12 (all categories) by admin"));
  EXPECT_THAT(md, HasSubstr("- Compliance: **99.2%**\n"));
  EXPECT_THAT(md, HasSubstr("- CIs: **1234**\n"));
  std::vector<std::string> headings;
  for (const auto& line : Lines(md)) {
    if (line.rfind("## ", 0) == 0) headings.push_back(line);
  }
  EXPECT_THAT(headings, ElementsAreArray({"## 1. Current state and changes", "## 2. Relationships and impact",
                                          "## 3. Compliance", "## 4. Risk"}));
  const auto tables = PipeTables(md);
  ASSERT_EQ(tables.size(), ExpectedTables().size());
  for (size_t i = 0; i < tables.size(); ++i) {
    const auto& t = tables[i];
    const Expected& expected = ExpectedTables()[i];
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(PipeCells(t[0]), static_cast<int>(expected.keys.size())) << expected.name << ": " << t[0];
    EXPECT_TRUE(std::regex_match(t[1], std::regex(R"(\|(---:?\|)+)"))) << t[1];
    const json& rows = AtPath(report, expected.path);
    EXPECT_EQ(t.size(), 2 + (rows.is_array() ? rows.size() : 0)) << expected.name;
    for (const auto& line : t) EXPECT_EQ(PipeCells(line), PipeCells(t[0])) << expected.name << ": " << line;
  }
  // Cells: "|" escaped, line breaks as spaces, null as a dash, the overall row.
  EXPECT_THAT(md, HasSubstr("| a\\|b | compliance |"));
  EXPECT_THAT(md, HasSubstr("| Payroll, \"HR\" \\| EU |"));
  EXPECT_THAT(md, HasSubstr("| has-owner, \"primary\" second line |"));
  EXPECT_THAT(md, HasSubstr("| line one line two, with a comma |"));
  EXPECT_THAT(md, HasSubstr("| \\<script>alert(1)\\</script> |"));  // markup as text
  EXPECT_EQ(Occurrences(md, "<script"), Occurrences(md, "\\<script"));
  EXPECT_THAT(md, HasSubstr("| (overall) | 120 | 97.5% | 99.0% | 96.1% |"));
  EXPECT_THAT(md, HasSubstr("| server | 40 | 95.0% | \u2013 | 90.0% |"));
  EXPECT_THAT(md, HasSubstr("| unique-serial | correctness | unique_attribute | high | 100 | 2 | 1 | 98.0% |"));
  EXPECT_THAT(md, HasSubstr("### Changes in the last 30 days"));
  EXPECT_THAT(md, HasSubstr("\n> sum over failing rules of severity weight \u00d7"));
  EXPECT_THAT(md, HasSubstr("Risk score: **123.5**"));
  // Empty and missing arrays say so: unauthorised changes, expiring certificates.
  size_t nothing = 0;
  for (size_t at = md.find("Nothing to list."); at != std::string::npos; at = md.find("Nothing to list.", at + 1)) {
    ++nothing;
  }
  EXPECT_EQ(nothing, 2u);
}

TEST(ReportMarkdown, LongFailureListsAreCut) {
  json report = Sample();
  json failures = json::array();
  for (int i = 0; i < 250; ++i) {
    failures.push_back({{"rule", "r"}, {"severity", "low"}, {"ci_name", "ci-" + std::to_string(i)}, {"ci_id", "x"}});
  }
  report["failures"] = failures;
  const std::string md = RenderReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| ci-199 |"));
  EXPECT_THAT(md, Not(HasSubstr("| ci-200 |")));
  EXPECT_THAT(md, HasSubstr("50 more not listed here (250 in all"));
  // CSV and HTML list every one.
  EXPECT_THAT(RenderReportCsv(report), HasSubstr("ci-249"));
  EXPECT_THAT(RenderReportHtml(report), HasSubstr(">ci-249</td>"));
}

// ---- HTML

// The text inside the element with class="value" of the element `id`.
std::string ValueOf(const std::string& html, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("id=\"" + id + "\"><span class=\"value\">([^<]*)</span>"))) return "?";
  return m[1];
}

TEST(ReportHtml, ADocumentWithTheKeyNumbers) {
  const std::string html = RenderReportHtml(Sample());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("<title>Configuration status report</title>"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
  EXPECT_EQ(ValueOf(html, "summary-cis"), "1234");
  EXPECT_EQ(ValueOf(html, "summary-relationships"), "2345");
  EXPECT_EQ(ValueOf(html, "summary-compliance"), "99.2%");
  EXPECT_EQ(ValueOf(html, "summary-failed"), "40");
  EXPECT_EQ(ValueOf(html, "summary-risk"), "123.5");
  EXPECT_EQ(ValueOf(html, "summary-unauthorised"), "4");
  EXPECT_EQ(ValueOf(html, "summary-expiring"), "2");
  EXPECT_THAT(html, HasSubstr("class=\"card good\" id=\"summary-compliance\""));
  EXPECT_THAT(html, HasSubstr("class=\"card poor\" id=\"summary-failed\""));
  EXPECT_THAT(html, HasSubstr("run 12 (all categories) by admin, 2026-12-02T14:00:00Z to 2026-12-02T14:00:09Z"));
  for (const char* section : {">1. Current state and changes</h2>", ">2. Relationships and impact</h2>",
                              ">3. Compliance</h2>", ">4. Risk</h2>"}) {
    EXPECT_THAT(html, HasSubstr(section));
  }
  for (const auto& t : ExpectedTables()) {
    EXPECT_EQ(Occurrences(html, "<table class=\"data\" id=\"" + t.name + "\">"), 1) << t.name;
  }
  EXPECT_THAT(html, HasSubstr("id=\"risk-score\">123.5<"));
}

TEST(ReportHtml, DataIsEscaped) {
  const std::string html = RenderReportHtml(Sample());
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("<td class=\"prose\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"prose\">Payroll, &quot;HR&quot; | EU</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"prose\">Zürich ✓ 東京</td>"));
  EXPECT_EQ(Occurrences(html, "<script"), 1);  // its own
  EXPECT_EQ(Occurrences(html, "<style"), 1);
  json hostile = Sample();
  hostile["title"] = "</title><script>x()</script>";
  hostile["health"][1]["class"] = "<b onmouseover=x()>";
  hostile["trend"][0]["run_id"] = "\"><script>y()</script>";
  const std::string escaped = RenderReportHtml(hostile);
  EXPECT_EQ(Occurrences(escaped, "<script"), 1);
  EXPECT_THAT(escaped, Not(HasSubstr("<b onmouseover")));
  EXPECT_THAT(escaped, HasSubstr("&lt;b onmouseover=x()&gt;"));
}

TEST(ReportHtml, NothingExternal) {
  const std::string html = RenderReportHtml(Sample());
  EXPECT_THAT(html, Not(HasSubstr("http:")));
  EXPECT_THAT(html, Not(HasSubstr("https:")));
  EXPECT_THAT(html, Not(HasSubstr("//")));  // no protocol-relative URL (nor a comment)
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  // Links only within the page.
  const std::regex href("href=\"([^\"]*)\"");
  int links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it, ++links) {
    EXPECT_EQ((*it)[1].str().substr(0, 1), "#") << (*it)[1];
  }
  EXPECT_EQ(links, 4);
  // A URL in the data stays text.
  json report = Sample();
  report["failures"][0]["reason"] = "see https://example.com/x?a=1&b=\"2\"";
  const std::string with_url = RenderReportHtml(report);
  EXPECT_THAT(with_url, HasSubstr("<td class=\"prose\">see https://example.com/x?a=1&amp;b=&quot;2&quot;</td>"));
  EXPECT_EQ(Occurrences(with_url, "https:"), 1);
}

TEST(ReportHtml, CellsCarrySortValuesBadgesAndMarks) {
  const std::string html = RenderReportHtml(Sample());
  // unique-serial: failed 2, compliance 98.0 (fair), high severity; a
  // failing row.
  EXPECT_THAT(html,
              HasSubstr("<tr class=\"failing\"><td>unique-serial</td><td>correctness</td>"
                        "<td>unique_attribute</td><td data-sort=\"3\"><span class=\"badge lv-high\">high</span>"
                        "</td><td class=\"num\" data-sort=\"100\">100</td><td class=\"num\" data-sort=\"2\">2</td>"
                        "<td class=\"num\" data-sort=\"1\">1</td><td class=\"num\" data-sort=\"98.0\">"
                        "<span class=\"pct fair\">98.0%</span></td></tr>"));
  // a|b failed nothing: not marked; no score: a dash and an empty sort value.
  EXPECT_THAT(html, HasSubstr("<tr><td>a|b</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\" data-sort=\"\"><span class=\"none\">\u2013</span></td></tr>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge lv-critical\">critical</span>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"prose\">Zürich ✓ 東京</td><td>business_service</td>"
                              "<td data-sort=\"0\"><span class=\"none\">\u2013</span></td>"));  // no criticality
  EXPECT_THAT(html, HasSubstr("<td class=\"overall\">(overall)</td>"));
  EXPECT_THAT(html, HasSubstr("<th tabindex=\"0\" data-key=\"failed\" data-type=\"num\" class=\"num\""));
  EXPECT_THAT(html, HasSubstr("<th tabindex=\"0\" data-key=\"rule\" data-type=\"text\""));
  EXPECT_THAT(html, HasSubstr("<td data-sort=\"1\"><span class=\"ack\">yes</span></td>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"muted\"><td>has-owner</td>"));  // acknowledged
  // Empty and missing tables say so.
  EXPECT_EQ(Occurrences(html, "<tr class=\"empty\"><td colspan=\"7\">Nothing to list.</td></tr>"), 1);
  EXPECT_EQ(Occurrences(html, "<tr class=\"empty\"><td colspan=\"3\">Nothing to list.</td></tr>"), 1);
  // The script sorts by the fragment.
  EXPECT_THAT(html, HasSubstr("#sort="));
}

TEST(ReportHtml, Charts) {
  json report = Sample();
  std::string html = RenderReportHtml(report);
  // Health: three bars per class but one (server has no correctness).
  EXPECT_THAT(html, HasSubstr("<svg class=\"chart\" id=\"chart-health\""));
  EXPECT_EQ(Occurrences(html, "fill=\"#23406e\"><title>"), 2);
  EXPECT_EQ(Occurrences(html, "fill=\"#2a9d8f\"><title>"), 1);
  EXPECT_EQ(Occurrences(html, "fill=\"#e9c46a\"><title>"), 2);
  EXPECT_THAT(html, HasSubstr("<title>server \u00b7 Correctness: no score</title>"));
  EXPECT_THAT(html, HasSubstr(">(overall)</text>"));
  EXPECT_THAT(html, HasSubstr("<title>server \u00b7 Compliance: 90.0%</title>"));
  // Trend: a point per run, the line through them, the run labels.
  EXPECT_THAT(html, HasSubstr("<svg class=\"chart\" id=\"chart-trend\""));
  EXPECT_EQ(Occurrences(html, "class=\"point\""), 3);
  EXPECT_THAT(html, HasSubstr("<path d=\"M"));
  EXPECT_THAT(html, HasSubstr(">#10</text>"));
  EXPECT_THAT(html, HasSubstr(">2026-12-02</text>"));
  EXPECT_THAT(html, HasSubstr("run 12 \u00b7 2026-12-02T14:00:00Z \u00b7 99.2% compliant (40 failed of 5000)"));
  // One run: a point, no line; none: a sentence instead of a chart.
  report["trend"] = json::array({report["trend"][2]});
  html = RenderReportHtml(report);
  EXPECT_EQ(Occurrences(html, "class=\"point\""), 1);
  EXPECT_THAT(html, HasSubstr("<path d=\"M460 "));  // in the middle
  EXPECT_THAT(html, Not(HasSubstr(" L")));
  report["trend"] = json::array();
  report["health"] = json::array();
  html = RenderReportHtml(report);
  EXPECT_THAT(html, Not(HasSubstr("id=\"chart-trend\"")));
  EXPECT_THAT(html, Not(HasSubstr("id=\"chart-health\"")));
  EXPECT_THAT(html, HasSubstr("No audit runs yet"));
  EXPECT_THAT(html, HasSubstr("No health scores yet"));
}

TEST(Report, NoAuditRunAndOddInput) {
  json report = Sample();
  report["audit_run"] = nullptr;
  EXPECT_THAT(RenderReportMarkdown(report), HasSubstr("No audit has run yet."));
  EXPECT_THAT(RenderReportHtml(report), HasSubstr("no audit has run yet"));
  // Nothing a builder could send makes a renderer throw.
  const std::vector<json> odd = {
      json(),
      json::array(),
      json("text"),
      json::parse(R"({"summary": "x", "rules": {"a": 1}, "risk": [1], "recent_changes": {"days": "thirty",
                     "by_class": [null, 1, {"class": 5, "count": "many"}]},
                     "health": [1, "x", null, {"class": 5, "cis": 1.5, "completeness": 1e300, "correctness": -3}],
                     "trend": [{"compliance_percent": "high", "time": 7}, {"run_id": null}],
                     "failures": [{"acknowledged": "maybe", "ci_name": ["a", {"b": null}]}],
                     "audit_run": {"id": "x"}, "title": 3})"),
  };
  for (const json& r : odd) {
    EXPECT_NO_THROW(RenderReportCsv(r)) << r.dump();
    EXPECT_NO_THROW(RenderReportMarkdown(r)) << r.dump();
    EXPECT_NO_THROW(RenderReportHtml(r)) << r.dump();
  }
  // An empty report still has every section and table.
  const auto sections = Sections(RenderReportCsv(json::object()));
  EXPECT_EQ(sections.size(), ExpectedTables().size() + 1);
  const std::string html = RenderReportHtml(json::object());
  for (const auto& t : ExpectedTables()) EXPECT_THAT(html, HasSubstr("id=\"" + t.name + "\""));
  EXPECT_EQ(ValueOf(html, "summary-compliance"), "n/a");
  const std::string odd_csv = RenderReportCsv(odd[3]);
  EXPECT_THAT(odd_csv, HasSubstr("\n5,,many\n"));  // recent_changes: values of another type as they are
  EXPECT_THAT(odd_csv, HasSubstr("\n,,\"[\"\"a\"\",{\"\"b\"\":null}]\",,,,maybe,\n"));  // failures
}

}  // namespace
}  // namespace cmdbctl
