// `cmdbctl ci ...`: create, get, update, list, delete, history, restore and
// merge configuration items.
#include <iostream>
#include <optional>

#include "attr_parse.h"
#include "calls.h"
#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using Stub = v1::CmdbService::Stub;

// Sets each --attr K=V in `attrs` (typed by the schema of `class_name`) and,
// when `mask` is given, adds "attributes.K" to it.
void SetAttributes(Session& session, const std::string& class_name, const std::vector<std::string>& attrs,
                   google::protobuf::Struct* out, google::protobuf::FieldMask* mask) {
  if (attrs.empty()) return;
  const AttributeTypes types = ClassSchemas(session.client()).TypesOf(class_name);
  for (const auto& assignment : attrs) {
    const auto [name, text] = SplitAssignment(assignment);
    if (out->fields().contains(name)) throw InvalidArgument("--attr " + name + " is given more than once");
    (*out->mutable_fields())[name] = TypedValue(types, name, text);
    if (mask != nullptr) mask->add_paths("attributes." + name);
  }
}

// `text`, with "  (source: S)" when the provenance of `field` names a source
// other than "manual". Provenance is keyed by field path ("name",
// "attributes.serial_number"); older servers keyed attributes by name.
std::string WithSource(const v1::ConfigurationItem& ci, const std::string& field, const std::string& text) {
  auto p = ci.provenance().find(field);
  if (p == ci.provenance().end() && field.starts_with("attributes.")) {
    p = ci.provenance().find(field.substr(std::string("attributes.").size()));
  }
  if (p == ci.provenance().end() || p->second.source() == "manual") return text;
  return text + "  (source: " + p->second.source() + ")";
}

void PrintCiTable(const v1::ConfigurationItem& ci) {
  KeyValues rows = {{"id", ci.id()},
                    {"class", ci.class_name()},
                    {"name", WithSource(ci, "name", ci.name())},
                    {"status", WithSource(ci, "status", StatusText(ci.status()))},
                    {"owner", WithSource(ci, "owner", ci.owner())},
                    {"criticality", WithSource(ci, "criticality", CriticalityText(ci.criticality()))},
                    {"version", std::to_string(ci.version())},
                    {"etag", ci.etag()},
                    {"created", TimeText(ci.create_time())},
                    {"updated", TimeText(ci.update_time())}};
  if (ci.stale()) rows.emplace_back("stale", "yes");
  if (!ci.merged_into().empty()) rows.emplace_back("merged_into", ci.merged_into());
  if (!ci.parent_id().empty()) rows.emplace_back("parent_id", WithSource(ci, "parent_id", ci.parent_id()));
  PrintKeyValues(rows);
  const Json attributes = StructToJson(ci.attributes());
  KeyValues attr_rows;
  for (const auto& [name, value] : attributes.items()) {
    attr_rows.emplace_back(name, WithSource(ci, "attributes." + name, CellText(value)));
  }
  PrintSection("attributes", attr_rows);
}

void PrintCi(const Session& session, const v1::ConfigurationItem& ci) {
  if (session.json()) {
    PrintJson(CiJson(ci));
  } else {
    PrintCiTable(ci);
  }
}

// --- ci create ---------------------------------------------------------

struct CreateOptions {
  std::string class_name, name, status, owner, criticality, id, parent;
  std::vector<std::string> attrs;
  ChangeFlags change;
};

void RunCreate(Session& session, const CreateOptions& o) {
  v1::CreateCIRequest request;
  auto* ci = request.mutable_ci();
  ci->set_class_name(o.class_name);
  ci->set_name(o.name);
  ci->set_status(ParseStatus(o.status, "--status"));
  ci->set_owner(o.owner);
  ci->set_criticality(ParseCriticality(o.criticality, "--criticality"));
  ci->set_parent_id(o.parent);
  SetAttributes(session, o.class_name, o.attrs, ci->mutable_attributes(), nullptr);
  request.set_ci_id(o.id);
  *request.mutable_change() = o.change.Proto();
  PrintCi(session, session.client().Call(&Stub::CreateCI, request));
}

void AddCreate(CLI::App* ci, Session& session) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = ci->add_subcommand("create", "Create a CI");
  cmd->add_option("CLASS", o->class_name, "Class, e.g. server")->required();
  cmd->add_option("NAME", o->name, "Name")->required();
  AddAttrOption(cmd, &o->attrs, "Attribute NAME=VALUE, typed by the class schema (repeatable)");
  cmd->add_option("--status", o->status, "planned, installed, in_use (default), maintenance, retired");
  cmd->add_option("--owner", o->owner, "Owner");
  cmd->add_option("--criticality", o->criticality, "low, medium, high, critical");
  cmd->add_option("--id", o->id, "Chosen id (UUID), e.g. when migrating");
  cmd->add_option("--parent", o->parent, "Id of the CI this one depends on (e.g. the device of an interface)");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunCreate(session, *o); });
}

// --- ci get ------------------------------------------------------------

struct GetOptions {
  std::string id, as_of;
};

void RunGet(Session& session, const GetOptions& o) {
  v1::GetCIRequest request;
  request.set_id(o.id);
  if (!o.as_of.empty()) *request.mutable_as_of() = ParseTime(o.as_of, "--as-of");
  PrintCi(session, session.client().Call(&Stub::GetCI, request));
}

void AddGet(CLI::App* ci, Session& session) {
  auto o = std::make_shared<GetOptions>();
  auto* cmd = ci->add_subcommand("get", "Show a CI");
  cmd->add_option("ID", o->id, "CI id")->required();
  cmd->add_option("--as-of", o->as_of, "Show it as it was at this time (RFC 3339)")->check(kRfc3339);
  cmd->callback([&session, o] { RunGet(session, *o); });
}

// --- ci update ---------------------------------------------------------

struct UpdateOptions {
  std::string id, etag;
  std::optional<std::string> name, status, owner, criticality, parent;
  std::vector<std::string> attrs;
  ChangeFlags change;
};

// The class of CI `id`, to type its attributes.
std::string ClassOf(Session& session, const std::string& id) {
  v1::GetCIRequest request;
  request.set_id(id);
  return session.client().Call(&Stub::GetCI, request).class_name();
}

void RunUpdate(Session& session, const UpdateOptions& o) {
  v1::UpdateCIRequest request;
  auto* ci = request.mutable_ci();
  auto* mask = request.mutable_update_mask();
  ci->set_id(o.id);
  ci->set_etag(o.etag);
  if (!o.attrs.empty()) SetAttributes(session, ClassOf(session, o.id), o.attrs, ci->mutable_attributes(), mask);
  if (o.name) {
    ci->set_name(*o.name);
    mask->add_paths("name");
  }
  if (o.status) {
    ci->set_status(ParseStatus(*o.status, "--status"));
    mask->add_paths("status");
  }
  if (o.owner) {
    ci->set_owner(*o.owner);
    mask->add_paths("owner");
  }
  if (o.criticality) {
    ci->set_criticality(ParseCriticality(*o.criticality, "--criticality"));
    mask->add_paths("criticality");
  }
  if (o.parent) {
    ci->set_parent_id(*o.parent);
    mask->add_paths("parent_id");
  }
  if (mask->paths().empty()) {
    throw InvalidArgument("nothing to update: give --attr, --name, --status, --owner, --criticality or --parent");
  }
  *request.mutable_change() = o.change.Proto();
  PrintCi(session, session.client().Call(&Stub::UpdateCI, request));
}

void AddUpdate(CLI::App* ci, Session& session) {
  auto o = std::make_shared<UpdateOptions>();
  auto* cmd = ci->add_subcommand("update", "Change fields of a CI (only those given)");
  cmd->add_option("ID", o->id, "CI id")->required();
  AddAttrOption(cmd, &o->attrs, "Set attribute NAME=VALUE; NAME= removes it (repeatable)");
  cmd->add_option("--name", o->name, "New name");
  cmd->add_option("--status", o->status, "planned, installed, in_use, maintenance, retired");
  cmd->add_option("--owner", o->owner, "Owner (\"\" clears it)");
  cmd->add_option("--criticality", o->criticality, "low, medium, high, critical (\"\" clears it)");
  cmd->add_option("--parent", o->parent, "Id of the CI this one depends on (\"\" clears it)");
  cmd->add_option("--etag", o->etag, "Fail with ABORTED unless the CI still has this etag");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunUpdate(session, *o); });
}

// --- ci list -----------------------------------------------------------

struct ListOptions {
  std::string class_name, filter, order_by, as_of;
  bool stale = false;
  int32_t page_size = 0;
  int64_t limit = 0;
};

void RunList(Session& session, const ListOptions& o) {
  v1::ListCIsRequest request;
  request.set_filter(CiFilter(o.class_name, o.stale ? AndFilter(o.filter, "stale = true") : o.filter));
  request.set_order_by(o.order_by);
  request.set_page_size(o.page_size);
  if (!o.as_of.empty()) *request.mutable_as_of() = ParseTime(o.as_of, "--as-of");
  Json json = Json::array();
  Table table({"ID", "CLASS", "NAME", "STATUS", "VERSION", "UPDATED"});
  ForEachCi(session.client(), request, o.limit, [&](const v1::ConfigurationItem& ci) {
    if (session.json()) {
      json.push_back(CiJson(ci));
    } else {
      table.AddRow({ci.id(), ci.class_name(), ci.name(), StatusText(ci.status()), std::to_string(ci.version()),
                    TimeText(ci.update_time())});
    }
  });
  if (session.json()) {
    PrintJson(json);
  } else {
    table.Print();
  }
}

void AddList(CLI::App* ci, Session& session) {
  auto o = std::make_shared<ListOptions>();
  auto* cmd = ci->add_subcommand("list", "List CIs (all pages unless --limit)");
  cmd->add_option("--class", o->class_name, "Only this class and its subclasses");
  cmd->add_option("--filter", o->filter, "Filter, e.g. 'status = in_use AND attributes.cpu_count >= 4'");
  cmd->add_flag("--stale", o->stale, "Only CIs their sources no longer report (adds stale = true to the filter)");
  cmd->add_option("--order-by", o->order_by, "name (default), class, status, create_time, ... [desc]");
  cmd->add_option("--as-of", o->as_of, "List CIs as they were at this time (RFC 3339)")->check(kRfc3339);
  cmd->add_option("--page-size", o->page_size, "CIs per call")->check(CLI::Range(1, 1000));
  cmd->add_option("--limit", o->limit, "Stop after this many CIs")->check(kPositive);
  cmd->callback([&session, o] { RunList(session, *o); });
}

// --- ci delete ---------------------------------------------------------

struct DeleteOptions {
  std::string id, etag;
  bool hard = false;
  ChangeFlags change;
};

void RunDelete(Session& session, const DeleteOptions& o) {
  v1::DeleteCIRequest request;
  request.set_id(o.id);
  request.set_etag(o.etag);
  request.set_hard(o.hard);
  *request.mutable_change() = o.change.Proto();
  const auto response = session.client().Call(&Stub::DeleteCI, request);
  std::cerr << (o.hard ? "deleted" : "retired") << " CI " << o.id << "\n";
  PrintCi(session, response.ci());
}

void AddDelete(CLI::App* ci, Session& session) {
  auto o = std::make_shared<DeleteOptions>();
  auto* cmd = ci->add_subcommand("delete", "Retire a CI (or remove it with --hard)");
  cmd->add_option("ID", o->id, "CI id")->required();
  cmd->add_flag("--hard", o->hard, "Remove the CI and its relationships (admin; history is kept)");
  cmd->add_option("--etag", o->etag, "Fail with ABORTED unless the CI still has this etag");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunDelete(session, *o); });
}

// --- ci history --------------------------------------------------------

struct HistoryOptions {
  std::string id;
  int64_t limit = 0;
};

std::vector<v1::CiVersion> FetchHistory(Client& client, const HistoryOptions& o) {
  v1::GetCIHistoryRequest request;
  request.set_id(o.id);
  if (o.limit > 0) request.set_page_size(static_cast<int32_t>(std::min<int64_t>(o.limit, 1000)));
  std::vector<v1::CiVersion> versions;
  while (true) {
    const auto page = client.Call(&Stub::GetCIHistory, request);
    for (const auto& v : page.versions()) {
      if (o.limit > 0 && static_cast<int64_t>(versions.size()) >= o.limit) return versions;
      versions.push_back(v);
    }
    if (page.next_page_token().empty()) return versions;
    request.set_page_token(page.next_page_token());
  }
}

void RunHistory(Session& session, const HistoryOptions& o) {
  const auto versions = FetchHistory(session.client(), o);
  if (session.json()) {
    Json json = Json::array();
    for (const auto& v : versions) json.push_back(CiVersionJson(v));
    PrintJson(json);
    return;
  }
  Table table({"VERSION", "OPERATION", "TIME", "ACTOR", "SOURCE", "REF", "COMMENT", "CHANGED"});
  for (const auto& v : versions) {
    // A creation sets everything: listing every field says nothing more.
    const std::string changed = v.operation() == v1::CHANGE_OPERATION_CREATE ? "(all)" : Joined(v.changed_fields());
    table.AddRow({std::to_string(v.ci().version()), OperationText(v.operation()), TimeText(v.valid_from()),
                  v.changeset().actor(), v.changeset().source(), v.changeset().external_ref(), v.changeset().comment(),
                  changed});
  }
  table.Print();
}

void AddHistory(CLI::App* ci, Session& session) {
  auto o = std::make_shared<HistoryOptions>();
  auto* cmd = ci->add_subcommand("history", "Show the versions of a CI, newest first");
  cmd->add_option("ID", o->id, "CI id")->required();
  cmd->add_option("--limit", o->limit, "Show at most this many versions")->check(kPositive);
  cmd->callback([&session, o] { RunHistory(session, *o); });
}

// --- ci restore --------------------------------------------------------

struct RestoreOptions {
  std::string id, etag;
  int64_t version = 0;
  ChangeFlags change;
};

void RunRestore(Session& session, const RestoreOptions& o) {
  v1::RestoreCIRequest request;
  request.set_id(o.id);
  request.set_version(o.version);
  request.set_etag(o.etag);
  *request.mutable_change() = o.change.Proto();
  PrintCi(session, session.client().Call(&Stub::RestoreCI, request));
}

void AddRestore(CLI::App* ci, Session& session) {
  auto o = std::make_shared<RestoreOptions>();
  auto* cmd = ci->add_subcommand("restore", "Write a new version equal to an earlier one");
  cmd->add_option("ID", o->id, "CI id")->required();
  cmd->add_option("VERSION", o->version, "The version to bring back")->required()->check(kPositive);
  cmd->add_option("--etag", o->etag, "Fail with ABORTED unless the CI still has this etag");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunRestore(session, *o); });
}

// --- ci merge ------------------------------------------------------------

struct MergeOptions {
  std::string survivor, duplicate;
  ChangeFlags change;
};

void RunMerge(Session& session, const MergeOptions& o) {
  v1::MergeRequest request;
  request.set_survivor_id(o.survivor);
  request.set_duplicate_id(o.duplicate);
  *request.mutable_change() = o.change.Proto();
  const auto response = session.client().Call(&v1::ReconciliationService::Stub::Merge, request);
  std::cerr << "merged CI " << o.duplicate << " into " << o.survivor << ": " << response.relationships_moved()
            << " relationships moved, " << response.relationships_dropped() << " dropped as duplicates\n";
  if (session.json()) {
    PrintJson(MergeResponseJson(response));
  } else {
    PrintCiTable(response.survivor());
  }
}

void AddMerge(CLI::App* ci, Session& session) {
  auto o = std::make_shared<MergeOptions>();
  auto* cmd = ci->add_subcommand("merge", "Merge a duplicate CI into the one that survives");
  cmd->add_option("SURVIVOR_ID", o->survivor, "The CI to keep")->required();
  cmd->add_option("DUPLICATE_ID", o->duplicate, "The CI to retire (merged_into = SURVIVOR_ID)")->required();
  cmd->footer(
      "The duplicate's relationships, dependents, identifiers and sightings move to the survivor, which also "
      "gets the attributes it lacks.");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunMerge(session, *o); });
}

}  // namespace

void AddCiCommands(CLI::App& app, Session& session) {
  auto* ci = app.add_subcommand("ci", "Configuration items");
  ci->require_subcommand(1);
  AddCreate(ci, session);
  AddGet(ci, session);
  AddUpdate(ci, session);
  AddList(ci, session);
  AddDelete(ci, session);
  AddHistory(ci, session);
  AddRestore(ci, session);
  AddMerge(ci, session);
}

}  // namespace cmdbctl
