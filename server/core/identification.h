// Identification: the normalised identifier keys of a CI under its class's
// identification rules. Stored CIs and incoming findings go through the same
// function, so they always compare like with like.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/model.h"

namespace cmdb {

struct IdentifierKey {
  std::string kind;     // "serial_number", "management_ip+name", "parent:if_name", "source:snmp"
  std::string value;    // normalised; within-parent sets: "<parent id>/<values>"
  int set_index = -1;   // the rule set that produced it; -1 for a source key
  uint32_t stripe = 0;  // lock stripe, from kind and values (not the parent)

  bool operator==(const IdentifierKey& o) const { return kind == o.kind && value == o.value; }
};

// Identifier values longer than this are stored as "sha256:<hex digest>" of
// the value (equal values, equal digests), so that any value fits the
// B-tree index of identifiers.
inline constexpr size_t kMaxIdentifierText = 512;
std::string LongValueDigest(std::string_view value);

// Advisory-lock stripes that serialise reconciles touching the same keys.
inline constexpr uint32_t kIdentifierStripes = 1024;
// At most this many keys per set (a list attribute gives one key per element).
inline constexpr size_t kMaxKeysPerSet = 64;

// "serial_number", "management_ip+name", or "parent:if_name".
std::string IdentifierKind(const IdentifierSetDef& set);

// The keys of `ci` under `rules`. A set yields keys only when all its
// fields are present (within-parent sets: and the CI has a parent); a list
// field yields one key per element.
std::vector<IdentifierKey> IdentifierKeys(const Catalog& catalog, const std::vector<IdentifierSetDef>& rules,
                                          const Ci& ci);
// The keys of `ci` under its own class's rules.
std::vector<IdentifierKey> IdentifierKeys(const Catalog& catalog, const Ci& ci);

// The key under which a source's own key for a thing is stored.
IdentifierKey SourceKey(std::string_view source, std::string_view key);

// Normalised text of one identifying value: MACs and IPs canonical (as
// stored), host names and URLs lower-case without trailing dots or slashes,
// numbers as JSON, other text trimmed, inner blanks folded, upper-cased.
// `def` is the attribute's definition (nullptr for the CI name).
std::string NormalizeIdentifierValue(const AttributeDef* def, std::string_view field, const Json& value);

// --- Deciding which CI a finding is ------------------------------------------

// Who already holds one of a finding's identifier keys.
struct KeyHolders {
  std::vector<std::string> stored;  // CIs whose stored identifier equals the key
  std::string claimed;              // the CI an earlier item of the same payload
                                    // took with this key ("" if none)
};

// An identifier that two or more stored CIs share: a duplicate candidate.
struct SharedIdentifier {
  std::string kind, value;
  std::vector<std::string> ci_ids;  // as given in KeyHolders::stored
};

struct MatchDecision {
  enum Kind { kCreate, kMatch, kConflict };
  Kind kind = kCreate;
  std::string ci_id;                      // kMatch: the one CI the finding is
  std::string matched_by;                 // kMatch, kConflict: the deciding key kind
  std::vector<std::string> candidates;    // kConflict: every CI that set matched, sorted
  std::string reason;                     // kConflict: "ambiguous: <kind> matches <n> CIs"
  std::vector<SharedIdentifier> duplicates;  // kConflict: keys several stored CIs hold
};

// Decides which CI a finding is, from who holds its keys. `keys` are the
// finding's keys (a source key first, set_index -1, then the class's sets
// as IdentifierKeys yields them); `holders[i]` says who holds `keys[i]`
// (sizes must match). The key groups are tried in ascending set_index, so a
// source key first, then the identifier sets in order; the first group that
// matches anything decides:
//   - exactly one CI over the group's keys (stored or claimed): kMatch;
//   - several: kConflict, naming them all; keys that several stored CIs
//     hold are returned as duplicates to record;
//   - none: the next group.
// When no group matches (or there are no keys): kCreate.
MatchDecision DecideMatch(const std::vector<IdentifierKey>& keys, const std::vector<KeyHolders>& holders);

// Checks a rule set against a class: fields must be "name" or attributes of
// the class; INVALID_ARGUMENT naming `field_path` otherwise.
absl::Status CheckIdentifierSet(const Catalog& catalog, std::string_view cls, const IdentifierSetDef& set,
                                std::string_view field_path);

}  // namespace cmdb
