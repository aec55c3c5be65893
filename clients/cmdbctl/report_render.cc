// The status report as CSV and Markdown (see report_render.h); the HTML
// page is report_html.cc.
#include "report_render.h"

#include <string>
#include <vector>

#include "report_model.h"

namespace cmdbctl {

using namespace report;  // NOLINT(google-build-using-namespace): the renderers' private model

namespace {

// ---- CSV

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos && (field.empty() || field[0] != '#')) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + CsvField(fields[i]);
  return out + "\n";
}

// ---- Markdown

// Data as Markdown text on one line: line breaks as spaces, "<" escaped
// (no markup from the data reaches a renderer).
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

// A table cell: OneLine with "|" escaped as well.
std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : OneLine(text)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderReportCsv(const json& report) {
  std::string out = "# summary\n" + CsvLine({"key", "value"});
  const json& summary = At(report, "summary");
  for (const SummaryField& field : kSummary) {
    out += CsvLine({std::string(field.key), Plain(At(summary, field.key), {field.key, "", field.kind})});
  }
  if (summary.is_object()) {
    for (const auto& [key, value] : summary.items()) {
      const bool known =
          std::any_of(std::begin(kSummary), std::end(kSummary), [&key](const SummaryField& f) { return f.key == key; });
      if (!known) out += CsvLine({key, Plain(value, {"", "", Kind::kText})});
    }
  }
  out += "\n";
  for (const Table& table : Tables()) {
    out += "# " + std::string(table.name) + "\n";
    std::vector<std::string> fields;
    for (const Column& c : table.columns) fields.emplace_back(c.key);
    out += CsvLine(fields);
    for (const json* row : Rows(report, table)) {
      fields.clear();
      for (const Column& c : table.columns) fields.push_back(Plain(At(*row, c.key), c));
      out += CsvLine(fields);
    }
    out += "\n";
  }
  return out;
}

std::string RenderReportMarkdown(const json& report) {
  std::string out = "# " + OneLine(ReportTitle(report)) + "\n\n";
  const std::string generated = TextOf(At(report, "generated_at"));
  const std::string run = AuditRunText(report);
  if (!generated.empty()) out += "Generated " + OneLine(generated) + ". ";
  out += run.empty() ? "No audit has run yet." : "Audit " + OneLine(run) + ".";
  out += "\n\n";
  const json& summary = At(report, "summary");
  for (const SummaryField& field : kSummary) {
    const Column column{field.key, field.label, field.kind};
    const json& value = At(summary, field.key);
    out += "- " + std::string(field.label) + ": **" + OneLine(Shown(value, column)) +
           (field.kind == Kind::kPercent && Number(value) ? "%" : "") + "**\n";
  }
  for (const Section& section : kSections) {
    out += "\n## " + std::to_string(section.number) + ". " + std::string(section.title) + "\n\n" +
           std::string(section.intro) + "\n";
    if (section.number == 4) {
      const json& risk = At(report, "risk");
      out += "\nRisk score: **" + Shown(At(risk, "score"), {"score", "", Kind::kDecimal}) + "**\n";
      const std::string formula = TextOf(At(risk, "formula"));
      if (!formula.empty()) out += "\n> " + OneLine(formula) + "\n";
    }
    for (const Table& table : Tables()) {
      if (table.section != section.number) continue;
      out += "\n### " + OneLine(TableTitle(report, table)) + "\n\n|";
      for (const Column& c : table.columns) out += " " + std::string(c.header) + " |";
      out += "\n|";
      for (const Column& c : table.columns) out += Numeric(c.kind) ? "---:|" : "---|";
      out += "\n";
      const auto rows = Rows(report, table);
      const size_t shown = table.markdown_limit == 0 ? rows.size() : std::min(rows.size(), table.markdown_limit);
      for (size_t i = 0; i < shown; ++i) {
        out += "|";
        for (const Column& c : table.columns) {
          const json& value = At(*rows[i], c.key);
          out += " " + MarkdownCell(Shown(value, c)) + (c.kind == Kind::kPercent && Number(value) ? "%" : "") + " |";
        }
        out += "\n";
      }
      if (rows.empty()) out += "\nNothing to list.\n";
      if (shown < rows.size()) {
        out += "\n" + std::to_string(rows.size() - shown) + " more not listed here (" + std::to_string(rows.size()) +
               " in all; the CSV and HTML formats list every one).\n";
      }
    }
  }
  return out;
}

}  // namespace cmdbctl
