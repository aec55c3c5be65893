// Typing attribute text by the class schema (see attr_parse.h).
#include "attr_parse.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <vector>

#include "client.h"
#include "enums.h"
#include "json_format.h"

namespace cmdbctl {
namespace {

using google::protobuf::Value;

Error BadValue(const std::string& name, const std::string& expected, const std::string& text) {
  return InvalidArgument("attributes." + name + ": expected " + expected + ", got \"" + text + "\"");
}

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

template <typename Number>
bool ParseNumber(const std::string& text, Number* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

Value IntegerValue(const std::string& name, const std::string& text) {
  int64_t n = 0;
  if (!ParseNumber(text, &n)) throw BadValue(name, "an integer", text);
  Value v;
  v.set_number_value(static_cast<double>(n));
  return v;
}

Value FloatValue(const std::string& name, const std::string& text) {
  double d = 0;
  if (!ParseNumber(text, &d) || !std::isfinite(d)) throw BadValue(name, "a number", text);
  Value v;
  v.set_number_value(d);
  return v;
}

Value BooleanValue(const std::string& name, const std::string& text) {
  if (text != "true" && text != "false") throw BadValue(name, "true or false", text);
  Value v;
  v.set_bool_value(text == "true");
  return v;
}

Value StringListValue(const std::string& name, const std::string& text) {
  Value v;
  if (text.front() == '[') {
    Json list = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) throw BadValue(name, "a JSON array or comma-separated items", text);
    JsonToValue(list, &v, name);
    return v;
  }
  auto* list = v.mutable_list_value();
  std::istringstream items(text);
  for (std::string item; std::getline(items, item, ',');) list->add_values()->set_string_value(Trim(item));
  return v;
}

Value StringValue(const std::string& text) {
  Value v;
  v.set_string_value(text);
  return v;
}

}  // namespace

AttributeTypes TypesOf(const cmdb::v1::CiClass& cls) {
  AttributeTypes types;
  for (const auto& attr : cls.effective_attributes()) types[attr.name()] = attr.type();
  return types;
}

std::pair<std::string, std::string> SplitAssignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InvalidArgument("\"" + text + "\": expected NAME=VALUE (an empty VALUE removes the attribute)");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

google::protobuf::Value TypedValue(const AttributeTypes& types, const std::string& name, const std::string& text) {
  Value v;
  if (text.empty()) {
    v.set_null_value(google::protobuf::NULL_VALUE);
    return v;
  }
  const auto it = types.find(name);
  const auto type = it == types.end() ? cmdb::v1::ATTRIBUTE_TYPE_STRING : it->second;
  switch (type) {
    case cmdb::v1::ATTRIBUTE_TYPE_INTEGER: return IntegerValue(name, text);
    case cmdb::v1::ATTRIBUTE_TYPE_FLOAT: return FloatValue(name, text);
    case cmdb::v1::ATTRIBUTE_TYPE_BOOLEAN: return BooleanValue(name, text);
    case cmdb::v1::ATTRIBUTE_TYPE_STRING_LIST:
    case cmdb::v1::ATTRIBUTE_TYPE_MAC_ADDRESS_LIST:
    case cmdb::v1::ATTRIBUTE_TYPE_IP_ADDRESS_LIST: return StringListValue(name, text);
    case cmdb::v1::ATTRIBUTE_TYPE_JSON: return FreeFormValue(text);
    default: return StringValue(text);
  }
}

google::protobuf::Value FreeFormValue(const std::string& text) {
  Value v;
  if (text.empty()) {
    v.set_null_value(google::protobuf::NULL_VALUE);
    return v;
  }
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return StringValue(text);
  JsonToValue(json, &v);
  return v;
}

cmdb::v1::AttributeDefinition ParseAttributeSpec(const std::string& spec) {
  std::vector<std::string> parts;
  std::istringstream in(spec);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  const std::string what = "attribute definition \"" + spec + "\"";
  if (parts.size() < 2 || parts[0].empty()) throw InvalidArgument(what + ": expected NAME:TYPE[:required][:indexed]");
  cmdb::v1::AttributeDefinition attr;
  attr.set_name(parts[0]);
  attr.set_type(ParseAttributeType(parts[1], what));
  if (attr.type() == cmdb::v1::ATTRIBUTE_TYPE_UNSPECIFIED) throw InvalidArgument(what + ": TYPE is missing");
  for (size_t i = 2; i < parts.size(); ++i) {
    if (parts[i] == "required") {
      attr.set_required(true);
    } else if (parts[i] == "indexed") {
      attr.set_indexed(true);
    } else {
      throw InvalidArgument(what + ": unknown flag \"" + parts[i] + "\" (expected required or indexed)");
    }
  }
  return attr;
}

}  // namespace cmdbctl
