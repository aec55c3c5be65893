// A small catalog for the fuzz targets that check input against class
// schemas: an abstract root with an inherited attribute, a server with an
// attribute of every type (one required, some indexed), and a switch that
// reuses an attribute name with another type, so lookups across the tree
// meet both.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/catalog.h"

namespace cmdb::fuzz {

inline AttributeDef FuzzAttr(std::string name, AttrType type, int position, bool required = false,
                             bool indexed = false) {
  AttributeDef a;
  a.name = std::move(name);
  a.type = type;
  a.position = position;
  a.required = required;
  a.indexed = indexed;
  return a;
}

inline ClassDef FuzzClass(std::string name, std::string parent, bool abstract, std::vector<AttributeDef> attributes) {
  ClassDef c;
  c.name = std::move(name);
  c.parent = std::move(parent);
  c.abstract = abstract;
  c.attributes = std::move(attributes);
  return c;
}

inline const Catalog& FuzzCatalog() {
  static const Catalog* const catalog = [] {
    std::vector<ClassDef> classes;
    classes.push_back(FuzzClass("ci", "", true, {FuzzAttr("location", AttrType::kString, 0, false, true)}));
    classes.push_back(FuzzClass("hardware", "ci", true,
                                {FuzzAttr("serial_number", AttrType::kString, 0, false, true),
                                 FuzzAttr("purchased_at", AttrType::kDatetime, 1)}));
    classes.push_back(FuzzClass("server", "hardware", false,
                                {FuzzAttr("cpu_count", AttrType::kInteger, 0, true, true),
                                 FuzzAttr("memory_gb", AttrType::kFloat, 1),
                                 FuzzAttr("virtual", AttrType::kBoolean, 2),
                                 FuzzAttr("installed_at", AttrType::kDatetime, 3, false, true),
                                 FuzzAttr("ip_address", AttrType::kIpAddress, 4, false, true),
                                 FuzzAttr("mac_address", AttrType::kMacAddress, 5, false, true),
                                 FuzzAttr("tags", AttrType::kStringList, 6),
                                 FuzzAttr("extra", AttrType::kJson, 7),
                                 FuzzAttr("ip_addresses", AttrType::kIpAddressList, 8),
                                 FuzzAttr("mac_addresses", AttrType::kMacAddressList, 9)}));
    classes.push_back(FuzzClass("switch", "hardware", false,
                                {FuzzAttr("port_count", AttrType::kInteger, 0),
                                 FuzzAttr("cpu_count", AttrType::kString, 1)}));
    classes.push_back(FuzzClass("application", "ci", false, {FuzzAttr("url", AttrType::kString, 0)}));
    RelationshipTypeDef runs_on;
    runs_on.name = "runs_on";
    runs_on.inverse_name = "runs";
    return new Catalog(1, std::move(classes), {runs_on});
  }();
  return *catalog;
}

}  // namespace cmdb::fuzz
