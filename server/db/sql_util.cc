#include "db/sql_util.h"

#include <algorithm>

#include "core/strings.h"

namespace cmdb::db {

std::string RecordedValueSql(std::string_view ci, std::string_view field) {
  const std::string c(ci), f(field);
  return "CASE " + f + " WHEN 'name' THEN to_jsonb(" + c + ".name) WHEN 'status' THEN to_jsonb(" + c +
         ".status) WHEN 'owner' THEN to_jsonb(" + c + ".owner) WHEN 'criticality' THEN to_jsonb(" + c +
         ".criticality) ELSE " + c + ".attributes -> substr(" + f + ", 12) END";
}

std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  std::vector<std::string> out;
  if (field.is_null()) return out;
  pqxx::array_parser parser = field.as_array();
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done; std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(value);
  }
  return out;
}

std::string EscapeLike(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string WithConnectTimeout(const std::string& url, int64_t seconds) {
  const std::string setting = StrCat("connect_timeout=", std::max<int64_t>(1, seconds));
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return StrCat(url, url.find('?') == std::string::npos ? "?" : "&", setting);
  }
  return StrCat(url, " ", setting);
}

}  // namespace cmdb::db
