// Value types that cross the service boundary: list queries and their pages,
// a source's staleness policy, a duplicate candidate. The api layer builds
// and reads them; the db layer runs them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"

namespace cmdb {

// --- CIs -----------------------------------------------------------------------

struct CiListQuery {
  std::string filter;
  std::string order_by;
  int page_size = 100;
  std::string page_token;
  std::optional<Micros> as_of;
  // For a page that is only sent on (ListCIs): the CIs carry their stored
  // JSON as text (Ci::attributes_text, provenance_text) instead of parsed.
  bool json_as_text = false;
};

struct CiListPage {
  std::vector<Ci> cis;
  std::string next_page_token;
};

// --- Relationships -------------------------------------------------------------

enum class RelDirection { kBoth, kOutgoing, kIncoming };

struct RelationshipListQuery {
  std::string ci_id;  // optional
  RelDirection direction = RelDirection::kBoth;
  std::string type;   // optional
  std::optional<Micros> as_of;
  int page_size = 100;
  std::string page_token;
};

struct RelationshipPage {
  std::vector<Relationship> relationships;
  std::string next_page_token;
};

// --- Sources and duplicates ------------------------------------------------------

// A source's staleness policy and counters.
struct SourcePolicy {
  std::string name;
  int stale_after_runs = 3;
  std::optional<Micros> stale_after;  // a duration
  int64_t ci_count = 0, stale_count = 0, runs = 0;
  std::optional<Micros> last_run_at;
};

// CIs that share an identifier.
struct DuplicateRow {
  std::string kind, value;
  std::vector<std::string> ci_ids;
  std::vector<std::string> names;
  Micros detected_at = 0;
  std::string detected_by;
};

}  // namespace cmdb
