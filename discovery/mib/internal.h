// Helpers shared by the MIB decoders (not part of the public API): typed
// access to values that never trusts the agent's types or lengths, rows of a
// table gathered by index, and text, MAC and IP address formatting.
#pragma once

#include <array>
#include <initializer_list>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "snmp/varbind.h"

namespace cmdb::discovery::mib::internal {

// Longest text any decoded field keeps (bytes of UTF-8); longer values are
// cut at a character boundary.
inline constexpr size_t kMaxTextBytes = 2048;
// Longest raw identifier (LLDP/CDP ids, MAC-like fields) looked at; the MIBs
// allow at most 255 octets.
inline constexpr size_t kMaxIdBytes = 255;

// The value's bytes when it is an OCTET STRING (or Opaque), else nullopt.
std::optional<std::string_view> Bytes(const Value* v);
// The value as a number when it is INTEGER, Counter32/64, Gauge32 or
// TimeTicks, else nullopt.
std::optional<int64_t> Number(const Value* v);
// The value when it is an OBJECT IDENTIFIER, else nullopt.
std::optional<Oid> ObjectId(const Value* v);
// Number() when it lies in [lo, hi], else nullopt.
std::optional<int64_t> NumberIn(const Value* v, int64_t lo, int64_t hi);

// Text for humans from bytes an agent sent: cut at the first NUL, CR LF and
// lone CR become LF, other control characters a space, invalid UTF-8 bytes
// read as Latin-1, trailing white space dropped, at most kMaxTextBytes.
std::string CleanText(std::string_view bytes);
// CleanText on one line: LF and TAB become spaces, runs of spaces fold to
// one, surrounding spaces trimmed.
std::string CleanLine(std::string_view bytes);
// CleanLine of an OCTET STRING value; nullopt when the value is not a
// string or the cleaned line is empty.
std::optional<std::string> Line(const Value* v);
// CleanText of an OCTET STRING value; nullopt when not a string or empty.
std::optional<std::string> Text(const Value* v);

// ASCII letters lower-cased, other bytes kept.
std::string AsciiLower(std::string_view s);
// True when every byte is printable ASCII (0x20-0x7e) and there is one.
bool IsPrintable(std::string_view bytes);
// "0a:1b:..." lower-case hex of at most kMaxIdBytes bytes; "" for none.
std::string HexColon(std::string_view bytes);

// "aa:bb:cc:dd:ee:ff" from 6 bytes; nullopt for another length or all zero.
std::optional<std::string> MacFromBytes(std::string_view bytes);
// The 6 bytes of a MAC written as text (any of the forms below, zero
// allowed); nullopt when it is not one.
std::optional<std::string> MacBytesFromText(std::string_view text);
// A MAC written as text ("B8:69:F4:7F:41:70", "b869.f47f.4170",
// "b8-69-f4-7f-41-70", "b869f47f4170") in canonical form; nullopt when it
// is not one or is all zero.
std::optional<std::string> MacFromText(std::string_view text);

// Dotted text of 4 bytes.
std::string Ipv4Text(std::span<const uint8_t, 4> b);
// RFC 5952 text of 16 bytes: lower case, leading zeros dropped, the longest
// run (the first of equal runs) of two or more zero groups as "::",
// ::ffff:a.b.c.d for IPv4-mapped addresses.
std::string Ipv6Text(std::span<const uint8_t, 16> b);
// Address text from 4 or 16 raw bytes; nullopt for another length.
std::optional<std::string> IpFromBytes(std::string_view bytes);
// Bytes from OID arcs that must each be 0-255; nullopt otherwise.
std::optional<std::string> ArcsToBytes(std::span<const uint32_t> arcs);

// An InetAddress in a table index: `type` (1 ipv4, 2 ipv6, 3 ipv4z,
// 4 ipv6z) and the arcs after it. Standard form: length . bytes, where the
// length is 4/16 (8/20 with the 4-byte zone for 3/4). Also accepted, as
// some agents (Cisco ASA) send it: the bytes without the length arc, with
// or without the zone, unless the first byte equals a valid length (then
// it is read as the length, so a truncated index is never mistaken for an
// address). Every arc must be 0-255. nullopt for anything else.
struct InetIndex {
  std::string address;  // 4 or 16 bytes
  std::optional<uint32_t> zone;
};
std::optional<InetIndex> ParseInetIndex(uint32_t type, std::span<const uint32_t> rest);

// Rows of a conceptual table: for each row index (the arcs after
// entry.column), the value of each requested column (nullptr when absent or
// an exception). Rows are in index order.
struct Table {
  std::vector<uint32_t> columns;  // as requested
  std::map<std::vector<uint32_t>, std::vector<const Value*>> rows;

  // Value of `column` in `row`, nullptr when the column was not requested
  // or the row has no value for it.
  const Value* Get(const std::vector<const Value*>& row, uint32_t column) const;
};
Table ReadTable(const DeviceWalk& walk, const Oid& entry, std::vector<uint32_t> columns);

// The OID of `base` followed by `more` arcs.
Oid Child(const Oid& base, std::initializer_list<uint32_t> more);
// Parses a constant dotted OID (program text, always valid).
Oid O(std::string_view dotted);

}  // namespace cmdb::discovery::mib::internal
