// Reading JSON Lines and CSV import files (see import_records.h).
#include "import_records.h"

#include <cctype>
#include <map>
#include <set>

#include "enums.h"

namespace cmdbctl {
namespace {

const std::set<std::string> kCiColumns = {"class", "name", "status", "owner", "criticality", "id", "ref", "parent"};

ImportCi CiFromJson(const Json& object) {
  CheckKeys(object, {"ref", "id", "class", "name", "status", "owner", "criticality", "attributes", "parent"});
  ImportCi record;
  auto& create = record.create;
  auto* ci = create.mutable_ci();
  create.set_ref(StringField(object, "ref"));
  create.set_ci_id(StringField(object, "id"));
  // A line with an id but no ref (e.g. a CSV export) is referred to by its id.
  if (create.ref().empty()) create.set_ref(create.ci_id());
  ci->set_class_name(StringField(object, "class"));
  ci->set_name(StringField(object, "name"));
  RequireNonEmpty(ci->class_name(), "class");
  RequireNonEmpty(ci->name(), "name");
  ci->set_status(ParseStatus(StringField(object, "status"), "status"));
  ci->set_owner(StringField(object, "owner"));
  ci->set_criticality(ParseCriticality(StringField(object, "criticality"), "criticality"));
  if (object.contains("attributes")) JsonToStruct(object["attributes"], ci->mutable_attributes(), "attributes");
  record.parent = StringField(object, "parent");
  return record;
}

}  // namespace

ImportRelation RelationFromJson(const Json& object) {
  CheckKeys(object, {"relation"});
  const Json& rel = object["relation"];
  if (!rel.is_object()) throw InvalidArgument("\"relation\" must be an object");
  CheckKeys(rel, {"from", "type", "to", "attributes"});
  ImportRelation record;
  record.from = StringField(rel, "from");
  record.type = StringField(rel, "type");
  record.to = StringField(rel, "to");
  RequireNonEmpty(record.from, "from");
  RequireNonEmpty(record.type, "type");
  RequireNonEmpty(record.to, "to");
  if (rel.contains("attributes")) JsonToStruct(rel["attributes"], &record.attributes, "relation.attributes");
  return record;
}

ImportRecords ReadJsonLines(std::istream& in) {
  ImportRecords records;
  ForEachJsonLine(in, [&](int line, const Json& object) {
    if (object.contains("relation")) {
      records.relations.push_back(RelationFromJson(object));
      records.relations.back().line = line;
    } else {
      records.cis.push_back(CiFromJson(object));
      records.cis.back().line = line;
    }
  });
  return records;
}

ImportRecords ReadCsv(std::istream& in, const SchemaLookup& schema) {
  ImportRecords records;
  ForEachCsvRecord(in, kCiColumns, schema, [&](int line, const Json& object) {
    records.cis.push_back(CiFromJson(object));
    records.cis.back().line = line;
  });
  return records;
}

void CheckReferences(const ImportRecords& records) {
  std::set<std::string> refs;
  for (const auto& ci : records.cis) {
    const std::string& ref = ci.create.ref();
    if (!ref.empty() && !refs.insert(ref).second) {
      throw InvalidArgument("line " + std::to_string(ci.line) + ": ref \"" + ref + "\" is used twice");
    }
  }
  for (const auto& ci : records.cis) {
    if (ci.parent.empty() || refs.contains(ci.parent) || IsUuid(ci.parent)) continue;
    throw InvalidArgument("line " + std::to_string(ci.line) + ": parent \"" + ci.parent +
                          "\" is neither a ref of a CI in this file nor a CI id");
  }
  // Parents within the file form no cycle: follow each chain of refs.
  std::map<std::string, const ImportCi*> by_ref;
  for (const auto& ci : records.cis) {
    if (!ci.create.ref().empty()) by_ref[ci.create.ref()] = &ci;
  }
  for (const auto& ci : records.cis) {
    const ImportCi* at = &ci;
    for (size_t steps = 0; at != nullptr && !at->parent.empty(); ++steps) {
      if (steps > records.cis.size() || at->parent == ci.create.ref()) {
        throw InvalidArgument("line " + std::to_string(ci.line) + ": its parents form a cycle");
      }
      const auto it = by_ref.find(at->parent);
      at = it == by_ref.end() ? nullptr : it->second;
    }
  }
  for (const auto& rel : records.relations) {
    for (const std::string* end : {&rel.from, &rel.to}) {
      if (refs.contains(*end) || IsUuid(*end)) continue;
      throw InvalidArgument("line " + std::to_string(rel.line) + ": \"" + *end +
                            "\" is neither a ref of a CI in this file nor a CI id");
    }
  }
}

std::vector<ImportCi> ParentsFirst(const std::vector<ImportCi>& cis) {
  std::map<std::string, size_t> by_ref;
  for (size_t i = 0; i < cis.size(); ++i) {
    if (!cis[i].create.ref().empty()) by_ref[cis[i].create.ref()] = i;
  }
  std::vector<ImportCi> ordered;
  ordered.reserve(cis.size());
  std::vector<bool> placed(cis.size(), false);
  // Places `i` after its chain of parents (CheckReferences ruled out cycles).
  const auto place = [&](size_t i) {
    std::vector<size_t> chain;
    for (size_t at = i; !placed[at];) {
      chain.push_back(at);
      placed[at] = true;
      const auto it = by_ref.find(cis[at].parent);
      if (cis[at].parent.empty() || it == by_ref.end()) break;
      at = it->second;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) ordered.push_back(cis[*it]);
  };
  for (size_t i = 0; i < cis.size(); ++i) place(i);
  return ordered;
}

bool IsUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

}  // namespace cmdbctl
