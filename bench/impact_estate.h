// The synthetic estate of the impact benchmark (bench/impact_load.cc): a
// data centre's CIs and typed relationships, generated from a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cmdb/v1/resources.pb.h"
#include "core/model.h"

namespace cmdb::bench {

enum RelType { kDependsOn, kRunsOn, kHostedOn, kConnectedTo, kMemberOf, kUses, kLocatedIn, kPoweredBy, kTypes };
inline constexpr const char* kTypeNames[kTypes] = {"depends_on", "runs_on",  "hosted_on",  "connected_to",
                                                   "member_of",  "uses",     "located_in", "powered_by"};

struct Item {
  std::string class_name;
  std::string name;
  v1::Criticality criticality = v1::CRITICALITY_UNSPECIFIED;
  Json attributes;
};

struct Link {
  int from, to;
  RelType type;
};

struct Rack {
  int ups = -1;
  int tor[2] = {-1, -1};
  std::vector<int> hosts;
};

struct DataCentre {
  std::vector<Item> cis;
  std::vector<Link> links;
  std::vector<Rack> racks;
  size_t structural_links = 0;  // before the filler that brings the count to the target
};

// The estate for `cis` CIs and `links` relationships (at least the
// structure's own; the rest are more of the same kinds: application usage,
// second datastores, more instances, more service dependencies).
//
// Per 200,000 CIs: 13,000 hypervisors, 20 to a rack (650 racks, each with a
// UPS and two top-of-rack switches), 8 racks to a pod (82 pods, each with
// two aggregation switches, four storage arrays and two load balancers;
// two core routers), 16 hypervisors to a cluster within a pod; 40,000
// applications in 200 domains of 200 (tiers: 15% front ends, 35% services,
// 25% back ends, 25% databases) plus 20 shared platform services in pod 0;
// 2,000 business services; the rest (about 140,000) VMs, spread evenly over
// the hypervisors, each running one application of a domain of its pod.
DataCentre MakeDataCentre(int cis, int links, uint32_t seed);

}  // namespace cmdb::bench
