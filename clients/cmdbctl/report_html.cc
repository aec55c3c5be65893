// The status report as one self-contained HTML page (see report_render.h):
// cards, SVG charts, the sections' tables, inline style and script.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "html_escape.h"
#include "report_model.h"
#include "report_render.h"

namespace cmdbctl {

using namespace report;  // NOLINT(google-build-using-namespace): the renderers' private model

namespace {

// ---- HTML

// `text` for HTML text and attribute values; line breaks and tabs kept.
std::string Esc(std::string_view text) { return HtmlEscaped(text, /*keep_line_breaks=*/true); }

// At most `limit` characters (code points) of UTF-8 `text`, "…" when cut.
std::string Shortened(const std::string& text, size_t limit) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == limit) return text.substr(0, i) + "\u2026";
  }
  return text;
}

// Compliance bands: good from 99 %, fair from 95 %, poor below.
std::string_view Band(double percent) {
  if (percent >= 99) return "good";
  if (percent >= 95) return "fair";
  return "poor";
}

// An SVG coordinate.
std::string Coord(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return Fixed(x, 0);
  return Fixed(x, 1);
}

std::string HtmlCell(const json& value, const Column& column) {
  const std::string shown = Shown(value, column);
  if (Numeric(column.kind)) {
    const auto x = Number(value);
    std::string cell = "<td class=\"num\" data-sort=\"" + (x ? Esc(Dumped(value)) : std::string()) + "\">";
    if (column.kind == Kind::kPercent && x) {
      return cell + "<span class=\"pct " + std::string(Band(*x)) + "\">" + Esc(shown) + "%</span></td>";
    }
    return cell + (x ? "" : "<span class=\"none\">") + Esc(shown) + (x ? "" : "</span>") + "</td>";
  }
  if (column.kind == Kind::kLevel) {
    const std::string level = TextOf(value);
    const int rank = LevelRank(level);
    std::string cell = "<td data-sort=\"" + std::to_string(rank) + "\">";
    if (level.empty()) return cell + (Missing(value) ? "<span class=\"none\">\u2013</span>" : "") + "</td>";
    return cell + "<span class=\"badge lv-" + (rank ? level : std::string("other")) + "\">" + Esc(level) +
           "</span></td>";
  }
  if (column.kind == Kind::kId) {
    return "<td class=\"id\"><span title=\"" + Esc(shown) + "\">" + Esc(shown) + "</span></td>";
  }
  if (column.kind == Kind::kFlag) {
    const bool yes = value.is_boolean() && value.get<bool>();
    return "<td data-sort=\"" + std::string(yes ? "1" : "0") + "\">" + (yes ? "<span class=\"ack\">" : "") +
           Esc(shown) + (yes ? "</span>" : "") + "</td>";
  }
  if (column.kind == Kind::kProse) return "<td class=\"prose\">" + Esc(shown) + "</td>";
  const bool filler = !column.if_empty.empty() && value.is_string() && value.get<std::string>().empty();
  return std::string(filler ? "<td class=\"overall\">" : "<td>") + Esc(shown) + "</td>";
}

// The three health scores: key, legend, fill colour (dark, middle and light,
// so that the bars stay apart in greyscale).
struct Score {
  std::string_view key;
  std::string_view label;
  std::string_view fill;
};
constexpr Score kScores[] = {
    {"completeness", "Completeness", "#23406e"},
    {"correctness", "Correctness", "#2a9d8f"},
    {"compliance", "Compliance", "#e9c46a"},
};

// Horizontal grouped bars: per class the three scores on a 0-100 axis.
std::string HealthChart(const json& report, const Table& table) {
  const auto rows = Rows(report, table);
  if (rows.empty()) return "<p class=\"empty\">No health scores yet: they come with the first audit run.</p>\n";
  constexpr int kWidth = 880, kLeft = 190, kPlot = 600, kBar = 11, kGap = 2, kGroupPad = 14, kTop = 40, kAxis = 30;
  const int group = 3 * kBar + 2 * kGap + kGroupPad;
  const int height = kTop + static_cast<int>(rows.size()) * group + kAxis;
  const auto x_of = [&](double v) { return kLeft + v / 100.0 * kPlot; };
  std::string svg = "<svg class=\"chart\" id=\"chart-health\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(height) + "\" role=\"img\" aria-labelledby=\"chart-health-title\">\n";
  svg += "<title id=\"chart-health-title\">Health scores by class (0 to 100)</title>\n";
  // Legend.
  int lx = kLeft;
  for (const Score& s : kScores) {
    svg += "<rect x=\"" + std::to_string(lx) + "\" y=\"10\" width=\"14\" height=\"14\" rx=\"2\" fill=\"" +
           std::string(s.fill) + "\"/><text x=\"" + std::to_string(lx + 20) + "\" y=\"21\" class=\"legend\">" +
           std::string(s.label) + "</text>\n";
    lx += 140;
  }
  // Grid and axis.
  const int plot_bottom = height - kAxis + 4;
  for (int v = 0; v <= 100; v += 25) {
    const std::string x = Coord(x_of(v));
    svg += "<line x1=\"" + x + "\" y1=\"" + std::to_string(kTop - 6) + "\" x2=\"" + x + "\" y2=\"" +
           std::to_string(plot_bottom) + "\" class=\"" + (v == 0 ? "axis" : "grid") + "\"/>";
    svg += "<text x=\"" + x + "\" y=\"" + std::to_string(plot_bottom + 16) +
           "\" class=\"tick\" text-anchor=\"middle\">" + std::to_string(v) + "</text>\n";
  }
  int y = kTop;
  for (const json* row : rows) {
    const std::string raw = TextOf(At(*row, "class"));
    const std::string name = raw.empty() ? "(overall)" : raw;
    svg += "<text x=\"" + std::to_string(kLeft - 10) + "\" y=\"" + std::to_string(y + (3 * kBar + 2 * kGap) / 2 + 4) +
           "\" text-anchor=\"end\" class=\"" + (raw.empty() ? "label overall" : "label") + "\">" +
           Esc(Shortened(name, 24)) + "</text>\n";
    int by = y;
    for (const Score& s : kScores) {
      const auto v = Number(At(*row, s.key));
      const std::string what =
          Esc(name) + " \u00b7 " + std::string(s.label) + ": " + (v ? Fixed(*v, 1) + "%" : std::string("no score"));
      if (v) {
        const double clamped = std::clamp(*v, 0.0, 100.0);
        svg += "<rect x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(by) + "\" width=\"" +
               Coord(std::max(1.0, clamped / 100.0 * kPlot)) + "\" height=\"" + std::to_string(kBar) + "\" fill=\"" +
               std::string(s.fill) + "\"><title>" + what + "</title></rect>";
        svg += "<text x=\"" + Coord(x_of(clamped) + 5) + "\" y=\"" + std::to_string(by + kBar - 2) +
               "\" class=\"value\">" + Fixed(*v, 1) + "</text>\n";
      } else {
        svg += "<text x=\"" + std::to_string(kLeft + 5) + "\" y=\"" + std::to_string(by + kBar - 2) +
               "\" class=\"value none\">n/a<title>" + what + "</title></text>\n";
      }
      by += kBar + kGap;
    }
    y += group;
  }
  return svg + "</svg>\n";
}

// A step of 1, 2 or 5 times a power of ten near span / 4.
double NiceStep(double span) {
  const double raw = std::max(span / 4, 1e-6);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

// Compliance over the runs, oldest first: a line through the points, the
// runs on the x axis, a y axis fitted to the values and ending at 100.
std::string TrendChart(const json& report, const Table& table) {
  const auto rows = Rows(report, table);
  struct Point {
    std::string run, date, tip;
    std::optional<double> value;
  };
  std::vector<Point> points;
  double lo = 100, hi = 100;
  for (const json* row : rows) {
    Point p;
    p.run = TextOf(At(*row, "run_id"));
    p.date = TextOf(At(*row, "time")).substr(0, 10);
    p.value = Number(At(*row, "compliance_percent"));
    if (p.value) {
      lo = std::min(lo, *p.value);
      hi = std::max(hi, *p.value);
    }
    const Column count{"", "", Kind::kInteger};
    p.tip = "run " + p.run + " \u00b7 " + TextOf(At(*row, "time")) + " \u00b7 " +
            (p.value ? Fixed(*p.value, 1) + "% compliant" : std::string("no compliance")) + " (" +
            Shown(At(*row, "failed"), count) + " failed of " + Shown(At(*row, "checked"), count) + ")";
    points.push_back(std::move(p));
  }
  if (points.empty()) return "<p class=\"empty\">No audit runs yet: the trend starts with the first one.</p>\n";
  const double step = NiceStep(std::max(hi - lo, 1.0));
  double bottom = std::floor(lo / step) * step;
  if (lo - bottom < step / 4) bottom -= step;
  bottom = std::max(0.0, bottom);
  const double top = std::ceil(hi / step) * step;
  constexpr int kWidth = 880, kHeight = 280, kLeft = 70, kRight = 850, kTop = 20, kBottom = 220;
  const auto y_of = [&](double v) { return kBottom - (v - bottom) / (top - bottom) * (kBottom - kTop); };
  const size_t n = points.size();
  const auto x_of = [&](size_t i) {
    if (n == 1) return (kLeft + kRight) / 2.0;
    return kLeft + 30 + static_cast<double>(i) * (kRight - kLeft - 60) / static_cast<double>(n - 1);
  };
  std::string svg = "<svg class=\"chart\" id=\"chart-trend\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(kHeight) + "\" role=\"img\" aria-labelledby=\"chart-trend-title\">\n";
  svg += "<title id=\"chart-trend-title\">Compliance of each audit run, oldest first</title>\n";
  const int decimals = step < 1 ? 1 : 0;
  for (double v = bottom; v <= top + step / 1000; v += step) {
    const std::string y = Coord(y_of(v));
    svg += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + y + "\" x2=\"" + std::to_string(kRight) + "\" y2=\"" +
           y + "\" class=\"" + (v == bottom ? "axis" : "grid") + "\"/><text x=\"" + std::to_string(kLeft - 8) +
           "\" y=\"" + Coord(y_of(v) + 4) + "\" class=\"tick\" text-anchor=\"end\">" + Fixed(v, decimals) + "</text>\n";
  }
  svg += "<text transform=\"translate(18 " + std::to_string((kTop + kBottom) / 2) +
         ") rotate(-90)\" class=\"tick\" text-anchor=\"middle\">compliance %</text>\n";
  // The line, broken where a run has no value.
  std::string path;
  bool pen = false;
  for (size_t i = 0; i < n; ++i) {
    if (!points[i].value) {
      pen = false;
      continue;
    }
    path += (pen ? " L" : (path.empty() ? "M" : " M")) + Coord(x_of(i)) + " " + Coord(y_of(*points[i].value));
    pen = true;
  }
  if (!path.empty()) svg += "<path d=\"" + path + "\" class=\"line\"/>\n";
  const size_t every = (n + 11) / 12;  // at most about 12 labels
  for (size_t i = 0; i < n; ++i) {
    const Point& p = points[i];
    const std::string x = Coord(x_of(i));
    const bool label = i % every == 0 || i + 1 == n;
    if (label) {
      svg += "<line x1=\"" + x + "\" y1=\"" + std::to_string(kBottom) + "\" x2=\"" + x + "\" y2=\"" +
             std::to_string(kBottom + 5) + "\" class=\"axis\"/>";
      svg += "<text x=\"" + x + "\" y=\"" + std::to_string(kBottom + 20) + "\" class=\"tick\" text-anchor=\"middle\">" +
             Esc("#" + p.run) + "</text><text x=\"" + x + "\" y=\"" + std::to_string(kBottom + 36) +
             "\" class=\"tick small\" text-anchor=\"middle\">" + Esc(p.date) + "</text>\n";
    }
    if (!p.value) continue;
    const std::string y = Coord(y_of(*p.value));
    svg += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"4.5\" class=\"point\"><title>" + Esc(p.tip) +
           "</title></circle>";
    if (n <= 12) {
      svg += "<text x=\"" + x + "\" y=\"" + Coord(y_of(*p.value) - 10) + "\" class=\"value\" text-anchor=\"middle\">" +
             Fixed(*p.value, 1) + "</text>";
    }
    svg += "\n";
  }
  return svg + "</svg>\n";
}

constexpr char kStyle[] = R"CSS(
:root { --ink: #1d2633; --muted: #5b6676; --line: #dde2e8; --soft: #f4f6f9; --accent: #23406e;
  --good: #1e6b35; --good-bg: #dff3e4; --fair: #7a5a00; --fair-bg: #fff1c2; --poor: #9b1c1c; --poor-bg: #fbd5d5; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f5; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
header.top { background: var(--accent); color: #fff; padding: 28px 0 24px; }
.wrap { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header.top h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; letter-spacing: .2px; }
header.top .meta { color: #d5deeb; font-size: 13px; }
header.top .meta b { color: #fff; font-weight: 600; }
nav.toc { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; }
nav.toc a { color: #fff; text-decoration: none; border-bottom: 1px solid rgba(255,255,255,.4); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: -14px 0 8px; }
.card { background: #fff; border-radius: 8px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(16,24,40,.12);
  border-top: 4px solid var(--line); }
.card .value { display: block; font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .label { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
.card .note { display: block; color: var(--muted); font-size: 12px; margin-top: 2px; }
.card.good { border-top-color: var(--good); } .card.good .value { color: var(--good); }
.card.fair { border-top-color: #d9a400; } .card.fair .value { color: var(--fair); }
.card.poor { border-top-color: var(--poor); } .card.poor .value { color: var(--poor); }
section.part { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(16,24,40,.12); padding: 8px 24px 20px;
  margin: 18px 0; }
section.part > h2 { font-size: 20px; margin: 16px 0 2px; color: var(--accent); }
section.part > p.intro { margin: 0 0 8px; color: var(--muted); }
h3 { font-size: 15px; margin: 22px 0 8px; }
.blocks { display: flex; flex-wrap: wrap; gap: 0 28px; }
.block { flex: 1 1 100%; min-width: 0; }
.block.narrow { flex: 1 1 360px; max-width: calc(50% - 14px); }
@media (max-width: 820px) { .block.narrow { max-width: 100%; } }
h3 .count { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: 6px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.table-wrap.scroll { max-height: 560px; overflow-y: auto; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data th { position: sticky; top: 0; background: var(--soft); text-align: left; font-weight: 600; color: #364152;
  padding: 7px 10px; border-bottom: 1px solid var(--line); cursor: pointer; user-select: none; white-space: nowrap; }
table.data th:hover { background: #e8ecf2; }
table.data th.num { text-align: right; }
table.data th::after { content: "\2195"; color: #a3adbb; font-size: 11px; margin-left: 4px; }
table.data th[aria-sort="ascending"]::after { content: "\25B2"; color: var(--accent); }
table.data th[aria-sort="descending"]::after { content: "\25BC"; color: var(--accent); }
table.data td { padding: 6px 10px; border-bottom: 1px solid #eef1f4; vertical-align: top; white-space: nowrap; }
table.data td.prose { white-space: normal; overflow-wrap: break-word; min-width: 14ch; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
table.data tbody tr:hover td { background: #f0f4fa; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.id { font: 11px/1.7 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; color: var(--muted);
  white-space: nowrap; }
table.data td.id span { display: inline-block; max-width: 10ch; overflow: hidden; text-overflow: ellipsis;
  vertical-align: bottom; }
table.data td.overall { font-weight: 600; font-style: italic; }
table.data tbody tr.failing td { background: #fff5f5; }
table.data tbody tr.failing td:first-child { box-shadow: inset 3px 0 0 var(--poor); font-weight: 600; }
table.data tbody tr.muted td { color: #8a94a3; }
table.data tr.empty td { color: var(--muted); font-style: italic; text-align: center; padding: 14px; background: #fff; }
.none { color: #98a2b3; }
.badge, .pct { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  line-height: 18px; white-space: nowrap; }
.lv-low { background: #e3edf9; color: #1d4f8a; }
.lv-medium { background: var(--fair-bg); color: var(--fair); }
.lv-high { background: #fde0c8; color: #8f3a00; }
.lv-critical { background: var(--poor); color: #fff; }
.lv-other { background: var(--soft); color: var(--muted); }
.pct.good { background: var(--good-bg); color: var(--good); }
.pct.fair { background: var(--fair-bg); color: var(--fair); }
.pct.poor { background: var(--poor-bg); color: var(--poor); }
.ack { color: var(--muted); font-style: italic; }
p.empty { color: var(--muted); font-style: italic; margin: 6px 0; }
p.more { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.chart { display: block; width: 100%; max-width: 880px; height: auto; margin: 4px 0 10px; }
.chart text { fill: #364152; font-size: 12px; }
.chart .legend { font-size: 12px; }
.chart .label { font-size: 12px; }
.chart .label.overall { font-weight: 700; font-style: italic; }
.chart .value { font-size: 10.5px; fill: #364152; }
.chart .value.none { fill: #98a2b3; font-style: italic; }
.chart .tick { font-size: 11px; fill: var(--muted); }
.chart .tick.small { font-size: 10px; }
.chart .grid { stroke: #e3e7ed; stroke-width: 1; }
.chart .axis { stroke: #8a94a3; stroke-width: 1; }
.chart .line { fill: none; stroke: var(--accent); stroke-width: 2.5; stroke-linejoin: round; }
.chart .point { fill: #fff; stroke: var(--accent); stroke-width: 2.5; }
.risk-score { display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; margin: 10px 0 4px; }
.risk-score .value { font-size: 28px; font-weight: 650; color: var(--accent); }
blockquote.formula { margin: 6px 0 10px; padding: 8px 14px; background: var(--soft);
  border-left: 3px solid var(--accent); color: #364152; font-size: 13px; }
footer { color: var(--muted); font-size: 12px; padding: 8px 0 28px; }
@media print {
  body { background: #fff; }
  header.top { background: #fff; color: var(--ink); }
  header.top .meta, header.top .meta b, nav.toc a { color: var(--ink); }
  .card, section.part { box-shadow: none; border: 1px solid var(--line); }
  .table-wrap.scroll { max-height: none; overflow: visible; }
  table.data th { position: static; }
}
)CSS";

// Sorting by a click on a header (again: reversed) or by the URL fragment
// #sort=<table id>:<column key>[:desc]. Numeric cells sort by data-sort,
// empty ones last; text in the reader's collation, numbers in it by value
// (srv-2 before srv-10).
constexpr char kScript[] = R"JS(
(function () {
  'use strict';
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  function valueOf(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return null;
    if (numeric) {
      var raw = cell.getAttribute('data-sort');
      if (raw === null || raw === '') return null;
      var x = parseFloat(raw);
      return isNaN(x) ? null : x;
    }
    return cell.textContent.trim();
  }
  function sortTable(table, key, descending) {
    var head = table.tHead && table.tHead.rows[0];
    var body = table.tBodies[0];
    if (!head || !body) return false;
    var index = -1;
    for (var i = 0; i < head.cells.length; i++) {
      if (head.cells[i].getAttribute('data-key') === key) index = i;
    }
    if (index < 0) return false;
    var numeric = head.cells[index].getAttribute('data-type') === 'num';
    var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains('empty'); });
    var keyed = rows.map(function (row, position) {
      return { row: row, value: valueOf(row, index, numeric), position: position };
    });
    keyed.sort(function (a, b) {
      if (a.value === null || b.value === null) {
        if (a.value === b.value) return a.position - b.position;
        return a.value === null ? 1 : -1;
      }
      var order = numeric ? a.value - b.value : collator.compare(a.value, b.value);
      if (order === 0) return a.position - b.position;
      return descending ? -order : order;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
    for (var j = 0; j < head.cells.length; j++) head.cells[j].removeAttribute('aria-sort');
    head.cells[index].setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    return true;
  }
  function remember(table, key, descending) {
    try {
      history.replaceState(null, '', '#sort=' + table.id + ':' + key + (descending ? ':desc' : ''));
    } catch (e) {
      /* Some viewers do not allow it; the table is sorted all the same. */
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.data'), function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th) {
      var toggle = function () {
        var key = th.getAttribute('data-key');
        var descending = th.getAttribute('aria-sort') === 'ascending';
        if (!th.hasAttribute('aria-sort') && th.getAttribute('data-type') === 'num') descending = true;
        if (sortTable(table, key, descending)) remember(table, key, descending);
      };
      th.addEventListener('click', toggle);
      th.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          toggle();
        }
      });
    });
  });
  function fromFragment() {
    var match = /^#sort=([^:]+):([^:]+)(?::(asc|desc))?$/.exec(location.hash);
    if (!match) return;
    var table = document.getElementById(decodeURIComponent(match[1]));
    if (table && table.classList.contains('data')) sortTable(table, decodeURIComponent(match[2]), match[3] === 'desc');
  }
  window.addEventListener('hashchange', fromFragment);
  fromFragment();
})();
)JS";

std::string Card(const json& summary, const SummaryField& field, const std::string& note) {
  const json& value = At(summary, field.key);
  const auto x = Number(value);
  std::string band;
  if (field.kind == Kind::kPercent && x) {
    band = Band(*x);
  } else if (x && (field.card == "failed" || field.card == "unauthorised")) {
    band = *x > 0 ? "poor" : "good";
  } else if (x && field.card == "expiring") {
    band = *x > 0 ? "fair" : "good";
  }
  const Column column{field.key, field.label, field.kind};
  std::string shown = x ? Plain(value, column) : "n/a";
  if (field.kind == Kind::kPercent && x) shown += "%";
  std::string card = "<div class=\"card" + (band.empty() ? "" : " " + band) + "\" id=\"summary-" +
                     std::string(field.card) + "\"><span class=\"value\">" + Esc(shown) +
                     "</span><span class=\"label\">" + std::string(field.label) + "</span>";
  if (!note.empty()) card += "<span class=\"note\">" + Esc(note) + "</span>";
  return card + "</div>\n";
}

std::string CardNote(const json& summary, std::string_view card) {
  const auto number = [&](std::string_view key) {
    const json& value = At(summary, key);
    return Number(value) ? Plain(value, {key, "", Kind::kInteger}) : std::string();
  };
  if (card == "compliance") {
    const std::string checked = number("checked"), rules = number("rules");
    if (checked.empty()) return "";
    return checked + " checks" + (rules.empty() ? "" : " of " + rules + " rules");
  }
  if (card == "failed") {
    const std::string acknowledged = number("acknowledged");
    return acknowledged.empty() ? "" : acknowledged + " more acknowledged";
  }
  if (card == "risk") return "see section 4";
  return "";
}

std::string HtmlTable(const json& report, const Table& table) {
  const auto rows = Rows(report, table);
  std::string html = std::string("<div class=\"block") + (table.narrow ? " narrow" : "") + "\">\n<h3>" +
                     Esc(TableTitle(report, table)) + "<span class=\"count\">" + std::to_string(rows.size()) +
                     (rows.size() == 1 ? " row" : " rows") + "</span></h3>\n";
  if (table.chart == Chart::kHealth) html += HealthChart(report, table);
  if (table.chart == Chart::kTrend) html += TrendChart(report, table);
  html += std::string("<div class=\"table-wrap") + (rows.size() > 20 ? " scroll" : "") +
          "\"><table class=\"data\" id=\"" + std::string(table.name) + "\">\n<thead><tr>";
  for (const Column& c : table.columns) {
    const bool numeric = Numeric(c.kind) || c.kind == Kind::kLevel || c.kind == Kind::kFlag;
    html += "<th tabindex=\"0\" data-key=\"" + std::string(c.key) + "\" data-type=\"" + (numeric ? "num" : "text") +
            "\"" + (Numeric(c.kind) ? " class=\"num\"" : "") + " title=\"Sort by " + std::string(c.header) + "\">" +
            std::string(c.header) + "</th>";
  }
  html += "</tr></thead>\n<tbody>\n";
  for (const json* row : rows) {
    bool failing = false;
    if (!table.failing_key.empty()) {
      const auto failed = Number(At(*row, table.failing_key));
      failing = failed && *failed > 0;
    }
    const bool muted = !table.muted_key.empty() && At(*row, table.muted_key) == json(true);
    html += failing ? "<tr class=\"failing\">" : muted ? "<tr class=\"muted\">" : "<tr>";
    for (const Column& c : table.columns) html += HtmlCell(At(*row, c.key), c);
    html += "</tr>\n";
  }
  if (rows.empty()) {
    html +=
        "<tr class=\"empty\"><td colspan=\"" + std::to_string(table.columns.size()) + "\">Nothing to list.</td></tr>\n";
  }
  return html + "</tbody>\n</table></div>\n</div>\n";
}

}  // namespace

std::string RenderReportHtml(const json& report) {
  const std::string title = ReportTitle(report);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Esc(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<header class=\"top\"><div class=\"wrap\">\n<h1>" + Esc(title) + "</h1>\n<div class=\"meta\">";
  const std::string generated = TextOf(At(report, "generated_at"));
  const std::string run = AuditRunText(report);
  if (!generated.empty()) html += "Generated <b>" + Esc(generated) + "</b> &#183; ";
  html += run.empty() ? std::string("no audit has run yet") : "audit " + Esc(run);
  html += "</div>\n<nav class=\"toc\">";
  for (const Section& s : kSections) {
    html +=
        "<a href=\"#" + std::string(s.anchor) + "\">" + std::to_string(s.number) + ". " + std::string(s.title) + "</a>";
  }
  html += "</nav>\n</div></header>\n<main class=\"wrap\">\n<div class=\"cards\">\n";
  const json& summary = At(report, "summary");
  for (const SummaryField& field : kSummary) {
    if (!field.card.empty()) html += Card(summary, field, CardNote(summary, field.card));
  }
  html += "</div>\n";
  for (const Section& section : kSections) {
    html += "<section class=\"part\" id=\"" + std::string(section.anchor) + "\">\n<h2>" +
            std::to_string(section.number) + ". " + std::string(section.title) + "</h2>\n<p class=\"intro\">" +
            std::string(section.intro) + "</p>\n";
    if (section.number == 4) {
      const json& risk = At(report, "risk");
      html += "<div class=\"risk-score\"><span>Risk score</span><span class=\"value\" id=\"risk-score\">" +
              Esc(Shown(At(risk, "score"), {"score", "", Kind::kDecimal})) + "</span></div>\n";
      const std::string formula = TextOf(At(risk, "formula"));
      if (!formula.empty()) html += "<blockquote class=\"formula\">" + Esc(formula) + "</blockquote>\n";
    }
    html += "<div class=\"blocks\">\n";
    for (const Table& table : Tables()) {
      if (table.section == section.number) html += HtmlTable(report, table);
    }
    html += "</div>\n</section>\n";
  }
  html += "</main>\n<footer class=\"wrap\">" + Esc(title) +
          " &#183; click a column header to sort; a link ending in #sort=&lt;table&gt;:&lt;column&gt;[:desc] opens "
          "the page sorted.</footer>\n<script>" +
          kScript + "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace cmdbctl
