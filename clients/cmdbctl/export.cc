// `cmdbctl export`: write CIs (and with --relations their relationships) to
// stdout in the import format, so the output can be imported elsewhere.
// Each CI line carries its "id" and uses it as its "ref", and its "parent"
// by id; relation lines name their endpoints by id.
#include <algorithm>
#include <iostream>
#include <set>
#include <tuple>

#include "calls.h"
#include "cli_util.h"
#include "commands.h"
#include "csv.h"
#include "enums.h"
#include "json_format.h"

namespace cmdbctl {
namespace {

struct ExportOptions {
  std::string class_name, filter, format = "jsonl";
  bool relations = false;
};

Json ExportCiJson(const v1::ConfigurationItem& ci) {
  Json out = {{"ref", ci.id()},
              {"id", ci.id()},
              {"class", ci.class_name()},
              {"name", ci.name()},
              {"status", StatusText(ci.status())},
              {"owner", ci.owner()},
              {"criticality", CriticalityText(ci.criticality())},
              {"attributes", StructToJson(ci.attributes())}};
  if (!ci.parent_id().empty()) out["parent"] = ci.parent_id();
  return out;
}

Json ExportRelationJson(const v1::Relationship& rel) {
  return {{"relation",
           {{"from", rel.source_id()},
            {"type", rel.type()},
            {"to", rel.target_id()},
            {"attributes", StructToJson(rel.attributes())}}}};
}

v1::ListCIsRequest ListRequest(const ExportOptions& o) {
  v1::ListCIsRequest request;
  request.set_filter(CiFilter(o.class_name, o.filter));
  request.set_page_size(1000);
  return request;
}

// Relation lines for the outgoing relationships of `ci_ids`, each once,
// ordered by (type, target) per CI so exports of equal data are equal.
// Returns how many were written.
size_t WriteRelations(Client& client, const std::vector<std::string>& ci_ids) {
  std::set<std::string> written;
  for (const auto& id : ci_ids) {
    v1::ListRelationshipsRequest request;
    request.set_ci_id(id);
    request.set_direction(v1::DIRECTION_OUTGOING);
    request.set_page_size(1000);
    auto rels = ListAllRelationships(client, request);
    std::sort(rels.begin(), rels.end(), [](const v1::Relationship& a, const v1::Relationship& b) {
      return std::tie(a.type(), a.target_id(), a.id()) < std::tie(b.type(), b.target_id(), b.id());
    });
    for (const auto& rel : rels) {
      if (written.insert(rel.id()).second) std::cout << ExportRelationJson(rel).dump() << "\n";
    }
  }
  return written.size();
}

void ExportJsonLines(Session& session, const ExportOptions& o) {
  std::vector<std::string> ids;
  ForEachCi(session.client(), ListRequest(o), 0, [&](const v1::ConfigurationItem& ci) {
    std::cout << ExportCiJson(ci).dump() << "\n";
    ids.push_back(ci.id());
  });
  const size_t relations = o.relations ? WriteRelations(session.client(), ids) : 0;
  std::cerr << "exported " << ids.size() << " CIs, " << relations << " relationships\n";
}

void ExportCsv(Session& session, const ExportOptions& o) {
  std::vector<Json> cis;
  std::set<std::string> attribute_names;
  ForEachCi(session.client(), ListRequest(o), 0, [&](const v1::ConfigurationItem& ci) {
    cis.push_back(ExportCiJson(ci));
    for (const auto& [name, value] : ci.attributes().fields()) attribute_names.insert(name);
  });
  std::vector<std::string> header = {"id", "class", "name", "status", "owner", "criticality", "parent"};
  const size_t fields = header.size();
  header.insert(header.end(), attribute_names.begin(), attribute_names.end());
  std::cout << CsvRecord(header);
  for (const auto& ci : cis) {
    std::vector<std::string> row;
    for (size_t i = 0; i < fields; ++i) row.push_back(ci.value(header[i], ""));
    for (const auto& name : attribute_names) {
      const Json& attributes = ci["attributes"];
      row.push_back(attributes.contains(name) ? CellText(attributes[name]) : "");
    }
    std::cout << CsvRecord(row);
  }
  std::cerr << "exported " << cis.size() << " CIs\n";
}

void RunExport(Session& session, const ExportOptions& o) {
  if (o.format == "csv" && o.relations) throw InvalidArgument("--relations needs --format jsonl (CSV holds only CIs)");
  if (o.format == "csv") {
    ExportCsv(session, o);
  } else {
    ExportJsonLines(session, o);
  }
}

}  // namespace

void AddExportCommand(CLI::App& app, Session& session) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Write CIs to stdout in the import format");
  cmd->add_option("--class", o->class_name, "Only this class and its subclasses");
  cmd->add_option("--filter", o->filter, "Only CIs matching this filter (as in `ci list`)");
  cmd->add_option("--format", o->format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}))->capture_default_str();
  cmd->add_flag("--relations", o->relations, "Also the relationships going out of the exported CIs (jsonl only)");
  cmd->callback([&session, o] { RunExport(session, *o); });
}

}  // namespace cmdbctl
