// `cmdbctl ident ...` and `cmdbctl recrule ...`: the rules that drive
// reconciliation. Identification rules say which attributes identify a CI
// of a class; reconciliation rules say which sources may write a field.
#include <iostream>
#include <sstream>

#include "cli_util.h"
#include "commands.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using RStub = v1::ReconciliationService::Stub;

// --- ident get / set -----------------------------------------------------

constexpr char kWithinParent[] = "@parent";

// "FIELD[+FIELD...][@parent]", e.g. "management_ip+name" or "if_name@parent".
v1::IdentifierSet ParseIdentifierSet(const std::string& text) {
  v1::IdentifierSet set;
  std::string fields = text;
  const size_t suffix = fields.find('@');
  if (suffix != std::string::npos) {
    if (fields.substr(suffix) != kWithinParent) {
      throw InvalidArgument("\"" + text + "\": the only suffix is @parent (match within the same parent)");
    }
    set.set_within_parent(true);
    fields.resize(suffix);
  }
  std::istringstream in(fields);
  for (std::string field; std::getline(in, field, '+');) {
    if (field.empty()) throw InvalidArgument("\"" + text + "\": expected FIELD[+FIELD...][@parent]");
    set.add_attributes(field);
  }
  if (set.attributes().empty() || fields.back() == '+') {
    throw InvalidArgument("\"" + text + "\": expected FIELD[+FIELD...][@parent]");
  }
  return set;
}

std::string IdentifierSetText(const v1::IdentifierSet& set) {
  return Joined(set.attributes(), "+") + (set.within_parent() ? kWithinParent : "");
}

const CLI::Validator kIdentifierSet = Checking("FIELD[+FIELD...][@parent]", ParseIdentifierSet);

void PrintRules(const Session& session, const v1::IdentificationRules& rules) {
  if (session.json()) {
    PrintJson(IdentificationRulesJson(rules));
    return;
  }
  PrintKeyValues({{"class", rules.class_name()},
                  {"inherited_from", rules.inherited_from().empty() ? "(own rules)" : rules.inherited_from()}});
  std::cout << "\n";
  Table table({"SET", "IDENTIFIER"});  // as --set takes it
  for (int i = 0; i < rules.sets_size(); ++i) table.AddRow({std::to_string(i + 1), IdentifierSetText(rules.sets(i))});
  table.Print();
}

struct IdentSetOptions {
  std::string class_name;
  std::vector<std::string> sets;
  bool inherit = false;
};

void RunIdentSet(Session& session, const IdentSetOptions& o) {
  if (o.sets.empty() && !o.inherit) throw CLI::ValidationError("--set", "give --set (repeatable) or --inherit");
  v1::SetIdentificationRulesRequest request;
  request.set_class_name(o.class_name);
  for (const auto& text : o.sets) *request.add_sets() = ParseIdentifierSet(text);
  PrintRules(session, session.client().Call(&RStub::SetIdentificationRules, request));
}

void AddIdentCommands(CLI::App& app, Session& session) {
  auto* ident = app.add_subcommand("ident", "Identification rules: the attributes that identify a CI of a class");
  ident->require_subcommand(1);

  auto class_name = std::make_shared<std::string>();
  auto* get = ident->add_subcommand("get", "Show the identifier sets of a class, tried in order");
  get->add_option("CLASS", *class_name, "Class name")->required();
  get->callback([&session, class_name] {
    v1::GetIdentificationRulesRequest request;
    request.set_class_name(*class_name);
    PrintRules(session, session.client().Call(&RStub::GetIdentificationRules, request));
  });

  auto o = std::make_shared<IdentSetOptions>();
  auto* set = ident->add_subcommand("set", "Replace a class's own identifier sets (admin)");
  set->add_option("CLASS", o->class_name, "Class name")->required();
  auto* sets = set->add_option("--set", o->sets,
                               "One identifier set, FIELD[+FIELD...][@parent], e.g. serial_number, "
                               "management_ip+name, if_name@parent (repeatable, tried in the order given)")
                   ->allow_extra_args(false)
                   ->check(kIdentifierSet);
  set->add_flag("--inherit", o->inherit, "Drop the class's own sets: inherit its parent class's again")->excludes(sets);
  set->callback([&session, o] { RunIdentSet(session, *o); });
}

// --- recrule list / set / delete -----------------------------------------

void PrintRuleList(const Session& session, const v1::ListReconciliationRulesResponse& response) {
  if (session.json()) {
    Json json = Json::array();
    for (const auto& rule : response.rules()) json.push_back(ReconciliationRuleJson(rule));
    PrintJson(json);
    return;
  }
  Table table({"CLASS", "FIELD", "SOURCES (HIGHEST FIRST)"});
  for (const auto& rule : response.rules()) {
    table.AddRow({rule.class_name(), rule.field(), Joined(rule.sources(), ", ")});
  }
  table.Print();
}

void PrintRule(const Session& session, const v1::ReconciliationRule& rule) {
  if (session.json()) {
    PrintJson(ReconciliationRuleJson(rule));
    return;
  }
  PrintKeyValues({{"class", rule.class_name()}, {"field", rule.field()}, {"sources", Joined(rule.sources(), ", ")}});
}

struct RuleOptions {
  std::string class_name, field;
  std::vector<std::string> sources;
};

void AddRecruleList(CLI::App* recrule, Session& session) {
  auto class_name = std::make_shared<std::string>();
  auto* list = recrule->add_subcommand("list", "List reconciliation rules");
  list->add_option("--class", *class_name, "Only the rules that apply to this class (its own and inherited)");
  list->callback([&session, class_name] {
    v1::ListReconciliationRulesRequest request;
    request.set_class_name(*class_name);
    PrintRuleList(session, session.client().Call(&RStub::ListReconciliationRules, request));
  });
}

void AddRecruleSet(CLI::App* recrule, Session& session) {
  auto o = std::make_shared<RuleOptions>();
  auto* set = recrule->add_subcommand("set", "Say which sources may write a field of a class (admin)");
  set->add_option("CLASS", o->class_name, "Class name (the rule applies to its subclasses too)")->required();
  set->add_option("FIELD", o->field, "name, owner, status, criticality, parent_id, attributes.<name> or *")->required();
  set->add_option("SOURCE", o->sources, "Sources, highest priority first, e.g. manual snmp csv-import")->required();
  set->footer("A source not listed ranks below every listed one.");
  set->callback([&session, o] {
    v1::SetReconciliationRuleRequest request;
    auto* rule = request.mutable_rule();
    rule->set_class_name(o->class_name);
    rule->set_field(o->field);
    for (const auto& source : o->sources) rule->add_sources(source);
    PrintRule(session, session.client().Call(&RStub::SetReconciliationRule, request));
  });
}

void AddRecruleDelete(CLI::App* recrule, Session& session) {
  auto o = std::make_shared<RuleOptions>();
  auto* del = recrule->add_subcommand("delete", "Delete a class's rule for a field (admin)");
  del->add_option("CLASS", o->class_name, "Class name")->required();
  del->add_option("FIELD", o->field, "Field, as in `recrule set`")->required();
  del->callback([&session, o] {
    v1::DeleteReconciliationRuleRequest request;
    request.set_class_name(o->class_name);
    request.set_field(o->field);
    session.client().Call(&RStub::DeleteReconciliationRule, request);
    std::cerr << "deleted reconciliation rule " << o->class_name << " " << o->field << "\n";
  });
}

}  // namespace

void AddRuleCommands(CLI::App& app, Session& session) {
  AddIdentCommands(app, session);
  auto* recrule = app.add_subcommand("recrule", "Reconciliation rules: which sources may write a field");
  recrule->require_subcommand(1);
  AddRecruleList(recrule, session);
  AddRecruleSet(recrule, session);
  AddRecruleDelete(recrule, session);
}

}  // namespace cmdbctl
