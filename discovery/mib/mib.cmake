# cmdb_mib: pure decoders from one device's SNMP walk to its typed inventory
# (system, ENTITY chassis, interfaces, addresses, LLDP/CDP neighbours,
# HOST-RESOURCES, ARP). No I/O; depends only on the SNMP value types.
add_library(cmdb_mib STATIC
  ${CMAKE_CURRENT_LIST_DIR}/arp.cc
  ${CMAKE_CURRENT_LIST_DIR}/cdp.cc
  ${CMAKE_CURRENT_LIST_DIR}/entity.cc
  ${CMAKE_CURRENT_LIST_DIR}/host_resources.cc
  ${CMAKE_CURRENT_LIST_DIR}/interfaces.cc
  ${CMAKE_CURRENT_LIST_DIR}/internal.cc
  ${CMAKE_CURRENT_LIST_DIR}/inventory.cc
  ${CMAKE_CURRENT_LIST_DIR}/ip.cc
  ${CMAKE_CURRENT_LIST_DIR}/lldp.cc
  ${CMAKE_CURRENT_LIST_DIR}/system.cc
)
target_link_libraries(cmdb_mib PUBLIC cmdb_snmp_value absl::strings PRIVATE cmdb_warnings)
