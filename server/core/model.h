// Domain types of the CMDB: configuration items, relationships, classes,
// changesets. Plain data; the gRPC layer converts them to and from cmdb.v1
// messages, the storage layer to and from rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace cmdb {

using Json = nlohmann::json;

// Lifecycle status values, as stored: planned, installed, in_use,
// maintenance, retired.
inline constexpr std::string_view kStatusPlanned = "planned";
inline constexpr std::string_view kStatusInstalled = "installed";
inline constexpr std::string_view kStatusInUse = "in_use";
inline constexpr std::string_view kStatusMaintenance = "maintenance";
inline constexpr std::string_view kStatusRetired = "retired";
bool IsValidStatus(std::string_view status);

// Criticality values, as stored: "" (unset), low, medium, high, critical.
bool IsValidCriticality(std::string_view criticality);
// Rank for comparisons: "" = 0, low = 1 ... critical = 4; -1 if invalid.
int CriticalityRank(std::string_view criticality);
// The value of a rank ("" for 0 or one out of range).
std::string_view CriticalityOfRank(int rank);

// The source recorded for direct edits through the API.
inline constexpr std::string_view kManualSource = "manual";

struct Ci {
  std::string id;
  std::string class_name;
  std::string name;
  std::string status;
  std::string owner;
  std::string criticality;
  Json attributes = Json::object();
  // attribute name -> {"source": ..., "set_at": micros}
  Json provenance = Json::object();
  int64_t version = 0;
  Micros created_at = 0;
  Micros updated_at = 0;
  bool stale = false;
  std::string merged_into;
  std::string parent_id;  // dependent CIs: the CI they belong to
  // A listing made only to be sent (CiListQuery::json_as_text) carries the
  // stored JSON text of attributes and provenance here instead, and leaves
  // the two Json fields empty: the API parses the text straight into its
  // messages. Empty otherwise.
  std::string attributes_text;
  std::string provenance_text;
};

// The etag of a resource version: opaque to clients, derived from the version.
std::string EtagFor(int64_t version);
// The version an etag names; nullopt when it is not one of ours.
std::optional<int64_t> VersionFromEtag(std::string_view etag);

struct Relationship {
  std::string id;
  std::string type;
  std::string source_id;
  std::string target_id;
  Json attributes = Json::object();
  Json provenance = Json::object();
  int64_t version = 0;
  Micros created_at = 0;
  Micros updated_at = 0;
  // For display, filled on reads.
  std::string source_name, source_class, target_name, target_class;
  bool stale = false;
};

enum class AttrType {
  kString,
  kInteger,
  kFloat,
  kBoolean,
  kDatetime,
  kIpAddress,
  kMacAddress,
  kStringList,
  kJson,
  kMacAddressList,
  kIpAddressList,
};
std::string_view AttrTypeName(AttrType type);
std::optional<AttrType> AttrTypeFromName(std::string_view name);
// The element type of a list type (string_list -> string, ...); nullopt for scalars.
std::optional<AttrType> ListElementType(AttrType type);

struct AttributeDef {
  std::string name;
  AttrType type = AttrType::kString;
  bool required = false;
  bool indexed = false;
  std::string description;
  std::string defined_in;  // the class that defines it
  int position = 0;
};

struct ClassDef {
  std::string name;
  std::string parent;  // empty for the root "ci"
  std::string description;
  bool abstract = false;
  bool system = false;
  std::vector<AttributeDef> attributes;  // own attributes
  Micros created_at = 0;
  Micros updated_at = 0;
};

// An identifier set: fields ("name" or attribute names) that together
// identify a CI; `within_parent` sets match only among CIs with the same
// parent.
struct IdentifierSetDef {
  std::vector<std::string> fields;
  bool within_parent = false;
};

// Which sources may write `field` ("name", "owner", "status", "criticality",
// "parent_id", "attributes.<name>" or "*") of `class_name` and its
// subclasses, highest priority first.
struct ReconciliationRuleDef {
  std::string class_name;
  std::string field;
  std::vector<std::string> sources;
};

struct RelationshipTypeDef {
  std::string name;
  std::string inverse_name;
  std::string description;
  std::string impact = "target_to_source";  // target_to_source, source_to_target, both, none
  bool system = false;
};

// Who writes, through which source, and why. Every write carries one.
struct WriteContext {
  std::string actor;
  std::string source{kManualSource};
  std::string comment;
  std::string external_ref;
};

struct ChangesetInfo {
  int64_t id = 0;
  int64_t seq = 0;
  std::string actor;
  std::string source;
  std::string comment;
  std::string external_ref;
  Micros time = 0;
};

// Operations recorded in history (ci_version.operation, relationship_version.operation).
inline constexpr std::string_view kOpCreate = "create";
inline constexpr std::string_view kOpUpdate = "update";
inline constexpr std::string_view kOpRetire = "retire";
inline constexpr std::string_view kOpDelete = "delete";
inline constexpr std::string_view kOpRestore = "restore";
inline constexpr std::string_view kOpMerge = "merge";

struct CiVersion {
  Ci ci;
  std::string operation;
  ChangesetInfo changeset;
  Micros valid_from = 0;
  std::optional<Micros> valid_to;  // nullopt for the live version
  std::vector<std::string> changed_fields;
};

// Fields that differ between two versions of a CI: "class_name", "name",
// "status", "owner", "criticality", "parent_id", "attributes.<name>".
std::vector<std::string> ChangedFields(const Ci& before, const Ci& after);

// True when the two CIs hold the same data (ignores version, times, provenance).
bool SameContent(const Ci& a, const Ci& b);

}  // namespace cmdb
