// `cmdbctl rel ...`: relationships between CIs and relationship types.
#include <iostream>

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

// Each --attr K=V as a free-form value; with `mask`, adds "attributes.K".
void SetAttributes(const std::vector<std::string>& attrs, google::protobuf::Struct* out,
                   google::protobuf::FieldMask* mask) {
  for (const auto& assignment : attrs) {
    const auto [name, text] = SplitAssignment(assignment);
    if (out->fields().contains(name)) throw InvalidArgument("--attr " + name + " is given more than once");
    (*out->mutable_fields())[name] = FreeFormValue(text);
    if (mask != nullptr) mask->add_paths("attributes." + name);
  }
}

// "web01 (server)".
std::string Endpoint(const std::string& name, const std::string& class_name) { return name + " (" + class_name + ")"; }

void PrintRelationship(const Session& session, const v1::Relationship& rel) {
  if (session.json()) {
    PrintJson(RelationshipJson(rel));
    return;
  }
  KeyValues rows = {{"id", rel.id()},
                    {"type", rel.type()},
                    {"source", rel.source_id() + "  " + Endpoint(rel.source_name(), rel.source_class())},
                    {"target", rel.target_id() + "  " + Endpoint(rel.target_name(), rel.target_class())},
                    {"version", std::to_string(rel.version())},
                    {"etag", rel.etag()},
                    {"created", TimeText(rel.create_time())},
                    {"updated", TimeText(rel.update_time())}};
  if (rel.stale()) rows.emplace_back("stale", "yes");
  PrintKeyValues(rows);
  KeyValues attr_rows;
  const Json attributes = StructToJson(rel.attributes());
  for (const auto& [name, value] : attributes.items()) attr_rows.emplace_back(name, CellText(value));
  PrintSection("attributes", attr_rows);
}

// --- rel create --------------------------------------------------------

struct CreateOptions {
  std::string from, type, to;
  std::vector<std::string> attrs;
  ChangeFlags change;
};

void RunCreate(Session& session, const CreateOptions& o) {
  v1::CreateRelationshipRequest request;
  auto* rel = request.mutable_relationship();
  rel->set_source_id(o.from);
  rel->set_type(o.type);
  rel->set_target_id(o.to);
  SetAttributes(o.attrs, rel->mutable_attributes(), nullptr);
  *request.mutable_change() = o.change.Proto();
  PrintRelationship(session, session.client().Call(&Stub::CreateRelationship, request));
}

void AddCreate(CLI::App* rel, Session& session) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = rel->add_subcommand("create", "Create a relationship FROM --TYPE--> TO");
  cmd->add_option("FROM_ID", o->from, "Source CI id")->required();
  cmd->add_option("TYPE", o->type, "Relationship type, e.g. runs_on (see `rel types`)")->required();
  cmd->add_option("TO_ID", o->to, "Target CI id")->required();
  AddAttrOption(cmd, &o->attrs, "Attribute NAME=VALUE; VALUE is JSON if it parses, else text (repeatable)");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunCreate(session, *o); });
}

// --- rel get -----------------------------------------------------------

struct GetOptions {
  std::string id, as_of;
};

void RunGet(Session& session, const GetOptions& o) {
  v1::GetRelationshipRequest request;
  request.set_id(o.id);
  if (!o.as_of.empty()) *request.mutable_as_of() = ParseTime(o.as_of, "--as-of");
  PrintRelationship(session, session.client().Call(&Stub::GetRelationship, request));
}

void AddGet(CLI::App* rel, Session& session) {
  auto o = std::make_shared<GetOptions>();
  auto* cmd = rel->add_subcommand("get", "Show a relationship");
  cmd->add_option("ID", o->id, "Relationship id")->required();
  cmd->add_option("--as-of", o->as_of, "Show it as it was at this time (RFC 3339)")->check(kRfc3339);
  cmd->callback([&session, o] { RunGet(session, *o); });
}

// --- rel list ----------------------------------------------------------

struct ListOptions {
  std::string ci_id, direction = "both", type, as_of;
};

v1::Direction DirectionEnum(const std::string& word) {
  if (word == "out") return v1::DIRECTION_OUTGOING;
  if (word == "in") return v1::DIRECTION_INCOMING;
  return v1::DIRECTION_BOTH;
}

void RunList(Session& session, const ListOptions& o) {
  v1::ListRelationshipsRequest request;
  request.set_ci_id(o.ci_id);
  request.set_direction(DirectionEnum(o.direction));
  request.set_type(o.type);
  if (!o.as_of.empty()) *request.mutable_as_of() = ParseTime(o.as_of, "--as-of");
  const auto rels = ListAllRelationships(session.client(), request);
  if (session.json()) {
    Json json = Json::array();
    for (const auto& rel : rels) json.push_back(RelationshipJson(rel));
    PrintJson(json);
    return;
  }
  Table table({"ID", "SOURCE", "TYPE", "TARGET", "VERSION"});
  for (const auto& rel : rels) {
    table.AddRow({rel.id(), Endpoint(rel.source_name(), rel.source_class()), rel.type(),
                  Endpoint(rel.target_name(), rel.target_class()), std::to_string(rel.version())});
  }
  table.Print();
}

void AddList(CLI::App* rel, Session& session) {
  auto o = std::make_shared<ListOptions>();
  auto* cmd = rel->add_subcommand("list", "List relationships: of a CI, of a type, or all");
  cmd->add_option("ID", o->ci_id, "CI id (optional: without it, every relationship, e.g. --type connected_to)");
  cmd->add_option("--direction", o->direction, "out (CI is the source), in (CI is the target) or both")
      ->check(CLI::IsMember({"out", "in", "both"}))
      ->capture_default_str();
  cmd->add_option("--type", o->type, "Only this relationship type");
  cmd->add_option("--as-of", o->as_of, "As they were at this time (RFC 3339)")->check(kRfc3339);
  cmd->callback([&session, o] { RunList(session, *o); });
}

// --- rel update --------------------------------------------------------

struct UpdateOptions {
  std::string id, etag;
  std::vector<std::string> attrs;
  ChangeFlags change;
};

void RunUpdate(Session& session, const UpdateOptions& o) {
  v1::UpdateRelationshipRequest request;
  auto* rel = request.mutable_relationship();
  rel->set_id(o.id);
  rel->set_etag(o.etag);
  SetAttributes(o.attrs, rel->mutable_attributes(), request.mutable_update_mask());
  *request.mutable_change() = o.change.Proto();
  PrintRelationship(session, session.client().Call(&Stub::UpdateRelationship, request));
}

void AddUpdate(CLI::App* rel, Session& session) {
  auto o = std::make_shared<UpdateOptions>();
  auto* cmd = rel->add_subcommand("update", "Set or remove attributes of a relationship");
  cmd->add_option("ID", o->id, "Relationship id")->required();
  AddAttrOption(cmd, &o->attrs, "Set attribute NAME=VALUE (JSON if it parses, else text); NAME= removes it")
      ->required();
  cmd->add_option("--etag", o->etag, "Fail with ABORTED unless it still has this etag");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunUpdate(session, *o); });
}

// --- rel delete --------------------------------------------------------

struct DeleteOptions {
  std::string id, etag;
  ChangeFlags change;
};

void RunDelete(Session& session, const DeleteOptions& o) {
  v1::DeleteRelationshipRequest request;
  request.set_id(o.id);
  request.set_etag(o.etag);
  *request.mutable_change() = o.change.Proto();
  const auto response = session.client().Call(&Stub::DeleteRelationship, request);
  std::cerr << "deleted relationship " << o.id << "\n";
  PrintRelationship(session, response.relationship());
}

void AddDelete(CLI::App* rel, Session& session) {
  auto o = std::make_shared<DeleteOptions>();
  auto* cmd = rel->add_subcommand("delete", "Delete a relationship");
  cmd->add_option("ID", o->id, "Relationship id")->required();
  cmd->add_option("--etag", o->etag, "Fail with ABORTED unless it still has this etag");
  o->change.AddTo(cmd);
  cmd->callback([&session, o] { RunDelete(session, *o); });
}

// --- rel types / type-create -------------------------------------------

void RunTypes(Session& session) {
  const auto response = session.client().Call(&Stub::ListRelationshipTypes, v1::ListRelationshipTypesRequest());
  if (session.json()) {
    Json json = Json::array();
    for (const auto& type : response.types()) json.push_back(RelationshipTypeJson(type));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "INVERSE", "IMPACT", "SYSTEM", "DESCRIPTION"});
  for (const auto& t : response.types()) {
    table.AddRow({t.name(), t.inverse_name(), ImpactText(t.impact()), YesOrEmpty(t.system()), t.description()});
  }
  table.Print();
}

struct TypeCreateOptions {
  std::string name, inverse, description, impact;
};

void RunTypeCreate(Session& session, const TypeCreateOptions& o) {
  v1::CreateRelationshipTypeRequest request;
  auto* type = request.mutable_type();
  type->set_name(o.name);
  type->set_inverse_name(o.inverse);
  type->set_description(o.description);
  type->set_impact(ParseImpact(o.impact, "--impact"));
  const auto created = session.client().Call(&Stub::CreateRelationshipType, request);
  if (session.json()) {
    PrintJson(RelationshipTypeJson(created));
    return;
  }
  PrintKeyValues({{"name", created.name()},
                  {"inverse_name", created.inverse_name()},
                  {"impact", ImpactText(created.impact())},
                  {"description", created.description()}});
}

void AddTypes(CLI::App* rel, Session& session) {
  rel->add_subcommand("types", "List relationship types")->callback([&session] { RunTypes(session); });
  auto o = std::make_shared<TypeCreateOptions>();
  auto* cmd = rel->add_subcommand("type-create", "Create a relationship type (admin)");
  cmd->add_option("NAME", o->name, "Name as read from the source, e.g. backs_up")->required();
  cmd->add_option("--inverse", o->inverse, "Name as read from the target, e.g. backed_up_by")->required();
  cmd->add_option("--description", o->description, "Description");
  cmd->add_option("--impact", o->impact, "Impact direction")
      ->check(CLI::IsMember({"target_to_source", "source_to_target", "both", "none"}));
  cmd->callback([&session, o] { RunTypeCreate(session, *o); });
}

}  // namespace

void AddRelCommands(CLI::App& app, Session& session) {
  auto* rel = app.add_subcommand("rel", "Relationships between CIs");
  rel->require_subcommand(1);
  AddCreate(rel, session);
  AddGet(rel, session);
  AddList(rel, session);
  AddUpdate(rel, session);
  AddDelete(rel, session);
  AddTypes(rel, session);
}

}  // namespace cmdbctl
