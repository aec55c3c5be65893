// Reading JSON Lines and CSV import files (see import_records.h).
#include "import_records.h"

#include <cctype>
#include <map>
#include <set>

#include "client.h"
#include "csv.h"
#include "enums.h"
#include "json_format.h"

namespace cmdbctl {
namespace {

// Runs `fn`, prefixing "line N: " to the message of an Error it throws.
template <typename Fn>
void AtLine(int line, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    throw Error(e.code(), "line " + std::to_string(line) + ": " + e.what());
  }
}

// The string under `key` of `object`; "" when absent.
std::string StringField(const Json& object, const std::string& key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) throw InvalidArgument("\"" + key + "\" must be a string");
  return it->get<std::string>();
}

void CheckKeys(const Json& object, const std::set<std::string>& allowed) {
  for (const auto& [key, value] : object.items()) {
    if (!allowed.contains(key)) throw InvalidArgument("unknown key \"" + key + "\"");
  }
}

void RequireNonEmpty(const std::string& value, const std::string& key) {
  if (value.empty()) throw InvalidArgument("\"" + key + "\" is required");
}

ImportCi CiFromJson(const Json& object) {
  CheckKeys(object, {"ref", "id", "class", "name", "status", "owner", "criticality", "attributes"});
  ImportCi record;
  auto& create = record.create;
  auto* ci = create.mutable_ci();
  create.set_ref(StringField(object, "ref"));
  create.set_ci_id(StringField(object, "id"));
  ci->set_class_name(StringField(object, "class"));
  ci->set_name(StringField(object, "name"));
  RequireNonEmpty(ci->class_name(), "class");
  RequireNonEmpty(ci->name(), "name");
  ci->set_status(ParseStatus(StringField(object, "status"), "status"));
  ci->set_owner(StringField(object, "owner"));
  ci->set_criticality(ParseCriticality(StringField(object, "criticality"), "criticality"));
  if (object.contains("attributes")) JsonToStruct(object["attributes"], ci->mutable_attributes(), "\"attributes\"");
  return record;
}

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
  if (rel.contains("attributes")) JsonToStruct(rel["attributes"], &record.attributes, "\"attributes\"");
  return record;
}

Json ParseLine(const std::string& text) {
  try {
    Json json = Json::parse(text);
    if (!json.is_object()) throw InvalidArgument("expected a JSON object");
    return json;
  } catch (const Json::parse_error& e) {
    std::string message = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    throw InvalidArgument("not valid JSON: " + message.substr(message.find("] ") + 2));
  }
}

bool IsBlank(const std::string& text) { return text.find_first_not_of(" \t\r") == std::string::npos; }

// --- CSV ---

const std::set<std::string> kCiColumns = {"class", "name", "status", "owner", "criticality", "id", "ref"};

void CheckHeader(const std::vector<std::string>& header) {
  std::set<std::string> seen;
  for (const auto& column : header) {
    if (column.empty()) throw InvalidArgument("the header has an empty column name");
    if (!seen.insert(column).second) throw InvalidArgument("column \"" + column + "\" appears twice");
  }
  if (!seen.contains("class") || !seen.contains("name"))
    throw InvalidArgument("the header needs columns class and name");
}

ImportCi CiFromCsv(const std::vector<std::string>& header, const std::vector<std::string>& row,
                   const SchemaLookup& schema) {
  if (row.size() != header.size()) {
    throw InvalidArgument(std::to_string(row.size()) + " fields, but the header has " + std::to_string(header.size()));
  }
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i < header.size(); ++i) {
    if (kCiColumns.contains(header[i])) fields[header[i]] = row[i];
  }
  Json object = Json::object();
  for (const auto& [key, value] : fields) {
    if (!value.empty()) object[key] = value;
  }
  ImportCi record = CiFromJson(object);
  const AttributeTypes& types = schema(record.create.ci().class_name());
  auto* attributes = record.create.mutable_ci()->mutable_attributes()->mutable_fields();
  for (size_t i = 0; i < header.size(); ++i) {
    if (kCiColumns.contains(header[i]) || row[i].empty()) continue;
    (*attributes)[header[i]] = TypedValue(types, header[i], row[i]);
  }
  return record;
}

}  // namespace

ImportRecords ReadJsonLines(std::istream& in) {
  ImportRecords records;
  int line = 0;
  for (std::string text; std::getline(in, text);) {
    ++line;
    if (IsBlank(text)) continue;
    AtLine(line, [&] {
      const Json object = ParseLine(text);
      if (object.contains("relation")) {
        records.relations.push_back(RelationFromJson(object));
        records.relations.back().line = line;
      } else {
        records.cis.push_back(CiFromJson(object));
        records.cis.back().line = line;
      }
    });
  }
  return records;
}

ImportRecords ReadCsv(std::istream& in, const SchemaLookup& schema) {
  CsvReader reader(in);
  std::vector<std::string> header, row;
  if (!reader.Next(&header)) throw InvalidArgument("line 1: the file is empty (expected a header row)");
  AtLine(1, [&] { CheckHeader(header); });
  ImportRecords records;
  while (reader.Next(&row)) {
    if (row.size() == 1 && IsBlank(row[0])) continue;
    AtLine(reader.line(), [&] {
      records.cis.push_back(CiFromCsv(header, row, schema));
      records.cis.back().line = reader.line();
    });
  }
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
  for (const auto& rel : records.relations) {
    for (const std::string* end : {&rel.from, &rel.to}) {
      if (refs.contains(*end) || IsUuid(*end)) continue;
      throw InvalidArgument("line " + std::to_string(rel.line) + ": \"" + *end +
                            "\" is neither a ref of a CI in this file nor a CI id");
    }
  }
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
