// `cmdbctl audit ...`: configuration audit rules (rule create|get|list|
// delete), audit runs (run, show, runs) and acknowledged findings (ack,
// unack, acks), audit schedules (schedule set|list|delete), the discovery
// audit (discovery); `audit report` is in
// commands_report.cc.
#include <iostream>
#include <limits>
#include <optional>

#include "cli_util.h"
#include "commands.h"
#include "json_format.h"
#include "table.h"
#include "util/enum_names.h"

namespace cmdbctl {
namespace {

using AStub = v1::AuditService::Stub;

std::string SeverityText(v1::Severity s) { return std::string(cmdb::proto_util::SeverityName(s)); }

// An unknown name never reaches here: the option checks it.
v1::Severity SeverityEnum(const std::string& s) { return cmdb::proto_util::SeverityFromName(s); }

Json RuleJson(const v1::AuditRule& r) {
  return {{"name", r.name()},
          {"category", r.category()},
          {"kind", r.kind()},
          {"class", r.class_name()},
          {"filter", r.filter()},
          {"severity", SeverityText(r.severity())},
          {"params", StructToJson(r.params(), "params")},
          {"description", r.description()},
          {"enabled", !r.disabled()},
          {"update_time", TimeText(r.update_time())},
          {"updated_by", r.updated_by()}};
}

// The shape scripts rely on: {run_id, rules: [{rule, checked, failed,
// failures: [{id, reason}]}]} (and more keys alongside).
Json ReportJson(const v1::AuditRunReport& report) {
  Json rules = Json::array();
  for (const auto& r : report.results()) {
    Json failures = Json::array();
    Json acknowledged = Json::array();
    for (const auto& f : report.failures()) {
      if (f.rule() != r.rule()) continue;
      Json one = {{"id", f.ci_id()}, {"name", f.ci_name()}, {"class", f.class_name()}, {"reason", f.reason()}};
      (f.acknowledged() ? acknowledged : failures).push_back(std::move(one));
    }
    rules.push_back({{"rule", r.rule()},
                     {"category", r.category()},
                     {"kind", r.kind()},
                     {"severity", SeverityText(r.severity())},
                     {"checked", r.checked()},
                     {"failed", r.failed()},
                     {"acknowledged", r.acknowledged()},
                     {"failures", std::move(failures)},
                     {"acknowledged_failures", std::move(acknowledged)}});
  }
  Json health = Json::array();
  for (const auto& h : report.health()) {
    auto score = [](bool has, double v) { return has ? Json(v) : Json(nullptr); };
    health.push_back({{"class", h.class_name()},
                      {"cis", h.cis()},
                      {"completeness", score(h.has_completeness(), h.completeness())},
                      {"correctness", score(h.has_correctness(), h.correctness())},
                      {"compliance", score(h.has_compliance(), h.compliance())}});
  }
  return {{"run_id", report.run().id()},
          {"category", report.run().category()},
          {"actor", report.run().actor()},
          {"start_time", TimeText(report.run().start_time())},
          {"end_time", TimeText(report.run().end_time())},
          {"rules", std::move(rules)},
          {"health", std::move(health)}};
}

void PrintReport(const Session& session, const v1::AuditRunReport& report) {
  if (session.json()) {
    PrintJson(ReportJson(report));
    return;
  }
  Table rules({"RULE", "CATEGORY", "SEVERITY", "CHECKED", "FAILED", "ACKNOWLEDGED"});
  int64_t failed = 0;
  for (const auto& r : report.results()) {
    rules.AddRow({r.rule(), r.category(), SeverityText(r.severity()), std::to_string(r.checked()),
                  std::to_string(r.failed()), std::to_string(r.acknowledged())});
    failed += r.failed();
  }
  rules.Print();
  if (report.failures_size() > 0) {
    std::cout << "\n";
    Table failures({"RULE", "CI", "NAME", "REASON", "ACK"});
    for (const auto& f : report.failures()) {
      failures.AddRow({f.rule(), f.ci_id(), f.ci_name(), f.reason(), f.acknowledged() ? "yes" : ""});
    }
    failures.Print();
  }
  std::cerr << "audit run " << report.run().id() << ": " << report.results_size() << " rules, " << failed
            << " failures\n";
}

// "key=value": the value as JSON when it reads as JSON (numbers, lists,
// true/false), else as text.
void AddParam(Json& params, const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw InvalidArgument("--param: expected KEY=VALUE, got \"" + spec + "\"");
  const std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
  Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  params[key] = parsed.is_discarded() || parsed.is_string() ? Json(value) : parsed;
}

struct RuleOptions {
  std::string name, kind, class_name, category = "general", severity = "medium", filter, description;
  std::vector<std::string> params;
  bool disabled = false;
};

void RunRuleCreate(Session& session, const RuleOptions& o) {
  v1::PutAuditRuleRequest request;
  auto* rule = request.mutable_rule();
  rule->set_name(o.name);
  rule->set_kind(o.kind);
  rule->set_class_name(o.class_name);
  rule->set_category(o.category);
  rule->set_severity(SeverityEnum(o.severity));
  rule->set_filter(o.filter);
  rule->set_description(o.description);
  rule->set_disabled(o.disabled);
  Json params = Json::object();
  for (const auto& p : o.params) AddParam(params, p);
  JsonToStruct(params, rule->mutable_params(), "--param");
  const auto saved = session.client().Call(&AStub::PutAuditRule, request);
  if (session.json()) {
    PrintJson(RuleJson(saved));
  } else {
    std::cout << "audit rule " << saved.name() << " saved\n";
  }
}

void PrintRules(const Session& session, const std::vector<v1::AuditRule>& rules) {
  if (session.json()) {
    Json json = Json::array();
    for (const auto& r : rules) json.push_back(RuleJson(r));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "CATEGORY", "KIND", "CLASS", "SEVERITY", "PARAMS", "FILTER", "ENABLED"});
  for (const auto& r : rules) {
    table.AddRow({r.name(), r.category(), r.kind(), r.class_name(), SeverityText(r.severity()),
                  StructToJson(r.params(), "params").dump(), r.filter(), r.disabled() ? "no" : "yes"});
  }
  table.Print();
}

void AddAuditRuleCommands(CLI::App& audit, Session& session) {
  auto* rule = audit.add_subcommand("rule", "Audit rules: a kind, a class and filter, a severity, parameters");
  rule->require_subcommand(1);

  auto o = std::make_shared<RuleOptions>();
  auto* create = rule->add_subcommand("create", "Create or replace an audit rule (admin)");
  create->add_option("NAME", o->name, "Rule name ([a-z0-9][a-z0-9_.-]*)")->required();
  create->add_option("--kind", o->kind,
                     "required_attribute, pattern, allowed_values, required_relationship, max_relationships, "
                     "unique_attribute, no_orphan, not_stale, no_duplicates, certificate_expiry, verified_within")
      ->required();
  create->add_option("--class", o->class_name, "The class it applies to (subclasses included)")->required();
  create->add_option("--category", o->category, "Category, e.g. completeness or compliance")->capture_default_str();
  create->add_option("--severity", o->severity, "low, medium, high or critical")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}))
      ->capture_default_str();
  create->add_option("--filter", o->filter, "AIP-160 filter narrowing the rule, as for `ci list`");
  create->add_option("--param", o->params,
                     "KEY=VALUE, repeatable: attribute=serial_number, days=30, regex=^srv-, values='[\"a\",\"b\"]'");
  create->add_option("--description", o->description, "What the rule checks, for the report");
  create->add_flag("--disabled", o->disabled, "Keep the rule but do not run it");
  create->callback([&session, o] { RunRuleCreate(session, *o); });

  auto name = std::make_shared<std::string>();
  auto* get = rule->add_subcommand("get", "Show an audit rule");
  get->add_option("NAME", *name, "Rule name")->required();
  get->callback([&session, name] {
    v1::GetAuditRuleRequest request;
    request.set_name(*name);
    const auto r = session.client().Call(&AStub::GetAuditRule, request);
    PrintRules(session, {r});
  });

  auto category = std::make_shared<std::string>();
  auto* list = rule->add_subcommand("list", "List audit rules");
  list->add_option("--category", *category, "Only this category's");
  list->callback([&session, category] {
    v1::ListAuditRulesRequest request;
    request.set_category(*category);
    const auto r = session.client().Call(&AStub::ListAuditRules, request);
    PrintRules(session, {r.rules().begin(), r.rules().end()});
  });

  auto* del = rule->add_subcommand("delete", "Delete an audit rule (admin)");
  del->add_option("NAME", *name, "Rule name")->required();
  del->callback([&session, name] {
    v1::DeleteAuditRuleRequest request;
    request.set_name(*name);
    session.client().Call(&AStub::DeleteAuditRule, request);
    if (!session.json()) std::cout << "audit rule " << *name << " deleted\n";
  });
}

struct AckOptions {
  std::string rule, ci_id, reason, expires;
};

Json AckJson(const v1::Acknowledgement& a) {
  return {{"rule", a.rule()},     {"ci_id", a.ci_id()}, {"reason", a.reason()}, {"actor", a.actor()},
          {"create_time", TimeText(a.create_time())},
          {"expire_time", a.has_expire_time() ? TimeText(a.expire_time()) : ""}};
}

void AddRunCommands(CLI::App& audit, Session& session) {
  struct RunOptions {
    std::string category;
    int failures = 1000;
    int64_t run_id = 0;
  };
  auto o = std::make_shared<RunOptions>();
  auto* run = audit.add_subcommand("run", "Run the audit now: every enabled rule, or a category's (editor)");
  run->add_option("--category", o->category, "Only this category's rules");
  run->add_option("--failures", o->failures, "Failures shown per rule (all are kept)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  run->callback([&session, o] {
    v1::RunAuditRequest request;
    request.set_category(o->category);
    request.set_failures_per_rule(o->failures);
    PrintReport(session, session.client().Call(&AStub::RunAudit, request));
  });

  auto* show = audit.add_subcommand("show", "Show a kept audit run (the latest by default)");
  show->add_option("--run", o->run_id, "Run id")->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));
  show->add_option("--failures", o->failures, "Failures shown per rule")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  show->callback([&session, o] {
    v1::GetAuditRunRequest request;
    request.set_run_id(o->run_id);
    request.set_failures_per_rule(o->failures);
    PrintReport(session, session.client().Call(&AStub::GetAuditRun, request));
  });

  auto* runs = audit.add_subcommand("runs", "List kept audit runs, newest first");
  runs->callback([&session] {
    const auto r = session.client().Call(&AStub::ListAuditRuns, v1::ListAuditRunsRequest());
    if (session.json()) {
      Json json = Json::array();
      for (const auto& run : r.runs()) {
        json.push_back({{"run_id", run.id()},
                        {"category", run.category()},
                        {"actor", run.actor()},
                        {"start_time", TimeText(run.start_time())},
                        {"end_time", TimeText(run.end_time())}});
      }
      PrintJson(json);
      return;
    }
    Table table({"RUN", "CATEGORY", "ACTOR", "STARTED", "ENDED"});
    for (const auto& run : r.runs()) {
      table.AddRow({std::to_string(run.id()), run.category().empty() ? "(all)" : run.category(), run.actor(),
                    TimeText(run.start_time()), TimeText(run.end_time())});
    }
    table.Print();
  });
}

void AddAckCommands(CLI::App& audit, Session& session) {
  auto o = std::make_shared<AckOptions>();
  auto* ack = audit.add_subcommand("ack", "Accept a finding as a risk: listed, no longer failing (editor)");
  ack->add_option("RULE", o->rule, "Rule name")->required();
  ack->add_option("CI_ID", o->ci_id, "The CI that fails it")->required();
  ack->add_option("--reason", o->reason, "Why the risk is accepted")->required();
  ack->add_option("--expires", o->expires, "Until when (RFC 3339); default: until withdrawn");
  ack->callback([&session, o] {
    v1::AcknowledgeFindingRequest request;
    auto* a = request.mutable_acknowledgement();
    a->set_rule(o->rule);
    a->set_ci_id(o->ci_id);
    a->set_reason(o->reason);
    if (!o->expires.empty()) *a->mutable_expire_time() = ParseTime(o->expires, "--expires");
    const auto saved = session.client().Call(&AStub::AcknowledgeFinding, request);
    if (session.json()) {
      PrintJson(AckJson(saved));
    } else {
      std::cout << "acknowledged " << saved.rule() << " for " << saved.ci_id() << "\n";
    }
  });

  auto* unack = audit.add_subcommand("unack", "Withdraw an acknowledgement (editor)");
  unack->add_option("RULE", o->rule, "Rule name")->required();
  unack->add_option("CI_ID", o->ci_id, "The CI")->required();
  unack->callback([&session, o] {
    v1::WithdrawAcknowledgementRequest request;
    request.set_rule(o->rule);
    request.set_ci_id(o->ci_id);
    session.client().Call(&AStub::WithdrawAcknowledgement, request);
    if (!session.json()) std::cout << "withdrawn\n";
  });

  auto* acks = audit.add_subcommand("acks", "List acknowledged findings");
  acks->add_option("--rule", o->rule, "Only this rule's");
  acks->callback([&session, o] {
    v1::ListAcknowledgementsRequest request;
    request.set_rule(o->rule);
    const auto r = session.client().Call(&AStub::ListAcknowledgements, request);
    if (session.json()) {
      Json json = Json::array();
      for (const auto& a : r.acknowledgements()) json.push_back(AckJson(a));
      PrintJson(json);
      return;
    }
    Table table({"RULE", "CI", "REASON", "BY", "SINCE", "EXPIRES"});
    for (const auto& a : r.acknowledgements()) {
      table.AddRow({a.rule(), a.ci_id(), a.reason(), a.actor(), TimeText(a.create_time()),
                    a.has_expire_time() ? TimeText(a.expire_time()) : ""});
    }
    table.Print();
  });
}

Json ScheduleJson(const v1::AuditSchedule& s) {
  google::protobuf::Duration every;
  every.set_seconds(s.interval_seconds());
  return {{"name", s.name()},
          {"category", s.category()},
          {"every", DurationText(every)},
          {"interval_seconds", s.interval_seconds()},
          {"enabled", !s.disabled()},
          {"next_run_time", TimeText(s.next_run_time())},
          {"last_run_id", s.last_run_id()},
          {"update_time", TimeText(s.update_time())},
          {"updated_by", s.updated_by()}};
}

void AddScheduleCommands(CLI::App& audit, Session& session) {
  auto* schedule = audit.add_subcommand("schedule", "Audits that run by themselves: every interval");
  schedule->require_subcommand(1);
  struct Options {
    std::string name, category, every;
    bool disabled = false;
  };
  auto o = std::make_shared<Options>();
  auto* set = schedule->add_subcommand("set", "Create or replace an audit schedule (admin)");
  set->add_option("NAME", o->name, "Schedule name")->required();
  set->add_option("--every", o->every, "Interval: 30m, 12h, 1d ... (5 minutes to 366 days)")->required();
  set->add_option("--category", o->category, "Only this category's rules (default: all)");
  set->add_flag("--disabled", o->disabled, "Keep it but do not run it");
  set->callback([&session, o] {
    v1::PutAuditScheduleRequest request;
    auto* s = request.mutable_schedule();
    s->set_name(o->name);
    s->set_category(o->category);
    s->set_interval_seconds(ParseDuration(o->every, "--every").seconds());
    s->set_disabled(o->disabled);
    const auto saved = session.client().Call(&AStub::PutAuditSchedule, request);
    if (session.json()) {
      PrintJson(ScheduleJson(saved));
    } else {
      std::cout << "audit schedule " << saved.name() << " saved; next run " << TimeText(saved.next_run_time()) << "\n";
    }
  });
  auto* list = schedule->add_subcommand("list", "List audit schedules");
  list->callback([&session] {
    const auto r = session.client().Call(&AStub::ListAuditSchedules, v1::ListAuditSchedulesRequest());
    if (session.json()) {
      Json json = Json::array();
      for (const auto& s : r.schedules()) json.push_back(ScheduleJson(s));
      PrintJson(json);
      return;
    }
    Table table({"NAME", "CATEGORY", "EVERY", "ENABLED", "NEXT RUN", "LAST RUN"});
    for (const auto& s : r.schedules()) {
      const Json j = ScheduleJson(s);
      table.AddRow({s.name(), s.category().empty() ? "(all)" : s.category(), j["every"].get<std::string>(),
                    s.disabled() ? "no" : "yes", TimeText(s.next_run_time()),
                    s.last_run_id() == 0 ? "" : std::to_string(s.last_run_id())});
    }
    table.Print();
  });
  auto* del = schedule->add_subcommand("delete", "Delete an audit schedule (admin)");
  del->add_option("NAME", o->name, "Schedule name")->required();
  del->callback([&session, o] {
    v1::DeleteAuditScheduleRequest request;
    request.set_name(o->name);
    session.client().Call(&AStub::DeleteAuditSchedule, request);
    if (!session.json()) std::cout << "audit schedule " << o->name << " deleted\n";
  });
}

Json DiscoveryAuditJson(const v1::DiscoveryAuditReport& r) {
  Json unregistered = Json::array(), missing = Json::array(), drift = Json::array();
  for (const auto& u : r.unregistered()) {
    unregistered.push_back({{"address", u.address()},
                            {"sys_name", u.sys_name()},
                            {"class", u.class_name()},
                            {"sys_object_id", u.sys_object_id()},
                            {"ci_id", u.ci_id()},
                            {"reason", u.reason()},
                            {"found_time", TimeText(u.found_time())}});
  }
  for (const auto& m : r.missing()) {
    missing.push_back({{"id", m.ci_id()},
                       {"name", m.name()},
                       {"class", m.class_name()},
                       {"address", m.address()},
                       {"reason", m.reason()},
                       {"last_seen_time", TimeOrNull(m.has_last_seen_time(), m.last_seen_time())}});
  }
  for (const auto& d : r.drift()) {
    drift.push_back({{"id", d.ci_id()},
                     {"name", d.name()},
                     {"class", d.class_name()},
                     {"field", d.field()},
                     {"recorded", ValueToJson(d.recorded(), "recorded")},
                     {"reported", ValueToJson(d.reported(), "reported")},
                     {"source", d.source()},
                     {"reported_time", TimeText(d.reported_time())}});
  }
  return {{"run_id", r.run_id()},
          {"schedule", r.schedule()},
          {"run_end_time", TimeOrNull(r.has_run_end_time(), r.run_end_time())},
          {"targets", r.targets()},
          {"unregistered_total", r.unregistered_total()},
          {"missing_total", r.missing_total()},
          {"drift_total", r.drift_total()},
          {"unregistered", std::move(unregistered)},
          {"missing", std::move(missing)},
          {"drift", std::move(drift)}};
}

void AddDiscoveryAuditCommand(CLI::App& audit, Session& session) {
  struct Options {
    std::string schedule, run;
    int limit = 1000;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand(
      "discovery", "The records against the latest complete discovery: unregistered, missing, drift");
  auto* schedule = cmd->add_option("--schedule", o->schedule, "Of this schedule's latest complete run");
  cmd->add_option("--run", o->run, "Of this run")->excludes(schedule);
  cmd->add_option("--limit", o->limit, "Findings listed of each kind")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->callback([&session, o] {
    v1::AuditDiscoveryRequest request;
    request.set_schedule(o->schedule);
    request.set_run_id(o->run);
    request.set_limit(o->limit);
    const auto r = session.client().Call(&AStub::AuditDiscovery, request);
    if (session.json()) {
      PrintJson(DiscoveryAuditJson(r));
      return;
    }
    std::cout << "discovery run " << r.run_id() << (r.schedule().empty() ? "" : " of " + r.schedule()) << ", "
              << r.targets() << " targets\n\nunregistered (" << r.unregistered_total() << "):\n";
    Table unregistered({"ADDRESS", "SYS NAME", "CLASS", "REASON"});
    for (const auto& u : r.unregistered()) unregistered.AddRow({u.address(), u.sys_name(), u.class_name(), u.reason()});
    unregistered.Print();
    std::cout << "\nmissing (" << r.missing_total() << "):\n";
    Table missing({"CI", "NAME", "CLASS", "ADDRESS", "REASON"});
    for (const auto& m : r.missing()) missing.AddRow({m.ci_id(), m.name(), m.class_name(), m.address(), m.reason()});
    missing.Print();
    std::cout << "\ndrift (" << r.drift_total() << "):\n";
    Table drift({"CI", "NAME", "FIELD", "RECORDED", "REPORTED", "SOURCE", "REPORTED AT"});
    for (const auto& d : r.drift()) {
      drift.AddRow({d.ci_id(), d.name(), d.field(), CellText(ValueToJson(d.recorded(), "recorded")),
                    CellText(ValueToJson(d.reported(), "reported")), d.source(), TimeText(d.reported_time())});
    }
    drift.Print();
  });
}

}  // namespace

void AddAuditCommands(CLI::App& app, Session& session) {
  auto* audit = app.add_subcommand("audit", "Configuration audit: rules, runs and acknowledged findings");
  audit->require_subcommand(1);
  AddAuditRuleCommands(*audit, session);
  AddRunCommands(*audit, session);
  AddAckCommands(*audit, session);
  AddScheduleCommands(*audit, session);
  AddDiscoveryAuditCommand(*audit, session);
  AddAuditReportCommand(*audit, session);
}

}  // namespace cmdbctl
