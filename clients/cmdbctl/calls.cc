// Paging helpers and the class schema cache (see calls.h).
#include "calls.h"

#include <algorithm>

namespace cmdbctl {
namespace {

// `text` as a filter string literal.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string CiFilter(const std::string& class_name, const std::string& filter) {
  if (class_name.empty()) return filter;
  return AndFilter(filter, "class = " + Quoted(class_name));
}

std::string AndFilter(const std::string& filter, const std::string& term) {
  if (filter.empty()) return term;
  return "(" + filter + ") AND " + term;
}

void ForEachCi(Client& client, cmdb::v1::ListCIsRequest request, int64_t limit,
               const std::function<void(const cmdb::v1::ConfigurationItem&)>& visit) {
  int64_t seen = 0;
  while (true) {
    if (limit > 0 && (request.page_size() == 0 || request.page_size() > limit - seen)) {
      request.set_page_size(static_cast<int32_t>(std::min<int64_t>(limit - seen, 1000)));
    }
    const auto page = client.Call(&cmdb::v1::CmdbService::Stub::ListCIs, request);
    for (const auto& ci : page.cis()) {
      visit(ci);
      if (limit > 0 && ++seen >= limit) return;
    }
    if (page.next_page_token().empty()) return;
    request.set_page_token(page.next_page_token());
  }
}

std::vector<cmdb::v1::Relationship> ListAllRelationships(Client& client, cmdb::v1::ListRelationshipsRequest request) {
  return AllPages(
      std::move(request),
      [&](const cmdb::v1::ListRelationshipsRequest& r) {
        return client.Call(&cmdb::v1::CmdbService::Stub::ListRelationships, r);
      },
      [](const cmdb::v1::ListRelationshipsResponse& page) -> const auto& { return page.relationships(); });
}

const AttributeTypes& ClassSchemas::TypesOf(const std::string& class_name) {
  auto it = types_.find(class_name);
  if (it != types_.end()) return it->second;
  cmdb::v1::GetClassRequest request;
  request.set_name(class_name);
  const auto cls = client_.Call(&cmdb::v1::CmdbService::Stub::GetClass, request);
  return types_[class_name] = cmdbctl::TypesOf(cls);
}

}  // namespace cmdbctl
