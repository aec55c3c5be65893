// Small builders and expectations shared by the tests: catalog definitions
// (attributes, classes, relationship types) and the check that a status is
// INVALID_ARGUMENT naming a field.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/catalog.h"

namespace cmdb::testing {

inline AttributeDef Attr(std::string name, AttrType type, int position = 0) {
  AttributeDef a;
  a.name = std::move(name);
  a.type = type;
  a.position = position;
  return a;
}
inline AttributeDef Required(AttributeDef a) {
  a.required = true;
  return a;
}
inline AttributeDef Indexed(AttributeDef a) {
  a.indexed = true;
  return a;
}

inline ClassDef Class(std::string name, std::string parent, std::vector<AttributeDef> attributes) {
  ClassDef c;
  c.name = std::move(name);
  c.parent = std::move(parent);
  c.attributes = std::move(attributes);
  return c;
}
inline ClassDef AbstractClass(std::string name, std::string parent, std::vector<AttributeDef> attributes) {
  ClassDef c = Class(std::move(name), std::move(parent), std::move(attributes));
  c.abstract = true;
  return c;
}

inline RelationshipTypeDef RelType(std::string name, std::string inverse) {
  RelationshipTypeDef t;
  t.name = std::move(name);
  t.inverse_name = std::move(inverse);
  return t;
}

// Expects INVALID_ARGUMENT whose message starts with "<field>: " and contains `part`.
inline void ExpectFieldError(const absl::Status& status, const std::string& field, const std::string& part = "") {
  ASSERT_FALSE(status.ok()) << "expected an error naming " << field;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const std::string message(status.message());
  EXPECT_TRUE(message.starts_with(field + ": ")) << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

}  // namespace cmdb::testing
