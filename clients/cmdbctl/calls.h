// Server calls several commands share: paging through lists, the CI filter
// for --class, and class schemas fetched once per class. Errors are thrown
// as cmdbctl::Error (see client.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "attr_parse.h"
#include "client.h"

namespace cmdbctl {

// The ListCIs filter for --class and --filter: `class = "C"`, the filter
// alone, `(<filter>) AND class = "C"`, or "" when both are empty.
std::string CiFilter(const std::string& class_name, const std::string& filter);

// `(<filter>) AND <term>`, or `term` alone when `filter` is empty.
std::string AndFilter(const std::string& filter, const std::string& term);

// Calls ListCIs page after page (starting from request.page_token), handing
// each CI to `visit`, until the last page or `limit` CIs (0: no limit).
void ForEachCi(Client& client, cmdb::v1::ListCIsRequest request, int64_t limit,
               const std::function<void(const cmdb::v1::ConfigurationItem&)>& visit);

// Calls a paged List method from request.page_token to its last page and
// returns every item: `call(request)` makes one call, `items(page)` picks
// the page's repeated field.
template <typename Request, typename Call, typename Items>
auto AllPages(Request request, Call&& call, Items&& items) {
  using Page = std::remove_cvref_t<decltype(call(request))>;
  using Item = std::remove_cvref_t<decltype(*items(std::declval<const Page&>()).begin())>;
  std::vector<Item> all;
  while (true) {
    const Page page = call(request);
    const auto& got = items(page);
    all.insert(all.end(), got.begin(), got.end());
    if (page.next_page_token().empty()) return all;
    request.set_page_token(page.next_page_token());
  }
}

// Every relationship matching `request`, all pages.
std::vector<cmdb::v1::Relationship> ListAllRelationships(Client& client, cmdb::v1::ListRelationshipsRequest request);

// Attribute types of classes, each fetched with GetClass on first use.
class ClassSchemas {
 public:
  explicit ClassSchemas(Client& client) : client_(client) {}
  // The effective attribute types of `class_name`; throws NOT_FOUND (from
  // the server) for an unknown class.
  const AttributeTypes& TypesOf(const std::string& class_name);

 private:
  Client& client_;
  std::map<std::string, AttributeTypes> types_;
};

}  // namespace cmdbctl
