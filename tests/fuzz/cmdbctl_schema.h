// The class schemas the cmdbctl input fuzz targets type CSV cells with, in
// place of the server's answer: a server with an attribute of every type, a
// switch, and an error (as from a failed GetClass) for any other class.
#pragma once

#include <string>

#include "attr_parse.h"
#include "client.h"

namespace cmdbctl::fuzz {

inline const AttributeTypes& FuzzSchema(const std::string& class_name) {
  using cmdb::v1::AttributeType;
  static const AttributeTypes kServer = {
      {"cpu_count", AttributeType::ATTRIBUTE_TYPE_INTEGER},
      {"memory_gb", AttributeType::ATTRIBUTE_TYPE_FLOAT},
      {"virtual", AttributeType::ATTRIBUTE_TYPE_BOOLEAN},
      {"installed_at", AttributeType::ATTRIBUTE_TYPE_DATETIME},
      {"ip_address", AttributeType::ATTRIBUTE_TYPE_IP_ADDRESS},
      {"mac_address", AttributeType::ATTRIBUTE_TYPE_MAC_ADDRESS},
      {"tags", AttributeType::ATTRIBUTE_TYPE_STRING_LIST},
      {"extra", AttributeType::ATTRIBUTE_TYPE_JSON},
      {"ip_addresses", AttributeType::ATTRIBUTE_TYPE_IP_ADDRESS_LIST},
      {"mac_addresses", AttributeType::ATTRIBUTE_TYPE_MAC_ADDRESS_LIST},
      {"serial_number", AttributeType::ATTRIBUTE_TYPE_STRING},
  };
  static const AttributeTypes kSwitch = {
      {"port_count", AttributeType::ATTRIBUTE_TYPE_INTEGER},
      {"serial_number", AttributeType::ATTRIBUTE_TYPE_STRING},
  };
  if (class_name == "server") return kServer;
  if (class_name == "switch") return kSwitch;
  throw Error("NOT_FOUND", "no class named \"" + class_name + "\"");
}

}  // namespace cmdbctl::fuzz
