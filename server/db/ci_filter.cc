#include "db/ci_filter.h"

#include <charconv>
#include <climits>
#include <cmath>

#include "absl/strings/ascii.h"
#include "core/strings.h"
#include "core/filter.h"
#include "core/normalize.h"
#include "core/status.h"
#include "core/uuid.h"
#include "db/sql_util.h"

namespace cmdb::db {

std::string SqlParams::Add(std::string value) {
  values_.push_back(std::move(value));
  return StrCat("$", values_.size());
}

std::string CiOrder::ParamCast(const std::string& placeholder) const {
  if (collate_c) return StrCat("(", placeholder, "::text COLLATE \"C\")");
  return StrCat(placeholder, "::", key_cast);
}

namespace {

constexpr std::string_view kFilterFields =
    "id, class, class_exact, name, status, owner, criticality, version, create_time, update_time, stale, "
    "parent_id, attributes.<name>";

absl::Status FilterError(std::string_view message) {
  return absl::InvalidArgumentError(StrCat("filter: ", message));
}

std::string_view SqlOp(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return "=";
    case FilterOp::kNe: return "<>";
    case FilterOp::kLt: return "<";
    case FilterOp::kLe: return "<=";
    case FilterOp::kGt: return ">";
    case FilterOp::kGe: return ">=";
    case FilterOp::kHas: return "=";
  }
  return "=";
}

bool IsOrdering(FilterOp op) {
  return op == FilterOp::kLt || op == FilterOp::kLe || op == FilterOp::kGt || op == FilterOp::kGe;
}

std::optional<double> ParseNumber(std::string_view text) {
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// A tsquery matching every word of `text` as a word prefix ("web deb" ->
// 'web':* & 'deb':*), each word quoted so that no operator gets through.
std::string PrefixQuery(std::string_view text) {
  std::string out;
  for (std::string_view word : Split(text, ' ', /*skip_empty=*/true)) {
    if (!out.empty()) out += " & ";
    out += '\'';
    for (char c : word) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    out += "':*";
  }
  return out;
}

// A trailing unescaped '*' in an equality value asks for a prefix match.
bool IsPrefixPattern(const FilterExpr& e) {
  return e.op == FilterOp::kEq && e.value.text.size() > 1 && e.value.text.back() == '*';
}

class Compiler {
 public:
  Compiler(const Catalog& catalog, const CiSqlColumns& columns, SqlParams& params)
      : catalog_(catalog), c_(columns), params_(params) {}

  absl::StatusOr<std::string> Compile(const FilterExpr& e) {
    switch (e.kind) {
      case FilterExpr::Kind::kAnd:
      case FilterExpr::Kind::kOr: {
        if (e.children.empty()) return std::string("TRUE");
        std::string out = "(";
        for (size_t i = 0; i < e.children.size(); ++i) {
          if (i > 0) out += e.kind == FilterExpr::Kind::kAnd ? " AND " : " OR ";
          CMDB_ASSIGN_OR_RETURN(std::string part, Compile(e.children[i]));
          out += part;
        }
        return out + ")";
      }
      case FilterExpr::Kind::kNot: {
        CMDB_ASSIGN_OR_RETURN(std::string inner, Compile(e.children.front()));
        return StrCat("NOT ", inner);
      }
      case FilterExpr::Kind::kText:
        return StrCat("(to_tsvector('simple'::regconfig, cmdb_search_text(", c_.Col("name"), ", ",
                      c_.Col("attributes"), ")) @@ to_tsquery('simple'::regconfig, ",
                      params_.Add(PrefixQuery(e.value.text)), "))");
      case FilterExpr::Kind::kCompare:
        return Comparison(e);
    }
    return FilterError("unsupported expression");
  }

 private:
  absl::Status OpError(const FilterExpr& e, std::string_view allowed) {
    return FilterError(StrCat("operator ", FilterOpText(e.op), " does not apply to ", e.field, " (use ",
                                    allowed, ")"));
  }

  absl::StatusOr<std::string> Comparison(const FilterExpr& e) {
    const std::string& f = e.field;
    const std::string& v = e.value.text;
    if (f == "id") {
      if (e.op != FilterOp::kEq && e.op != FilterOp::kNe) return OpError(e, "= or !=");
      if (!IsUuid(v)) return FilterError(StrCat("id: not a UUID: \"", v, "\""));
      return StrCat("(", c_.id, " ", SqlOp(e.op), " ", params_.Add(CanonicalUuid(v)), "::uuid)");
    }
    if (f == "class" || f == "class_exact") {
      if (e.op != FilterOp::kEq && e.op != FilterOp::kNe) return OpError(e, "= or !=");
      if (catalog_.FindClass(v) == nullptr) return FilterError(StrCat("unknown class \"", v, "\""));
      std::string cond =
          f == "class" ? StrCat(c_.Col("class_name"), " = ANY(", params_.Add(ArrayLiteral(catalog_.Subtree(v))),
                                      "::text[])")
                       : StrCat(c_.Col("class_name"), " = ", params_.Add(v));
      return e.op == FilterOp::kEq ? StrCat("(", cond, ")") : StrCat("NOT (", cond, ")");
    }
    if (f == "name" || f == "owner") return TextColumn(e, c_.Col(f));
    if (f == "status") {
      if (e.op != FilterOp::kEq && e.op != FilterOp::kNe) return OpError(e, "= or !=");
      if (!IsValidStatus(v)) {
        return FilterError(StrCat("unknown status \"", v, "\" (planned, installed, in_use, maintenance, retired)"));
      }
      return StrCat("(", c_.Col("status"), " ", SqlOp(e.op), " ", params_.Add(v), ")");
    }
    if (f == "criticality") {
      if (e.op == FilterOp::kHas) return OpError(e, "=, !=, <, <=, > or >=");
      int rank = CriticalityRank(v);
      if (rank < 0) return FilterError(StrCat("unknown criticality \"", v, "\" (low, medium, high, critical)"));
      return StrCat("(coalesce(array_position(ARRAY['low','medium','high','critical']::text[], ",
                          c_.Col("criticality"), "), 0) ", SqlOp(e.op), " ", params_.Add(std::to_string(rank)), "::int)");
    }
    if (f == "version") {
      if (e.op == FilterOp::kHas) return OpError(e, "=, !=, <, <=, > or >=");
      int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size()) return FilterError(StrCat("version: not an integer: \"", v, "\""));
      if (n < INT32_MIN || n > INT32_MAX) return FilterError(StrCat("version: out of range: ", v));
      return StrCat("(", c_.Col("version"), " ", SqlOp(e.op), " ", params_.Add(v), "::int)");
    }
    if (f == "create_time" || f == "update_time") {
      if (e.op == FilterOp::kHas) return OpError(e, "=, !=, <, <=, > or >=");
      auto t = ParseRfc3339(v);
      if (!t.ok()) return FilterError(StrCat(f, ": ", t.status().message()));
      const std::string col = f == "create_time" ? c_.Col("created_at") : c_.updated;
      return StrCat("(", col, " ", SqlOp(e.op), " ", params_.Add(ToSqlTimestamp(*t)), "::timestamptz)");
    }
    if (f == "stale") {
      if (e.op != FilterOp::kEq && e.op != FilterOp::kNe) return OpError(e, "= or !=");
      if (v != "true" && v != "false") return FilterError(StrCat("stale: expected true or false, got \"", v, "\""));
      // History rows are never stale: staleness is the present's bookkeeping.
      const std::string col = c_.alias == "v" ? "false" : c_.Col("stale");
      const bool want = (v == "true") == (e.op == FilterOp::kEq);
      return StrCat("(", want ? "" : "NOT ", col, ")");
    }
    if (f == "parent_id") {
      if (e.op != FilterOp::kEq && e.op != FilterOp::kNe) return OpError(e, "= or !=");
      if (!IsUuid(v)) return FilterError(StrCat("parent_id: not a UUID: \"", v, "\""));
      return StrCat("(", c_.Col("parent_id"), " IS ", e.op == FilterOp::kEq ? "NOT " : "", "DISTINCT FROM ",
                    params_.Add(CanonicalUuid(v)), "::uuid)");
    }
    if (f.starts_with("attributes.")) return Attribute(e, f.substr(strlen("attributes.")));
    return FilterError(StrCat("unknown field \"", f, "\" (fields: ", kFilterFields, ")"));
  }

  absl::StatusOr<std::string> TextColumn(const FilterExpr& e, const std::string& col) {
    const std::string& v = e.value.text;
    if (e.op == FilterOp::kHas) {
      return StrCat("(", col, " ILIKE ", params_.Add(StrCat("%", EscapeLike(v), "%")), ")");
    }
    if (IsPrefixPattern(e)) {
      return StrCat("(", col, " COLLATE \"C\" LIKE ",
                          params_.Add(StrCat(EscapeLike(v.substr(0, v.size() - 1)), "%")), ")");
    }
    if (IsOrdering(e.op)) {
      return StrCat("(", col, " COLLATE \"C\" ", SqlOp(e.op), " (", params_.Add(v), "::text COLLATE \"C\"))");
    }
    return StrCat("(", col, " ", SqlOp(e.op), " ", params_.Add(v), ")");
  }

  // The one type an attribute name has across the catalog; kString when
  // definitions disagree (values are then compared as given).
  std::optional<AttrType> AttributeType(std::string_view name) {
    auto defs = catalog_.AttributesNamed(name);
    if (defs.empty()) return std::nullopt;
    AttrType t = defs.front()->type;
    for (const auto* d : defs) {
      if (d->type != t) return AttrType::kString;
    }
    return t;
  }

  // The filter value as a JSON value of the attribute's type.
  absl::StatusOr<Json> TypedValue(std::string_view name, AttrType type, const FilterValue& value) {
    const std::string& v = value.text;
    auto bad = [&](std::string_view expected) {
      return FilterError(StrCat("attributes.", name, ": expected ", expected, ", got \"", v, "\""));
    };
    switch (type) {
      case AttrType::kInteger:
      case AttrType::kFloat: {
        auto d = ParseNumber(v);
        if (!d) return bad("a number");
        if (type == AttrType::kInteger && *d == std::floor(*d) && std::fabs(*d) < 9e15) {
          return Json(static_cast<int64_t>(*d));
        }
        return Json(*d);
      }
      case AttrType::kBoolean:
        if (v == "true") return Json(true);
        if (v == "false") return Json(false);
        return bad("true or false");
      case AttrType::kDatetime: {
        auto t = ParseRfc3339(v);
        if (!t.ok()) return bad("an RFC 3339 time");
        return Json(FormatRfc3339(FloorToSecond(*t)));
      }
      case AttrType::kIpAddress: {
        auto ip = NormalizeIp(v);
        if (!ip) return bad("an IP address");
        return Json(*ip);
      }
      case AttrType::kMacAddress: {
        auto mac = NormalizeMac(v);
        if (!mac) return bad("a MAC address");
        return Json(*mac);
      }
      case AttrType::kJson: {
        if (value.kind == FilterValue::Kind::kWord) {
          Json parsed = Json::parse(v, nullptr, /*allow_exceptions=*/false);
          if (!parsed.is_discarded()) return parsed;
        }
        return Json(v);
      }
      case AttrType::kString:
        return Json(v);
      case AttrType::kStringList:
      case AttrType::kMacAddressList:
      case AttrType::kIpAddressList:
        return TypedValue(name, *ListElementType(type), value);  // a list is searched by element
    }
    return Json(v);
  }

  absl::StatusOr<std::string> Attribute(const FilterExpr& e, const std::string& name) {
    if (!IsValidIdentifier(name)) return FilterError(StrCat("bad attribute name \"", name, "\""));
    auto type = AttributeType(name);
    if (!type) return FilterError(StrCat("no class has an attribute \"", name, "\""));
    // Safe to inline: a catalog attribute name matches [a-z][a-z0-9_]*.
    const std::string attrs = c_.Col("attributes");
    const std::string value_expr = StrCat("(", attrs, " -> '", name, "')");
    const std::string text_expr = StrCat("(", attrs, " ->> '", name, "')");

    if (e.op == FilterOp::kHas && e.value.text == "*") {
      return StrCat("(", attrs, " ? '", name, "')");
    }
    const bool is_list = ListElementType(*type).has_value();
    const bool texty = *type == AttrType::kString || is_list;
    if (*type == AttrType::kString && IsPrefixPattern(e)) {
      const std::string& v = e.value.text;
      return StrCat("(", text_expr, " COLLATE \"C\" LIKE ",
                          params_.Add(StrCat(EscapeLike(v.substr(0, v.size() - 1)), "%")), ")");
    }
    if (e.op == FilterOp::kHas && *type == AttrType::kString) {
      return StrCat("(", text_expr, " ILIKE ", params_.Add(StrCat("%", EscapeLike(e.value.text), "%")), ")");
    }
    CMDB_ASSIGN_OR_RETURN(Json value, TypedValue(name, *type, e.value));
    if (e.op == FilterOp::kEq || e.op == FilterOp::kNe || e.op == FilterOp::kHas) {
      // Containment uses the GIN index; on a list it tests membership.
      Json probe = {{name, is_list ? Json::array({value}) : value}};
      std::string cond = StrCat("(", attrs, " @> ", params_.Add(probe.dump()), "::jsonb)");
      return e.op == FilterOp::kNe ? StrCat("(NOT ", cond, ")") : cond;
    }
    if (is_list || *type == AttrType::kBoolean) {
      return OpError(e, texty ? "=, != or :" : "= or !=");
    }
    // The presence test lets the planner use the attribute's partial index.
    return StrCat("(", attrs, " ? '", name, "' AND ", value_expr, " ", SqlOp(e.op), " ", params_.Add(value.dump()),
                  "::jsonb)");
  }

  const Catalog& catalog_;
  const CiSqlColumns& c_;
  SqlParams& params_;
};

}  // namespace

absl::StatusOr<std::string> CompileCiFilter(std::string_view filter, const Catalog& catalog,
                                            const CiSqlColumns& columns, SqlParams& params) {
  CMDB_ASSIGN_OR_RETURN(FilterExpr expr, ParseFilter(filter));
  return Compiler(catalog, columns, params).Compile(expr);
}

absl::StatusOr<CiOrder> ParseCiOrder(std::string_view order_by, const Catalog& catalog, const CiSqlColumns& columns) {
  std::vector<std::string_view> words = Split(order_by, ' ', /*skip_empty=*/true);
  if (words.empty()) words.emplace_back("name");
  if (words.size() > 2) return FieldError("order_by", "one field, optionally followed by asc or desc");
  CiOrder order;
  if (words.size() == 2) {
    std::string dir = absl::AsciiStrToLower(std::string(words[1]));
    if (dir != "asc" && dir != "desc") return FieldError("order_by", StrCat("expected asc or desc, got \"", words[1], "\""));
    order.descending = dir == "desc";
  }
  const std::string field(words[0]);
  auto text_column = [&](const std::string& col) {
    order.expression = StrCat(col, " COLLATE \"C\"");
    order.key_text = col;
    order.key_cast = "text";
    order.collate_c = true;
  };
  if (field == "name" || field == "owner" || field == "status") {
    text_column(columns.Col(field));
  } else if (field == "class") {
    text_column(columns.Col("class_name"));
  } else if (field == "create_time" || field == "update_time") {
    const std::string col = field == "create_time" ? columns.Col("created_at") : columns.updated;
    order.expression = col;
    order.key_text = StrCat(col, "::text");
    order.key_cast = "timestamptz";
  } else if (field.starts_with("attributes.")) {
    const std::string name = field.substr(strlen("attributes."));
    if (!IsValidIdentifier(name) || catalog.AttributesNamed(name).empty()) {
      return FieldError("order_by", StrCat("no class has an attribute \"", name, "\""));
    }
    order.expression = StrCat("coalesce(", columns.Col("attributes"), " -> '", name, "', 'null'::jsonb)");
    order.key_text = StrCat(order.expression, "::text");
    order.key_cast = "jsonb";
  } else {
    return FieldError("order_by", StrCat("cannot order by \"", field,
                                               "\" (name, class, status, owner, create_time, update_time, "
                                               "attributes.<name>)"));
  }
  order.canonical = StrCat(field, order.descending ? " desc" : " asc");
  return order;
}

}  // namespace cmdb::db
