// End to end: impact analysis through the real cmdbctl against a real cmdbd
// (its own embedded PostgreSQL, tokens, loopback port). Builds small
// estates with cmdbctl itself, then checks the JSON of `impact`,
// `rootcause`, `record` and `impact-rules` that scripts rely on, the DOT
// and SVG pictures, and the exit codes and messages of bad input.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using cmdb::testing::CmdbdProcess;
using cmdb::testing::Output;

bool DotInstalled() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

class ImpactE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cmdbd_ = std::make_unique<CmdbdProcess>("cmdb-impact-e2e");
    dir_ = cmdbd_->dir();
    token_ = cmdbd_->Token("admin", "e2e-admin");
    server_ = cmdbd_->Start();
    ASSERT_FALSE(server_.empty()) << "cmdbd did not start; see " << dir_ << "/cmdbd.log";
  }

  static void TearDownTestSuite() {
    EXPECT_TRUE(cmdbd_->Stop()) << "cmdbd did not stop cleanly";
    cmdbd_->RemoveDir();
    cmdbd_.reset();
  }

  // cmdbctl --server S --token T <args...>
  static Output Ctl(std::vector<std::string> args, const std::string& path = "") {
    return cmdbd_->Ctl(args, token_, path);
  }

  static Json CtlJson(std::vector<std::string> args) { return cmdbd_->CtlJson(std::move(args), token_); }

  static std::string Create(const std::string& cls, const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ci", "create", cls, name};
    args.insert(args.end(), extra.begin(), extra.end());
    return CtlJson(args)["id"];
  }

  static void Relate(const std::string& from, const std::string& type, const std::string& to) {
    EXPECT_EQ(CtlJson({"rel", "create", from, type, to})["type"], type);
  }

  // The affected CIs of an `impact -o json` answer by id.
  static std::map<std::string, Json> ById(const Json& impact) {
    std::map<std::string, Json> out;
    for (const auto& ci : impact["affected"]) out[ci["id"]] = ci;
    return out;
  }

  // service depends_on app runs_on vm hosted_on hypervisor, made once.
  struct Estate {
    std::string hv, vm, app, shop, before_relationships;
  };
  static const Estate& Stack() {
    static const Estate estate = [] {
      Estate e;
      e.hv = Create("hypervisor", "imp-hv01");
      e.vm = Create("virtual_machine", "imp-vm01");
      e.app = Create("application", "imp-shop-app");
      Json shop = CtlJson({"ci", "create", "business_service", "imp-Online Shop", "--criticality", "high"});
      e.shop = shop["id"];
      e.before_relationships = shop["update_time"];
      Relate(e.vm, "hosted_on", e.hv);
      Relate(e.app, "runs_on", e.vm);
      Relate(e.shop, "depends_on", e.app);
      return e;
    }();
    return estate;
  }

  static inline std::unique_ptr<CmdbdProcess> cmdbd_;
  static inline std::string dir_, server_, token_;
};

TEST_F(ImpactE2E, OutageOfAHypervisorReachesTheServiceOnIt) {
  const Estate& e = Stack();
  Json impact = CtlJson({"impact", e.hv});
  for (const char* key :
       {"roots", "scenario", "affected_count", "truncated", "risk", "totals", "services", "affected"}) {
    EXPECT_TRUE(impact.contains(key)) << key;
  }
  EXPECT_EQ(impact["roots"], Json::array({e.hv}));
  EXPECT_EQ(impact["scenario"], "outage");
  EXPECT_EQ(impact["affected_count"], 4);
  EXPECT_EQ(impact["truncated"], false);
  ASSERT_EQ(impact["affected"].size(), 4u);
  EXPECT_EQ(impact["affected"][0]["id"], e.hv);  // roots first, then by distance
  auto by_id = ById(impact);
  const std::vector<std::tuple<std::string, std::string, int, std::string, std::string>> expected = {
      {e.hv, "hypervisor", 0, "", ""},
      {e.vm, "virtual_machine", 1, e.hv, "hosted_on"},
      {e.app, "application", 2, e.vm, "runs_on"},
      {e.shop, "business_service", 3, e.app, "depends_on"}};
  for (const auto& [id, cls, distance, via, type] : expected) {
    ASSERT_TRUE(by_id.contains(id)) << cls;
    const Json& ci = by_id[id];
    for (const char* key : {"id", "name", "class", "state", "distance", "root", "path"}) {
      EXPECT_TRUE(ci.contains(key)) << key;
    }
    EXPECT_EQ(ci["class"], cls);
    EXPECT_EQ(ci["state"], "down") << cls;
    EXPECT_EQ(ci["distance"], distance) << cls;
    EXPECT_EQ(ci["root"], distance == 0) << cls;
    EXPECT_EQ(ci["via_id"], via) << cls;
    EXPECT_EQ(ci["via_relationship_type"], type) << cls;
    // The path: root first, this CI last.
    ASSERT_EQ(ci["path"].size(), static_cast<size_t>(distance + 1)) << cls;
    EXPECT_EQ(ci["path"][0]["id"], e.hv);
    EXPECT_EQ(ci["path"].back()["id"], id);
    EXPECT_EQ(ci["path"].back()["relationship_type"], type);
  }
  EXPECT_EQ(by_id[e.app]["path"][1]["relationship_type"], "hosted_on");
  ASSERT_EQ(impact["services"].size(), 1u);
  const Json& shop = impact["services"][0];
  EXPECT_EQ(shop["id"], e.shop);
  EXPECT_EQ(shop["name"], "imp-Online Shop");
  EXPECT_EQ(shop["state"], "down");
  EXPECT_EQ(shop["criticality"], "high");
  int down = 0;
  for (const auto& t : impact["totals"]) down += t["down"].get<int>();
  EXPECT_EQ(down, 4);
  const Json& risk = impact["risk"];
  for (const char* key : {"score", "level", "formula", "terms"}) EXPECT_TRUE(risk.contains(key)) << key;
  EXPECT_GT(risk["score"].get<int>(), 0);
  EXPECT_LE(risk["score"].get<int>(), 100);
  EXPECT_THAT((std::vector<std::string>{"low", "medium", "high", "critical"}),
              ::testing::Contains(risk["level"].get<std::string>()));

  // Degraded roots degrade, no more.
  Json degraded = CtlJson({"impact", e.hv, "--scenario", "degraded"});
  EXPECT_EQ(degraded["scenario"], "degraded");
  EXPECT_EQ(degraded["affected_count"], 4);
  for (const auto& ci : degraded["affected"]) EXPECT_EQ(ci["state"], "degraded") << ci["class"];
  EXPECT_EQ(degraded["services"][0]["state"], "degraded");

  // Limits: depth, types, stop classes, --max.
  EXPECT_EQ(CtlJson({"impact", e.hv, "--depth", "1"})["affected_count"], 2);
  EXPECT_EQ(CtlJson({"impact", e.hv, "--type", "hosted_on"})["affected_count"], 2);
  EXPECT_EQ(CtlJson({"impact", e.hv, "--stop-class", "virtual_machine"})["affected_count"], 2);
  Json cut = CtlJson({"impact", e.hv, "--max", "2"});
  EXPECT_EQ(cut["truncated"], true);
  EXPECT_EQ(cut["affected"].size(), 2u);
  EXPECT_EQ(cut["affected_count"], 4);
  EXPECT_EQ(cut["services"].size(), 1u);  // services count every affected CI

  // As the estate stood before the relationships: the root alone.
  Json before = CtlJson({"impact", e.hv, "--as-of", e.before_relationships});
  EXPECT_EQ(before["affected_count"], 1);

  // The table: one row per CI, the services, a summary with the risk.
  Output table = Ctl({"impact", e.hv});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("STATE"));
  EXPECT_THAT(table.out, HasSubstr("imp-vm01"));
  EXPECT_THAT(table.out, HasSubstr("imp-hv01 [hosted_on]"));
  EXPECT_THAT(table.out, HasSubstr("business services:"));
  EXPECT_THAT(table.out, HasSubstr("4 affected (4 down, 0 degraded)"));
  EXPECT_THAT(table.out, HasSubstr("risk " + std::to_string(risk["score"].get<int>()) + "/100"));
}

TEST_F(ImpactE2E, ChangeRecordsAreStoredAndAnalysedThroughTheirCis) {
  const Estate& e = Stack();
  Json put =
      CtlJson({"record", "put", "--system", "itsm", "--kind", "change", "--key", "CHG-E2E-1", "--title",
               "Patch imp-hv01", "--url", "https://itsm.example.com/CHG-E2E-1", "--state", "scheduled", "--ci", e.hv});
  for (const char* key : {"system", "kind", "key", "title", "url", "state", "ci_ids", "create_time", "update_time"}) {
    EXPECT_TRUE(put.contains(key)) << key;
  }
  EXPECT_EQ(put["ci_ids"], Json::array({e.hv}));
  EXPECT_EQ(put["title"], "Patch imp-hv01");
  Json got = CtlJson({"record", "get", "--system", "itsm", "--kind", "change", "--key", "CHG-E2E-1"});
  EXPECT_EQ(got["state"], "scheduled");
  Json listed = CtlJson({"record", "list", "--ci", e.hv, "--kind", "change"});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["key"], "CHG-E2E-1");
  EXPECT_TRUE(CtlJson({"record", "list", "--ci", e.shop}).empty());

  Json impact = CtlJson({"impact", "--change", "CHG-E2E-1", "--scenario", "change"});
  EXPECT_EQ(impact["roots"], Json::array({e.hv}));
  EXPECT_EQ(impact["scenario"], "change");
  EXPECT_EQ(impact["affected_count"], 4);
  EXPECT_EQ(impact["services"][0]["id"], e.shop);
  EXPECT_EQ(CtlJson({"impact", "--change", "CHG-E2E-1", "--system", "itsm"})["affected_count"], 4);

  Output dot = Ctl({"impact", "--change", "CHG-E2E-1", "--system", "itsm", "-o", "dot"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_THAT(dot.out, HasSubstr("change itsm CHG-E2E-1"));

  Output unknown = Ctl({"impact", "--change", "CHG-E2E-NOPE"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("cmdbctl: NOT_FOUND:"));

  Output deleted = Ctl({"record", "delete", "--system", "itsm", "--kind", "change", "--key", "CHG-E2E-1"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  Output gone = Ctl({"record", "get", "--system", "itsm", "--kind", "change", "--key", "CHG-E2E-1"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("cmdbctl: NOT_FOUND:"));
}

TEST_F(ImpactE2E, RootCauseOfARackThatWentDarkIsItsSwitch) {
  const std::string sw = Create("switch", "rc-tor-sw1");
  const std::string s1 = Create("server", "rc-srv1");
  const std::string s2 = Create("server", "rc-srv2");
  const std::string s3 = Create("server", "rc-srv3");
  const std::string app = Create("application", "rc-app");
  for (const auto& s : {s1, s2, s3}) Relate(s, "depends_on", sw);
  Relate(app, "runs_on", s1);

  Json ranked = CtlJson({"rootcause", s1, s2, s3, app});
  ASSERT_TRUE(ranked.is_array());
  ASSERT_GE(ranked.size(), 2u);
  for (const char* key : {"id", "name", "class", "explains", "explained", "unexplained", "silent_affected",
                          "recent_changes", "open_incidents", "explanation"}) {
    EXPECT_TRUE(ranked[0].contains(key)) << key;
  }
  EXPECT_EQ(ranked[0]["id"], sw);
  EXPECT_EQ(ranked[0]["name"], "rc-tor-sw1");
  EXPECT_EQ(ranked[0]["class"], "switch");
  EXPECT_EQ(ranked[0]["explains"], 4);
  EXPECT_TRUE(ranked[0]["unexplained"].empty());
  EXPECT_EQ(ranked[0]["silent_affected"], 0);
  EXPECT_EQ(ranked[1]["id"], s1);
  EXPECT_EQ(ranked[1]["explains"], 2);
  EXPECT_THAT(ranked[1]["unexplained"].get<std::vector<std::string>>(), UnorderedElementsAre(s2, s3));
  for (size_t i = 1; i < ranked.size(); ++i) {
    EXPECT_LE(ranked[i]["explains"].get<int>(), ranked[i - 1]["explains"].get<int>());
  }
  EXPECT_EQ(CtlJson({"rootcause", s1, s2, s3, app, "--max", "1"}).size(), 1u);

  // An open incident on srv2 makes it alarming too.
  CtlJson({"record", "put", "--system", "itsm", "--kind", "incident", "--key", "INC-E2E-1", "--state", "in progress",
           "--ci", s2});
  Json with_incidents = CtlJson({"rootcause", s1, "--incidents"});
  ASSERT_FALSE(with_incidents.empty());
  EXPECT_EQ(with_incidents[0]["id"], sw);
  EXPECT_EQ(with_incidents[0]["explains"], 2);

  Output table = Ctl({"rootcause", s1, s2, s3, app});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("rc-tor-sw1"));
  EXPECT_THAT(table.out, HasSubstr("4/4"));
}

TEST_F(ImpactE2E, DotAndSvgPictures) {
  const Estate& e = Stack();
  Output dot = Ctl({"impact", e.hv, "-o", "dot"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_THAT(dot.out, HasSubstr("digraph impact {"));
  EXPECT_THAT(dot.out, HasSubstr("<b>imp-hv01</b>"));
  EXPECT_THAT(dot.out, HasSubstr("<b>ROOT</b>"));
  EXPECT_THAT(dot.out, HasSubstr("peripheries=2"));
  EXPECT_THAT(dot.out, HasSubstr("BUSINESS SERVICE"));
  for (const char* type : {"hosted_on", "runs_on", "depends_on"}) {
    EXPECT_THAT(dot.out, HasSubstr(std::string("[label=\"") + type + "\"")) << type;
  }
  EXPECT_THAT(dot.out, HasSubstr("scenario: <b>outage</b>"));

  if (DotInstalled()) {
    Output svg = Ctl({"impact", e.hv, "-o", "svg"});
    ASSERT_EQ(svg.exit_code, 0) << svg.err;
    EXPECT_THAT(svg.out, HasSubstr("<svg"));
    EXPECT_THAT(svg.out, HasSubstr("</svg>"));
    EXPECT_THAT(svg.out, HasSubstr("imp&#45;hv01"));
  }
  // Without Graphviz on PATH: a clear error naming the program.
  Output missing = Ctl({"impact", e.hv, "-o", "svg"}, dir_ + "/no-such-bin");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cmdbctl: FAILED_PRECONDITION:"));
  EXPECT_THAT(missing.err, HasSubstr("`dot`"));
}

TEST_F(ImpactE2E, BadInputExitsOneWithTheCodeAndTheField) {
  const Estate& e = Stack();
  Output scenario = Ctl({"impact", e.hv, "--scenario", "sideways"});
  EXPECT_EQ(scenario.exit_code, 1);
  EXPECT_THAT(scenario.err, HasSubstr("cmdbctl: INVALID_ARGUMENT:"));
  EXPECT_THAT(scenario.err, HasSubstr("--scenario"));

  const std::string nobody = "00000000-0000-4000-8000-00000000e2e0";
  Output unknown = Ctl({"impact", nobody});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("cmdbctl: NOT_FOUND: ci_ids[0]"));
  EXPECT_THAT(unknown.err, HasSubstr(nobody));

  Output malformed = Ctl({"impact", "not-a-ci-id"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_THAT(malformed.err, ::testing::AnyOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("NOT_FOUND")));
  EXPECT_THAT(malformed.err, HasSubstr("ci_ids"));

  Output nothing = Ctl({"impact"});
  EXPECT_EQ(nothing.exit_code, 2);  // usage: no CI and no change

  Output rootcause = Ctl({"rootcause", nobody});
  EXPECT_EQ(rootcause.exit_code, 1);
  EXPECT_THAT(rootcause.err, HasSubstr("NOT_FOUND"));

  Output effect = Ctl({"impact-rules", "set-type", "depends_on", "--effect", "sideways"});
  EXPECT_EQ(effect.exit_code, 1);
  EXPECT_THAT(effect.err, HasSubstr("cmdbctl: INVALID_ARGUMENT: --effect"));
}

TEST_F(ImpactE2E, PropagationRulesGetAndSet) {
  Json rules = CtlJson({"impact-rules", "get"});
  for (const char* key : {"relationship_types", "classes", "cis"}) EXPECT_TRUE(rules.contains(key)) << key;
  std::map<std::string, Json> types;
  for (const auto& t : rules["relationship_types"]) types[t["type"]] = t;
  ASSERT_TRUE(types.contains("depends_on"));
  EXPECT_EQ(types["depends_on"]["direction"], "target_to_source");
  EXPECT_EQ(types["depends_on"]["effect"], "down");
  EXPECT_EQ(types["connected_to"]["effect"], "degraded");

  // A type of our own: --effect alone keeps its direction.
  CtlJson({"rel", "type-create", "e2e_feeds", "--inverse", "e2e_fed_by", "--impact", "source_to_target"});
  Json set = CtlJson({"impact-rules", "set-type", "e2e_feeds", "--effect", "degraded"});
  EXPECT_EQ(set, Json({{"type", "e2e_feeds"}, {"direction", "source_to_target"}, {"effect", "degraded"}}));
  set = CtlJson({"impact-rules", "set-type", "e2e_feeds", "--direction", "both", "--effect", "down"});
  EXPECT_EQ(set["direction"], "both");

  // One CI's redundancy: set, seen, cleared.
  const std::string pool = Create("cluster", "imp-pool");
  Json ci_rule = CtlJson({"impact-rules", "set-ci", pool, "--min-up-percent", "50", "--type", "member_of"});
  EXPECT_EQ(ci_rule["ci_id"], pool);
  EXPECT_EQ(ci_rule["min_up_percent"], 50);
  EXPECT_EQ(ci_rule["types"], Json::array({"member_of"}));
  const Json after = CtlJson({"impact-rules", "get"});
  bool seen = false;
  for (const auto& c : after["cis"]) seen = seen || c["ci_id"] == pool;
  EXPECT_TRUE(seen) << after.dump();
  CtlJson({"impact-rules", "set-ci", pool, "--clear"});
  for (const auto& c : CtlJson({"impact-rules", "get"})["cis"]) EXPECT_NE(c["ci_id"], pool);

  Output both = Ctl({"impact-rules", "set-ci", pool, "--min-up", "1", "--clear"});
  EXPECT_EQ(both.exit_code, 2);  // usage
}

}  // namespace
