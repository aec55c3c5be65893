#include "core/model.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

namespace cmdb {

bool IsValidStatus(std::string_view status) {
  return status == kStatusPlanned || status == kStatusInstalled || status == kStatusInUse ||
         status == kStatusMaintenance || status == kStatusRetired;
}

namespace {
constexpr std::array<std::string_view, 5> kCriticalityOrder = {"", "low", "medium", "high", "critical"};
}  // namespace

int CriticalityRank(std::string_view criticality) {
  for (size_t i = 0; i < kCriticalityOrder.size(); ++i) {
    if (kCriticalityOrder[i] == criticality) return static_cast<int>(i);
  }
  return -1;
}

std::string_view CriticalityOfRank(int rank) {
  return rank > 0 && rank < static_cast<int>(kCriticalityOrder.size()) ? kCriticalityOrder[rank] : "";
}

bool IsValidCriticality(std::string_view criticality) { return CriticalityRank(criticality) >= 0; }

std::string EtagFor(int64_t version) { return std::to_string(version); }

std::optional<int64_t> VersionFromEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  int64_t version = 0;
  auto [end, ec] = std::from_chars(etag.data(), etag.data() + etag.size(), version);
  if (ec != std::errc() || end != etag.data() + etag.size() || version <= 0) return std::nullopt;
  return version;
}

namespace {
constexpr std::array<std::pair<AttrType, std::string_view>, 11> kAttrTypeNames = {{
    {AttrType::kString, "string"},
    {AttrType::kInteger, "integer"},
    {AttrType::kFloat, "float"},
    {AttrType::kBoolean, "boolean"},
    {AttrType::kDatetime, "datetime"},
    {AttrType::kIpAddress, "ip_address"},
    {AttrType::kMacAddress, "mac_address"},
    {AttrType::kStringList, "string_list"},
    {AttrType::kJson, "json"},
    {AttrType::kMacAddressList, "mac_address_list"},
    {AttrType::kIpAddressList, "ip_address_list"},
}};
}  // namespace

std::string_view AttrTypeName(AttrType type) {
  for (const auto& [t, name] : kAttrTypeNames) {
    if (t == type) return name;
  }
  return "string";
}

std::optional<AttrType> AttrTypeFromName(std::string_view name) {
  for (const auto& [t, n] : kAttrTypeNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::optional<AttrType> ListElementType(AttrType type) {
  switch (type) {
    case AttrType::kStringList: return AttrType::kString;
    case AttrType::kMacAddressList: return AttrType::kMacAddress;
    case AttrType::kIpAddressList: return AttrType::kIpAddress;
    default: return std::nullopt;
  }
}

std::vector<std::string> ChangedFields(const Ci& before, const Ci& after) {
  std::vector<std::string> out;
  if (before.class_name != after.class_name) out.emplace_back("class_name");
  if (before.name != after.name) out.emplace_back("name");
  if (before.status != after.status) out.emplace_back("status");
  if (before.owner != after.owner) out.emplace_back("owner");
  if (before.criticality != after.criticality) out.emplace_back("criticality");
  if (before.parent_id != after.parent_id) out.emplace_back("parent_id");
  std::set<std::string> keys;
  for (const auto& [k, v] : before.attributes.items()) keys.insert(k);
  for (const auto& [k, v] : after.attributes.items()) keys.insert(k);
  for (const auto& k : keys) {
    auto b = before.attributes.find(k);
    auto a = after.attributes.find(k);
    const bool in_b = b != before.attributes.end(), in_a = a != after.attributes.end();
    if (in_b != in_a || (in_b && *b != *a)) out.push_back("attributes." + k);
  }
  return out;
}

bool SameContent(const Ci& a, const Ci& b) {
  return a.class_name == b.class_name && a.name == b.name && a.status == b.status && a.owner == b.owner &&
         a.criticality == b.criticality && a.parent_id == b.parent_id && a.attributes == b.attributes;
}

}  // namespace cmdb
