// `cmdbctl impact`, `cmdbctl rootcause`, `cmdbctl record ...` and
// `cmdbctl impact-rules ...`: the cmdb.v1.ImpactService
// (cmdb/v1/impact.proto). What breaks if CIs go down, are degraded or
// change (as a table, JSON, or a Graphviz picture: impact_dot.h); which
// single failure best explains a set of alarming CIs; the external change,
// incident and problem records linked to CIs; and the propagation rules.
//
// JSON shapes (-o json):
//   impact     {"roots", "scenario", "as_of", "affected_count", "truncated",
//               "risk": {"score", "level", "formula", "terms"},
//               "totals": [{"class", "down", "degraded"}],
//               "services": [{"id", "name", "class", "criticality", "state",
//                             "distance", "via_id", "via_relationship_type"}],
//               "affected": [{"id", "name", "class", "criticality", "state",
//                             "distance", "root", "via_id",
//                             "via_relationship_type", "redundancy",
//                             "path": [{"id", "relationship_type",
//                                       "relationship_id"}]}]}
//              state is "down" or "degraded"; path runs root first, this CI
//              last (the root's step has an empty relationship_type).
//   rootcause  [{"id", "name", "class", "explains", "explained",
//                "unexplained", "silent_affected", "recent_changes",
//                "open_incidents", "explanation"}], best first.
//   record     {"system", "kind", "key", "title", "url", "state", "ci_ids",
//               "create_time", "update_time"}; `record list` a list of them.
//   impact-rules get
//              {"relationship_types": [{"type", "direction", "effect"}],
//               "classes": [{"class", "min_up", "min_up_percent", "types"}],
//               "cis": [{"ci_id", "min_up", "min_up_percent", "types"}]}
//   set-type, set-class and set-ci print the one entry they set.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <iostream>
#include <map>

#include "calls.h"
#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "impact_dot.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using IStub = v1::ImpactService::Stub;

// --- Enum words --------------------------------------------------------------


// The value for a word (case-insensitive); throws an INVALID_ARGUMENT Error
// naming `flag` and the accepted words otherwise.
int Number(const google::protobuf::EnumDescriptor* d, const std::string& word, const std::string& flag) {
  const std::string& zero = d->FindValueByNumber(0)->name();
  std::string name = zero.substr(0, zero.size() - std::string("UNSPECIFIED").size());
  for (char c : word) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto* value = d->FindValueByName(name);
  if (value != nullptr && value->number() != 0) return value->number();
  std::string words;
  for (int i = 0; i < d->value_count(); ++i) {
    if (d->value(i)->number() != 0) words += (words.empty() ? "" : ", ") + EnumValueWord(d, d->value(i)->number());
  }
  throw InvalidArgument(flag + ": unknown value \"" + word + "\" (expected one of: " + words + ")");
}

std::string StateText(v1::ImpactState state) { return EnumValueWord(v1::ImpactState_descriptor(), state); }
std::string EffectText(v1::ImpactEffect effect) { return EnumValueWord(v1::ImpactEffect_descriptor(), effect); }

v1::ImpactScenario ParseScenario(const std::string& word) {
  return static_cast<v1::ImpactScenario>(Number(v1::ImpactScenario_descriptor(), word, "--scenario"));
}
v1::ImpactEffect ParseEffect(const std::string& word) {
  return static_cast<v1::ImpactEffect>(Number(v1::ImpactEffect_descriptor(), word, "--effect"));
}

// --- Shared ------------------------------------------------------------------

// A number as JSON: whole numbers without ".0".
Json NumberJson(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return static_cast<int64_t>(value);
  }
  return value;
}

// "12", or "12.5" with no trailing zeros.
std::string NumberText(double value) { return NumberJson(value).dump(); }

// --- impact ------------------------------------------------------------------

Json PathJson(const v1::AffectedCi& ci) {
  Json path = Json::array();
  for (const auto& step : ci.path()) {
    path.push_back({{"id", step.ci_id()},
                    {"relationship_type", step.relationship_type()},
                    {"relationship_id", step.relationship_id()}});
  }
  return path;
}

Json AffectedJson(const v1::AffectedCi& ci) {
  return {{"id", ci.id()},
          {"name", ci.name()},
          {"class", ci.class_name()},
          {"criticality", CriticalityText(ci.criticality())},
          {"state", StateText(ci.state())},
          {"distance", ci.distance()},
          {"root", ci.root()},
          {"via_id", ci.via_id()},
          {"via_relationship_type", ci.via_relationship_type()},
          {"redundancy", ci.redundancy()},
          {"path", PathJson(ci)}};
}

Json ServiceJson(const v1::AffectedCi& ci) {
  return {{"id", ci.id()},
          {"name", ci.name()},
          {"class", ci.class_name()},
          {"criticality", CriticalityText(ci.criticality())},
          {"state", StateText(ci.state())},
          {"distance", ci.distance()},
          {"via_id", ci.via_id()},
          {"via_relationship_type", ci.via_relationship_type()}};
}

Json RiskJson(const v1::RiskScore& risk) {
  std::map<std::string, double> sorted(risk.terms().begin(), risk.terms().end());
  Json terms = Json::object();
  for (const auto& [name, value] : sorted) terms[name] = NumberJson(value);
  return {{"score", risk.score()}, {"level", risk.level()}, {"formula", risk.formula()}, {"terms", terms}};
}

Json ImpactJson(const v1::AnalyzeImpactResponse& r, const std::string& scenario) {
  Json totals = Json::array();
  for (const auto& t : r.totals()) {
    totals.push_back({{"class", t.class_name()}, {"down", t.down()}, {"degraded", t.degraded()}});
  }
  Json services = Json::array();
  for (const auto& s : r.services()) services.push_back(ServiceJson(s));
  Json affected = Json::array();
  for (const auto& ci : r.affected()) affected.push_back(AffectedJson(ci));
  return {{"roots", Strings(r.root_ids())},
          {"scenario", scenario},
          {"as_of", r.has_as_of() ? Json(TimeText(r.as_of())) : Json(nullptr)},
          {"affected_count", r.affected_count()},
          {"truncated", r.truncated()},
          {"risk", RiskJson(r.risk())},
          {"totals", totals},
          {"services", services},
          {"affected", affected}};
}

// The summary under the table: counts, services, risk.
void PrintImpactSummary(const v1::AnalyzeImpactResponse& r) {
  int down = 0, degraded = 0;
  for (const auto& t : r.totals()) {
    down += t.down();
    degraded += t.degraded();
  }
  std::cout << r.affected_count() << " affected (" << down << " down, " << degraded << " degraded) in "
            << r.totals_size() << (r.totals_size() == 1 ? " class" : " classes") << "; " << r.services_size()
            << (r.services_size() == 1 ? " business service" : " business services") << "; risk " << r.risk().score()
            << "/100" << (r.risk().level().empty() ? "" : " " + r.risk().level());
  if (r.truncated()) std::cout << "; showing the nearest " << r.affected_size() << " (--max)";
  std::cout << "\n";
  if (!r.risk().formula().empty()) {
    std::map<std::string, double> sorted(r.risk().terms().begin(), r.risk().terms().end());
    std::string terms;
    for (const auto& [name, value] : sorted) terms += (terms.empty() ? "" : ", ") + name + "=" + NumberText(value);
    std::cout << "risk: " << r.risk().formula() << (terms.empty() ? "" : " (" + terms + ")") << "\n";
  }
}

void PrintImpactTable(const v1::AnalyzeImpactResponse& r) {
  std::map<std::string, std::string> names;
  for (const auto& ci : r.affected()) names[ci.id()] = ci.name();
  for (const auto& ci : r.services()) names.emplace(ci.id(), ci.name());
  const auto via = [&names](const v1::AffectedCi& ci) -> std::string {
    if (ci.root()) return "(root)";
    auto it = names.find(ci.via_id());
    return (it == names.end() ? ci.via_id() : it->second) + " [" + ci.via_relationship_type() + "]";
  };
  Table table({"STATE", "DIST", "CLASS", "NAME", "ID", "VIA", "REDUNDANCY"});
  for (const auto& ci : r.affected()) {
    table.AddRow({StateText(ci.state()), std::to_string(ci.distance()), ci.class_name(), ci.name(), ci.id(), via(ci),
                  ci.redundancy()});
  }
  table.Print();
  if (r.services_size() > 0) {
    std::cout << "\nbusiness services:\n";
    Table services({"STATE", "CRITICALITY", "NAME", "ID", "DIST"});
    for (const auto& s : r.services()) {
      services.AddRow(
          {StateText(s.state()), CriticalityText(s.criticality()), s.name(), s.id(), std::to_string(s.distance())});
    }
    services.Print();
  }
  std::cout << "\n";
  PrintImpactSummary(r);
}

struct ImpactOptions {
  std::vector<std::string> ids, types, stop_classes;
  std::string change, system, scenario = "outage", as_of;
  int depth = 0, max = 0, collapse_above = 60;
};

void RunImpact(Session& session, const ImpactOptions& o) {
  if (o.ids.empty() && o.change.empty()) throw CLI::ValidationError("ID", "give CI ids, --change KEY, or both");
  if (!o.system.empty() && o.change.empty()) throw CLI::ValidationError("--system", "--system needs --change");
  v1::AnalyzeImpactRequest request;
  for (const auto& id : o.ids) request.add_ci_ids(id);
  if (!o.change.empty()) {
    request.mutable_change()->set_system(o.system);
    request.mutable_change()->set_kind("change");
    request.mutable_change()->set_key(o.change);
  }
  request.set_scenario(ParseScenario(o.scenario));
  request.set_max_depth(o.depth);
  for (const auto& t : o.types) request.add_relationship_types(t);
  for (const auto& c : o.stop_classes) request.add_stop_classes(c);
  if (!o.as_of.empty()) *request.mutable_as_of() = ParseTime(o.as_of, "--as-of");
  request.set_include_paths(session.output != "table");
  request.set_max_results(o.max);
  const auto response = session.client().Call(&IStub::AnalyzeImpact, request);
  const std::string scenario = EnumValueWord(v1::ImpactScenario_descriptor(), request.scenario());
  if (session.output == "json") {
    PrintJson(ImpactJson(response, scenario));
    return;
  }
  if (session.output == "dot" || session.output == "svg") {
    DotOptions dot;
    dot.scenario = scenario;
    if (!o.change.empty()) dot.subject = "change " + (o.system.empty() ? "" : o.system + " ") + o.change;
    dot.collapse_above = o.collapse_above;
    const std::string text = ImpactDot(response, dot);
    std::cout << (session.output == "dot" ? text : RenderSvg(text));
    return;
  }
  PrintImpactTable(response);
}

void AddImpact(CLI::App& app, Session& session) {
  auto o = std::make_shared<ImpactOptions>();
  auto* cmd = app.add_subcommand("impact", "What breaks if CIs go down, are degraded or change (blast radius)");
  cmd->add_option("ID", o->ids, "Root CI ids");
  cmd->add_option("--change", o->change, "Analyse the CIs linked to this change record (its key)");
  cmd->add_option("--system", o->system, "The change record's system (needed when several have that key)");
  cmd->add_option("--scenario", o->scenario, "outage (roots down), degraded, or change (what a failed change breaks)")
      ->capture_default_str();
  cmd->add_option("--depth", o->depth, "At most this many hops from a root (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--as-of", o->as_of, "The estate as it was at this time (RFC 3339)")->check(kRfc3339);
  cmd->add_option("--type", o->types, "Follow only this relationship type (repeatable)")->allow_extra_args(false);
  cmd->add_option("--stop-class", o->stop_classes, "CIs of this class are affected but pass nothing on (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--max", o->max, "At most this many affected CIs, nearest first (0: all; counts cover all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--collapse-above", o->collapse_above,
                  "dot/svg: above this many CIs, fold the farther ones by class and state (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  // -o here too, for the picture formats the global -o does not know.
  cmd->add_option("-o,--output", session.output,
                  "table, json, dot (Graphviz source) or svg (drawn by Graphviz's `dot`)")
      ->check(CLI::IsMember({"table", "json", "dot", "svg"}));
  cmd->callback([&session, o] { RunImpact(session, *o); });
}

// --- rootcause ---------------------------------------------------------------

Json CandidateJson(const v1::RootCauseCandidate& c) {
  return {{"id", c.id()},
          {"name", c.name()},
          {"class", c.class_name()},
          {"explains", c.explains()},
          {"explained", Strings(c.explained_ids())},
          {"unexplained", Strings(c.unexplained_ids())},
          {"silent_affected", c.silent_affected()},
          {"recent_changes", Strings(c.recent_changes())},
          {"open_incidents", Strings(c.open_incidents())},
          {"explanation", c.explanation()}};
}

struct RootCauseOptions {
  std::vector<std::string> ids, types;
  bool incidents = false;
  std::string since, until;
  int depth = 0, max = 0;
};

void RunRootCause(Session& session, const RootCauseOptions& o) {
  if (o.ids.empty() && !o.incidents) throw CLI::ValidationError("ID", "give the alarming CI ids, --incidents, or both");
  v1::SuggestRootCauseRequest request;
  for (const auto& id : o.ids) request.add_ci_ids(id);
  request.set_include_open_incidents(o.incidents);
  if (!o.since.empty()) *request.mutable_window_start() = ParseTime(o.since, "--since");
  if (!o.until.empty()) *request.mutable_window_end() = ParseTime(o.until, "--until");
  request.set_max_depth(o.depth);
  for (const auto& t : o.types) request.add_relationship_types(t);
  request.set_max_candidates(o.max);
  const auto response = session.client().Call(&IStub::SuggestRootCause, request);
  if (session.json()) {
    Json json = Json::array();
    for (const auto& c : response.candidates()) json.push_back(CandidateJson(c));
    PrintJson(json);
    return;
  }
  const int alarms = response.alarm_ids_size();
  Table table({"#", "EXPLAINS", "SILENT", "CLASS", "NAME", "ID", "EVIDENCE", "EXPLANATION"});
  int rank = 0;
  for (const auto& c : response.candidates()) {
    std::string evidence = Joined(c.recent_changes(), ", ");
    const std::string incidents = Joined(c.open_incidents(), ", ");
    if (!incidents.empty()) evidence += (evidence.empty() ? "" : "; ") + incidents;
    table.AddRow({std::to_string(++rank), std::to_string(c.explains()) + "/" + std::to_string(alarms),
                  std::to_string(c.silent_affected()), c.class_name(), c.name(), c.id(), evidence, c.explanation()});
  }
  table.Print();
  std::cout << "\n" << alarms << (alarms == 1 ? " alarming CI" : " alarming CIs");
  if (!response.ranking().empty()) std::cout << "; ranking: " << response.ranking();
  std::cout << "\n";
}

void AddRootCause(CLI::App& app, Session& session) {
  auto o = std::make_shared<RootCauseOptions>();
  auto* cmd = app.add_subcommand("rootcause", "Which single failure best explains the alarming CIs, best first");
  cmd->add_option("ID", o->ids, "Alarming CI ids");
  cmd->add_flag("--incidents", o->incidents, "Also count the CIs of open incidents (in --since/--until) as alarming");
  cmd->add_option("--since", o->since, "Window start: incidents open and changes ended after it (RFC 3339)")
      ->check(kRfc3339);
  cmd->add_option("--until", o->until, "Window end (RFC 3339)")->check(kRfc3339);
  cmd->add_option("--depth", o->depth, "At most this many hops from a candidate (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--type", o->types, "Follow only this relationship type (repeatable)")->allow_extra_args(false);
  cmd->add_option("--max", o->max, "At most this many candidates (0: the server's default, 10)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&session, o] { RunRootCause(session, *o); });
}

// --- record ------------------------------------------------------------------

Json RecordJson(const v1::ExternalRecord& r) {
  const auto time = [](bool has, const google::protobuf::Timestamp& t) {
    return has ? Json(TimeText(t)) : Json(nullptr);
  };
  return {{"system", r.system()},
          {"kind", r.kind()},
          {"key", r.key()},
          {"title", r.title()},
          {"url", r.url()},
          {"state", r.state()},
          {"ci_ids", Strings(r.ci_ids())},
          {"create_time", time(r.has_create_time(), r.create_time())},
          {"update_time", time(r.has_update_time(), r.update_time())}};
}

void PrintRecord(const Session& session, const v1::ExternalRecord& r) {
  if (session.json()) {
    PrintJson(RecordJson(r));
    return;
  }
  PrintKeyValues({{"system", r.system()},
                  {"kind", r.kind()},
                  {"key", r.key()},
                  {"title", r.title()},
                  {"url", r.url()},
                  {"state", r.state()},
                  {"cis", Joined(r.ci_ids(), ", ")},
                  {"created", r.has_create_time() ? TimeText(r.create_time()) : ""},
                  {"updated", r.has_update_time() ? TimeText(r.update_time()) : ""}});
}

struct RecordOptions {
  std::string system, kind, key, title, url, state, ci;
  std::vector<std::string> cis;
};

// --system, --kind and --key of get and delete.
void AddRefOptions(CLI::App* cmd, RecordOptions* o) {
  cmd->add_option("--system", o->system, "The record's system (may be left out when only one has the key)");
  cmd->add_option("--kind", o->kind, "change, incident or problem")->required();
  cmd->add_option("--key", o->key, "The record's key in its system, e.g. CHG0031337")->required();
}

v1::ExternalRecordRef Ref(const RecordOptions& o) {
  v1::ExternalRecordRef ref;
  ref.set_system(o.system);
  ref.set_kind(o.kind);
  ref.set_key(o.key);
  return ref;
}

void RunRecordPut(Session& session, const RecordOptions& o) {
  v1::PutExternalRecordRequest request;
  auto* r = request.mutable_record();
  r->set_system(o.system);
  r->set_kind(o.kind);
  r->set_key(o.key);
  r->set_title(o.title);
  r->set_url(o.url);
  r->set_state(o.state);
  for (const auto& id : o.cis) r->add_ci_ids(id);
  PrintRecord(session, session.client().Call(&IStub::PutExternalRecord, request));
}

void RunRecordGet(Session& session, const RecordOptions& o) {
  v1::GetExternalRecordRequest request;
  *request.mutable_ref() = Ref(o);
  PrintRecord(session, session.client().Call(&IStub::GetExternalRecord, request));
}

void RunRecordList(Session& session, const RecordOptions& o) {
  v1::ListExternalRecordsRequest request;
  request.set_ci_id(o.ci);
  request.set_kind(o.kind);
  request.set_state(o.state);
  const std::vector<v1::ExternalRecord> records = AllPages(
      request,
      [&](const v1::ListExternalRecordsRequest& r) { return session.client().Call(&IStub::ListExternalRecords, r); },
      [](const v1::ListExternalRecordsResponse& page) -> const auto& { return page.records(); });
  if (session.json()) {
    Json json = Json::array();
    for (const auto& r : records) json.push_back(RecordJson(r));
    PrintJson(json);
    return;
  }
  Table table({"SYSTEM", "KIND", "KEY", "STATE", "CIS", "TITLE"});
  for (const auto& r : records) {
    table.AddRow({r.system(), r.kind(), r.key(), r.state(), std::to_string(r.ci_ids_size()), r.title()});
  }
  table.Print();
}

void RunRecordDelete(Session& session, const RecordOptions& o) {
  v1::DeleteExternalRecordRequest request;
  *request.mutable_ref() = Ref(o);
  session.client().Call(&IStub::DeleteExternalRecord, request);
  std::cerr << "deleted record " << (o.system.empty() ? "" : o.system + " ") << o.kind << " " << o.key << "\n";
}

void AddRecord(CLI::App& app, Session& session) {
  auto* record = app.add_subcommand("record", "Change, incident and problem records of other tools, linked to CIs");
  record->require_subcommand(1);

  auto put = std::make_shared<RecordOptions>();
  auto* cmd = record->add_subcommand("put", "Create or replace a record with the full set of CIs it is linked to");
  cmd->add_option("--system", put->system, "The tool it lives in, e.g. servicenow or jira")->required();
  cmd->add_option("--kind", put->kind, "change, incident or problem")->required();
  cmd->add_option("--key", put->key, "Its key in that tool, e.g. CHG0031337")->required();
  cmd->add_option("--title", put->title, "Title");
  cmd->add_option("--url", put->url, "Link to it (http or https)");
  cmd->add_option("--state", put->state,
                  "State in the tool's words; \"failed\" marks a failed change, resolved/closed/... a closed record");
  cmd->add_option("--ci", put->cis, "A CI it is linked to (repeatable)")->allow_extra_args(false);
  cmd->callback([&session, put] { RunRecordPut(session, *put); });

  auto get = std::make_shared<RecordOptions>();
  cmd = record->add_subcommand("get", "Show a record");
  AddRefOptions(cmd, get.get());
  cmd->callback([&session, get] { RunRecordGet(session, *get); });

  auto list = std::make_shared<RecordOptions>();
  cmd = record->add_subcommand("list", "List records: of a CI, of a kind, in a state, or all");
  cmd->add_option("--ci", list->ci, "Only records linked to this CI");
  cmd->add_option("--kind", list->kind, "Only this kind: change, incident or problem");
  cmd->add_option("--state", list->state, "Only this state (\"open\": every record not closed)");
  cmd->callback([&session, list] { RunRecordList(session, *list); });

  auto del = std::make_shared<RecordOptions>();
  cmd = record->add_subcommand("delete", "Delete a record (the CIs stay)");
  AddRefOptions(cmd, del.get());
  cmd->callback([&session, del] { RunRecordDelete(session, *del); });
}

// --- impact-rules ------------------------------------------------------------

Json PropagationJson(const v1::RelationshipPropagation& p) {
  return {
      {"type", p.relationship_type()}, {"direction", ImpactText(p.direction())}, {"effect", EffectText(p.effect())}};
}

// {"min_up", "min_up_percent", "types"} after `head`.
Json RedundancyJson(Json head, const v1::RedundancyRule& rule) {
  head["min_up"] = rule.min_up();
  head["min_up_percent"] = rule.min_up_percent();
  head["types"] = Strings(rule.relationship_types());
  return head;
}

Json ClassRedundancyJson(const v1::ClassRedundancy& c) { return RedundancyJson({{"class", c.class_name()}}, c.rule()); }
Json CiRedundancyJson(const v1::CiRedundancy& c) { return RedundancyJson({{"ci_id", c.ci_id()}}, c.rule()); }

// "needs 2", "needs 50%", or "none"; with the types it counts.
std::string RedundancyText(const v1::RedundancyRule& rule) {
  std::string text;
  if (rule.min_up() > 0) {
    text = "needs " + std::to_string(rule.min_up()) + " up";
  } else if (rule.min_up_percent() > 0) {
    text = "needs " + std::to_string(rule.min_up_percent()) + "% up";
  } else {
    return "none";
  }
  return text + " of " + (rule.relationship_types().empty() ? "all inputs" : Joined(rule.relationship_types(), ", "));
}

void RunRulesGet(Session& session) {
  const auto rules = session.client().Call(&IStub::GetPropagationRules, v1::GetPropagationRulesRequest());
  if (session.json()) {
    Json types = Json::array(), classes = Json::array(), cis = Json::array();
    for (const auto& t : rules.relationship_types()) types.push_back(PropagationJson(t));
    for (const auto& c : rules.classes()) classes.push_back(ClassRedundancyJson(c));
    for (const auto& c : rules.cis()) cis.push_back(CiRedundancyJson(c));
    PrintJson({{"relationship_types", types}, {"classes", classes}, {"cis", cis}});
    return;
  }
  Table types({"TYPE", "DIRECTION", "EFFECT"});
  for (const auto& t : rules.relationship_types()) {
    types.AddRow({t.relationship_type(), ImpactText(t.direction()), EffectText(t.effect())});
  }
  types.Print();
  std::cout << "\n";
  Table redundancy({"CLASS/CI", "RULE"});
  for (const auto& c : rules.classes()) redundancy.AddRow({"class " + c.class_name(), RedundancyText(c.rule())});
  for (const auto& c : rules.cis()) redundancy.AddRow({"ci " + c.ci_id(), RedundancyText(c.rule())});
  redundancy.Print();
}

struct SetTypeOptions {
  std::string type, direction, effect;
};

void RunSetType(Session& session, const SetTypeOptions& o) {
  if (o.direction.empty() && o.effect.empty()) {
    throw CLI::ValidationError("--direction", "give --direction, --effect or both");
  }
  v1::SetRelationshipPropagationRequest request;
  auto* p = request.mutable_propagation();
  p->set_relationship_type(o.type);
  if (!o.direction.empty()) p->set_direction(ParseImpact(o.direction, "--direction"));
  if (!o.effect.empty()) p->set_effect(ParseEffect(o.effect));
  if (o.direction.empty() || o.effect.empty()) {  // keep the other as it is
    const auto rules = session.client().Call(&IStub::GetPropagationRules, v1::GetPropagationRulesRequest());
    for (const auto& current : rules.relationship_types()) {
      if (current.relationship_type() != o.type) continue;
      if (o.direction.empty()) p->set_direction(current.direction());
      if (o.effect.empty()) p->set_effect(current.effect());
    }
  }
  const auto set = session.client().Call(&IStub::SetRelationshipPropagation, request);
  if (session.json()) {
    PrintJson(PropagationJson(set));
    return;
  }
  PrintKeyValues({{"type", set.relationship_type()},
                  {"direction", ImpactText(set.direction())},
                  {"effect", EffectText(set.effect())}});
}

struct SetRedundancyOptions {
  std::string target;  // class name or CI id
  int min_up = 0, min_up_percent = 0;
  std::vector<std::string> types;
  bool clear = false;
};

v1::RedundancyRule RuleOf(const SetRedundancyOptions& o) {
  if (!o.clear && o.min_up == 0 && o.min_up_percent == 0) {
    throw CLI::ValidationError("--min-up", "give --min-up N, --min-up-percent P or --clear");
  }
  v1::RedundancyRule rule;
  rule.set_min_up(o.min_up);
  rule.set_min_up_percent(o.min_up_percent);
  for (const auto& t : o.types) rule.add_relationship_types(t);
  return rule;
}

void RunSetClass(Session& session, const SetRedundancyOptions& o) {
  v1::SetClassRedundancyRequest request;
  request.set_class_name(o.target);
  *request.mutable_rule() = RuleOf(o);
  const auto set = session.client().Call(&IStub::SetClassRedundancy, request);
  if (o.clear) std::cerr << "cleared the redundancy rule of class " << o.target << "\n";
  if (session.json()) {
    PrintJson(ClassRedundancyJson(set));
    return;
  }
  PrintKeyValues({{"class", set.class_name()}, {"rule", RedundancyText(set.rule())}});
}

void RunSetCi(Session& session, const SetRedundancyOptions& o) {
  v1::SetCiRedundancyRequest request;
  request.set_ci_id(o.target);
  *request.mutable_rule() = RuleOf(o);
  const auto set = session.client().Call(&IStub::SetCiRedundancy, request);
  if (o.clear) std::cerr << "cleared the redundancy rule of CI " << o.target << "\n";
  if (session.json()) {
    PrintJson(CiRedundancyJson(set));
    return;
  }
  PrintKeyValues({{"ci_id", set.ci_id()}, {"rule", RedundancyText(set.rule())}});
}

// CLASS|ID (--min-up N | --min-up-percent P) [--type T]... | --clear
void AddRedundancyOptions(CLI::App* cmd, SetRedundancyOptions* o, const std::string& target_help) {
  cmd->add_option(target_help.substr(0, target_help.find(' ')), o->target, target_help)->required();
  auto* min_up =
      cmd->add_option("--min-up", o->min_up, "Needs at least N of its inputs up")->check(CLI::PositiveNumber);
  auto* percent = cmd->add_option("--min-up-percent", o->min_up_percent, "Needs at least P% of its inputs up")
                      ->check(CLI::Range(1, 100));
  auto* types = cmd->add_option("--type", o->types, "Count only inputs over this relationship type (repeatable)")
                    ->allow_extra_args(false);
  auto* clear = cmd->add_flag("--clear", o->clear, "Remove the rule");
  min_up->excludes(percent);
  clear->excludes(min_up)->excludes(percent)->excludes(types);
}

void AddRules(CLI::App& app, Session& session) {
  auto* rules = app.add_subcommand("impact-rules", "How impact propagates: relationship types and redundancy");
  rules->require_subcommand(1);
  rules->add_subcommand("get", "Show the propagation rules")->callback([&session] { RunRulesGet(session); });

  auto type = std::make_shared<SetTypeOptions>();
  auto* cmd = rules->add_subcommand("set-type", "Set how impact flows over a relationship type (admin)");
  cmd->add_option("TYPE", type->type, "Relationship type, e.g. connected_to")->required();
  cmd->add_option("--direction", type->direction, "target_to_source, source_to_target, both or none");
  cmd->add_option("--effect", type->effect, "What the dependant becomes when its input is down: down or degraded");
  cmd->callback([&session, type] { RunSetType(session, *type); });

  auto cls = std::make_shared<SetRedundancyOptions>();
  cmd = rules->add_subcommand("set-class", "Set or clear a class's default redundancy rule (admin)");
  AddRedundancyOptions(cmd, cls.get(), "CLASS (its subclasses without a rule of their own follow it)");
  cmd->callback([&session, cls] { RunSetClass(session, *cls); });

  auto ci = std::make_shared<SetRedundancyOptions>();
  cmd = rules->add_subcommand("set-ci", "Set or clear one CI's redundancy rule");
  AddRedundancyOptions(cmd, ci.get(), "ID of the CI");
  cmd->callback([&session, ci] { RunSetCi(session, *ci); });
}

}  // namespace

void AddImpactCommands(CLI::App& app, Session& session) {
  AddImpact(app, session);
  AddRootCause(app, session);
  AddRecord(app, session);
  AddRules(app, session);
}

}  // namespace cmdbctl
