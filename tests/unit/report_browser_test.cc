// The HTML status report (clients/cmdbctl/report_render.h) in a real
// browser: headless Chromium (/usr/bin/chromium, installed by
// scripts/install-deps.sh) loads the page with a #sort= fragment and prints
// the DOM after its script ran. The test fails when Chromium is missing, when
// the page logs anything to the console (an uncaught exception is logged
// there), when the fragment did not sort the table, and when the screenshot
// is missing. Set CMDB_TEST_REPORT_DIR to keep report.html and report.png
// there (to look at).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "report_render.h"

namespace cmdbctl {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kChromium[] = "/usr/bin/chromium";

std::string Uuid(int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "6f1c2a10-7d3e-4c1b-9a55-%012d", n);
  return buffer;
}

// A report like one of a mid-sized CMDB: the shipped rule set, a dozen
// classes, eight runs, sixty failures, and a CI whose name is markup.
json Realistic() {
  json report = {
      {"title", "Configuration status report"},
      {"generated_at", "2026-12-02T15:00:00Z"},
      {"audit_run",
       {{"id", 12},
        {"category", ""},
        {"actor", "admin"},
        {"start_time", "2026-12-02T14:00:00Z"},
        {"end_time", "2026-12-02T14:00:09Z"}}},
      {"summary",
       {{"cis", 1234},
        {"relationships", 2345},
        {"rules", 11},
        {"checked", 5000},
        {"failed", 40},
        {"acknowledged", 3},
        {"compliance_percent", 99.2},
        {"risk_score", 123.5},
        {"unauthorised_changes", 4},
        {"expiring_certificates", 2}}},
  };
  const std::vector<std::string> classes = {"server",      "virtual_machine", "switch",   "router",
                                            "firewall",    "storage_array",   "database", "application",
                                            "certificate", "load_balancer"};
  const std::vector<std::string> statuses = {"in_use", "planned", "maintenance", "retired"};
  json states = json::array();
  for (size_t c = 0; c < classes.size(); ++c) {
    for (size_t s = 0; s < statuses.size(); s += 1 + c % 2) {
      states.push_back({{"class", classes[c]}, {"status", statuses[s]}, {"count", (c * 37 + s * 11) % 180 + 1}});
    }
  }
  report["ci_states"] = states;
  report["recent_changes"] = {{"days", 30}, {"by_class", json::array()}};
  for (size_t c = 0; c < 6; ++c) {
    for (const char* op : {"create", "update", "delete"}) {
      report["recent_changes"]["by_class"].push_back(
          {{"class", classes[c]}, {"operation", op}, {"count", (c * 13 + std::string(op).size() * 7) % 90}});
    }
  }
  report["relationship_types"] = json::array();
  for (const auto& [type, count] : std::vector<std::pair<std::string, int>>{
           {"runs_on", 640}, {"hosted_on", 512}, {"depends_on", 420}, {"connected_to", 388}, {"located_in", 385}}) {
    report["relationship_types"].push_back({{"type", type}, {"count", count}});
  }
  report["critical_services"] = json::array();
  const std::vector<std::tuple<std::string, std::string, int, int, double>> services = {
      {"Payroll", "critical", 12, 2, 48.0},
      {"Online Shop", "critical", 57, 3, 91.5},
      {"CRM", "high", 31, 1, 22.0},
      {"Mail", "medium", 18, 0, 7.5},
      {"Intranet \"Wiki\" <beta>", "low", 4, 0, 0.0}};
  for (size_t i = 0; i < services.size(); ++i) {
    const auto& [name, criticality, affected, services_affected, risk] = services[i];
    report["critical_services"].push_back({{"id", Uuid(100 + static_cast<int>(i))},
                                           {"name", name},
                                           {"class", "business_service"},
                                           {"criticality", criticality},
                                           {"affected", affected},
                                           {"services_affected", services_affected},
                                           {"risk_score", risk}});
  }
  // The shipped rules, in the order the report lists them (by name), so
  // that sorting by failed changes the order.
  const std::vector<std::tuple<std::string, std::string, std::string, std::string, int, int, int>> rules = {
      {"application-not-orphaned", "relationships", "no_orphan", "low", 210, 0, 0},
      {"application-runs-on", "relationships", "required_relationship", "high", 210, 3, 0},
      {"certificate-not-expiring", "compliance", "certificate_expiry", "critical", 64, 2, 0},
      {"hardware-has-manufacturer", "completeness", "required_attribute", "low", 620, 9, 1},
      {"hardware-has-serial", "completeness", "required_attribute", "medium", 620, 14, 2},
      {"hardware-verified", "correctness", "verified_within", "low", 620, 0, 0},
      {"no-open-duplicates", "correctness", "no_duplicates", "high", 1234, 1, 0},
      {"not-stale", "correctness", "not_stale", "medium", 1234, 7, 0},
      {"one-location", "relationships", "max_relationships", "medium", 1234, 0, 0},
      {"server-located", "relationships", "required_relationship", "low", 380, 2, 0},
      {"unique-serial", "correctness", "unique_attribute", "high", 620, 2, 0},
  };
  report["rules"] = json::array();
  for (const auto& [rule, category, kind, severity, checked, failed, acknowledged] : rules) {
    report["rules"].push_back({{"rule", rule},
                               {"category", category},
                               {"kind", kind},
                               {"severity", severity},
                               {"checked", checked},
                               {"failed", failed},
                               {"acknowledged", acknowledged},
                               {"compliance_percent", 100.0 * (checked - failed) / checked}});
  }
  report["health"] = json::array();
  report["health"].push_back(
      {{"class", ""}, {"cis", 1234}, {"completeness", 97.5}, {"correctness", 99.0}, {"compliance", 96.1}});
  for (size_t c = 0; c < classes.size(); ++c) {
    const double base = 80.0 + static_cast<double>((c * 7) % 20);
    report["health"].push_back({{"class", classes[c]},
                                {"cis", 40 + c * 9},
                                {"completeness", base + 1.5},
                                {"correctness", c == 3 ? json() : json(std::min(100.0, base + 8.25))},
                                {"compliance", c == 8 ? 62.5 : std::min(100.0, base + 4.0)}});
  }
  report["trend"] = json::array();
  const double compliance[] = {97.1, 97.9, 98.4, 98.2, 98.8, 99.0, 99.1, 99.2};
  for (int i = 0; i < 8; ++i) {
    const int checked = 4700 + 45 * i;
    report["trend"].push_back({{"run_id", 5 + i},
                               {"time", "2026-11-" + std::to_string(18 + 2 * i) + "T14:00:00Z"},
                               {"checked", checked},
                               {"failed", static_cast<int>(checked * (100 - compliance[i]) / 100)},
                               {"compliance_percent", compliance[i]}});
  }
  report["trend"][7]["time"] = "2026-12-02T14:00:00Z";
  report["failures"] = json::array();
  for (int i = 0; i < 60; ++i) {
    const auto& rule = rules[1 + i % 4];
    report["failures"].push_back(
        {{"rule", std::get<0>(rule)},
         {"severity", std::get<3>(rule)},
         {"ci_id", Uuid(i)},
         {"ci_name", i == 0 ? "<script>alert(1)</script>" : "srv-" + std::to_string(i)},
         {"class", classes[i % 4]},
         {"criticality", i % 3 == 0 ? json("high") : json()},
         {"reason", "attributes.serial_number: \"SN" + std::to_string(i) + "\" is shared with 1 other CIs"},
         {"acknowledged", i % 7 == 0}});
  }
  report["risk"] = {
      {"score", 123.5},
      {"formula",
       "sum over failing rules of severity weight × (1 + criticality weight of each failing CI), severity weights "
       "low 1, medium 2, high 3, critical 5; criticality weights low 0, medium 0.5, high 1, critical 2"},
      {"by_rule",
       {{{"rule", "hardware-has-serial"}, {"severity", "medium"}, {"failed", 14}, {"weight", 2}, {"score", 38.0}},
        {{"rule", "unique-serial"}, {"severity", "high"}, {"failed", 2}, {"weight", 3}, {"score", 12.0}},
        {{"rule", "certificate-not-expiring"},
         {"severity", "critical"},
         {"failed", 2},
         {"weight", 5},
         {"score", 30.0}}}},
      {"expiring_certificates",
       {{{"ci_id", Uuid(900)}, {"ci_name", "www.example.net"}, {"reason", "expires 2026-12-20T00:00:00Z"}},
        {{"ci_id", Uuid(901)}, {"ci_name", "api.example.net"}, {"reason", "expired 2026-11-30T00:00:00Z"}}}},
      {"unauthorised_changes",
       {{{"changeset", "812"},
         {"time", "2026-11-28T09:12:00Z"},
         {"actor", "bob"},
         {"source", "manual"},
         {"comment", ""},
         {"cis", 3},
         {"relationships", 2}},
        {{"changeset", "845"},
         {"time", "2026-12-01T17:40:00Z"},
         {"actor", "carol"},
         {"source", "manual"},
         {"comment", "emergency fix, ticket to follow"},
         {"cis", 1},
         {"relationships", 0}}}},
  };
  return report;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory for one test, removed afterwards unless kept.
class ReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kChromium, X_OK), 0)
        << kChromium << " is missing: install the Debian package chromium (scripts/install-deps.sh)";
    std::string pattern = ::testing::TempDir() + "cmdb_report_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  struct Run {
    int status = -1;
    std::string out;
    std::string err;
  };

  // Chromium on file://<dir>/<file><fragment> with `flags`, its own profile,
  // at most a minute.
  Run Chromium(const std::string& file, const std::string& fragment, const std::string& flags) {
    const std::string profile = dir_ + "/profile-" + std::to_string(runs_++);
    const std::string command = "timeout 60 " + std::string(kChromium) +
                                " --headless --no-sandbox --disable-gpu --no-first-run --enable-logging=stderr --v=0"
                                " --user-data-dir='" +
                                profile + "' " + flags + " 'file://" + dir_ + "/" + file + fragment + "' >'" + dir_ +
                                "/out' 2>'" + dir_ + "/err'";
    Run run;
    run.status = std::system(command.c_str());
    run.out = ReadFile(dir_ + "/out");
    run.err = ReadFile(dir_ + "/err");
    return run;
  }

  void Write(const std::string& file, const std::string& text) { std::ofstream(dir_ + "/" + file) << text; }

  std::string dir_;
  int runs_ = 0;
};

// The console lines in Chromium's log.
std::vector<std::string> ConsoleLines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("CONSOLE") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

// The data-sort values of column `key` of table `id`, row by row, in the
// order of the (dumped) document.
std::vector<double> ColumnValues(const std::string& dom, const std::string& id, const std::string& key) {
  std::vector<double> values;
  const size_t start = dom.find("id=\"" + id + "\"");
  const size_t end = dom.find("</table>", start);
  if (start == std::string::npos || end == std::string::npos) return values;
  const std::string table = dom.substr(start, end - start);
  // The column's index among the headers.
  const std::regex header("<th[^>]*data-key=\"([^\"]*)\"");
  int index = -1, i = 0;
  for (auto it = std::sregex_iterator(table.begin(), table.end(), header); it != std::sregex_iterator(); ++it, ++i) {
    if ((*it)[1] == key) index = i;
  }
  if (index < 0) return values;
  const size_t body = table.find("<tbody>");
  const std::regex row("<tr[^>]*>([\\s\\S]*?)</tr>");
  const std::regex cell("<td[^>]*data-sort=\"([^\"]*)\"|<td");
  const std::string rows = table.substr(body);
  for (auto r = std::sregex_iterator(rows.begin(), rows.end(), row); r != std::sregex_iterator(); ++r) {
    const std::string cells = (*r)[1];
    int c = 0;
    for (auto it = std::sregex_iterator(cells.begin(), cells.end(), cell); it != std::sregex_iterator(); ++it, ++c) {
      if (c == index) values.push_back((*it)[1].length() > 0 ? std::stod((*it)[1].str()) : -1);
    }
  }
  return values;
}

TEST_F(ReportBrowser, ScriptRunsCleanlyAndTheFragmentSorts) {
  const json report = Realistic();
  const std::string html = RenderReportHtml(report);
  Write("report.html", html);
  // Before the script: not in descending order of failures.
  std::vector<double> before = ColumnValues(html, "rules", "failed");
  ASSERT_EQ(before.size(), 11u);
  ASSERT_FALSE(std::is_sorted(before.rbegin(), before.rend()));

  const Run run = Chromium("report.html", "#sort=rules:failed:desc", "--dump-dom");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(ConsoleLines(run.err), ::testing::IsEmpty()) << run.err;
  ASSERT_THAT(run.out, HasSubstr("</html>")) << run.err;
  // The numbers are there, the markup in a name is text.
  EXPECT_THAT(run.out, HasSubstr("id=\"summary-compliance\"><span class=\"value\">99.2%</span>"));
  EXPECT_THAT(run.out, HasSubstr("id=\"summary-cis\"><span class=\"value\">1234</span>"));
  EXPECT_THAT(run.out, HasSubstr("id=\"summary-risk\"><span class=\"value\">123.5</span>"));
  EXPECT_THAT(run.out, HasSubstr("<td class=\"prose\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
  EXPECT_THAT(run.out, Not(HasSubstr("<script>alert")));
  // The fragment sorted the rules by failed, most first, and marked the
  // header.
  const std::vector<double> after = ColumnValues(run.out, "rules", "failed");
  EXPECT_EQ(after.size(), before.size());
  EXPECT_TRUE(std::is_sorted(after.rbegin(), after.rend())) << ::testing::PrintToString(after);
  EXPECT_EQ(after.front(), 14);
  EXPECT_TRUE(std::regex_search(run.out, std::regex("<th[^>]*data-key=\"failed\"[^>]*aria-sort=\"descending\"")));
  // Other tables kept their order.
  const size_t failures = run.out.find("id=\"failures\"");
  ASSERT_NE(failures, std::string::npos);
  EXPECT_EQ(run.out.substr(failures, run.out.find("</table>", failures) - failures).find("aria-sort"),
            std::string::npos);
}

TEST_F(ReportBrowser, AscendingTextSortAndEmptyTables) {
  json report = Realistic();
  report["failures"] = json::array();
  report["trend"] = json::array();
  report["health"] = json::array();
  report["audit_run"] = nullptr;
  report["risk"]["unauthorised_changes"] = json::array();
  Write("report.html", RenderReportHtml(report));
  const Run run = Chromium("report.html", "#sort=failures:ci_name", "--dump-dom");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(ConsoleLines(run.err), ::testing::IsEmpty()) << run.err;
  EXPECT_THAT(run.out, HasSubstr("<tr class=\"empty\"><td colspan=\"8\">Nothing to list.</td></tr>"));
  EXPECT_TRUE(std::regex_search(run.out, std::regex("<th[^>]*data-key=\"ci_name\"[^>]*aria-sort=\"ascending\"")));
  // Text columns sort by their text: the critical services by name.
  const Run by_name = Chromium("report.html", "#sort=critical_services:name", "--dump-dom");
  EXPECT_THAT(ConsoleLines(by_name.err), ::testing::IsEmpty()) << by_name.err;
  const size_t crm = by_name.out.find(">CRM</td>");
  const size_t wiki = by_name.out.find(">Intranet \"Wiki\" &lt;beta&gt;</td>");
  const size_t payroll = by_name.out.find(">Payroll</td>");
  ASSERT_NE(crm, std::string::npos);
  EXPECT_LT(crm, wiki);
  EXPECT_LT(wiki, payroll);
}

// Clicks on headers, made by a script added to the page: a numeric column
// sorts most first, a text column A to Z, a second click reverses, and the
// fragment follows the last sort so that the view can be shared.
TEST_F(ReportBrowser, ClickingAHeaderSortsAndReverses) {
  std::string html = RenderReportHtml(Realistic());
  const size_t end = html.rfind("</body>");
  ASSERT_NE(end, std::string::npos);
  html.insert(end,
              "<script>\n"
              "var th = function (t, k) { return document.querySelector('#' + t + ' th[data-key=\"' + k + '\"]'); };\n"
              "th('rules', 'failed').click();\n"
              "th('trend', 'run_id').click();\n"
              "th('failures', 'ci_name').click(); th('failures', 'ci_name').click();\n"
              "document.body.setAttribute('data-fragment', location.hash);\n"
              "</script>\n");
  Write("clicked.html", html);
  const Run run = Chromium("clicked.html", "", "--dump-dom");
  EXPECT_THAT(ConsoleLines(run.err), ::testing::IsEmpty()) << run.err;
  const std::vector<double> failed = ColumnValues(run.out, "rules", "failed");
  ASSERT_EQ(failed.size(), 11u);
  EXPECT_TRUE(std::is_sorted(failed.rbegin(), failed.rend())) << ::testing::PrintToString(failed);
  const std::vector<double> runs = ColumnValues(run.out, "trend", "run_id");
  ASSERT_EQ(runs.size(), 8u);
  EXPECT_TRUE(std::is_sorted(runs.rbegin(), runs.rend())) << ::testing::PrintToString(runs);
  // CI names Z to A, the numbers in them by value: srv-59, srv-10, srv-9,
  // and the name that is markup last.
  const size_t srv59 = run.out.find(">srv-59</td>");
  const size_t srv10 = run.out.find(">srv-10</td>");
  const size_t srv9 = run.out.find(">srv-9</td>");
  const size_t script = run.out.find(">&lt;script&gt;alert(1)&lt;/script&gt;</td>");
  ASSERT_NE(srv59, std::string::npos);
  EXPECT_LT(srv59, srv10);
  EXPECT_LT(srv10, srv9);
  EXPECT_LT(srv9, script);
  EXPECT_TRUE(std::regex_search(run.out, std::regex("<th[^>]*data-key=\"ci_name\"[^>]*aria-sort=\"descending\"")));
  EXPECT_THAT(run.out, HasSubstr("data-fragment=\"#sort=failures:ci_name:desc\""));
}

// The check above can fail: a page whose script throws is caught.
TEST_F(ReportBrowser, AnExceptionInThePageIsSeen) {
  std::string html = RenderReportHtml(Realistic());
  const size_t end = html.rfind("</body>");
  ASSERT_NE(end, std::string::npos);
  html.insert(end, "<script>document.getElementById('no-such-table').rows;</script>\n");
  Write("broken.html", html);
  const Run run = Chromium("broken.html", "", "--dump-dom");
  const auto lines = ConsoleLines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_THAT(lines[0], HasSubstr("Uncaught TypeError"));
}

TEST_F(ReportBrowser, Screenshot) {
  Write("report.html", RenderReportHtml(Realistic()));
  const std::string png = dir_ + "/report.png";
  const Run run = Chromium("report.html", "#sort=rules:failed:desc",
                           "--hide-scrollbars --window-size=1280,2400 --screenshot='" + png + "'");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(ConsoleLines(run.err), ::testing::IsEmpty()) << run.err;
  const std::string image = ReadFile(png);
  ASSERT_GT(image.size(), 50'000u) << run.err;  // a blank page is a few kB
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  if (const char* keep = std::getenv("CMDB_TEST_REPORT_DIR")) {
    std::filesystem::copy_file(png, std::string(keep) + "/report.png",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(dir_ + "/report.html", std::string(keep) + "/report.html",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace cmdbctl
