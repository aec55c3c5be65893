// Use cases on the class catalog. Classes and attributes can be added and
// changed at run time; changes that would leave existing CIs invalid are
// refused with FAILED_PRECONDITION (making an attribute required while CIs
// lack it, removing an attribute CIs still hold, changing a type, deleting a
// class that has CIs or subclasses). INVALID_ARGUMENT names the field:
// "class_def.attributes[2].name: ...".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "db/database.h"

namespace cmdb {

// A class with its effective attributes (inherited + own, the root's first).
struct ClassInfo {
  ClassDef def;
  std::vector<AttributeDef> effective;
};

class ClassService {
 public:
  explicit ClassService(db::Database& db) : db_(db) {}

  absl::StatusOr<ClassInfo> Get(const std::string& name);
  // All classes, or `under` and its descendants; parents before children.
  absl::StatusOr<std::vector<ClassInfo>> List(const std::string& under);
  absl::StatusOr<ClassInfo> Create(const WriteContext& context, ClassDef cls);
  // paths: description, abstract, attributes (see UpdateClassRequest).
  absl::StatusOr<ClassInfo> Update(const WriteContext& context, const ClassDef& cls,
                                   const std::vector<std::string>& paths);
  absl::Status Delete(const WriteContext& context, const std::string& name);

 private:
  db::Database& db_;
};

}  // namespace cmdb
