// The IANA Private Enterprise Numbers registry (the arc after 1.3.6.1.4.1 in
// a sysObjectID) as a compact, read-only map from number to organisation,
// plus the normalisation that turns a registry entry ("Juniper Networks,
// Inc.") into a short manufacturer name ("Juniper Networks").
//
// Pure: Parse() takes the registry's text; Load() only reads a file and
// hands its text to Parse(). Depends on snmp/varbind.h and absl.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "snmp/varbind.h"

namespace cmdb::discovery {

// Where Debian's libwireshark-data installs the registry.
inline constexpr std::string_view kDefaultEnterprisesPath = "/usr/share/wireshark/enterprises.tsv";

// The enterprise number of an OID under 1.3.6.1.4.1 (the arc right after
// it): 1.3.6.1.4.1.9.1.1208 -> 9. nullopt for an OID outside that subtree or
// for 1.3.6.1.4.1 itself.
std::optional<uint32_t> EnterpriseOf(const Oid& oid);

// "Fortinet, Inc." -> "Fortinet", "HUAWEI Technology Co.,Ltd" -> "HUAWEI
// Technology", "IBM (https://w3.ibm.com/standards )" -> "IBM": removes URLs,
// e-mail addresses and parenthesised remarks, then legal-form suffixes (Inc.,
// Corp., Corporation, Ltd., Limited, LLC, GmbH, AG, S.A., S.p.A., B.V., N.V.,
// Co., Pty, PLC, Oy, AB, A/S, SAS, SARL, S.r.l., KG, K.K., s.r.o., LP, Pte,
// ...) repeatedly from the end, and trailing punctuation. Case is kept. An
// input that would become empty is returned trimmed instead.
std::string NormalizeOrganisation(std::string_view name);

// Number -> organisation, as in the registry file. Immutable after
// construction; copies share nothing and are cheap to move.
class EnterpriseRegistry {
 public:
  EnterpriseRegistry() = default;  // empty: every lookup is nullopt

  // Parses registry text in Wireshark's `enterprises.tsv` format: one
  // "<number><spaces or tabs><name>" per line; blank lines and lines starting
  // with '#' are ignored, as is a trailing "<tab># remark". Lines whose first
  // field is not a number are skipped (the file's own header varies between
  // releases); a number that appears twice keeps its first name. Never fails
  // on content; the StatusOr is for symmetry with Load().
  static absl::StatusOr<EnterpriseRegistry> Parse(std::string_view text);

  // Reads and parses the file at `path` (kDefaultEnterprisesPath when
  // empty). NOT_FOUND when the file does not exist or cannot be read.
  static absl::StatusOr<EnterpriseRegistry> Load(std::string_view path = {});

  // The organisation as registered (not normalised), or nullopt.
  std::optional<std::string_view> Name(uint32_t number) const;
  size_t size() const { return index_.size(); }

 private:
  // Sorted by number; second is the offset into names_, names are
  // NUL-separated, so the whole registry is two allocations.
  std::vector<std::pair<uint32_t, uint32_t>> index_;
  std::string names_;
};

}  // namespace cmdb::discovery
