// `cmdbctl audit report`: the configuration status report as JSON, CSV,
// Markdown or one self-contained HTML page. The report is the server's
// GetStatusReport (state, changes, compliance, health, trend, risk) plus,
// for the most critical business services, their blast radius from
// AnalyzeImpact; report_render.h draws the formats from the one JSON
// document built here.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>

#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "json_format.h"
#include "report_render.h"
#include "util/enum_names.h"

namespace cmdbctl {
namespace {

using AStub = v1::AuditService::Stub;
using IStub = v1::ImpactService::Stub;
using CStub = v1::CmdbService::Stub;

constexpr int kServices = 10;

Json Percent(int64_t checked, int64_t failed) {
  if (checked <= 0) return nullptr;
  return 100.0 * static_cast<double>(checked - failed) / static_cast<double>(checked);
}

std::string Severity(v1::Severity s) { return std::string(cmdb::proto_util::SeverityName(s)); }

// The business services, most critical first (then by name), with what
// their outage would affect.
Json CriticalServices(Session& session) {
  std::vector<v1::ConfigurationItem> services;
  v1::ListCIsRequest list;
  list.set_filter("class = \"business_service\" AND status != \"retired\"");
  list.set_page_size(1000);
  do {
    const auto page = session.client().Call(&CStub::ListCIs, list);
    services.insert(services.end(), page.cis().begin(), page.cis().end());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty() && services.size() < 10000);
  std::stable_sort(services.begin(), services.end(), [](const auto& a, const auto& b) {
    return a.criticality() > b.criticality();  // CRITICALITY_LOW 1 .. CRITICALITY_CRITICAL 4
  });
  if (services.size() > kServices) services.resize(kServices);
  Json out = Json::array();
  for (const auto& s : services) {
    v1::AnalyzeImpactRequest request;
    request.add_ci_ids(s.id());
    request.set_scenario(v1::IMPACT_SCENARIO_OUTAGE);
    request.set_max_results(1);
    const auto impact = session.client().Call(&IStub::AnalyzeImpact, request);
    int services_affected = 0;
    for (const auto& a : impact.services()) services_affected += a.id() == s.id() ? 0 : 1;
    out.push_back({{"id", s.id()},
                   {"name", s.name()},
                   {"class", s.class_name()},
                   {"criticality", CriticalityText(s.criticality())},
                   {"affected", impact.affected_count()},
                   {"services_affected", services_affected},
                   {"risk_score", impact.risk().score()}});
  }
  return out;
}

Json FailureJson(const v1::AuditFailure& f, const std::string& severity) {
  return {{"rule", f.rule()},         {"severity", severity},
          {"ci_id", f.ci_id()},       {"ci_name", f.ci_name()},
          {"class", f.class_name()},  {"criticality", f.ci_criticality()},
          {"reason", f.reason()},     {"acknowledged", f.acknowledged()}};
}

Json OptionalNumber(bool has, double value) { return has ? Json(value) : Json(nullptr); }

// The report document; its keys are the contract of report_render.h.
Json StatusReportJson(const v1::StatusReport& r, Json critical_services) {
  const bool audited = r.has_audit();
  const auto& audit = r.audit();
  int64_t checked = 0, failed = 0, acknowledged = 0;
  Json rules = Json::array();
  std::map<std::string, std::string> severity_of;
  for (const auto& x : audit.results()) {
    checked += x.checked();
    failed += x.failed();
    acknowledged += x.acknowledged();
    severity_of[x.rule()] = Severity(x.severity());
    rules.push_back({{"rule", x.rule()},
                     {"category", x.category()},
                     {"kind", x.kind()},
                     {"severity", Severity(x.severity())},
                     {"checked", x.checked()},
                     {"failed", x.failed()},
                     {"acknowledged", x.acknowledged()},
                     {"compliance_percent", Percent(x.checked(), x.failed())}});
  }
  Json failures = Json::array();
  for (const auto& f : audit.failures()) failures.push_back(FailureJson(f, severity_of[f.rule()]));
  Json health = Json::array();
  for (const auto& h : audit.health()) {
    health.push_back({{"class", h.class_name()},
                      {"cis", h.cis()},
                      {"completeness", OptionalNumber(h.has_completeness(), h.completeness())},
                      {"correctness", OptionalNumber(h.has_correctness(), h.correctness())},
                      {"compliance", OptionalNumber(h.has_compliance(), h.compliance())}});
  }
  Json trend = Json::array();
  for (const auto& t : r.trend()) {
    trend.push_back({{"run_id", t.run_id()},
                     {"time", TimeText(t.time())},
                     {"checked", t.checked()},
                     {"failed", t.failed()},
                     {"compliance_percent", Percent(t.checked(), t.failed())}});
  }
  Json states = Json::array(), changes = Json::array(), types = Json::array();
  for (const auto& s : r.ci_states()) {
    states.push_back({{"class", s.class_name()}, {"status", s.status()}, {"count", s.count()}});
  }
  for (const auto& c : r.recent_changes()) {
    changes.push_back({{"class", c.class_name()}, {"operation", c.operation()}, {"count", c.count()}});
  }
  for (const auto& t : r.relationship_types()) types.push_back({{"type", t.type()}, {"count", t.count()}});
  Json by_rule = Json::array(), certificates = Json::array(), unauthorised = Json::array();
  for (const auto& x : r.risk_by_rule()) {
    by_rule.push_back({{"rule", x.rule()},
                       {"severity", Severity(x.severity())},
                       {"failed", x.failed()},
                       {"weight", static_cast<int>(x.severity())},  // LOW 1 .. CRITICAL 4
                       {"score", x.score()}});
  }
  for (const auto& f : r.expiring_certificates()) {
    certificates.push_back({{"ci_id", f.ci_id()}, {"ci_name", f.ci_name()}, {"reason", f.reason()}});
  }
  for (const auto& u : r.unauthorised_changes()) {
    unauthorised.push_back({{"changeset", u.changeset().id()},
                            {"time", TimeText(u.changeset().time())},
                            {"actor", u.changeset().actor()},
                            {"source", u.changeset().source()},
                            {"comment", u.changeset().comment()},
                            {"cis", u.cis()},
                            {"relationships", u.relationships()}});
  }
  Json run = nullptr;
  if (audited) {
    run = {{"id", audit.run().id()},
           {"category", audit.run().category()},
           {"actor", audit.run().actor()},
           {"start_time", TimeText(audit.run().start_time())},
           {"end_time", TimeText(audit.run().end_time())}};
  }
  return {{"title", "Configuration status report"},
          {"generated_at", TimeText(r.generate_time())},
          {"audit_run", std::move(run)},
          {"summary",
           {{"cis", r.cis()},
            {"relationships", r.relationships()},
            {"rules", audit.results_size()},
            {"checked", checked},
            {"failed", failed},
            {"acknowledged", acknowledged},
            {"compliance_percent", Percent(checked, failed)},
            {"risk_score", r.risk_score()},
            {"unauthorised_changes", r.unauthorised_total()},
            {"expiring_certificates", r.expiring_certificates_size()}}},
          {"ci_states", std::move(states)},
          {"recent_changes", {{"days", r.recent_days()}, {"by_class", std::move(changes)}}},
          {"relationship_types", std::move(types)},
          {"critical_services", std::move(critical_services)},
          {"rules", std::move(rules)},
          {"health", std::move(health)},
          {"trend", std::move(trend)},
          {"failures", std::move(failures)},
          {"risk",
           {{"score", r.risk_score()},
            {"formula", r.risk_formula()},
            {"by_rule", std::move(by_rule)},
            {"expiring_certificates", std::move(certificates)},
            {"unauthorised_changes", std::move(unauthorised)}}}};
}

}  // namespace

void AddAuditReportCommand(CLI::App& audit, Session& session) {
  struct Options {
    int64_t run_id = 0;
    std::string format = "json", out;
    int days = 30, failures = 100, trend = 20;
  };
  auto o = std::make_shared<Options>();
  auto* report = audit.add_subcommand(
      "report", "The configuration status report: state, relationships and impact, compliance, risk");
  report->add_option("--run", o->run_id, "Audit run (default: the latest)")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));
  report->add_option("--format", o->format, "json, csv, md or html")
      ->check(CLI::IsMember({"json", "csv", "md", "html"}))
      ->capture_default_str();
  report->add_option("--out", o->out, "Write to this file instead of stdout");
  report->add_option("--days", o->days, "Period of recent and unauthorised changes")
      ->check(CLI::Range(1, 3660))
      ->capture_default_str();
  report->add_option("--failures", o->failures, "Failures listed per rule (all are counted)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  report->add_option("--trend", o->trend, "Runs in the trend")->check(CLI::Range(1, 1000))->capture_default_str();
  report->callback([&session, o] {
    v1::GetStatusReportRequest request;
    request.set_run_id(o->run_id);
    request.set_recent_days(o->days);
    request.set_failures_per_rule(o->failures);
    request.set_trend_runs(o->trend);
    const auto status = session.client().Call(&AStub::GetStatusReport, request);
    const Json json = StatusReportJson(status, CriticalServices(session));
    std::string text;
    if (o->format == "json") {
      text = json.dump(2) + "\n";
    } else {
      const nlohmann::json doc = nlohmann::json::parse(json.dump());
      text = o->format == "csv" ? RenderReportCsv(doc)
             : o->format == "md" ? RenderReportMarkdown(doc)
                                 : RenderReportHtml(doc);
    }
    if (o->out.empty()) {
      std::cout << text;
      return;
    }
    std::ofstream file(o->out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) throw InvalidArgument("--out: cannot write " + o->out);
    std::cerr << "report written to " << o->out << " (" << text.size() << " bytes)\n";
  });
}

}  // namespace cmdbctl
