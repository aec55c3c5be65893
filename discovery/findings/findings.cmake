# cmdb_findings: pure mapping of a device's inventory and classification (or
# of an address's HTTP endpoints) to the reconciliation payload (cmdb.v1
# messages).
add_library(cmdb_findings STATIC
  ${CMAKE_CURRENT_LIST_DIR}/findings.cc
  ${CMAKE_CURRENT_LIST_DIR}/http_findings.cc
  ${CMAKE_CURRENT_LIST_DIR}/payload_util.cc)
target_link_libraries(cmdb_findings PUBLIC cmdb_mib cmdb_classify cmdb_http_probe cmdb_proto PRIVATE cmdb_warnings)
