// JSON Lines and CSV records as JSON objects (see record_reader.h).
#include "record_reader.h"

#include <fstream>
#include <iostream>
#include <regex>

#include "csv.h"

namespace cmdbctl {
namespace {

Json ParseLine(const std::string& text) {
  try {
    Json json = Json::parse(text);
    if (!json.is_object()) throw InvalidArgument("expected a JSON object");
    return json;
  } catch (const Json::exception& e) {
    // Mostly parse_error; a number too large for a double is out_of_range.
    std::string message = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    throw InvalidArgument("not valid JSON: " + message.substr(message.find("] ") + 2));
  }
}

bool IsBlank(const std::string& text) { return text.find_first_not_of(" \t\r") == std::string::npos; }

void CheckHeader(const std::vector<std::string>& header) {
  std::set<std::string> seen;
  for (const auto& column : header) {
    if (column.empty()) throw InvalidArgument("the header has an empty column name");
    if (!seen.insert(column).second) throw InvalidArgument("column \"" + column + "\" appears twice");
  }
  if (!seen.contains("class") || !seen.contains("name"))
    throw InvalidArgument("the header needs columns class and name");
}

Json CsvObject(const std::vector<std::string>& header, const std::vector<std::string>& row,
               const std::set<std::string>& field_columns, const SchemaLookup& schema) {
  if (row.size() != header.size()) {
    throw InvalidArgument(std::to_string(row.size()) + " fields, but the header has " + std::to_string(header.size()));
  }
  Json object = Json::object();
  for (size_t i = 0; i < header.size(); ++i) {
    if (field_columns.contains(header[i]) && !row[i].empty()) object[header[i]] = row[i];
  }
  const std::string class_name = StringField(object, "class");
  RequireNonEmpty(class_name, "class");
  const AttributeTypes& types = schema(class_name);
  Json attributes = Json::object();
  for (size_t i = 0; i < header.size(); ++i) {
    if (field_columns.contains(header[i]) || row[i].empty()) continue;
    attributes[header[i]] = ValueToJson(TypedValue(types, header[i], row[i]));
  }
  if (!attributes.empty()) object["attributes"] = std::move(attributes);
  return object;
}

}  // namespace

std::string InputFormat(const std::string& file, const std::string& format) {
  if (!format.empty()) return format;
  const bool csv = file.size() > 4 && file.substr(file.size() - 4) == ".csv";
  return csv ? "csv" : "jsonl";
}

void ReadInput(const std::string& file, const std::function<void(std::istream& in)>& read) {
  std::ifstream stream;
  if (file != "-") {
    stream.open(file);
    if (!stream) throw InvalidArgument(file + ": cannot open");
  }
  try {
    read(file == "-" ? std::cin : stream);
  } catch (const Error& e) {
    throw Error(e.code(), file + ": " + e.what());
  }
}

void ForEachJsonLine(std::istream& in, const RecordVisitor& visit) {
  int line = 0;
  for (std::string text; std::getline(in, text);) {
    ++line;
    if (IsBlank(text)) continue;
    AtLine(line, [&] { visit(line, ParseLine(text)); });
  }
}

void ForEachCsvRecord(std::istream& in, const std::set<std::string>& field_columns, const SchemaLookup& schema,
                      const RecordVisitor& visit) {
  CsvReader reader(in);
  std::vector<std::string> header, row;
  if (!reader.Next(&header)) throw InvalidArgument("line 1: the file is empty (expected a header row)");
  AtLine(1, [&] { CheckHeader(header); });
  while (reader.Next(&row)) {
    if (row.size() == 1 && IsBlank(row[0])) continue;
    AtLine(reader.line(), [&] { visit(reader.line(), CsvObject(header, row, field_columns, schema)); });
  }
}

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

Error WithEntryLine(const Error& e, const std::string& file,
                    const std::map<std::string, const std::vector<int>*>& lines) {
  static const std::regex kEntry(R"(^([a-z_]+)\[(\d{1,9})\])");
  std::smatch match;
  const std::string message = e.what();
  if (!std::regex_search(message, match, kEntry)) return e;
  const auto list = lines.find(match[1]);
  const size_t index = std::stoul(match[2]);
  if (list == lines.end() || index >= list->second->size()) return e;
  return Error(e.code(), file + ": line " + std::to_string((*list->second)[index]) + ": " + message);
}

}  // namespace cmdbctl
