// Value types of impact analysis as the service and the API exchange them:
// requests and answers of AnalyzeImpact and SuggestRootCause, propagation
// rules, and external ITSM records linked to CIs. Ids are UUID text; states
// and scenarios are the lower-case words of the API ("down", "degraded";
// "outage", "degraded", "change").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"

namespace cmdb {

// (system, kind, key) of an external record; `system` may be empty in a
// lookup when one system alone has a record of that kind and key.
struct RecordRef {
  std::string system;
  std::string kind;  // change, incident, problem
  std::string key;
};

struct ImpactRequest {
  std::vector<std::string> ci_ids;
  std::optional<RecordRef> change;
  std::string scenario = "outage";  // outage, degraded, change
  int max_depth = 0;                // 0: no limit
  std::vector<std::string> relationship_types;
  std::vector<std::string> stop_classes;
  std::optional<Micros> as_of;
  bool include_paths = false;
  int max_results = 0;              // 0: all
};

struct PathStep {
  std::string ci_id;
  std::string relationship_type;  // empty on the root
  std::string relationship_id;
};

struct AffectedCiInfo {
  std::string id;
  std::string name;
  std::string class_name;
  std::string criticality;  // "" or low .. critical
  std::string state;        // down, degraded
  int distance = 0;
  bool root = false;
  std::string via_id;
  std::string via_relationship_type;
  std::vector<PathStep> path;  // with include_paths
  std::string redundancy;      // "needs 2 of 3, 1 left" when a rule decided
};

struct ClassTotalInfo {
  std::string class_name;
  int down = 0;
  int degraded = 0;
};

struct RiskInfo {
  int score = 0;          // 0-100
  std::string level;      // low, medium, high, critical
  std::string formula;
  std::map<std::string, double> terms;
};

struct ImpactAnswer {
  std::vector<AffectedCiInfo> affected;  // roots first, then distance, then name
  std::vector<AffectedCiInfo> services;  // business services, most critical first
  std::vector<ClassTotalInfo> totals;    // by class name
  int affected_count = 0;
  RiskInfo risk;
  std::vector<std::string> root_ids;
  Micros as_of = 0;
  bool truncated = false;
};

struct RootCauseRequest {
  std::vector<std::string> ci_ids;
  bool include_open_incidents = false;
  std::optional<Micros> window_start;
  std::optional<Micros> window_end;
  int max_depth = 0;
  std::vector<std::string> relationship_types;
  int max_candidates = 10;
};

struct RootCauseCandidateInfo {
  std::string id;
  std::string name;
  std::string class_name;
  int explains = 0;
  std::vector<std::string> explained_ids;
  std::vector<std::string> unexplained_ids;
  int silent_affected = 0;
  std::vector<std::string> recent_changes;  // record keys
  std::vector<std::string> open_incidents;  // record keys
  std::string explanation;
};

struct RootCauseAnswer {
  std::vector<RootCauseCandidateInfo> candidates;
  std::vector<std::string> alarm_ids;
  std::string ranking;
};

struct GraphStatsInfo {
  int64_t nodes = 0;
  int64_t relationships = 0;
  int64_t edges = 0;
  int64_t memory_bytes = 0;
  double load_millis = 0;
  Micros loaded_at = 0;
  std::string applied_cursor;
};

// Propagation rules.
struct TypePropagation {
  std::string relationship_type;
  std::string direction;  // target_to_source, source_to_target, both, none
  std::string effect;     // down, degraded
};

struct RedundancyRuleInfo {
  int min_up = 0;
  int min_up_percent = 0;
  std::vector<std::string> relationship_types;  // empty: every impact input
  bool empty() const { return min_up == 0 && min_up_percent == 0; }
};

struct ClassRedundancyRule {
  std::string class_name;
  RedundancyRuleInfo rule;
};

struct CiRedundancyRule {
  std::string ci_id;
  RedundancyRuleInfo rule;
};

struct PropagationRuleSet {
  std::vector<TypePropagation> types;
  std::vector<ClassRedundancyRule> classes;
  std::vector<CiRedundancyRule> cis;
};

// External records (changes, incidents, problems of other ITSM tools).
struct ExternalRecordInfo {
  std::string system;
  std::string kind;
  std::string key;
  std::string title;
  std::string url;
  std::string state;
  std::vector<std::string> ci_ids;  // sorted
  Micros created_at = 0;
  Micros updated_at = 0;
};

// True unless the state says the record is over (resolved, closed,
// cancelled, canceled, done, successful, completed, implemented, failed;
// any case).
bool IsOpenRecordState(std::string_view state);
// True for a change whose state is "failed" (any case).
bool IsFailedRecordState(std::string_view state);

// The risk score of an impact answer, with its formula written out:
//   score = min(100, round(20 * log10(1 + A + 10*S + 5*R) * (1 + 0.25*F)))
// A: over affected CIs that are not roots, weight(criticality) * (1 down,
//    0.5 degraded), weight critical 8, high 4, medium 2, low or unset 1;
// S: the same sum over the affected business services;
// R: CIs whose redundancy is used up (one more loss takes them down);
// F: failed changes linked to the roots in the last 90 days (counted twice
//    in the change scenario).
// Level: below 25 low, below 50 medium, below 75 high, else critical.
struct RiskItem {
  int criticality = 0;  // CriticalityRank: 0 unset, 1 low .. 4 critical
  bool down = false;    // else degraded
};
struct RiskInputs {
  std::vector<RiskItem> affected;  // not the roots
  std::vector<RiskItem> services;
  int redundancy_exhausted = 0;
  int failed_changes = 0;
  bool change_scenario = false;
};
RiskInfo ComputeRisk(const RiskInputs& in);

struct RecordListQuery {
  std::string ci_id;
  std::string kind;
  std::string state;  // "open": every open record; else an exact state (any case)
  int page_size = 0;
  std::string page_token;
};

struct ExternalRecordPage {
  std::vector<ExternalRecordInfo> records;
  std::string next_page_token;
};

}  // namespace cmdb
