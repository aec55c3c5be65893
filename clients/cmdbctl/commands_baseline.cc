// `cmdbctl baseline ...`: named configurations at a point in time (create,
// list, show, delete) and their comparison with now, a time or another
// baseline (compare), with the changesets that made each difference and
// the changes made without a change ticket.
#include <iostream>
#include <memory>

#include "cli_util.h"
#include "commands.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using AStub = v1::AuditService::Stub;

Json BaselineJson(const v1::Baseline& b) {
  return {{"name", b.name()},
          {"description", b.description()},
          {"filter", b.filter()},
          {"as_of", TimeText(b.as_of())},
          {"cis", b.cis()},
          {"relationships", b.relationships()},
          {"create_time", TimeText(b.create_time())},
          {"created_by", b.created_by()}};
}

std::string ChangeText(v1::ConfigurationChange::Kind kind) {
  switch (kind) {
    case v1::ConfigurationChange::KIND_ADDED: return "added";
    case v1::ConfigurationChange::KIND_REMOVED: return "removed";
    case v1::ConfigurationChange::KIND_CHANGED: return "changed";
    default: return "";
  }
}

Json ChangeJson(const v1::ConfigurationChange& c, bool relationship) {
  Json fields = Json::array();
  for (const auto& f : c.fields()) {
    fields.push_back({{"field", f.field()},
                      {"before", ValueToJson(f.old_value(), f.field())},
                      {"after", ValueToJson(f.new_value(), f.field())}});
  }
  Json json = {{"change", ChangeText(c.change())}, {"id", c.id()}, {"name", c.name()}};
  if (relationship) {
    json["type"] = c.class_name();
    json["source_id"] = c.source_id();
    json["target_id"] = c.target_id();
  } else {
    json["class"] = c.class_name();
  }
  json["fields"] = std::move(fields);
  json["changesets"] = Strings(c.changeset_ids());
  return json;
}

Json CompareJson(const v1::CompareBaselineResponse& r) {
  Json cis = Json::array(), rels = Json::array(), changesets = Json::array(), unauthorised = Json::array();
  for (const auto& c : r.cis()) cis.push_back(ChangeJson(c, false));
  for (const auto& c : r.relationships()) rels.push_back(ChangeJson(c, true));
  for (const auto& cs : r.changesets()) changesets.push_back(ChangesetJson(cs));
  for (const auto& cs : r.unauthorised()) unauthorised.push_back(ChangesetJson(cs));
  return {{"baseline", BaselineJson(r.from())},
          {"to", {{"baseline", r.to_baseline().empty() ? Json(nullptr) : Json(r.to_baseline())},
                  {"time", TimeText(r.to_time())}}},
          {"cis_total", r.cis_total()},
          {"relationships_total", r.relationships_total()},
          {"cis", std::move(cis)},
          {"relationships", std::move(rels)},
          {"changesets", std::move(changesets)},
          {"unauthorised", std::move(unauthorised)}};
}

std::string FieldsText(const v1::ConfigurationChange& c) {
  std::string out;
  for (const auto& f : c.fields()) {
    if (!out.empty()) out += "; ";
    out += f.field() + ": " + CellText(ValueToJson(f.old_value(), f.field())) + " -> " +
           CellText(ValueToJson(f.new_value(), f.field()));
  }
  return out;
}

void PrintComparison(const v1::CompareBaselineResponse& r) {
  std::cout << "baseline " << r.from().name() << " (" << TimeText(r.from().as_of()) << ") -> "
            << (r.to_baseline().empty() ? "" : "baseline " + r.to_baseline() + " ") << "(" << TimeText(r.to_time())
            << ")\n\n";
  Table table({"CHANGE", "WHAT", "NAME", "CLASS/TYPE", "FIELDS", "CHANGESETS"});
  for (const auto& c : r.cis()) {
    table.AddRow({ChangeText(c.change()), "ci", c.name(), c.class_name(), FieldsText(c), Joined(c.changeset_ids())});
  }
  for (const auto& c : r.relationships()) {
    table.AddRow({ChangeText(c.change()), "relationship", c.name(), c.class_name(), FieldsText(c),
                  Joined(c.changeset_ids())});
  }
  table.Print();
  if (r.cis_total() > r.cis_size() || r.relationships_total() > r.relationships_size()) {
    std::cout << "(listed " << r.cis_size() << " of " << r.cis_total() << " CIs and " << r.relationships_size()
              << " of " << r.relationships_total() << " relationships; raise --limit for more)\n";
  }
  std::cout << "\nchangesets:\n";
  Table cs({"CHANGESET", "TIME", "ACTOR", "SOURCE", "TICKET", "COMMENT"});
  for (const auto& c : r.changesets()) {
    cs.AddRow({c.id(), TimeText(c.time()), c.actor(), c.source(), c.external_ref(), c.comment()});
  }
  cs.Print();
  std::cout << "\nunauthorised changes (no change ticket): " << r.unauthorised_size() << "\n";
  if (r.unauthorised_size() > 0) {
    Table un({"CHANGESET", "TIME", "ACTOR", "SOURCE", "COMMENT"});
    for (const auto& c : r.unauthorised()) un.AddRow({c.id(), TimeText(c.time()), c.actor(), c.source(), c.comment()});
    un.Print();
  }
}

void PrintBaselines(const Session& session, const std::vector<v1::Baseline>& baselines) {
  if (session.json()) {
    Json json = Json::array();
    for (const auto& b : baselines) json.push_back(BaselineJson(b));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "AS OF", "CIS", "RELATIONSHIPS", "FILTER", "BY", "DESCRIPTION"});
  for (const auto& b : baselines) {
    table.AddRow({b.name(), TimeText(b.as_of()), std::to_string(b.cis()), std::to_string(b.relationships()),
                  b.filter(), b.created_by(), b.description()});
  }
  table.Print();
}

}  // namespace

void AddBaselineCommands(CLI::App& app, Session& session) {
  auto* baseline = app.add_subcommand("baseline", "Baselines: the configuration at a time, compared with another");
  baseline->require_subcommand(1);

  struct Options {
    std::string name, filter, description, as_of, to, at;
    int limit = 1000;
  };
  auto o = std::make_shared<Options>();
  auto* create = baseline->add_subcommand("create", "Record a baseline (editor): a filter and a time, now by default");
  create->add_option("NAME", o->name, "Baseline name ([a-z0-9][a-z0-9_.-]*)")->required();
  create->add_option("--filter", o->filter, "AIP-160 filter of the CIs in scope, as for `ci list`");
  create->add_option("--description", o->description, "What the baseline is for");
  create->add_option("--as-of", o->as_of, "The time it records (RFC 3339); default: now");
  create->callback([&session, o] {
    v1::CreateBaselineRequest request;
    auto* b = request.mutable_baseline();
    b->set_name(o->name);
    b->set_filter(o->filter);
    b->set_description(o->description);
    if (!o->as_of.empty()) *b->mutable_as_of() = ParseTime(o->as_of, "--as-of");
    const auto saved = session.client().Call(&AStub::CreateBaseline, request);
    if (session.json()) {
      PrintJson(BaselineJson(saved));
    } else {
      std::cout << "baseline " << saved.name() << " recorded as of " << TimeText(saved.as_of()) << ": "
                << saved.cis() << " CIs, " << saved.relationships() << " relationships\n";
    }
  });

  auto* list = baseline->add_subcommand("list", "List baselines");
  list->callback([&session] {
    const auto r = session.client().Call(&AStub::ListBaselines, v1::ListBaselinesRequest());
    PrintBaselines(session, {r.baselines().begin(), r.baselines().end()});
  });

  auto* show = baseline->add_subcommand("show", "Show a baseline");
  show->add_option("NAME", o->name, "Baseline name")->required();
  show->callback([&session, o] {
    v1::GetBaselineRequest request;
    request.set_name(o->name);
    PrintBaselines(session, {session.client().Call(&AStub::GetBaseline, request)});
  });

  auto* del = baseline->add_subcommand("delete", "Delete a baseline (admin)");
  del->add_option("NAME", o->name, "Baseline name")->required();
  del->callback([&session, o] {
    v1::DeleteBaselineRequest request;
    request.set_name(o->name);
    session.client().Call(&AStub::DeleteBaseline, request);
    if (!session.json()) std::cout << "baseline " << o->name << " deleted\n";
  });

  auto* compare = baseline->add_subcommand(
      "compare", "What was added, removed and changed since a baseline (or between two), and by which changesets");
  compare->add_option("NAME", o->name, "Baseline name")->required();
  auto* to = compare->add_option("--to", o->to, "Another baseline to compare with (default: now)");
  compare->add_option("--at", o->at, "A time to compare with (RFC 3339) instead of now")->excludes(to);
  compare->add_option("--limit", o->limit, "CIs and relationships listed, each")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  compare->callback([&session, o] {
    v1::CompareBaselineRequest request;
    request.set_name(o->name);
    request.set_to_baseline(o->to);
    if (!o->at.empty()) *request.mutable_to_time() = ParseTime(o->at, "--at");
    request.set_limit(o->limit);
    const auto r = session.client().Call(&AStub::CompareBaseline, request);
    if (session.json()) {
      PrintJson(CompareJson(r));
    } else {
      PrintComparison(r);
    }
  });
}

}  // namespace cmdbctl
