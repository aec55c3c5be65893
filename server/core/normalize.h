// Canonical forms of typed values. One function per kind, used both when a
// value is stored and when values are compared (identification, filters).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cmdb {

// "00:1B:21:AA:BB:CC", "001b.21aa.bbcc", "00-1b-21-aa-bb-cc", "001b21aabbcc"
// -> "00:1b:21:aa:bb:cc". nullopt when it is not a 48-bit MAC address.
std::optional<std::string> NormalizeMac(std::string_view text);

// Canonical IPv4/IPv6 text ("10.0.0.1", "2001:db8::1"); an IPv4-mapped IPv6
// address becomes its IPv4 form. nullopt when it is not an address.
std::optional<std::string> NormalizeIp(std::string_view text);

// Lower case, surrounding white space and trailing dots removed:
// "Web01.Example.COM." -> "web01.example.com".
std::string NormalizeHostname(std::string_view text);

// Surrounding white space removed, inner runs of white space folded to one
// space, upper-cased: " foc 1234x " -> "FOC 1234X". For serial numbers and
// other case-insensitive identifiers.
std::string NormalizeToken(std::string_view text);

// Surrounding white space removed.
std::string_view TrimSpace(std::string_view text);

}  // namespace cmdb
