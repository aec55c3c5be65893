// The impact benchmark's estate generator.
#include "impact_estate.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

#include "core/strings.h"

namespace cmdb::bench {
namespace {

class Builder {
 public:
  explicit Builder(uint32_t seed) : rng_(seed) {}

  int Pick(size_t n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  int Between(int lo, int hi) { return lo + Pick(static_cast<size_t>(hi - lo + 1)); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  double Normal(double sigma) { return std::normal_distribution<double>(0, sigma)(rng_); }
  int Weighted(std::discrete_distribution<int>& d) { return d(rng_); }
  template <typename T>
  const T& OneOf(const std::vector<T>& v) { return v[Pick(v.size())]; }
  std::string Hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < digits; ++i) s.push_back(kHex[rng_() % 16]);
    return s;
  }

  int Add(std::string class_name, std::string name, Json attributes,
          v1::Criticality criticality = v1::CRITICALITY_UNSPECIFIED) {
    dc_.cis.push_back({std::move(class_name), std::move(name), criticality, std::move(attributes)});
    return static_cast<int>(dc_.cis.size()) - 1;
  }
  // False for a self-link or one already made (source, type, target are unique).
  bool Link(int from, int to, RelType type) {
    if (from == to) return false;
    const uint64_t key = (static_cast<uint64_t>(from) << 36) | (static_cast<uint64_t>(to) << 4) | type;
    if (!seen_.insert(key).second) return false;
    dc_.links.push_back({from, to, type});
    return true;
  }
  DataCentre& dc() { return dc_; }

 private:
  std::mt19937 rng_;
  DataCentre dc_;
  std::unordered_set<uint64_t> seen_;
};

std::string Ip(int a, int i) { return StrCat("10.", a, ".", (i >> 8) & 255, ".", i & 255); }

}  // namespace

DataCentre MakeDataCentre(int cis, int links, uint32_t seed) {
  Builder b(seed);
  const int hosts_n = std::max(40, cis * 65 / 1000);
  const int racks_n = (hosts_n + 19) / 20;
  const int pods_n = std::max(2, (racks_n + 7) / 8);
  const int services_n = std::max(2, cis / 100);
  const int apps_n = std::max(40, cis / 5);
  const int platform_n = std::max(2, std::min(20, apps_n / 10));
  const int domains_n = std::max(1, (apps_n - platform_n) / 200);

  auto serial = [&](const char* prefix) { return StrCat(prefix, b.Hex(10)); };
  struct Pod {
    std::vector<int> racks, hosts, clusters, storage, lbs, aggs, domains, vms;
  };
  std::vector<Pod> pods(static_cast<size_t>(pods_n));

  // Network core, pods, racks.
  std::vector<int> core;
  for (int i = 0; i < 2; ++i) {
    core.push_back(b.Add("router", StrCat("core-", char('a' + i)),
                         {{"serial_number", serial("FXS")}, {"manufacturer", "Cisco"}, {"model", "ASR 9006"},
                          {"management_ip", Ip(250, i)}}, v1::CRITICALITY_CRITICAL));
  }
  for (int p = 0; p < pods_n; ++p) {
    Pod& pod = pods[p];
    for (int i = 0; i < 2; ++i) {
      pod.aggs.push_back(b.Add("switch", StrCat("agg-p", p, "-", char('a' + i)),
                               {{"serial_number", serial("FDO")}, {"manufacturer", "Cisco"},
                                {"model", "N9K-C93180YC"}, {"management_ip", Ip(251, p * 2 + i)},
                                {"port_count", 54}}, v1::CRITICALITY_HIGH));
    }
    for (int i = 0; i < 4; ++i) {
      pod.storage.push_back(b.Add("storage_device", StrCat("array-p", p, "-", i),
                                  {{"serial_number", serial("CK")}, {"manufacturer", "NetApp"},
                                   {"model", "AFF A400"}, {"management_ip", Ip(252, p * 4 + i)}},
                                  v1::CRITICALITY_HIGH));
    }
    for (int i = 0; i < 2; ++i) {
      pod.lbs.push_back(b.Add("load_balancer", StrCat("lb-p", p, "-", char('a' + i)),
                              {{"serial_number", serial("F5")}, {"manufacturer", "F5"}, {"model", "BIG-IP i5800"},
                               {"management_ip", Ip(253, p * 2 + i)}}));
    }
  }
  std::vector<int> rack_ci, rack_pod;
  for (int r = 0; r < racks_n; ++r) {
    const int p = static_cast<int>(static_cast<int64_t>(r) * pods_n / racks_n);
    Rack rack;
    rack_ci.push_back(b.Add("location", StrCat("dc1-p", p, "-rack", r),
                            {{"site_code", StrCat("DC1-R", r)}, {"city", "Frankfurt"}, {"country", "DE"}}));
    rack.ups = b.Add("ups", StrCat("ups-r", r),
                     {{"serial_number", serial("AS")}, {"manufacturer", "APC"}, {"model", "Smart-UPS SRT 10000"},
                      {"management_ip", Ip(254, r)}});
    for (int i = 0; i < 2; ++i) {
      rack.tor[i] = b.Add("switch", StrCat("tor-r", r, "-", char('a' + i)),
                          {{"serial_number", serial("FOC")}, {"manufacturer", "Cisco"}, {"model", "C9300-48P"},
                           {"management_ip", Ip(200 + i, r)}, {"port_count", 52}});
    }
    b.dc().racks.push_back(rack);
    rack_pod.push_back(p);
    pods[p].racks.push_back(r);
  }
  std::vector<int> host_rack, hosts_by_index;
  for (int h = 0; h < hosts_n; ++h) {
    const int r = h / 20;
    const int p = rack_pod[r];
    const std::string name = StrCat("esx-p", p, "-", h);
    const int id = b.Add("hypervisor", name,
                         {{"serial_number", serial("SN")}, {"manufacturer", "Dell Inc."}, {"model", "PowerEdge R750"},
                          {"hostname", name}, {"fqdn", StrCat(name, ".dc1.example.net")},
                          {"management_ip", Ip(100 + (h >> 16), h & 0xffff)}, {"os_name", "VMware ESXi"},
                          {"os_version", "8.0"}, {"cpu_count", 64}, {"memory_mb", 1048576}});
    b.dc().racks[r].hosts.push_back(id);
    pods[p].hosts.push_back(id);
    host_rack.push_back(r);
    hosts_by_index.push_back(id);
  }
  std::vector<int> cluster_of(b.dc().cis.size() + 1, -1);  // by host CI, grown below
  for (int p = 0; p < pods_n; ++p) {
    Pod& pod = pods[p];
    for (size_t i = 0; i < pod.hosts.size(); i += 16) {
      const int c = b.Add("cluster", StrCat("cl-p", p, "-", i / 16),
                          {{"description", StrCat("vSphere cluster ", i / 16, " of pod ", p)}});
      pod.clusters.push_back(c);
      for (size_t k = i; k < std::min(pod.hosts.size(), i + 16); ++k) {
        cluster_of[pod.hosts[k]] = c;
      }
    }
  }

  // Business services, applications, VMs.
  const int vms_n = cis - static_cast<int>(b.dc().cis.size()) - services_n - apps_n;
  if (vms_n < hosts_n) throw std::runtime_error("--cis is too small for the estate's shape");
  std::vector<int> services;
  static const v1::Criticality kServiceCriticality[] = {
      v1::CRITICALITY_CRITICAL, v1::CRITICALITY_HIGH,   v1::CRITICALITY_HIGH,   v1::CRITICALITY_HIGH,
      v1::CRITICALITY_MEDIUM,   v1::CRITICALITY_MEDIUM, v1::CRITICALITY_MEDIUM, v1::CRITICALITY_MEDIUM,
      v1::CRITICALITY_LOW,      v1::CRITICALITY_LOW};
  for (int s = 0; s < services_n; ++s) {
    services.push_back(b.Add("business_service", StrCat("service-", s),
                             {{"service_level", s % 3 == 0 ? "gold" : s % 3 == 1 ? "silver" : "bronze"},
                              {"support_group", StrCat("team-", s % 97)}},
                             kServiceCriticality[s % 10]));
  }
  static const char* kPlatforms[] = {"dns",     "identity", "message-bus", "secrets", "service-mesh",
                                     "config",  "registry", "ntp",         "logging", "metrics",
                                     "tracing", "backup",   "ci-cd",       "cache",   "search",
                                     "mail",    "scheduler", "object-store", "feature-flags", "audit"};
  std::vector<int> platform;
  for (int k = 0; k < platform_n; ++k) {
    platform.push_back(b.Add("application", StrCat("platform-", kPlatforms[k % 20], k >= 20 ? StrCat("-", k) : ""),
                             {{"version", StrCat(b.Between(1, 9), ".", b.Between(0, 30))},
                              {"url", StrCat("https://", kPlatforms[k % 20], k, ".platform.example.net/")},
                              {"vendor", "Platform team"}},
                             v1::CRITICALITY_CRITICAL));
  }
  struct Domain {
    std::vector<std::vector<int>> tiers;  // front ends, services, back ends, databases
    std::vector<int> apps, vms;
  };
  std::vector<Domain> domains(static_cast<size_t>(domains_n));
  // An application using another of its domain: mostly towards the back
  // (domain.apps is in tier order, front ends first), sometimes back again.
  auto Usage = [&](const Domain& dom) {
    int i = b.Pick(dom.apps.size()), j = b.Pick(dom.apps.size());
    if (i > j) std::swap(i, j);
    if (b.Chance(0.02)) std::swap(i, j);
    return b.Link(dom.apps[i], dom.apps[j], kUses);
  };
  // Domain sizes vary as portfolios do: log-normal, at least 8 applications.
  const int domain_apps = apps_n - platform_n;
  std::vector<int> domain_size;
  {
    std::vector<double> weight;
    double total = 0;
    for (int d = 0; d < domains_n; ++d) total += weight.emplace_back(std::exp(b.Normal(0.8)));
    int sum = 0;
    for (double w : weight) sum += domain_size.emplace_back(std::max(8, static_cast<int>(domain_apps * w / total)));
    for (int d = 0; sum != domain_apps; d = (d + 1) % domains_n) {
      if (sum < domain_apps) {
        ++domain_size[d], ++sum;
      } else if (domain_size[d] > 8) {
        --domain_size[d], --sum;
      }
    }
  }
  for (int d = 0; d < domains_n; ++d) {
    Domain& dom = domains[d];
    pods[1 + d % (pods_n - 1)].domains.push_back(d);
    const int m = domain_size[d];
    const int t0 = std::max(1, m * 15 / 100), t1 = std::max(1, m * 35 / 100), t2 = std::max(1, m * 25 / 100);
    const int sizes[4] = {t0, t1, t2, std::max(1, m - t0 - t1 - t2)};
    dom.tiers.resize(4);
    for (int t = 0; t < 4; ++t) {
      for (int i = 0; i < sizes[t]; ++i) {
        int id;
        if (t == 3) {
          id = b.Add("database", StrCat("db-d", d, "-", i),
                     {{"engine", i % 3 ? "postgresql" : "oracle"}, {"port", i % 3 ? 5432 : 1521},
                      {"version", i % 3 ? "15.4" : "19c"}},
                     v1::CRITICALITY_HIGH);
        } else {
          static const char* kTier[] = {"web", "svc", "backend"};
          id = b.Add("application", StrCat("app-d", d, "-", kTier[t], "-", i),
                     {{"version", StrCat(b.Between(1, 9), ".", b.Between(0, 30), ".", b.Between(0, 99))},
                      {"url", StrCat("https://", kTier[t], i, ".d", d, ".example.com/")},
                      {"vendor", "In-house"}},
                     b.Chance(0.3) ? v1::CRITICALITY_HIGH : v1::CRITICALITY_MEDIUM);
        }
        dom.tiers[t].push_back(id);
        dom.apps.push_back(id);
      }
    }
  }
  std::vector<int> vm_pod;
  std::vector<int> vms;
  for (int v = 0; v < vms_n; ++v) {
    const int p = rack_pod[host_rack[v % hosts_n]];
    const std::string name = StrCat("vm-", v);
    vms.push_back(b.Add("virtual_machine", name,
                        {{"vm_uuid", StrCat(b.Hex(8), "-", b.Hex(4), "-4", b.Hex(3), "-a", b.Hex(3), "-", b.Hex(12))},
                         {"hostname", name}, {"fqdn", StrCat(name, ".apps.example.net")},
                         {"os_name", v % 4 ? "Ubuntu" : "Windows Server"}, {"os_version", v % 4 ? "22.04" : "2022"},
                         {"cpu_count", 2 << (v % 4)}, {"memory_mb", 4096 << (v % 4)}}));
    vm_pod.push_back(p);
    pods[p].vms.push_back(vms.back());
  }

  // --- Relationships, the structure first.
  for (int v = 0; v < vms_n; ++v) {
    const int host = hosts_by_index[v % hosts_n];
    const int vm = vms[v];
    b.Link(vm, host, kRunsOn);
    b.Link(vm, cluster_of[host], kHostedOn);
    b.Link(vm, b.OneOf(pods[vm_pod[v]].storage), kDependsOn);
  }
  for (int h = 0; h < hosts_n; ++h) {
    const int host = hosts_by_index[h];
    const Rack& rack = b.dc().racks[host_rack[h]];
    b.Link(host, cluster_of[host], kMemberOf);
    b.Link(host, rack.tor[0], kConnectedTo);
    b.Link(host, rack.tor[1], kConnectedTo);
    b.Link(host, rack.ups, kPoweredBy);
    b.Link(host, rack_ci[host_rack[h]], kLocatedIn);
  }
  for (int r = 0; r < racks_n; ++r) {
    const Rack& rack = b.dc().racks[r];
    const Pod& pod = pods[rack_pod[r]];
    b.Link(rack.ups, rack_ci[r], kLocatedIn);
    for (int tor : rack.tor) {
      b.Link(tor, rack.ups, kPoweredBy);
      b.Link(tor, rack_ci[r], kLocatedIn);
      for (int agg : pod.aggs) b.Link(tor, agg, kDependsOn);
    }
    b.Link(rack.tor[0], rack.tor[1], kConnectedTo);
  }
  for (const Pod& pod : pods) {
    const int first_rack = pod.racks.front();
    const Rack& rack = b.dc().racks[first_rack];
    for (int agg : pod.aggs) {
      for (int c : core) b.Link(agg, c, kDependsOn);
      b.Link(agg, rack.ups, kPoweredBy);
      b.Link(agg, rack_ci[first_rack], kLocatedIn);
    }
    b.Link(pod.aggs[0], pod.aggs[1], kConnectedTo);
    for (int s : pod.storage) {
      for (int agg : pod.aggs) b.Link(s, agg, kDependsOn);
      b.Link(s, rack.ups, kPoweredBy);
      b.Link(s, rack_ci[first_rack], kLocatedIn);
    }
    for (int lb : pod.lbs) {
      for (int agg : pod.aggs) b.Link(lb, agg, kDependsOn);
      b.Link(lb, rack_ci[first_rack], kLocatedIn);
    }
  }
  b.Link(core[0], core[1], kConnectedTo);

  // Applications onto VMs: platform services on pod 0, each domain on its pod.
  // A pod's VMs go to its domains in proportion to their sizes.
  std::vector<std::discrete_distribution<int>> pod_share;
  for (const Pod& pod : pods) {
    std::vector<double> w;
    for (int d : pod.domains) w.push_back(domain_size[d]);
    pod_share.emplace_back(w.begin(), w.end());
  }
  for (int v = 0; v < vms_n; ++v) {
    const int p = vm_pod[v];
    if (p == 0) continue;
    const auto& ds = pods[p].domains;
    const int d = ds.empty() ? b.Pick(domains.size()) : ds[b.Weighted(pod_share[p])];
    domains[d].vms.push_back(vms[v]);
  }
  auto place = [&](const std::vector<int>& apps, const std::vector<int>& on) {
    if (on.empty()) return;
    for (size_t i = 0; i < on.size(); ++i) {
      b.Link(i < apps.size() ? apps[i] : b.OneOf(apps), on[i], kRunsOn);
    }
    for (size_t i = on.size(); i < apps.size(); ++i) b.Link(apps[i], b.OneOf(on), kRunsOn);
  };
  place(platform, pods[0].vms);
  for (const Domain& dom : domains) place(dom.apps, dom.vms);

  // Inside a domain: each tier depends on one to three of the next (the
  // back ends on databases); usage, mostly towards the back (a few cycles);
  // front ends behind their pod's load balancers; half the applications on
  // one platform service (the first half of them hard dependencies).
  for (int d = 0; d < domains_n; ++d) {
    const Domain& dom = domains[d];
    for (int t = 0; t < 3; ++t) {
      for (int app : dom.tiers[t]) {
        const int n = b.Between(1, 3);
        for (int k = 0; k < n; ++k) b.Link(app, b.OneOf(dom.tiers[t + 1]), kDependsOn);
      }
    }
    for (size_t k = 0; k < 2 * dom.apps.size(); ++k) Usage(dom);
    const Pod& pod = pods[1 + d % (pods_n - 1)];
    for (int app : dom.tiers[0]) b.Link(app, b.OneOf(pod.lbs), kDependsOn);
    for (int t = 0; t < 3; ++t) {
      for (int app : dom.tiers[t]) {
        if (!b.Chance(0.5)) continue;
        const int k = b.Pick(platform.size());
        b.Link(app, platform[k], 2 * k < platform_n ? kDependsOn : kUses);
      }
    }
  }
  for (size_t k = 1; k < platform.size(); ++k) b.Link(platform[k], platform[0], kDependsOn);  // everything needs DNS

  // Business services on front ends of their domain (a fifth also on one of
  // another domain), a tenth on another service.
  for (int s = 0; s < services_n; ++s) {
    const Domain& home = domains[s % domains_n];
    const int n = b.Between(3, 8);
    for (int k = 0; k < n; ++k) b.Link(services[s], b.OneOf(home.tiers[0]), kDependsOn);
    if (b.Chance(0.2)) {
      b.Link(services[s], b.OneOf(b.OneOf(domains).tiers[0]), kDependsOn);
    }
    if (s > 0 && b.Chance(0.1)) b.Link(services[s], services[b.Pick(s)], kDependsOn);
  }
  b.dc().structural_links = b.dc().links.size();

  // Filler, more of the same kinds in turn, up to the target.
  int failures = 0;
  for (uint64_t turn = 0; static_cast<int>(b.dc().links.size()) < links && failures < 100000; ++turn) {
    bool added = false;
    switch (turn % 4) {
      case 0: {
        added = Usage(b.OneOf(domains));
        break;
      }
      case 1: {
        const int v = b.Pick(vms.size());
        added = b.Link(vms[v], b.OneOf(pods[vm_pod[v]].storage),
                       kDependsOn);
        break;
      }
      case 2: {
        const Domain& dom = b.OneOf(domains);
        if (!dom.vms.empty()) added = b.Link(b.OneOf(dom.apps), b.OneOf(dom.vms), kRunsOn);
        break;
      }
      case 3: {
        const int s = b.Pick(services.size());
        const Domain& home = domains[s % domains_n];
        added = b.Link(services[s], b.OneOf(home.tiers[b.Pick(2)]), kDependsOn);
        break;
      }
    }
    failures = added ? 0 : failures + 1;
  }
  return std::move(b.dc());
}

}  // namespace cmdb::bench
