// Device classification as data: what an SNMP device is (catalog class,
// manufacturer, operating system and version, model, serial), decided by a rules
// file (discovery/rules/classify.toml; format and precedence documented in
// discovery/rules/README.md) over a few facts read from the device.
//
// Pure: the classifier is built from text (or files read once at load) and
// Classify() is a function of its input. No exceptions leave this module.
// Depends on snmp/varbind.h, classify/enterprises.h, absl and toml++ (the
// latter only in the .cc).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "snmp/varbind.h"

namespace cmdb::discovery {

// The catalog classes a rule may assign: switch, router, firewall,
// wireless_access_point, load_balancer, server, hypervisor, workstation,
// storage_device, printer, ups, network_device.
const std::vector<std::string_view>& ClassNames();

// What the classifier looks at. Only sys_object_id and sys_descr are needed;
// the rest make some rules possible and may be left empty.
struct DeviceFacts {
  Oid sys_object_id;          // SNMPv2-MIB sysObjectID.0
  std::string sys_descr;      // sysDescr.0, decoded, trimmed
  int sys_services = -1;      // sysServices.0, -1 when unknown
  std::string entity_model;   // chassis entPhysicalModelName (ENTITY-MIB), if known
  std::string entity_descr;   // chassis entPhysicalDescr, if known
  std::vector<int> if_types;  // ifType values of the interfaces (optional hints)
  // Of the classifier's probe subtrees (Probes::subtrees), those under which
  // the device returned at least one object.
  std::vector<Oid> present_subtrees;
  // Values of the classifier's probe objects (Probes::values) that the
  // device returned, as text (integers in decimal).
  std::map<Oid, std::string> probe_values;
};

// The result. An empty string means "not determined".
struct Classification {
  std::string class_name;
  std::string manufacturer;
  std::string os_name;
  std::string os_version;
  std::string model;
  // From a vendor object or sysDescr, when the rules say where; may be an
  // agent's placeholder ("<private>"), which the worker filters. The worker
  // prefers the ENTITY-MIB chassis serial, as it does the chassis model.
  std::string serial;
  // What decided each field, for the run log: "<field>=<rule id>" in field
  // order (class, manufacturer, os_name, os_version, model, serial); fallbacks are
  // named "<field>=@sys_services", "@manufacturers.<n>", "@registry.<n>",
  // "@network_enterprises.<n>", "@entity_model".
  std::vector<std::string> matched_rules;
};

// The OIDs the rules look at beyond SNMPv2-MIB system and ENTITY-MIB: a
// worker that does not walk them all fetches these (GETNEXT for subtrees,
// GET for values) and reports them in DeviceFacts. Sorted, unique.
struct Probes {
  std::vector<Oid> subtrees;  // rule condition `mib`
  std::vector<Oid> values;    // extraction `from = "<oid>"`
};

class Classifier {
 public:
  // Reads the rules file and the IANA enterprise registry, then FromText().
  // NOT_FOUND when the rules file cannot be read, or when `enterprises_path`
  // is given and cannot be read; with an empty `enterprises_path` the default
  // registry (kDefaultEnterprisesPath) is used when present and otherwise
  // skipped (manufacturer names then come from the rules' table only).
  // INVALID_ARGUMENT as FromText().
  static absl::StatusOr<Classifier> Load(std::string_view rules_path, std::string_view enterprises_path = {});

  // Builds a classifier from the rules (TOML text) and registry text
  // (EnterpriseRegistry::Parse format; may be empty). INVALID_ARGUMENT when
  // the TOML does not parse (with line and column), or a rule is invalid; the
  // message names the rule as `rule[<index>] "<id>"` (index from 0 in file
  // order) and the field: a bad regex, an unknown class name, an unknown or
  // mistyped key, a malformed OID, a rule without a condition or without an
  // output, a duplicate id.
  static absl::StatusOr<Classifier> FromText(std::string_view toml_text,
                                             std::string_view enterprises_tsv_text);

  // Classifies one device. Never throws; fields no rule or fallback decides
  // are empty. Thread-safe (the classifier is immutable).
  Classification Classify(const DeviceFacts& facts) const;

  const Probes& probes() const;
  size_t rule_count() const;

  Classifier(const Classifier&) = default;
  Classifier(Classifier&&) noexcept = default;
  Classifier& operator=(const Classifier&) = default;
  Classifier& operator=(Classifier&&) noexcept = default;
  ~Classifier();

  struct Impl;  // defined in classifier.cc

 private:
  explicit Classifier(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;  // immutable, shared by copies
};

// Reads the facts from a walk: sysObjectID, sysDescr (cut at the first NUL,
// white space trimmed, one pair of surrounding double quotes removed) and
// sysServices from SNMPv2-MIB system; the chassis model and description from
// ENTITY-MIB (the lowest-index entity of class chassis(3), or when there is
// none the lowest-index entity with a model name); the distinct ifType
// values; and the given probes. Missing objects leave the defaults.
DeviceFacts FactsFromWalk(const DeviceWalk& walk, const Probes& probes = {});

}  // namespace cmdb::discovery
