// `cmdbctl class ...`: the CI class tree and its attribute schemas.
#include <algorithm>
#include <iostream>
#include <optional>

#include "attr_parse.h"
#include "cli_util.h"
#include "commands.h"
#include "enums.h"
#include "json_format.h"
#include "table.h"

namespace cmdbctl {
namespace {

using Stub = v1::CmdbService::Stub;

void PrintClass(const Session& session, const v1::CiClass& cls) {
  if (session.json()) {
    PrintJson(ClassJson(cls));
    return;
  }
  PrintKeyValues({{"name", cls.name()},
                  {"parent", cls.parent()},
                  {"description", cls.description()},
                  {"abstract", cls.abstract() ? "yes" : "no"},
                  {"system", cls.system() ? "yes" : "no"}});
  std::cout << "\n";
  Table table({"ATTRIBUTE", "TYPE", "REQUIRED", "INDEXED", "DEFINED_IN", "DESCRIPTION"});
  for (const auto& a : cls.effective_attributes()) {
    table.AddRow({a.name(), AttributeTypeText(a.type()), YesOrEmpty(a.required()), YesOrEmpty(a.indexed()),
                  a.defined_in(), a.description()});
  }
  table.Print();
}

v1::CiClass GetClass(Session& session, const std::string& name) {
  v1::GetClassRequest request;
  request.set_name(name);
  return session.client().Call(&Stub::GetClass, request);
}

// --- class list / get ----------------------------------------------------

void RunList(Session& session, const std::string& under) {
  v1::ListClassesRequest request;
  request.set_under(under);
  const auto response = session.client().Call(&Stub::ListClasses, request);
  if (session.json()) {
    Json json = Json::array();
    for (const auto& cls : response.classes()) json.push_back(ClassJson(cls));
    PrintJson(json);
    return;
  }
  Table table({"NAME", "PARENT", "ABSTRACT", "SYSTEM", "ATTRIBUTES", "DESCRIPTION"});
  for (const auto& c : response.classes()) {
    table.AddRow({c.name(), c.parent(), YesOrEmpty(c.abstract()), YesOrEmpty(c.system()),
                  std::to_string(c.effective_attributes_size()), c.description()});
  }
  table.Print();
}

void AddListAndGet(CLI::App* cls, Session& session) {
  auto under = std::make_shared<std::string>();
  auto* list = cls->add_subcommand("list", "List classes, parents before children");
  list->add_option("--under", *under, "Only this class and its descendants");
  list->callback([&session, under] { RunList(session, *under); });

  auto name = std::make_shared<std::string>();
  auto* get = cls->add_subcommand("get", "Show a class and its effective attributes");
  get->add_option("NAME", *name, "Class name")->required();
  get->callback([&session, name] { PrintClass(session, GetClass(session, *name)); });
}

// --- class create --------------------------------------------------------

struct CreateOptions {
  std::string name, parent, description;
  bool abstract = false;
  std::vector<std::string> attrs;
};

void RunCreate(Session& session, const CreateOptions& o) {
  v1::CreateClassRequest request;
  auto* cls = request.mutable_class_def();
  cls->set_name(o.name);
  cls->set_parent(o.parent);
  cls->set_description(o.description);
  cls->set_abstract(o.abstract);
  for (const auto& spec : o.attrs) *cls->add_attributes() = ParseAttributeSpec(spec);
  PrintClass(session, session.client().Call(&Stub::CreateClass, request));
}

void AddCreate(CLI::App* cls, Session& session) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = cls->add_subcommand("create", "Create a class (admin)");
  cmd->add_option("NAME", o->name, "Class name, e.g. storage_switch")->required();
  cmd->add_option("--parent", o->parent, "Parent class, e.g. switch")->required();
  cmd->add_option("--description", o->description, "Description");
  cmd->add_flag("--abstract", o->abstract, "CIs cannot have this class itself, only its subclasses");
  cmd->add_option("--attr", o->attrs, "Own attribute NAME:TYPE[:required][:indexed] (repeatable)")
      ->allow_extra_args(false)
      ->check(kAttributeSpec);
  cmd->callback([&session, o] { RunCreate(session, *o); });
}

// --- class update --------------------------------------------------------

struct UpdateOptions {
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string> add_attrs, remove_attrs;
};

// Adds (or replaces, by name) and removes own attributes of `cls`.
void EditAttributes(const UpdateOptions& o, v1::CiClass* cls) {
  auto* attrs = cls->mutable_attributes();
  for (const auto& name : o.remove_attrs) {
    auto it = std::find_if(attrs->begin(), attrs->end(), [&](const auto& a) { return a.name() == name; });
    if (it == attrs->end())
      throw InvalidArgument("--remove-attr " + name + ": class " + o.name + " has no own attribute " + name);
    attrs->erase(it);
  }
  for (const auto& spec : o.add_attrs) {
    v1::AttributeDefinition attr = ParseAttributeSpec(spec);
    auto it = std::find_if(attrs->begin(), attrs->end(), [&](const auto& a) { return a.name() == attr.name(); });
    if (it != attrs->end()) {
      *it = attr;
    } else {
      *attrs->Add() = attr;
    }
  }
}

void RunUpdate(Session& session, const UpdateOptions& o) {
  if (!o.description && o.add_attrs.empty() && o.remove_attrs.empty()) {
    throw InvalidArgument("nothing to update: give --description, --add-attr or --remove-attr");
  }
  v1::UpdateClassRequest request;
  auto* cls = request.mutable_class_def();
  *cls = GetClass(session, o.name);
  cls->clear_effective_attributes();
  if (o.description) {
    cls->set_description(*o.description);
    request.mutable_update_mask()->add_paths("description");
  }
  if (!o.add_attrs.empty() || !o.remove_attrs.empty()) {
    EditAttributes(o, cls);
    request.mutable_update_mask()->add_paths("attributes");
  }
  PrintClass(session, session.client().Call(&Stub::UpdateClass, request));
}

void AddUpdate(CLI::App* cls, Session& session) {
  auto o = std::make_shared<UpdateOptions>();
  auto* cmd = cls->add_subcommand("update", "Change a class's description or own attributes (admin)");
  cmd->add_option("NAME", o->name, "Class name")->required();
  cmd->add_option("--description", o->description, "New description");
  cmd->add_option("--add-attr", o->add_attrs, "Add or change own attribute NAME:TYPE[:required][:indexed]")
      ->allow_extra_args(false)
      ->check(kAttributeSpec);
  cmd->add_option("--remove-attr", o->remove_attrs, "Remove own attribute NAME (refused while CIs hold values)")
      ->allow_extra_args(false);
  cmd->callback([&session, o] { RunUpdate(session, *o); });
}

// --- class delete --------------------------------------------------------

void AddDelete(CLI::App* cls, Session& session) {
  auto name = std::make_shared<std::string>();
  auto* cmd = cls->add_subcommand("delete", "Delete a class without CIs or subclasses (admin)");
  cmd->add_option("NAME", *name, "Class name")->required();
  cmd->callback([&session, name] {
    v1::DeleteClassRequest request;
    request.set_name(*name);
    session.client().Call(&Stub::DeleteClass, request);
    std::cerr << "deleted class " << *name << "\n";
  });
}

}  // namespace

void AddClassCommands(CLI::App& app, Session& session) {
  auto* cls = app.add_subcommand("class", "CI classes and their attributes");
  cls->require_subcommand(1);
  AddListAndGet(cls, session);
  AddCreate(cls, session);
  AddUpdate(cls, session);
  AddDelete(cls, session);
}

}  // namespace cmdbctl
