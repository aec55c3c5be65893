// The catalog: CI classes (a tree rooted at "ci"), their attribute schemas and
// the relationship types. A Catalog is an immutable snapshot; the storage
// layer loads a new one whenever the catalog's generation changes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/model.h"

namespace cmdb {

// Limits on CI content, checked by ValidateCi.
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMaxStringValue = 65536;
// A value of a json attribute or a relationship attribute, roughly in bytes
// of JSON text.
inline constexpr size_t kMaxJsonValue = 256 * 1024;
// Text of an indexed attribute: a B-tree entry must fit in a third of a page.
inline constexpr size_t kMaxIndexedValue = 1024;
inline constexpr size_t kMaxListItems = 4096;

class Catalog {
 public:
  Catalog(int64_t generation, std::vector<ClassDef> classes, std::vector<RelationshipTypeDef> types,
          std::map<std::string, std::vector<IdentifierSetDef>> identification = {},
          std::vector<ReconciliationRuleDef> reconciliation = {});

  int64_t generation() const { return generation_; }

  // nullptr when absent.
  const ClassDef* FindClass(std::string_view name) const;
  const RelationshipTypeDef* FindRelationshipType(std::string_view name) const;

  // Classes with every parent before its children, siblings by name.
  const std::vector<const ClassDef*>& ClassesInTreeOrder() const { return tree_order_; }
  const std::vector<RelationshipTypeDef>& relationship_types() const { return types_; }

  // True when `cls` is `ancestor` or one of its descendants.
  bool IsA(std::string_view cls, std::string_view ancestor) const;
  // `root` and all its descendants (empty when root is unknown).
  std::vector<std::string> Subtree(std::string_view root) const;
  // Own and inherited attributes, the root's first. Empty for an unknown class.
  std::vector<const AttributeDef*> EffectiveAttributes(std::string_view cls) const;
  // The attribute as seen by `cls` (own or inherited); nullptr if none.
  const AttributeDef* FindAttribute(std::string_view cls, std::string_view attr) const;
  // Every definition of an attribute name anywhere in the tree.
  std::vector<const AttributeDef*> AttributesNamed(std::string_view attr) const;

  // The identification rules of `cls`: its own, or its nearest ancestor's.
  // `from` (optional) receives the class that defines them. Empty when no
  // class on the way to the root has rules.
  const std::vector<IdentifierSetDef>& IdentificationRules(std::string_view cls, std::string* from = nullptr) const;
  // The classes that define identification rules themselves.
  const std::map<std::string, std::vector<IdentifierSetDef>, std::less<>>& identification() const {
    return identification_;
  }

  // The reconciliation rule for `field` of `cls`: a rule for the field on
  // the class or its nearest ancestor, else a "*" rule likewise; nullptr
  // when there is none (every source may write it).
  const ReconciliationRuleDef* FindReconciliationRule(std::string_view cls, std::string_view field) const;
  const std::vector<ReconciliationRuleDef>& reconciliation_rules() const { return reconciliation_; }

  // Validates a CI's fields against its class and normalises them in place
  // (MACs, IPs and times to canonical form, null attributes dropped, status
  // defaulted to in_use). INVALID_ARGUMENT names the field: "class_name",
  // "name", "status", "criticality", "owner", "attributes.<name>".
  absl::Status ValidateCi(Ci& ci) const;

  // Validates and normalises attributes alone for class `cls`.
  absl::Status ValidateAttributes(std::string_view cls, Json& attributes, bool check_required) const;

 private:
  int64_t generation_;
  std::map<std::string, ClassDef, std::less<>> classes_;
  std::map<std::string, std::vector<std::string>, std::less<>> children_;
  std::vector<RelationshipTypeDef> types_;
  std::vector<const ClassDef*> tree_order_;
  std::map<std::string, std::vector<IdentifierSetDef>, std::less<>> identification_;
  std::vector<ReconciliationRuleDef> reconciliation_;
};

// Checks one value against an attribute definition; returns the canonical
// value (list items normalised one by one, repeats dropped, order kept).
// INVALID_ARGUMENT (without the field prefix) when it does not fit.
absl::StatusOr<Json> NormalizeAttributeValue(const AttributeDef& def, const Json& value);

// True for a valid class, attribute or relationship type name.
bool IsValidIdentifier(std::string_view name, size_t max_length = 63);

// Attributes without a schema (a relationship's): an object whose values
// stay within the limits of a json attribute (kMaxStringValue per text,
// kMaxListItems per list or object, kMaxJsonValue in all). INVALID_ARGUMENT
// naming "<field>.<key>".
absl::Status CheckFreeAttributes(const Json& attributes, std::string_view field);

}  // namespace cmdb
