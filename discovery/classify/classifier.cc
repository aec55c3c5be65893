// Rules loading (TOML -> compiled rules, indexed by enterprise) and the
// per-field matcher. The facts they match are read from a walk in facts.cc.
#include "classify/classifier.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "classify/enterprises.h"
#include "classify/text_util.h"

namespace cmdb::discovery {
namespace {

// Long inputs are cut before regex matching: libstdc++'s matcher recurses
// per character, and no identifying text sits that far into a sysDescr.
constexpr size_t kMaxMatchInput = 1024;
// Arcs of 1.3.6.1.4.1.<n>: what an `enterprise` condition weighs.
constexpr size_t kEnterpriseArcs = 7;

enum Field { kClass, kManufacturer, kOsName, kOsVersion, kModel, kSerial, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"class", "manufacturer", "os_name",
                                                                   "os_version", "model", "serial"};

enum class Source { kLiteral, kSysDescr, kEntityModel, kEntityDescr, kProbe };

// A rule's output for one field: a literal, or a regex on one of the facts
// whose groups fill `format`.
struct ValueSpec {
  bool set = false;
  Source source = Source::kLiteral;
  std::string literal;              // kLiteral; also the format for the others
  Oid probe;                        // kProbe
  std::optional<std::regex> regex;  // none: the whole (trimmed) input
};

struct Rule {
  std::string id;
  size_t index = 0;
  std::vector<Oid> oid_prefixes;
  std::vector<uint32_t> enterprises;
  std::optional<std::regex> sys_descr, sys_descr_not, entity_model, entity_descr;
  std::vector<Oid> mib;
  std::vector<int> if_types;
  int condition_count = 0;  // conditions other than sys_object_id/enterprise
  std::array<ValueSpec, kFieldCount> out;
};

std::string JoinNames() {
  std::string out;
  for (std::string_view name : ClassNames()) out += text::Cat(out.empty() ? "" : ", ", name);
  return out;
}

using Match = std::match_results<std::string_view::const_iterator>;

std::string_view Clip(std::string_view s) { return s.substr(0, std::min(s.size(), kMaxMatchInput)); }

// regex_search that reports failure (an input too complex for the matcher)
// as no match instead of throwing.
bool Search(const std::regex& re, std::string_view text, Match* m = nullptr) {
  text = Clip(text);
  try {
    if (m != nullptr) return std::regex_search(text.begin(), text.end(), *m, re);
    return std::regex_search(text.begin(), text.end(), re);
  } catch (const std::exception&) {
    return false;
  }
}

std::string Trim(std::string_view s) { return std::string(text::Strip(s)); }

// text::Expand, trimmed.
std::string Expand(std::string_view format, const Match* m, std::string_view whole) {
  return Trim(text::Expand(format, m, whole));
}

}  // namespace

struct Classifier::Impl {
  std::vector<Rule> rules;
  std::unordered_map<uint32_t, std::vector<size_t>> by_enterprise;  // rule indexes, ascending
  std::vector<size_t> global;                               // rules not tied to one enterprise, ascending
  std::unordered_map<uint32_t, std::string> manufacturers;  // "" = no fallback
  std::unordered_set<uint32_t> network_enterprises;
  EnterpriseRegistry registry;
  Probes probes;
};

namespace {

// Parses one [[rule]] table; errors name the rule and the key.
class RuleParser {
 public:
  RuleParser(size_t index, std::string id) : index_(index), id_(std::move(id)) {}

  absl::Status Error(std::string_view field, std::string_view what) const {
    return absl::InvalidArgumentError(text::Cat("rule[", index_, "] \"", id_, "\": ", field, ": ", what));
  }

  absl::StatusOr<std::regex> Regex(std::string_view field, const toml::node& node) const {
    auto pattern = node.value<std::string>();
    if (!node.is_string() || !pattern) return Error(field, "expected a string (regex)");
    if (pattern->empty()) return Error(field, "empty regex");
    if (text::HugeRegexNumber(*pattern)) {
      return Error(field, text::Cat("bad regex '", *pattern,
                                    "': a back-reference or repetition count of more than 9 digits"));
    }
    try {
      return std::regex(*pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Error(field, text::Cat("bad regex '", *pattern, "': ", e.what()));
    }
  }

  absl::StatusOr<Oid> ParseOid(std::string_view field, const toml::node& node) const {
    auto oid_text = node.value<std::string>();
    if (!node.is_string() || !oid_text) return Error(field, "expected an OID string");
    auto oid = Oid::Parse(*oid_text);
    if (!oid) return Error(field, text::Cat("malformed OID '", *oid_text, "'"));
    return *oid;
  }

  absl::StatusOr<std::vector<Oid>> OidList(std::string_view field, const toml::node& node) const {
    std::vector<Oid> out;
    if (node.is_string()) {
      auto oid = ParseOid(field, node);
      if (!oid.ok()) return oid.status();
      out.push_back(*oid);
      return out;
    }
    const toml::array* array = node.as_array();
    if (array == nullptr || array->empty()) return Error(field, "expected a non-empty list of OID strings");
    for (const toml::node& item : *array) {
      auto oid = ParseOid(field, item);
      if (!oid.ok()) return oid.status();
      out.push_back(*oid);
    }
    return out;
  }

  absl::StatusOr<std::vector<int64_t>> IntList(std::string_view field, const toml::node& node) const {
    std::vector<int64_t> out;
    auto one = [&](const toml::node& n) -> absl::Status {
      // value_exact: value<int64_t>() would cast a float, undefined when out of range.
      auto v = n.value_exact<int64_t>();
      if (!v || *v < 0 || *v > 0xffffffffLL)
        return Error(field, "expected non-negative integers");
      out.push_back(*v);
      return absl::OkStatus();
    };
    if (node.is_integer()) {
      if (auto s = one(node); !s.ok()) return s;
      return out;
    }
    const toml::array* array = node.as_array();
    if (array == nullptr || array->empty())
      return Error(field, "expected an integer or a non-empty list of integers");
    for (const toml::node& item : *array) {
      if (auto s = one(item); !s.ok()) return s;
    }
    return out;
  }

  absl::StatusOr<ValueSpec> Value(std::string_view field, const toml::node& node) const {
    ValueSpec spec;
    spec.set = true;
    if (node.is_string()) {
      spec.literal = Trim(*node.value<std::string>());
      if (spec.literal.empty()) return Error(field, "empty value");
      return spec;
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) return Error(field, "expected a string or a table {from, regex, format}");
    spec.source = Source::kSysDescr;
    bool has_format = false;
    for (const auto& [key, value] : *table) {
      std::string sub = text::Cat(field, ".", key.str());
      if (key == "from") {
        auto from = value.value<std::string>();
        if (!value.is_string() || !from) return Error(sub, "expected a string");
        if (*from == "sys_descr") {
          spec.source = Source::kSysDescr;
        } else if (*from == "entity_model") {
          spec.source = Source::kEntityModel;
        } else if (*from == "entity_descr") {
          spec.source = Source::kEntityDescr;
        } else if (auto oid = Oid::Parse(*from)) {
          spec.source = Source::kProbe;
          spec.probe = *oid;
        } else {
          return Error(sub, text::Cat("unknown source '", *from,
                                      "' (sys_descr, entity_model, entity_descr or a numeric OID)"));
        }
      } else if (key == "regex") {
        auto re = Regex(sub, value);
        if (!re.ok()) return re.status();
        spec.regex = std::move(*re);
      } else if (key == "format") {
        auto format = value.value<std::string>();
        if (!value.is_string() || !format || format->empty())
          return Error(sub, "expected a non-empty string");
        spec.literal = *format;
        has_format = true;
      } else {
        return Error(sub, "unknown key");
      }
    }
    size_t groups = spec.regex ? spec.regex->mark_count() : 0;
    if (!has_format) spec.literal = groups > 0 ? "$1" : "$0";
    for (size_t i = 0; i + 1 < spec.literal.size(); ++i) {
      if (spec.literal[i] == '$' && spec.literal[i + 1] == '$') {
        ++i;
      } else if (spec.literal[i] == '$' && text::IsDigit(spec.literal[i + 1]) &&
                 static_cast<size_t>(spec.literal[i + 1] - '0') > groups) {
        return Error(text::Cat(field, ".format"), "refers to a group the regex does not have");
      }
    }
    return spec;
  }

  absl::StatusOr<Rule> Parse(const toml::table& table) const {
    Rule rule;
    rule.id = id_;
    rule.index = index_;
    for (const auto& [key_node, value] : table) {
      std::string_view key = key_node.str();
      if (key == "id") continue;
      if (key == "sys_object_id") {
        auto list = OidList(key, value);
        if (!list.ok()) return list.status();
        rule.oid_prefixes = std::move(*list);
      } else if (key == "enterprise") {
        auto list = IntList(key, value);
        if (!list.ok()) return list.status();
        for (int64_t n : *list) rule.enterprises.push_back(static_cast<uint32_t>(n));
      } else if (key == "sys_descr" || key == "sys_descr_not" || key == "entity_model" ||
                 key == "entity_descr") {
        auto re = Regex(key, value);
        if (!re.ok()) return re.status();
        auto& slot = key == "sys_descr"       ? rule.sys_descr
                     : key == "sys_descr_not" ? rule.sys_descr_not
                     : key == "entity_model"  ? rule.entity_model
                                              : rule.entity_descr;
        slot = std::move(*re);
        ++rule.condition_count;
      } else if (key == "mib") {
        auto list = OidList(key, value);
        if (!list.ok()) return list.status();
        rule.mib = std::move(*list);
        ++rule.condition_count;
      } else if (key == "if_type") {
        auto list = IntList(key, value);
        if (!list.ok()) return list.status();
        for (int64_t n : *list) rule.if_types.push_back(static_cast<int>(n));
        ++rule.condition_count;
      } else if (key == "class") {
        auto name = value.value<std::string>();
        if (!value.is_string() || !name) return Error(key, "expected a string");
        const auto& names = ClassNames();
        if (std::find(names.begin(), names.end(), *name) == names.end()) {
          return Error(key, text::Cat("unknown class name '", *name, "' (one of ", JoinNames(), ")"));
        }
        rule.out[kClass].set = true;
        rule.out[kClass].literal = *name;
      } else {
        auto field = std::find(kFieldNames.begin(), kFieldNames.end(), key);
        if (field == kFieldNames.end()) return Error(key, "unknown key");
        auto spec = Value(key, value);
        if (!spec.ok()) return spec.status();
        rule.out[field - kFieldNames.begin()] = std::move(*spec);
      }
    }
    if (rule.oid_prefixes.empty() && rule.enterprises.empty() && rule.condition_count == 0) {
      return Error("sys_object_id", "the rule has no condition (sys_object_id, enterprise, sys_descr, ...)");
    }
    if (rule.condition_count == 1 && rule.sys_descr_not && rule.oid_prefixes.empty() &&
        rule.enterprises.empty()) {
      return Error("sys_descr_not", "cannot be a rule's only condition");
    }
    if (std::none_of(rule.out.begin(), rule.out.end(), [](const ValueSpec& v) { return v.set; })) {
      return Error("class", "the rule sets no field (class, manufacturer, os_name, os_version, model, serial)");
    }
    return rule;
  }

 private:
  size_t index_;
  std::string id_;
};

absl::Status TopLevelError(std::string_view what) {
  return absl::InvalidArgumentError(text::Cat("rules: ", what));
}

absl::Status ParseManufacturers(const toml::node& node, Classifier::Impl& impl) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return TopLevelError("manufacturers: expected a table");
  for (const auto& [key, value] : *table) {
    auto number = text::ParseUint32(key.str());
    auto name = value.value<std::string>();
    if (!number) {
      return TopLevelError(text::Cat("manufacturers.", key.str(), ": key is not an enterprise number"));
    }
    if (!value.is_string() || !name) {
      return TopLevelError(text::Cat("manufacturers.", key.str(), ": expected a string"));
    }
    impl.manufacturers[*number] = Trim(*name);
  }
  return absl::OkStatus();
}

absl::Status ParseFallback(const toml::node& node, Classifier::Impl& impl) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return TopLevelError("fallback: expected a table");
  for (const auto& [key, value] : *table) {
    if (key != "network_enterprises")
      return TopLevelError(text::Cat("fallback.", key.str(), ": unknown key"));
    const toml::array* array = value.as_array();
    if (array == nullptr) return TopLevelError("fallback.network_enterprises: expected a list of integers");
    for (const toml::node& item : *array) {
      auto n = item.value_exact<int64_t>();  // as in IntList: no float cast
      if (!n || *n < 0 || *n > 0xffffffffLL) {
        return TopLevelError("fallback.network_enterprises: expected non-negative integers");
      }
      impl.network_enterprises.insert(static_cast<uint32_t>(*n));
    }
  }
  return absl::OkStatus();
}

void Index(Classifier::Impl& impl) {
  std::set<Oid> subtrees, values;
  for (const Rule& rule : impl.rules) {
    std::vector<uint32_t> keys;
    if (!rule.enterprises.empty()) {
      keys = rule.enterprises;
    } else {
      for (const Oid& prefix : rule.oid_prefixes) {
        auto e = EnterpriseOf(prefix);
        if (!e) {
          keys.clear();
          break;
        }
        keys.push_back(*e);
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (keys.empty()) {
      impl.global.push_back(rule.index);
    } else {
      for (uint32_t k : keys) impl.by_enterprise[k].push_back(rule.index);
    }
    subtrees.insert(rule.mib.begin(), rule.mib.end());
    for (const ValueSpec& v : rule.out) {
      if (v.set && v.source == Source::kProbe) values.insert(v.probe);
    }
  }
  impl.probes.subtrees.assign(subtrees.begin(), subtrees.end());
  impl.probes.values.assign(values.begin(), values.end());
}

// The OID weight of a rule whose cheap conditions (sys_object_id,
// enterprise, if_type, mib) hold for `facts`, or nullopt when one fails: the
// longest matching sys_object_id prefix, 7 for a matching enterprise, 0 for a
// rule with neither. The regex conditions are left to MatchesText().
std::optional<size_t> OidWeight(const Rule& rule, const DeviceFacts& facts,
                                std::optional<uint32_t> enterprise) {
  size_t weight = 0;
  if (!rule.oid_prefixes.empty()) {
    bool any = false;
    for (const Oid& prefix : rule.oid_prefixes) {
      if (facts.sys_object_id.StartsWith(prefix)) {
        any = true;
        weight = std::max(weight, prefix.arcs.size());
      }
    }
    if (!any) return std::nullopt;
  }
  if (!rule.enterprises.empty()) {
    if (!enterprise ||
        std::find(rule.enterprises.begin(), rule.enterprises.end(), *enterprise) == rule.enterprises.end()) {
      return std::nullopt;
    }
    weight = std::max(weight, kEnterpriseArcs);
  }
  if (!rule.if_types.empty() && std::none_of(rule.if_types.begin(), rule.if_types.end(), [&](int t) {
        return std::find(facts.if_types.begin(), facts.if_types.end(), t) != facts.if_types.end();
      })) {
    return std::nullopt;
  }
  if (!rule.mib.empty() && std::none_of(rule.mib.begin(), rule.mib.end(), [&](const Oid& p) {
        return std::any_of(facts.present_subtrees.begin(), facts.present_subtrees.end(),
                           [&](const Oid& q) { return q.StartsWith(p); });
      })) {
    return std::nullopt;
  }
  return weight;
}

// Whether the rule's regex conditions hold for `facts`.
bool MatchesText(const Rule& rule, const DeviceFacts& facts) {
  if (rule.sys_descr && !Search(*rule.sys_descr, facts.sys_descr)) return false;
  if (rule.sys_descr_not && Search(*rule.sys_descr_not, facts.sys_descr)) return false;
  if (rule.entity_model && !Search(*rule.entity_model, facts.entity_model)) return false;
  if (rule.entity_descr && !Search(*rule.entity_descr, facts.entity_descr)) return false;
  return true;
}

// The value a rule gives a field for these facts; empty when it sets none or
// its regex does not match.
std::string Evaluate(const ValueSpec& spec, const DeviceFacts& facts) {
  if (!spec.set) return {};
  if (spec.source == Source::kLiteral) return spec.literal;
  std::string_view input;
  switch (spec.source) {
    case Source::kSysDescr:
      input = facts.sys_descr;
      break;
    case Source::kEntityModel:
      input = facts.entity_model;
      break;
    case Source::kEntityDescr:
      input = facts.entity_descr;
      break;
    case Source::kProbe: {
      auto it = facts.probe_values.find(spec.probe);
      if (it == facts.probe_values.end()) return {};
      input = it->second;
      break;
    }
    case Source::kLiteral:
      break;
  }
  if (!spec.regex) {
    std::string whole = Trim(Clip(input));
    return whole.empty() ? std::string() : Expand(spec.literal, nullptr, whole);
  }
  Match m;
  if (!Search(*spec.regex, input, &m)) return {};
  return Expand(spec.literal, &m, {});
}

}  // namespace

const std::vector<std::string_view>& ClassNames() {
  static const std::vector<std::string_view> kNames = {
      "switch",         "router",  "firewall",   "wireless_access_point",
      "load_balancer",  "server",  "hypervisor", "workstation",
      "storage_device", "printer", "ups",        "network_device"};
  return kNames;
}

Classifier::Classifier(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Classifier::~Classifier() = default;

const Probes& Classifier::probes() const { return impl_->probes; }
size_t Classifier::rule_count() const { return impl_->rules.size(); }

absl::StatusOr<Classifier> Classifier::FromText(std::string_view toml_text,
                                                std::string_view enterprises_tsv_text) {
  auto impl = std::make_shared<Impl>();
  auto registry = EnterpriseRegistry::Parse(enterprises_tsv_text);
  if (!registry.ok()) return registry.status();
  impl->registry = std::move(*registry);

  toml::table doc;
  try {
    doc = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return TopLevelError(text::Cat("TOML syntax at line ", e.source().begin.line, ", column ",
                                   e.source().begin.column, ": ", e.description()));
  }
  std::unordered_set<std::string> ids;
  for (const auto& [key, node] : doc) {
    if (key == "manufacturers") {
      if (auto s = ParseManufacturers(node, *impl); !s.ok()) return s;
    } else if (key == "fallback") {
      if (auto s = ParseFallback(node, *impl); !s.ok()) return s;
    } else if (key == "rule") {
      const toml::array* rules = node.as_array();
      if (rules == nullptr) return TopLevelError("rule: expected an array of tables ([[rule]])");
      for (const toml::node& item : *rules) {
        size_t index = impl->rules.size();
        const toml::table* table = item.as_table();
        if (table == nullptr) return TopLevelError(text::Cat("rule[", index, "]: expected a table"));
        auto id = (*table)["id"].value<std::string>();
        if (!id || id->empty()) {
          return RuleParser(index, "").Error("id", "missing or not a non-empty string");
        }
        RuleParser parser(index, *id);
        if (!ids.insert(*id).second) return parser.Error("id", "duplicate id");
        auto rule = parser.Parse(*table);
        if (!rule.ok()) return rule.status();
        impl->rules.push_back(std::move(*rule));
      }
    } else {
      return TopLevelError(text::Cat(key.str(), ": unknown key (manufacturers, fallback, rule)"));
    }
  }
  Index(*impl);
  return Classifier(std::move(impl));
}

absl::StatusOr<Classifier> Classifier::Load(std::string_view rules_path, std::string_view enterprises_path) {
  std::ifstream in{std::string(rules_path)};
  if (!in) return absl::NotFoundError(text::Cat("rules: cannot read ", rules_path));
  std::ostringstream rules;
  rules << in.rdbuf();
  std::string registry_text;
  std::string registry_path(enterprises_path.empty() ? kDefaultEnterprisesPath : enterprises_path);
  std::ifstream reg(registry_path);
  if (reg) {
    std::ostringstream text;
    text << reg.rdbuf();
    registry_text = text.str();
  } else if (!enterprises_path.empty()) {
    return absl::NotFoundError(text::Cat("enterprise registry: cannot read ", registry_path));
  }
  auto classifier = FromText(rules.str(), registry_text);
  if (!classifier.ok()) {
    absl::string_view message = classifier.status().message();
    return absl::Status(classifier.status().code(),
                        text::Cat(rules_path, ": ", std::string_view(message.data(), message.size())));
  }
  return classifier;
}

Classification Classifier::Classify(const DeviceFacts& facts) const {
  const Impl& impl = *impl_;
  Classification result;
  std::optional<uint32_t> enterprise = EnterpriseOf(facts.sys_object_id);

  // Candidates: the enterprise's rules and the global ones whose cheap
  // conditions hold, most specific first (OID weight, then number of other
  // conditions, then file order). Their regex conditions are tested only when
  // a field gets to them, and at most once.
  struct Candidate {
    size_t weight;
    int conditions;
    size_t index;
    enum { kUntested, kMatch, kNoMatch } text = kUntested;
  };
  std::vector<Candidate> candidates;
  auto consider = [&](size_t index) {
    const Rule& rule = impl.rules[index];
    if (auto weight = OidWeight(rule, facts, enterprise)) {
      candidates.push_back({*weight, rule.condition_count, index});
    }
  };
  if (enterprise) {
    if (auto it = impl.by_enterprise.find(*enterprise); it != impl.by_enterprise.end()) {
      for (size_t index : it->second) consider(index);
    }
  }
  for (size_t index : impl.global) consider(index);
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    if (a.conditions != b.conditions) return a.conditions > b.conditions;
    return a.index < b.index;
  });

  std::array<std::string*, kFieldCount> slots = {&result.class_name, &result.manufacturer, &result.os_name,
                                                 &result.os_version, &result.model, &result.serial};
  std::array<std::string, kFieldCount> decided_by;
  for (int field = 0; field < kFieldCount; ++field) {
    for (Candidate& candidate : candidates) {
      const Rule& rule = impl.rules[candidate.index];
      const ValueSpec& spec = rule.out[field];
      if (!spec.set) continue;
      if (candidate.text == Candidate::kUntested) {
        candidate.text = MatchesText(rule, facts) ? Candidate::kMatch : Candidate::kNoMatch;
      }
      if (candidate.text == Candidate::kNoMatch) continue;
      // A version only from a rule that names the same OS (or none); a model
      // only from a rule that names the same manufacturer (or none).
      if (field == kOsVersion && rule.out[kOsName].set) {
        std::string os = Evaluate(rule.out[kOsName], facts);
        if (!os.empty() && !text::EqualsIgnoreCase(os, result.os_name)) continue;
      }
      if (field == kModel && rule.out[kManufacturer].set) {
        std::string maker = Evaluate(rule.out[kManufacturer], facts);
        if (!maker.empty() && !text::EqualsIgnoreCase(maker, result.manufacturer)) continue;
      }
      std::string value = Evaluate(spec, facts);
      if (value.empty()) continue;
      *slots[field] = std::move(value);
      decided_by[field] = rule.id;
      break;
    }
  }

  // Fallbacks.
  if (result.class_name.empty() && facts.sys_services > 0 && facts.sys_services < 128 &&
      (facts.sys_services & 64) == 0) {
    // No application layer: a forwarding box. Layer 2 (bridge) makes it a
    // switch (also with layer 3: an L3 switch), layer 3 alone a router.
    if (facts.sys_services & 2) {
      result.class_name = "switch";
    } else if (facts.sys_services & 4) {
      result.class_name = "router";
    }
    if (!result.class_name.empty()) decided_by[kClass] = "@sys_services";
  }
  if (result.class_name.empty() && enterprise && impl.network_enterprises.contains(*enterprise)) {
    result.class_name = "network_device";
    decided_by[kClass] = text::Cat("@network_enterprises.", *enterprise);
  }
  if (result.manufacturer.empty() && enterprise) {
    if (auto it = impl.manufacturers.find(*enterprise); it != impl.manufacturers.end()) {
      // An empty name marks a software agent (net-snmp, ...): no maker.
      if (!it->second.empty()) {
        result.manufacturer = it->second;
        decided_by[kManufacturer] = text::Cat("@manufacturers.", *enterprise);
      }
    } else if (auto name = impl.registry.Name(*enterprise)) {
      result.manufacturer = NormalizeOrganisation(*name);
      if (!result.manufacturer.empty()) decided_by[kManufacturer] = text::Cat("@registry.", *enterprise);
    }
  }
  if (result.model.empty() && !facts.entity_model.empty()) {
    result.model = Trim(facts.entity_model);
    if (!result.model.empty()) decided_by[kModel] = "@entity_model";
  }
  for (int field = 0; field < kFieldCount; ++field) {
    if (!decided_by[field].empty())
      result.matched_rules.push_back(text::Cat(kFieldNames[field], "=", decided_by[field]));
  }
  return result;
}

}  // namespace cmdb::discovery
