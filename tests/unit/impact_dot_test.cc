// The impact picture of cmdbctl (clients/cmdbctl/impact_dot.h): DOT built
// from hand-made AnalyzeImpactResponse messages, and SVG through Graphviz
// when `dot` is installed. Set CMDB_TEST_DOT_DIR to keep the DOT text of
// each picture there (to look at with `dot -Tpng`).
#include "impact_dot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

#include "client.h"

namespace cmdbctl {
namespace {

namespace v1 = ::cmdb::v1;
using ::testing::HasSubstr;
using ::testing::Not;

v1::AffectedCi* Add(v1::AnalyzeImpactResponse* r, const std::string& id, const std::string& name,
                    const std::string& cls, v1::ImpactState state, int distance, const std::string& via = "",
                    const std::string& type = "") {
  auto* ci = r->add_affected();
  ci->set_id(id);
  ci->set_name(name);
  ci->set_class_name(cls);
  ci->set_state(state);
  ci->set_distance(distance);
  ci->set_root(distance == 0);
  ci->set_via_id(via);
  ci->set_via_relationship_type(type);
  return ci;
}

void Count(v1::AnalyzeImpactResponse* r, const std::string& cls, int down, int degraded) {
  auto* t = r->add_totals();
  t->set_class_name(cls);
  t->set_down(down);
  t->set_degraded(degraded);
}

void Risk(v1::AnalyzeImpactResponse* r, int score, const std::string& level) {
  r->mutable_risk()->set_score(score);
  r->mutable_risk()->set_level(level);
  r->mutable_risk()->set_formula("min(100, 10*services_down + 4*services_degraded + 1*cis)");
  (*r->mutable_risk()->mutable_terms())["cis"] = 4;
}

// hv01 (root) <- vm01 (hosted_on) <- shop-app (runs_on) <- Online Shop
// (depends_on), plus a degraded peer over connected_to.
v1::AnalyzeImpactResponse Small() {
  v1::AnalyzeImpactResponse r;
  r.add_root_ids("hv");
  Add(&r, "hv", "hv01", "hypervisor", v1::IMPACT_STATE_DOWN, 0);
  Add(&r, "vm", "vm01", "virtual_machine", v1::IMPACT_STATE_DOWN, 1, "hv", "hosted_on");
  Add(&r, "sw", "sw01", "switch", v1::IMPACT_STATE_DEGRADED, 1, "hv", "connected_to");
  Add(&r, "app", "shop-app", "application", v1::IMPACT_STATE_DOWN, 2, "vm", "runs_on");
  auto* svc = Add(&r, "svc", "Online Shop", "business_service", v1::IMPACT_STATE_DOWN, 3, "app", "depends_on");
  svc->set_criticality(v1::CRITICALITY_HIGH);
  *r.add_services() = *svc;
  Count(&r, "application", 1, 0);
  Count(&r, "business_service", 1, 0);
  Count(&r, "hypervisor", 1, 0);
  Count(&r, "switch", 0, 1);
  Count(&r, "virtual_machine", 1, 0);
  r.set_affected_count(5);
  Risk(&r, 42, "medium");
  return r;
}

// A core switch takes down `racks` racks of `per_rack` servers, each with an
// application; every tenth application feeds one of two services.
v1::AnalyzeImpactResponse Large(int racks, int per_rack) {
  v1::AnalyzeImpactResponse r;
  r.add_root_ids("core");
  Add(&r, "core", "core-sw1", "switch", v1::IMPACT_STATE_DOWN, 0);
  int servers = 0, apps = 0;
  for (int k = 0; k < racks; ++k) {
    const std::string tor = "tor" + std::to_string(k);
    Add(&r, tor, "tor-sw" + std::to_string(k), "switch", v1::IMPACT_STATE_DOWN, 1, "core", "depends_on");
  }
  for (int k = 0; k < racks; ++k) {
    for (int i = 0; i < per_rack; ++i) {
      const std::string n = std::to_string(k) + "-" + std::to_string(i);
      Add(&r, "srv" + n, "srv" + n, "server", i % 5 == 0 ? v1::IMPACT_STATE_DEGRADED : v1::IMPACT_STATE_DOWN, 2,
          "tor" + std::to_string(k), "depends_on");
      ++servers;
    }
  }
  for (int k = 0; k < racks; ++k) {
    for (int i = 0; i < per_rack; ++i) {
      const std::string n = std::to_string(k) + "-" + std::to_string(i);
      Add(&r, "app" + n, "app" + n, "application", i % 5 == 0 ? v1::IMPACT_STATE_DEGRADED : v1::IMPACT_STATE_DOWN, 3,
          "srv" + n, "runs_on");
      ++apps;
    }
  }
  auto* crm = Add(&r, "crm", "CRM", "business_service", v1::IMPACT_STATE_DEGRADED, 4, "app0-1", "depends_on");
  crm->set_criticality(v1::CRITICALITY_CRITICAL);
  auto* mail = Add(&r, "mail", "Mail", "business_service", v1::IMPACT_STATE_DOWN, 4, "app1-2", "depends_on");
  mail->set_criticality(v1::CRITICALITY_MEDIUM);
  *r.add_services() = *crm;
  *r.add_services() = *mail;
  Count(&r, "application", apps - apps / 5, apps / 5);
  Count(&r, "business_service", 1, 1);
  Count(&r, "server", servers - servers / 5, servers / 5);
  Count(&r, "switch", racks + 1, 0);
  r.set_affected_count(r.affected_size());
  Risk(&r, 91, "critical");
  return r;
}

void Keep(const std::string& name, const std::string& dot) {
  const char* dir = std::getenv("CMDB_TEST_DOT_DIR");
  if (dir != nullptr) std::ofstream(std::string(dir) + "/" + name + ".dot") << dot;
}

int CountOf(const std::string& text, const std::regex& pattern) {
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

// Node declarations: `  n12 [label=...` or `  g3 [label=...`.
int Nodes(const std::string& dot) { return CountOf(dot, std::regex(R"(\n  [ng]\d+ \[label=)")); }

bool DotInstalled() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

TEST(ImpactDot, SmallPictureMarksRootsServicesStatesAndEdges) {
  DotOptions options;
  options.scenario = "outage";
  const std::string dot = ImpactDot(Small(), options);
  Keep("small", dot);
  EXPECT_THAT(dot, HasSubstr("digraph impact {"));
  EXPECT_THAT(dot, HasSubstr("rankdir=BT"));
  EXPECT_EQ(Nodes(dot), 5);
  // The root: bold, double border, marked, at the bottom.
  EXPECT_THAT(dot, HasSubstr("<b>ROOT</b> &#183; hypervisor &#183; down"));
  EXPECT_THAT(dot, HasSubstr("penwidth=2.5, peripheries=2"));
  EXPECT_THAT(dot, HasSubstr("{ rank=min; n0; }"));
  // The service at the top, with its criticality.
  EXPECT_THAT(dot, HasSubstr("<b>BUSINESS SERVICE</b> &#183; high &#183; down"));
  EXPECT_THAT(dot, HasSubstr("{ rank=max; n4; }"));
  // Edges from input to dependant, labelled with the relationship type.
  EXPECT_THAT(dot, HasSubstr("n0 -> n1 [label=\"hosted_on\""));
  EXPECT_THAT(dot, HasSubstr("n1 -> n3 [label=\"runs_on\""));
  EXPECT_THAT(dot, HasSubstr("n3 -> n4 [label=\"depends_on\""));
  EXPECT_THAT(dot, HasSubstr("n0 -> n2 [label=\"connected_to\", color=\"#c58b00\""));  // degraded: amber
  // Title: subject, scenario, counts, risk.
  EXPECT_THAT(dot, HasSubstr("Impact of hv01"));
  EXPECT_THAT(dot, HasSubstr("scenario: <b>outage</b>"));
  EXPECT_THAT(dot, HasSubstr("5 CIs affected</b>: 4 down, 1 degraded"));
  EXPECT_THAT(dot, HasSubstr("1 business service"));
  EXPECT_THAT(dot, HasSubstr("risk 42/100 (medium)"));
  EXPECT_THAT(dot, Not(HasSubstr("folded into")));
  EXPECT_EQ(dot, ImpactDot(Small(), options));  // deterministic
}

TEST(ImpactDot, TheRiskFormulaIsWrappedWithItsTerms) {
  v1::AnalyzeImpactResponse r = Small();
  std::string formula = "score =";
  for (int i = 0; i < 40; ++i) formula += " term" + std::to_string(i) + " +";
  r.mutable_risk()->set_formula(formula + " <last>");
  const std::string dot = ImpactDot(r, DotOptions());
  EXPECT_THAT(dot, HasSubstr("score = term0 + term1 +"));
  EXPECT_GE(CountOf(dot, std::regex("<br align=\"left\"/>")), 2);
  EXPECT_THAT(dot, HasSubstr("&lt;last&gt;; here cis = 4"));
  EXPECT_TRUE(std::regex_search(dot, std::regex("term\\d+ \\+<br align")));  // broken between words
}

TEST(ImpactDot, SubjectNamesTheChange) {
  DotOptions options;
  options.scenario = "change";
  options.subject = "change itsm CHG0031337";
  const std::string dot = ImpactDot(Small(), options);
  EXPECT_THAT(dot, HasSubstr("Impact of change itsm CHG0031337"));
  EXPECT_THAT(dot, HasSubstr("scenario: <b>change</b>"));
}

TEST(ImpactDot, LabelsAreEscaped) {
  v1::AnalyzeImpactResponse r = Small();
  r.mutable_affected(1)->set_name("vm \"<b>&</b>\" 'x'\\n\nnext");
  r.mutable_affected(3)->set_via_relationship_type("runs\"on\\");
  const std::string dot = ImpactDot(r, DotOptions());
  Keep("escaped", dot);
  EXPECT_THAT(dot, HasSubstr("<b>vm &quot;&lt;b&gt;&amp;&lt;/b&gt;&quot; &#39;x&#39;\\n next</b>"));
  EXPECT_THAT(dot, HasSubstr("[label=\"runs\\\"on\\\\\""));
  EXPECT_EQ(DotQuoted("a\"b\\c\nd\te"), "\"a\\\"b\\\\c\\nd e\"");
  EXPECT_EQ(HtmlEscaped("<a href='x'>&\"</a>\r"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt; ");
  if (DotInstalled()) {
    EXPECT_THAT(RenderSvg(dot), HasSubstr("</svg>"));  // Graphviz accepts it
  }
}

TEST(ImpactDot, LargeResultsFoldByClassAndState) {
  const auto r = Large(6, 40);  // 1 + 6 + 240 + 240 + 2 CIs
  DotOptions options;
  const std::string dot = ImpactDot(r, options);
  Keep("large", dot);
  // The root, the services, the CIs between them (3 each) and the nearest
  // others stay, at most 8 of one class at one distance: 6 switches, 8
  // servers, 8 applications. The rest is one node per (class, state).
  const int groups = CountOf(dot, std::regex(R"(\n  g\d+ \[label=)"));
  EXPECT_EQ(groups, 4);  // server down/degraded, application down/degraded
  const int kept = 1 + 2 + 6 + 8 + 8;
  EXPECT_EQ(Nodes(dot), kept + groups);
  EXPECT_LE(Nodes(dot), options.collapse_above);
  for (const char* on_the_way :
       {"<b>tor-sw0</b>", "<b>srv0-1</b>", "<b>app0-1</b>", "<b>srv1-2</b>", "<b>app1-2</b>"}) {
    EXPECT_THAT(dot, HasSubstr(on_the_way));
  }
  EXPECT_THAT(dot, HasSubstr("{ rank=max; n"));
  EXPECT_THAT(dot, HasSubstr("<b>CRM</b>"));
  EXPECT_THAT(dot, HasSubstr("<b>Mail</b>"));
  EXPECT_THAT(dot, HasSubstr("core-sw1"));
  EXPECT_THAT(dot, HasSubstr("&#215; application</b>"));
  EXPECT_THAT(dot, HasSubstr("further CIs folded into 4 nodes by class and state"));
  // Aggregated edges carry their count.
  EXPECT_TRUE(std::regex_search(dot, std::regex("label=\"runs_on \xC3\x97\\d+\"")));
  // The folded groups count every folded CI.
  int folded = 0;
  const std::regex group_count(R"(\n  g\d+ \[label=<<b>(\d+) &#215;)");
  for (auto it = std::sregex_iterator(dot.begin(), dot.end(), group_count); it != std::sregex_iterator(); ++it) {
    folded += std::stoi((*it)[1]);
  }
  EXPECT_EQ(folded, r.affected_size() - kept);
  // Below the limit, or with folding off, nothing folds.
  options.collapse_above = 0;
  EXPECT_EQ(Nodes(ImpactDot(r, options)), r.affected_size());
  EXPECT_EQ(Nodes(ImpactDot(Large(2, 5), DotOptions())), 1 + 2 + 10 + 10 + 2);
}

TEST(ImpactDot, ServicesBeyondMaxResultsHangOffTheirNearestListedCi) {
  v1::AnalyzeImpactResponse r = Small();
  // Cut after vm01 (max_results 3): the service is only in `services`.
  r.mutable_affected()->DeleteSubrange(3, 2);
  r.set_truncated(true);
  auto* svc = r.mutable_services(0);
  for (const char* id : {"hv", "vm", "app", "svc"}) svc->add_path()->set_ci_id(id);
  const std::string dot = ImpactDot(r, DotOptions());
  Keep("truncated", dot);
  EXPECT_EQ(Nodes(dot), 4);
  EXPECT_THAT(dot, HasSubstr("n1 -> n3 [label=\"depends_on (via CIs not listed)\""));
  EXPECT_THAT(dot, HasSubstr("style=dashed"));
  EXPECT_THAT(dot, HasSubstr("only the nearest 3 of 5 affected CIs"));
}

TEST(RenderSvg, MissingProgramIsAFailedPrecondition) {
  try {
    RenderSvg("digraph { a -> b }", "cmdb-no-such-graphviz-program");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "FAILED_PRECONDITION");
    EXPECT_THAT(e.what(), HasSubstr("cmdb-no-such-graphviz-program"));
  }
}

TEST(RenderSvg, DrawsWithGraphviz) {
  if (!DotInstalled()) GTEST_SKIP() << "Graphviz `dot` is not installed";
  const std::string svg = RenderSvg(ImpactDot(Large(6, 40), DotOptions()));
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("core&#45;sw1"));
  try {
    RenderSvg("digraph { a -> }");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "INTERNAL");
    EXPECT_THAT(e.what(), HasSubstr("syntax error"));
  }
}

}  // namespace
}  // namespace cmdbctl
