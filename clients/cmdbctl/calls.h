// Server calls several commands share: paging through lists, the CI filter
// for --class, and class schemas fetched once per class. Errors are thrown
// as cmdbctl::Error (see client.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
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
