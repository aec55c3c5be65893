// End to end: configuration audit through the real cmdbctl against a real
// cmdbd (its own embedded PostgreSQL, tokens, loopback port): rules made and
// removed with `audit rule`, `audit run -o json` in the shape scripts rely
// on ({run_id, rules: [{rule, checked, failed, failures: [{id, reason}]}]}),
// acknowledgement, kept runs, roles and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/cli_harness.h"

namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using cmdb::testing::CmdbdProcess;
using cmdb::testing::Output;

class AuditE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cmdbd_ = std::make_unique<CmdbdProcess>("cmdb-audit-e2e");
    admin_ = cmdbd_->Token("admin", "e2e-admin");
    viewer_ = cmdbd_->Token("viewer", "e2e-viewer");
    ASSERT_FALSE(cmdbd_->Start().empty()) << "cmdbd did not start; see " << cmdbd_->dir() << "/cmdbd.log";
  }

  static void TearDownTestSuite() {
    EXPECT_TRUE(cmdbd_->Stop()) << "cmdbd did not stop cleanly";
    cmdbd_->RemoveDir();
    cmdbd_.reset();
  }

  static Output Ctl(std::vector<std::string> args, const std::string& token = admin_) {
    return cmdbd_->Ctl(args, token);
  }
  static Json CtlJson(std::vector<std::string> args) { return cmdbd_->CtlJson(std::move(args), admin_); }

  // rule -> the ids failing it (not acknowledged), from `audit run -o json`.
  static std::map<std::string, std::set<std::string>> Failing(const Json& run) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& r : run["rules"]) {
      auto& ids = out[r["rule"]];
      for (const auto& f : r["failures"]) ids.insert(f["id"]);
    }
    return out;
  }

  static const Json& RuleOf(const Json& run, const std::string& rule) {
    for (const auto& r : run["rules"]) {
      if (r["rule"] == rule) return r;
    }
    static const Json none;
    ADD_FAILURE() << "no rule " << rule << " in " << run.dump();
    return none;
  }

  static inline std::unique_ptr<CmdbdProcess> cmdbd_;
  static inline std::string admin_, viewer_;
};

TEST_F(AuditE2E, RulesRunsAndAcknowledgementsThroughCmdbctl) {
  const std::string good = CtlJson({"ci", "create", "server", "aud-good", "--attr", "serial_number=AUD1", "--attr",
                                    "manufacturer=Dell Inc.", "--attr", "hostname=srv-aud-1"})["id"];
  const std::string bare = CtlJson({"ci", "create", "server", "aud-bare", "--attr", "hostname=web-7"})["id"];

  // A rule of our own, in its own category.
  Json rule = CtlJson({"audit", "rule", "create", "aud-hostnames", "--kind", "pattern", "--class", "server",
                       "--category", "naming", "--severity", "high", "--param", "attribute=hostname", "--param",
                       "regex=^srv-"});
  EXPECT_EQ(rule["params"]["regex"], "^srv-");
  EXPECT_EQ(rule["severity"], "high");
  EXPECT_EQ(rule["updated_by"], "e2e-admin");
  Json listed = CtlJson({"audit", "rule", "list", "--category", "naming"});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], "aud-hostnames");

  Json run = CtlJson({"audit", "run", "--category", "naming"});
  ASSERT_TRUE(run["run_id"].is_number_integer()) << run.dump();
  ASSERT_EQ(run["rules"].size(), 1u);
  const Json& hostnames = RuleOf(run, "aud-hostnames");
  EXPECT_EQ(hostnames["checked"], 2);
  EXPECT_EQ(hostnames["failed"], 1);
  ASSERT_EQ(hostnames["failures"].size(), 1u);
  EXPECT_EQ(hostnames["failures"][0]["id"], bare);
  EXPECT_EQ(hostnames["failures"][0]["reason"], "attributes.hostname: \"web-7\" does not match ^srv-");

  // The shipped rules: the bare server misses its serial and manufacturer.
  Json all = CtlJson({"audit", "run"});
  const auto failing = Failing(all);
  EXPECT_EQ(failing.at("hardware-has-serial"), std::set<std::string>{bare});
  EXPECT_EQ(failing.at("hardware-has-manufacturer"), std::set<std::string>{bare});
  EXPECT_FALSE(failing.at("hardware-has-serial").contains(good));
  EXPECT_GT(all["rules"].size(), 10u);

  // Accepted as a risk: listed apart, no longer failing.
  Output ack = Ctl({"audit", "ack", "hardware-has-serial", bare, "--reason", "lab box, no serial"});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  Json after = CtlJson({"audit", "run", "--category", "completeness"});
  EXPECT_EQ(RuleOf(after, "hardware-has-serial")["failed"], 0);
  EXPECT_EQ(RuleOf(after, "hardware-has-serial")["acknowledged"], 1);
  EXPECT_EQ(RuleOf(after, "hardware-has-serial")["acknowledged_failures"][0]["id"], bare);
  Json acks = CtlJson({"audit", "acks"});
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]["actor"], "e2e-admin");
  EXPECT_EQ(acks[0]["reason"], "lab box, no serial");

  // Runs are kept: the latest reads back.
  Json shown = CtlJson({"audit", "show"});
  EXPECT_EQ(shown["run_id"], after["run_id"]);
  EXPECT_EQ(CtlJson({"audit", "runs"}).size(), 3u);

  // A viewer reads but cannot run or change rules.
  EXPECT_EQ(Ctl({"audit", "rule", "list"}, viewer_).exit_code, 0);
  Output denied = Ctl({"audit", "run"}, viewer_);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));

  Output removed = Ctl({"audit", "rule", "delete", "aud-hostnames"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(CtlJson({"audit", "rule", "list", "--category", "naming"}).empty());
}

TEST_F(AuditE2E, BadRulesExitOneNamingTheField) {
  Output bad_kind = Ctl({"audit", "rule", "create", "x", "--kind", "sparkles", "--class", "server"});
  EXPECT_EQ(bad_kind.exit_code, 1);
  EXPECT_THAT(bad_kind.err, HasSubstr("INVALID_ARGUMENT: rule.kind:"));
  Output bad_attr = Ctl({"audit", "rule", "create", "x", "--kind", "required_attribute", "--class", "server",
                         "--param", "attribute=colour"});
  EXPECT_EQ(bad_attr.exit_code, 1);
  EXPECT_THAT(bad_attr.err, HasSubstr("rule.params.attribute: class server has no attribute \"colour\""));
  Output bad_regex = Ctl({"audit", "rule", "create", "x", "--kind", "pattern", "--class", "server", "--param",
                          "attribute=hostname", "--param", "regex=(("});
  EXPECT_EQ(bad_regex.exit_code, 1);
  EXPECT_THAT(bad_regex.err, HasSubstr("rule.params.regex"));
  Output unknown = Ctl({"audit", "rule", "get", "no-such-rule"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("NOT_FOUND"));
}

TEST_F(AuditE2E, BaselineCompareThroughCmdbctl) {
  const std::string a = CtlJson({"ci", "create", "server", "bl-a", "--owner", "bl-team"})["id"];
  const std::string b = CtlJson({"ci", "create", "server", "bl-b", "--owner", "bl-team"})["id"];
  Json created = CtlJson({"baseline", "create", "bl-before", "--filter", "owner = \"bl-team\""});
  EXPECT_EQ(created["cis"], 2);
  EXPECT_EQ(created["created_by"], "e2e-admin");

  ASSERT_EQ(Ctl({"ci", "update", a, "--criticality", "high", "--ref", "CHG-77"}).exit_code, 0);
  ASSERT_EQ(Ctl({"ci", "update", b, "--attr", "hostname=bl-b2"}).exit_code, 0);
  const std::string c = CtlJson({"ci", "create", "server", "bl-c", "--owner", "bl-team", "--ref", "CHG-78"})["id"];

  Json cmp = CtlJson({"baseline", "compare", "bl-before"});
  EXPECT_EQ(cmp["baseline"]["name"], "bl-before");
  EXPECT_TRUE(cmp["to"]["baseline"].is_null());
  std::map<std::string, std::string> changes;
  for (const auto& d : cmp["cis"]) changes[d["name"]] = d["change"];
  EXPECT_EQ(changes, (std::map<std::string, std::string>{{"bl-a", "changed"}, {"bl-b", "changed"}, {"bl-c", "added"}}));
  for (const auto& d : cmp["cis"]) {
    if (d["name"] != "bl-a") continue;
    ASSERT_EQ(d["fields"].size(), 1u) << d.dump();
    EXPECT_EQ(d["fields"][0]["field"], "criticality");
    EXPECT_EQ(d["fields"][0]["after"], "high");
    ASSERT_EQ(d["changesets"].size(), 1u);
    bool found = false;
    for (const auto& cs : cmp["changesets"]) {
      if (cs["id"] == d["changesets"][0]) {
        found = true;
        EXPECT_EQ(cs["external_ref"], "CHG-77");
        EXPECT_EQ(cs["actor"], "e2e-admin");
      }
    }
    EXPECT_TRUE(found) << cmp.dump();
  }
  // bl-b's hostname change carried no ticket.
  ASSERT_EQ(cmp["unauthorised"].size(), 1u) << cmp.dump();
  EXPECT_EQ(cmp["unauthorised"][0]["external_ref"], "");

  CtlJson({"baseline", "create", "bl-after", "--filter", "owner = \"bl-team\""});
  Json two = CtlJson({"baseline", "compare", "bl-before", "--to", "bl-after"});
  EXPECT_EQ(two["to"]["baseline"], "bl-after");
  EXPECT_EQ(two["cis"].size(), 3u);
  Json listed = CtlJson({"baseline", "list"});
  EXPECT_GE(listed.size(), 2u);

  Output missing = Ctl({"baseline", "compare", "no-such-baseline"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  Output bad = Ctl({"baseline", "create", "Bad Name"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("baseline.name"));
  EXPECT_EQ(Ctl({"baseline", "create", "bl-viewer"}, viewer_).exit_code, 1) << "viewers cannot record baselines";
  EXPECT_EQ(Ctl({"baseline", "compare", "bl-before"}, viewer_).exit_code, 0);
  (void)c;
}

// Splits `audit report --format csv` into its sections: name -> rows
// (header first).
std::map<std::string, std::vector<std::vector<std::string>>> CsvSections(const std::string& text) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  std::string section;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  auto end_row = [&] {
    row.push_back(field);
    field.clear();
    if (row.size() == 1 && row[0].rfind("# ", 0) == 0) {
      section = row[0].substr(2);
      out[section];
    } else if (!(row.size() == 1 && row[0].empty())) {
      out[section].push_back(row);
    }
    row.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    any = true;
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      row.push_back(field);
      field.clear();
    } else if (ch == '\n') {
      end_row();
    } else if (ch != '\r') {
      field += ch;
    }
  }
  if (any) end_row();
  return out;
}

TEST_F(AuditE2E, StatusReportFormatsAgree) {
  const std::string svc = CtlJson({"ci", "create", "business_service", "rep-payroll", "--criticality", "critical"})["id"];
  const std::string app = CtlJson({"ci", "create", "application", "rep-app"})["id"];
  ASSERT_EQ(Ctl({"rel", "create", svc, "depends_on", app}).exit_code, 0);
  Json run = CtlJson({"audit", "run"});
  ASSERT_TRUE(run["health"].is_array());
  ASSERT_FALSE(run["health"].empty());
  EXPECT_EQ(run["health"][0]["class"], "");

  Json report = CtlJson({"audit", "report", "--format", "json"});
  EXPECT_EQ(report["audit_run"]["id"], run["run_id"]);
  ASSERT_EQ(report["rules"].size(), run["rules"].size());
  int64_t failed = 0;
  for (const auto& r : run["rules"]) failed += r["failed"].get<int64_t>();
  EXPECT_EQ(report["summary"]["failed"], failed);
  bool payroll = false;
  for (const auto& s : report["critical_services"]) {
    if (s["name"] == "rep-payroll") {
      payroll = true;
      EXPECT_EQ(s["criticality"], "critical");
      EXPECT_GE(s["affected"].get<int>(), 1);
    }
  }
  EXPECT_TRUE(payroll) << report["critical_services"].dump();

  // CSV: the same numbers as the JSON.
  Output csv = Ctl({"audit", "report", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto sections = CsvSections(csv.out);
  ASSERT_TRUE(sections.count("rules")) << csv.out;
  const auto& rows = sections["rules"];
  ASSERT_EQ(rows.size(), report["rules"].size() + 1);
  const auto& header = rows[0];
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  for (size_t i = 1; i < rows.size(); ++i) {
    const Json& rule = report["rules"][i - 1];
    EXPECT_EQ(rows[i][col("rule")], rule["rule"].get<std::string>());
    EXPECT_EQ(rows[i][col("checked")], std::to_string(rule["checked"].get<int64_t>()));
    EXPECT_EQ(rows[i][col("failed")], std::to_string(rule["failed"].get<int64_t>()));
  }
  ASSERT_TRUE(sections.count("summary"));
  std::map<std::string, std::string> summary;
  for (const auto& r : sections["summary"]) {
    if (r.size() >= 2) summary[r[0]] = r[1];
  }
  EXPECT_EQ(summary["cis"], std::to_string(report["summary"]["cis"].get<int64_t>()));
  EXPECT_EQ(summary["failed"], std::to_string(failed));

  Output md = Ctl({"audit", "report", "--format", "md"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  for (const char* heading : {"## 1.", "## 2.", "## 3.", "## 4."}) EXPECT_THAT(md.out, HasSubstr(heading));
  EXPECT_THAT(md.out, HasSubstr("rep-payroll"));

  const std::string html_path = cmdbd_->dir() + "/report.html";
  Output html = Ctl({"audit", "report", "--format", "html", "--out", html_path});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream in(html_path);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("rep-payroll"));
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);

  Output bad = Ctl({"audit", "report", "--run", "999999"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(Ctl({"audit", "report", "--format", "pdf"}).exit_code, 2) << "an unknown format is a usage error";
}

}  // namespace
