#include "core/identification.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "core/normalize.h"
#include "core/status.h"
#include "core/strings.h"

namespace cmdb {
namespace {

constexpr char kValueSeparator = '\x1f';

uint32_t Stripe(std::string_view kind, std::string_view values) {
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(kind);
  mix("\x1e");
  mix(values);
  return static_cast<uint32_t>(h % kIdentifierStripes);
}

bool IsHostLike(std::string_view field) { return field == "fqdn" || field == "hostname" || field == "url"; }

// The normalised values of one field (several for a list), or none when absent.
std::vector<std::string> FieldValues(const Catalog& catalog, const Ci& ci, std::string_view field) {
  std::vector<std::string> out;
  if (field == "name") {
    if (!ci.name.empty()) out.push_back(NormalizeIdentifierValue(nullptr, field, ci.name));
    return out;
  }
  auto it = ci.attributes.find(std::string(field));
  if (it == ci.attributes.end() || it->is_null()) return out;
  const AttributeDef* def = catalog.FindAttribute(ci.class_name, field);
  if (it->is_array()) {
    for (const Json& item : *it) {
      std::string v = NormalizeIdentifierValue(def, field, item);
      if (!v.empty()) out.push_back(std::move(v));
    }
  } else {
    std::string v = NormalizeIdentifierValue(def, field, *it);
    if (!v.empty()) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string LongValueDigest(std::string_view value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(value.data(), value.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string IdentifierKind(const IdentifierSetDef& set) {
  std::string kind = set.within_parent ? "parent:" : "";
  for (size_t i = 0; i < set.fields.size(); ++i) {
    if (i > 0) kind += '+';
    kind += set.fields[i];
  }
  return kind;
}

std::string NormalizeIdentifierValue(const AttributeDef* def, std::string_view field, const Json& value) {
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (!value.is_string()) return "";
  const std::string& text = value.get_ref<const std::string&>();
  if (def != nullptr && (def->type == AttrType::kMacAddress || def->type == AttrType::kMacAddressList)) {
    return NormalizeMac(text).value_or(std::string(TrimSpace(text)));
  }
  if (def != nullptr && (def->type == AttrType::kIpAddress || def->type == AttrType::kIpAddressList)) {
    return NormalizeIp(text).value_or(std::string(TrimSpace(text)));
  }
  if (IsHostLike(field)) {
    std::string host = NormalizeHostname(text);
    while (!host.empty() && (host.back() == '/' || host.back() == '.')) host.pop_back();
    return host;
  }
  return NormalizeToken(text);
}

std::vector<IdentifierKey> IdentifierKeys(const Catalog& catalog, const std::vector<IdentifierSetDef>& rules,
                                          const Ci& ci) {
  std::vector<IdentifierKey> keys;
  for (size_t s = 0; s < rules.size(); ++s) {
    const IdentifierSetDef& set = rules[s];
    if (set.within_parent && ci.parent_id.empty()) continue;
    // The cartesian product of the fields' values, capped.
    std::vector<std::string> combos = {""};
    bool complete = true;
    for (size_t f = 0; f < set.fields.size(); ++f) {
      std::vector<std::string> values = FieldValues(catalog, ci, set.fields[f]);
      if (values.empty()) {
        complete = false;
        break;
      }
      std::vector<std::string> next;
      for (const auto& prefix : combos) {
        for (const auto& v : values) {
          if (next.size() == kMaxKeysPerSet) break;
          next.push_back(f == 0 ? v : StrCat(prefix, kValueSeparator, v));
        }
      }
      combos = std::move(next);
    }
    if (!complete) continue;
    const std::string kind = IdentifierKind(set);
    for (const auto& values : combos) {
      IdentifierKey key;
      key.kind = kind;
      key.value = set.within_parent ? StrCat(ci.parent_id, "/", values) : values;
      if (key.value.size() > kMaxIdentifierText) key.value = LongValueDigest(key.value);
      key.set_index = static_cast<int>(s);
      key.stripe = Stripe(kind, values);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
  }
  return keys;
}

std::vector<IdentifierKey> IdentifierKeys(const Catalog& catalog, const Ci& ci) {
  return IdentifierKeys(catalog, catalog.IdentificationRules(ci.class_name), ci);
}

IdentifierKey SourceKey(std::string_view source, std::string_view key) {
  IdentifierKey k;
  k.kind = StrCat("source:", source);
  k.value = std::string(TrimSpace(key));
  if (k.value.size() > kMaxIdentifierText) k.value = LongValueDigest(k.value);
  k.stripe = Stripe(k.kind, k.value);
  return k;
}

MatchDecision DecideMatch(const std::vector<IdentifierKey>& keys, const std::vector<KeyHolders>& holders) {
  MatchDecision decision;
  std::set<int> groups;
  for (const auto& key : keys) groups.insert(key.set_index);
  for (int group : groups) {
    std::set<std::string> ids;
    std::vector<SharedIdentifier> shared;
    std::string kind;
    for (size_t k = 0; k < keys.size() && k < holders.size(); ++k) {
      if (keys[k].set_index != group) continue;
      const KeyHolders& h = holders[k];
      if (h.stored.empty() && h.claimed.empty()) continue;
      ids.insert(h.stored.begin(), h.stored.end());
      if (!h.claimed.empty()) ids.insert(h.claimed);
      if (h.stored.size() > 1) shared.push_back({keys[k].kind, keys[k].value, h.stored});
      kind = keys[k].kind;
    }
    if (ids.empty()) continue;
    decision.matched_by = kind;
    if (ids.size() == 1) {
      decision.kind = MatchDecision::kMatch;
      decision.ci_id = *ids.begin();
      return decision;
    }
    decision.kind = MatchDecision::kConflict;
    decision.reason = StrCat("ambiguous: ", kind, " matches ", ids.size(), " CIs");
    decision.candidates.assign(ids.begin(), ids.end());
    decision.duplicates = std::move(shared);
    return decision;
  }
  return decision;
}

absl::Status CheckIdentifierSet(const Catalog& catalog, std::string_view cls, const IdentifierSetDef& set,
                                std::string_view field_path) {
  if (set.fields.empty() || set.fields.size() > 4) return FieldError(field_path, "one to four fields");
  for (size_t i = 0; i < set.fields.size(); ++i) {
    const std::string& f = set.fields[i];
    if (f == "name") continue;
    const AttributeDef* def = catalog.FindAttribute(cls, f);
    if (def == nullptr) {
      return FieldError(StrCat(field_path, "[", i, "]"), StrCat("class ", cls, " has no attribute \"", f, "\""));
    }
    if (def->type == AttrType::kJson || def->type == AttrType::kFloat) {
      return FieldError(StrCat(field_path, "[", i, "]"),
                        StrCat("attribute ", f, " is of type ", AttrTypeName(def->type), ", which cannot identify"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cmdb
