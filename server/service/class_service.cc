#include "service/class_service.h"

#include <map>
#include <set>

#include "core/catalog.h"
#include "core/patch.h"
#include "core/status.h"
#include "core/strings.h"
#include "db/catalog_store.h"

namespace cmdb {
namespace {

constexpr size_t kMaxAttributeName = 48;
constexpr size_t kMaxDescription = 4096;

absl::Status UnknownClass(const std::string& name) { return absl::NotFoundError(StrCat("no class named \"", name, "\"")); }

// Checks a class's own attribute list against itself and against the
// attributes of its ancestors and descendants.
absl::Status CheckAttributes(const Catalog& catalog, const ClassDef& cls) {
  std::set<std::string> own;
  std::map<std::string, std::string> inherited;  // name -> defining class
  for (const ClassDef* c = catalog.FindClass(cls.parent); c != nullptr;
       c = c->parent.empty() ? nullptr : catalog.FindClass(c->parent)) {
    for (const auto& a : c->attributes) inherited.emplace(a.name, c->name);
  }
  std::map<std::string, std::string> below;  // attributes of descendants
  for (const std::string& d : catalog.Subtree(cls.name)) {
    if (d == cls.name) continue;
    for (const auto& a : catalog.FindClass(d)->attributes) below.emplace(a.name, d);
  }
  for (size_t i = 0; i < cls.attributes.size(); ++i) {
    const AttributeDef& a = cls.attributes[i];
    const std::string field = StrCat("class_def.attributes[", i, "]");
    if (!IsValidIdentifier(a.name, kMaxAttributeName)) {
      return FieldError(field + ".name", StrCat("\"", a.name, "\" must match [a-z][a-z0-9_]*, at most ",
                                                kMaxAttributeName, " characters"));
    }
    if (IsReservedFieldName(a.name)) {
      return FieldError(field + ".name", StrCat("\"", a.name, "\" is a CI field name"));
    }
    if (!own.insert(a.name).second) return FieldError(field + ".name", StrCat("\"", a.name, "\" appears twice"));
    if (auto it = inherited.find(a.name); it != inherited.end()) {
      return FieldError(field + ".name", StrCat("\"", a.name, "\" is already inherited from class ", it->second));
    }
    if (auto it = below.find(a.name); it != below.end()) {
      return FieldError(field + ".name", StrCat("\"", a.name, "\" is already defined by subclass ", it->second));
    }
    if (a.description.size() > kMaxDescription) return FieldError(field + ".description", "too long");
  }
  return absl::OkStatus();
}

// `cls` (possibly not yet in `catalog`) with its effective attributes.
ClassInfo Info(const Catalog& catalog, const ClassDef& cls) {
  ClassInfo info;
  info.def = cls;
  for (auto& a : info.def.attributes) a.defined_in = cls.name;
  if (!cls.parent.empty()) {
    for (const AttributeDef* a : catalog.EffectiveAttributes(cls.parent)) info.effective.push_back(*a);
  }
  info.effective.insert(info.effective.end(), info.def.attributes.begin(), info.def.attributes.end());
  return info;
}

}  // namespace

absl::StatusOr<ClassInfo> ClassService::Get(const std::string& name) {
  ClassInfo out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    const ClassDef* c = catalog->FindClass(name);
    if (c == nullptr) return UnknownClass(name);
    out = Info(*catalog, *c);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ClassInfo>> ClassService::List(const std::string& under) {
  std::vector<ClassInfo> out;
  CMDB_RETURN_IF_ERROR(db_.Read([&](db::Tx& tx) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (!under.empty() && catalog->FindClass(under) == nullptr) return UnknownClass(under);
    for (const ClassDef* c : catalog->ClassesInTreeOrder()) {
      if (under.empty() || catalog->IsA(c->name, under)) out.push_back(Info(*catalog, *c));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ClassInfo> ClassService::Create(const WriteContext& context, ClassDef cls) {
  if (!IsValidIdentifier(cls.name)) {
    return FieldError("class_def.name", "must match [a-z][a-z0-9_]*, at most 63 characters");
  }
  if (cls.parent.empty()) return FieldError("class_def.parent", "required (the root class is \"ci\")");
  if (cls.description.size() > kMaxDescription) return FieldError("class_def.description", "too long");
  ClassInfo result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    if (catalog->FindClass(cls.name) != nullptr) {
      return absl::AlreadyExistsError(StrCat("class ", cls.name, " already exists"));
    }
    if (catalog->FindClass(cls.parent) == nullptr) {
      return FieldError("class_def.parent", StrCat("unknown class \"", cls.parent, "\""));
    }
    CMDB_RETURN_IF_ERROR(CheckAttributes(*catalog, cls));
    db::InsertClass(tx, cls);
    ClassDef created = cls;
    created.system = false;
    created.created_at = created.updated_at = tx.now();
    result = Info(*catalog, created);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<ClassInfo> ClassService::Update(const WriteContext& context, const ClassDef& change,
                                               const std::vector<std::string>& paths) {
  if (paths.empty()) return FieldError("update_mask", "name the fields to change (description, abstract, attributes)");
  for (const auto& p : paths) {
    if (p != "description" && p != "abstract" && p != "attributes") {
      return FieldError("update_mask", StrCat("unknown path \"", p, "\" (description, abstract, attributes)"));
    }
  }
  ClassInfo result;
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    const ClassDef* current = catalog->FindClass(change.name);
    if (current == nullptr) return UnknownClass(change.name);
    ClassDef updated = *current;
    const std::vector<std::string> subtree = catalog->Subtree(current->name);
    for (const auto& p : paths) {
      if (p == "description") {
        if (change.description.size() > kMaxDescription) return FieldError("class_def.description", "too long");
        updated.description = change.description;
      } else if (p == "abstract") {
        if (change.abstract && !current->abstract && db::CountCis(tx, {current->name}) > 0) {
          return absl::FailedPreconditionError(StrCat("class ", current->name, " has CIs; it cannot become abstract"));
        }
        updated.abstract = change.abstract;
      } else {
        updated.attributes = change.attributes;
        CMDB_RETURN_IF_ERROR(CheckAttributes(*catalog, updated));
        std::map<std::string, const AttributeDef*> before;
        for (const auto& a : current->attributes) before.emplace(a.name, &a);
        for (const auto& a : updated.attributes) {
          auto it = before.find(a.name);
          if (it != before.end() && it->second->type != a.type) {
            return absl::FailedPreconditionError(StrCat("the type of attribute ", a.name, " cannot change (",
                                                        AttrTypeName(it->second->type), " to ",
                                                        AttrTypeName(a.type), ")"));
          }
          const bool newly_required = a.required && (it == before.end() || !it->second->required);
          if (newly_required) {
            int64_t missing = db::CountCisWithAttribute(tx, subtree, a.name, /*has=*/false);
            if (missing > 0) {
              return absl::FailedPreconditionError(
                  StrCat("attribute ", a.name, " cannot become required: ", missing, " CIs have no value for it"));
            }
          }
          if (it != before.end()) before.erase(it);
        }
        for (const auto& [name, def] : before) {  // removed attributes
          int64_t holding = db::CountCisWithAttribute(tx, subtree, name, /*has=*/true);
          if (holding > 0) {
            return absl::FailedPreconditionError(
                StrCat("attribute ", name, " cannot be removed: ", holding, " CIs hold a value for it"));
          }
        }
      }
    }
    db::UpdateClass(tx, updated);
    updated.updated_at = tx.now();
    result = Info(*catalog, updated);
    return absl::OkStatus();
  });
  if (!written.ok()) return written.status();
  return result;
}

absl::Status ClassService::Delete(const WriteContext& context, const std::string& name) {
  auto written = db_.Write(context, [&](db::Tx& tx) -> absl::Status {
    tx.LockCatalogForChange();
    CMDB_ASSIGN_OR_RETURN(auto catalog, tx.catalog());
    const ClassDef* cls = catalog->FindClass(name);
    if (cls == nullptr) return UnknownClass(name);
    if (cls->system) return absl::FailedPreconditionError(StrCat("class ", name, " ships with the server and cannot be deleted"));
    if (catalog->Subtree(name).size() > 1) {
      return absl::FailedPreconditionError(StrCat("class ", name, " has subclasses; delete them first"));
    }
    if (int64_t n = db::CountCis(tx, {name}); n > 0) {
      return absl::FailedPreconditionError(StrCat("class ", name, " has ", n, " CIs"));
    }
    db::DeleteClass(tx, name);
    return absl::OkStatus();
  });
  return written.status();
}

}  // namespace cmdb
