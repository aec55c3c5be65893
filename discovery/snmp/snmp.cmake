# cmdb_snmp: the SNMP engine (engine.h) on net-snmp's single-session API.
# net-snmp stays private: the public header speaks varbind.h's types only.
pkg_check_modules(NETSNMP REQUIRED IMPORTED_TARGET netsnmp)

add_library(cmdb_snmp STATIC
  ${CMAKE_CURRENT_LIST_DIR}/engine.cc
  ${CMAKE_CURRENT_LIST_DIR}/netsnmp.cc
  ${CMAKE_CURRENT_LIST_DIR}/probe.cc)
target_link_libraries(cmdb_snmp
  PUBLIC cmdb_snmp_value absl::status absl::statusor absl::strings
  PRIVATE PkgConfig::NETSNMP cmdb_warnings)
