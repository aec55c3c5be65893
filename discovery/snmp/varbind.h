// SNMP values as the discovery worker sees them: object identifiers, typed
// values and the varbinds of one device's walk, independent of net-snmp's
// types, so the decoders that turn them into inventory are pure functions
// that tests feed from recordings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cmdb::discovery {

// An object identifier as its arcs. Ordered lexicographically by arc, which
// is SNMP's (and a walk's) order.
struct Oid {
  std::vector<uint32_t> arcs;

  // Parses dotted numeric text ("1.3.6.1.2.1.1.1.0", a leading dot allowed).
  // nullopt when it is empty or not all numeric arcs.
  static std::optional<Oid> Parse(std::string_view text);
  std::string ToString() const;  // "1.3.6.1.2.1.1.1.0"
  // True when `prefix` is a (non-strict) prefix of this OID.
  bool StartsWith(const Oid& prefix) const;
  // The arcs after `prefix`; requires StartsWith(prefix).
  std::span<const uint32_t> Suffix(const Oid& prefix) const;

  auto operator<=>(const Oid&) const = default;
  bool operator==(const Oid&) const = default;
};

enum class ValueType {
  kInteger,         // INTEGER / Integer32
  kOctetString,     // bytes, not necessarily text
  kNull,
  kObjectId,
  kIpAddress,       // 4 bytes in `bytes`
  kCounter32,
  kGauge32,         // also Unsigned32
  kTimeTicks,       // hundredths of a second
  kOpaque,
  kCounter64,
  kNoSuchObject,    // exceptions a v2c/v3 agent returns in place of a value
  kNoSuchInstance,
  kEndOfMibView,
};

struct Value {
  ValueType type = ValueType::kNull;
  int64_t integer = 0;   // kInteger (signed), kCounter32/kGauge32/kTimeTicks/kCounter64 (unsigned, fits)
  std::string bytes;     // kOctetString, kIpAddress, kOpaque
  Oid oid;               // kObjectId

  bool is_exception() const {
    return type == ValueType::kNoSuchObject || type == ValueType::kNoSuchInstance ||
           type == ValueType::kEndOfMibView;
  }
};

struct Varbind {
  Oid oid;
  Value value;
};

// Everything collected from one device, sorted by OID, no duplicates, and
// no exception values (noSuchObject, noSuchInstance, endOfMibView: there is
// nothing at those OIDs).
class DeviceWalk {
 public:
  DeviceWalk() = default;
  // Sorts, drops exception values and duplicate OIDs (the first one wins).
  explicit DeviceWalk(std::vector<Varbind> varbinds);

  // The value at exactly `oid`, or nullptr (also for exceptions).
  const Value* Get(const Oid& oid) const;
  // The varbinds under `prefix` (strictly below it), in OID order.
  std::span<const Varbind> Subtree(const Oid& prefix) const;

  const std::vector<Varbind>& varbinds() const { return varbinds_; }
  bool empty() const { return varbinds_.empty(); }
  size_t size() const { return varbinds_.size(); }

 private:
  std::vector<Varbind> varbinds_;
};

}  // namespace cmdb::discovery
