// The HTTP fingerprint rules' loader: TOML -> compiled rules
// (fingerprint_rules.h), every regex compiled once, every error naming the
// rule and the key. Matching is in fingerprints.cc.
#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>

#include "classify/text_util.h"
#include "http/fingerprint_rules.h"

namespace cmdb::discovery::http {
namespace {

using namespace internal;  // NOLINT: the rule types of this module

std::vector<std::string> SplitPath(std::string_view dotted) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    out.emplace_back(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

absl::Status TopLevelError(std::string_view name, std::string_view what) {
  return absl::InvalidArgumentError(std::string(name) + ": " + std::string(what));
}

bool ValidPath(std::string_view path) {
  if (path.empty() || path[0] != '/' || path.size() > 256) return false;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  }
  return true;
}

// Parses one [[rule]] table; errors name the rule and the key.
class RuleParser {
 public:
  RuleParser(std::string name, size_t index, std::string id)
      : name_(std::move(name)), index_(index), id_(std::move(id)) {}

  absl::Status Error(std::string_view key, std::string_view what) const {
    return absl::InvalidArgumentError(name_ + ": rule[" + std::to_string(index_) + "] \"" + id_ +
                                      "\": " + std::string(key) + ": " + std::string(what));
  }

  absl::StatusOr<std::regex> Regex(std::string_view key, const toml::node& node) const {
    auto pattern = node.value<std::string>();
    if (!node.is_string() || !pattern) return Error(key, "expected a string (regex)");
    if (pattern->empty()) return Error(key, "empty regex");
    if (text::HugeRegexNumber(*pattern)) {
      return Error(key, "bad regex '" + *pattern + "': a back-reference or repetition count of more than 9 digits");
    }
    try {
      return std::regex(*pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Error(key, "bad regex '" + *pattern + "': " + e.what());
    }
  }

  absl::StatusOr<std::string> PathValue(std::string_view key, const toml::node& node) const {
    auto path = node.value<std::string>();
    if (!node.is_string() || !path) return Error(key, "expected a string");
    if (!ValidPath(*path)) {
      return Error(key, "'" + *path + "' is not a path (starts with '/', printable ASCII, no '#', at most 256 bytes)");
    }
    return *path;
  }

  absl::StatusOr<std::vector<std::string>> JsonPath(std::string_view key, const toml::node& node) const {
    auto text = node.value<std::string>();
    if (!node.is_string() || !text || text->empty()) return Error(key, "expected a non-empty string (a.b.0.c)");
    auto path = SplitPath(*text);
    if (std::any_of(path.begin(), path.end(), [](const std::string& s) { return s.empty(); })) {
      return Error(key, "'" + *text + "' has an empty step");
    }
    return path;
  }

  absl::StatusOr<ValueSpec> Spec(std::string_view key, const toml::node& node) const {
    ValueSpec spec;
    if (node.is_string()) {
      spec.literal = Collapse(*node.value<std::string>());
      if (spec.literal.empty()) return Error(key, "empty value");
      return spec;
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Error(key, "expected a string, a table {from|json, regex, format, path} or a list of those");
    }
    bool has_from = false, has_json = false, has_format = false;
    for (const auto& [sub_key, value] : *table) {
      std::string sub = std::string(key) + "." + std::string(sub_key.str());
      if (sub_key == "from") {
        auto from = value.value<std::string>();
        if (!value.is_string() || !from) return Error(sub, "expected a string");
        has_from = true;
        if (*from == "title") {
          spec.source = Source::kTitle;
        } else if (*from == "body") {
          spec.source = Source::kBody;
        } else if (*from == "url") {
          spec.source = Source::kUrl;
        } else if (from->rfind("header.", 0) == 0 && from->size() > 7) {
          spec.source = Source::kHeader;
          spec.name = ToLower(from->substr(7));
        } else {
          return Error(sub, "unknown source '" + *from + "' (header.<name>, title, body or url)");
        }
      } else if (sub_key == "json") {
        auto path = JsonPath(sub, value);
        if (!path.ok()) return path.status();
        spec.source = Source::kJson;
        spec.json_path = std::move(*path);
        has_json = true;
      } else if (sub_key == "regex") {
        auto re = Regex(sub, value);
        if (!re.ok()) return re.status();
        spec.regex = std::move(*re);
      } else if (sub_key == "format") {
        auto format = value.value<std::string>();
        if (!value.is_string() || !format || format->empty()) return Error(sub, "expected a non-empty string");
        spec.literal = *format;
        has_format = true;
      } else if (sub_key == "path") {
        auto path = PathValue(sub, value);
        if (!path.ok()) return path.status();
        spec.path = std::move(*path);
      } else {
        return Error(sub, "unknown key (from, json, regex, format, path)");
      }
    }
    if (has_from == has_json) return Error(key, "needs exactly one of `from` and `json`");
    size_t groups = spec.regex ? spec.regex->mark_count() : 0;
    if (!has_format) spec.literal = groups > 0 ? "$1" : "$0";
    for (size_t i = 0; i + 1 < spec.literal.size(); ++i) {
      if (spec.literal[i] == '$' && spec.literal[i + 1] == '$') {
        ++i;
      } else if (spec.literal[i] == '$' && std::isdigit(static_cast<unsigned char>(spec.literal[i + 1])) &&
                 static_cast<size_t>(spec.literal[i + 1] - '0') > groups) {
        return Error(std::string(key) + ".format", "refers to a group the regex does not have");
      }
    }
    return spec;
  }

  absl::StatusOr<Value> ParseValue(std::string_view key, const toml::node& node) const {
    Value value;
    if (const toml::array* list = node.as_array()) {
      if (list->empty()) return Error(key, "empty list");
      for (size_t i = 0; i < list->size(); ++i) {
        auto spec = Spec(std::string(key) + "[" + std::to_string(i) + "]", *list->get(i));
        if (!spec.ok()) return spec.status();
        value.alternatives.push_back(std::move(*spec));
      }
      return value;
    }
    auto spec = Spec(key, node);
    if (!spec.ok()) return spec.status();
    value.alternatives.push_back(std::move(*spec));
    return value;
  }

  // Flattens {a = {b = "x"}} and {"a.b" = "x"} alike into ("a.b", "x").
  absl::Status FlattenEquals(std::string_view key, const std::string& prefix, const toml::table& table,
                             std::vector<JsonEquals>& out) const {
    for (const auto& [sub_key, value] : table) {
      std::string path = prefix.empty() ? std::string(sub_key.str()) : prefix + "." + std::string(sub_key.str());
      if (const toml::table* nested = value.as_table()) {
        if (auto s = FlattenEquals(key, path, *nested, out); !s.ok()) return s;
        continue;
      }
      JsonEquals eq;
      eq.path_text = path;
      eq.path = SplitPath(path);
      std::string sub = std::string(key) + "." + path;
      if (std::any_of(eq.path.begin(), eq.path.end(), [](const std::string& s) { return s.empty(); })) {
        return Error(sub, "empty step in the path");
      }
      if (auto s = value.value_exact<std::string>()) {
        eq.expected = *s;
      } else if (auto i = value.value_exact<int64_t>()) {
        eq.expected = *i;
      } else if (auto b = value.value_exact<bool>()) {
        eq.expected = *b;
      } else if (auto d = value.value_exact<double>()) {
        eq.expected = *d;
      } else {
        return Error(sub, "expected a string, number or boolean");
      }
      out.push_back(std::move(eq));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Rule> Parse(const toml::table& table) const {
    Rule rule;
    rule.id = id_;
    rule.index = index_;
    int conditions = 0;
    for (const auto& [key_node, value] : table) {
      std::string_view key = key_node.str();
      if (key == "id") continue;
      if (key == "kind") {
        auto kind = value.value<std::string>();
        if (!value.is_string() || !kind || (*kind != "application" && *kind != "server")) {
          return Error(key, "expected \"application\" or \"server\"");
        }
        rule.kind = *kind == "server" ? Kind::kServer : Kind::kApplication;
      } else if (key == "path") {
        auto path = PathValue(key, value);
        if (!path.ok()) return path.status();
        rule.path = std::move(*path);
      } else if (key == "status") {
        auto one = [&](const toml::node& n) -> absl::Status {
          auto v = n.value_exact<int64_t>();
          if (!v || *v < 100 || *v > 599) return Error(key, "expected HTTP status codes (100..599)");
          rule.status.push_back(static_cast<int>(*v));
          return absl::OkStatus();
        };
        if (const toml::array* list = value.as_array()) {
          if (list->empty()) return Error(key, "empty list");
          for (const toml::node& item : *list) {
            if (auto s = one(item); !s.ok()) return s;
          }
        } else if (auto s = one(value); !s.ok()) {
          return s;
        }
      } else if (key == "header") {
        const toml::table* headers = value.as_table();
        if (headers == nullptr || headers->empty()) {
          return Error(key, "expected header.<name> = 'regex' (a table of header names)");
        }
        for (const auto& [name, pattern] : *headers) {
          std::string sub = "header." + std::string(name.str());
          auto re = Regex(sub, pattern);
          if (!re.ok()) return re.status();
          rule.headers.emplace_back(ToLower(name.str()), std::move(*re));
          ++conditions;
        }
      } else if (key == "title" || key == "body" || key == "url") {
        auto re = Regex(key, value);
        if (!re.ok()) return re.status();
        (key == "title" ? rule.title : key == "body" ? rule.body : rule.url) = std::move(*re);
        ++conditions;
      } else if (key == "json_key") {
        if (const toml::array* list = value.as_array()) {
          if (list->empty()) return Error(key, "empty list");
          for (const toml::node& item : *list) {
            auto path = JsonPath(key, item);
            if (!path.ok()) return path.status();
            rule.json_keys.push_back(std::move(*path));
          }
        } else {
          auto path = JsonPath(key, value);
          if (!path.ok()) return path.status();
          rule.json_keys.push_back(std::move(*path));
        }
        ++conditions;
      } else if (key == "json_equals") {
        const toml::table* equals = value.as_table();
        if (equals == nullptr || equals->empty()) return Error(key, "expected a table { \"a.b\" = value }");
        if (auto s = FlattenEquals(key, "", *equals, rule.json_equals); !s.ok()) return s;
        ++conditions;
      } else if (key == "vendor" || key == "product" || key == "version") {
        auto parsed = ParseValue(key, value);
        if (!parsed.ok()) return parsed.status();
        (key == "vendor" ? rule.vendor : key == "product" ? rule.product : rule.version) = std::move(*parsed);
      } else {
        return Error(key,
                     "unknown key (id, kind, path, status, header, title, body, url, json_key, json_equals, "
                     "vendor, product, version)");
      }
    }
    if (conditions == 0) {
      return Error("rule", "no condition (header, title, body, url, json_key or json_equals)");
    }
    if (!rule.product.set()) return Error("product", "missing (every rule names a product)");
    return rule;
  }

 private:
  std::string name_;
  size_t index_;
  std::string id_;
};


}  // namespace

Fingerprints::Fingerprints() : rules_(std::make_unique<Rules>()) {}
Fingerprints::~Fingerprints() = default;
Fingerprints::Fingerprints(Fingerprints&&) noexcept = default;
Fingerprints& Fingerprints::operator=(Fingerprints&&) noexcept = default;

const std::vector<std::string>& Fingerprints::paths() const {
  static const std::vector<std::string> kNone;
  return rules_ ? rules_->paths : kNone;
}

std::vector<std::string> Fingerprints::rule_ids() const {
  std::vector<std::string> ids;
  if (rules_) {
    for (const Rule& rule : rules_->rules) ids.push_back(rule.id);
  }
  return ids;
}

absl::StatusOr<Fingerprints> Fingerprints::Parse(const std::string& toml_text, const std::string& name) {
  auto rules = std::make_unique<Rules>();
  toml::table doc;
  try {
    doc = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return TopLevelError(name, "TOML syntax at line " + std::to_string(e.source().begin.line) + ", column " +
                                   std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  std::unordered_set<std::string> ids;
  std::set<std::string> paths;
  for (const auto& [key, node] : doc) {
    if (key != "rule") return TopLevelError(name, std::string(key.str()) + ": unknown key (rule)");
    const toml::array* list = node.as_array();
    if (list == nullptr) return TopLevelError(name, "rule: expected an array of tables ([[rule]])");
    for (const toml::node& item : *list) {
      size_t index = rules->rules.size();
      const toml::table* table = item.as_table();
      if (table == nullptr) return TopLevelError(name, "rule[" + std::to_string(index) + "]: expected a table");
      auto id = (*table)["id"].value<std::string>();
      if (!(*table)["id"].is_string() || !id || id->empty()) {
        return RuleParser(name, index, "").Error("id", "missing or not a non-empty string");
      }
      RuleParser parser(name, index, *id);
      if (!ids.insert(*id).second) return parser.Error("id", "duplicate id");
      auto rule = parser.Parse(*table);
      if (!rule.ok()) return rule.status();
      paths.insert(rule->path);
      for (const Value* v : {&rule->vendor, &rule->product, &rule->version}) {
        for (const ValueSpec& spec : v->alternatives) {
          if (!spec.path.empty()) paths.insert(spec.path);
        }
      }
      rules->rules.push_back(std::move(*rule));
    }
  }
  paths.erase("/");
  rules->paths.assign(paths.begin(), paths.end());
  Fingerprints out;
  out.rules_ = std::move(rules);
  return out;
}

absl::StatusOr<Fingerprints> Fingerprints::Load(const std::string& rules_path) {
  std::ifstream in(rules_path);
  if (!in) return absl::NotFoundError("HTTP fingerprint rules: cannot read " + rules_path);
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), rules_path);
}

}  // namespace cmdb::discovery::http
