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

}  // namespace
