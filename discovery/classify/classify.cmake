# cmdb_classify: pure device classification (rules file loader and matcher,
# IANA enterprise registry). No I/O beyond reading its two files at load.
find_package(tomlplusplus REQUIRED)
add_library(cmdb_classify STATIC
  ${CMAKE_CURRENT_LIST_DIR}/classifier.cc
  ${CMAKE_CURRENT_LIST_DIR}/facts.cc
  ${CMAKE_CURRENT_LIST_DIR}/enterprises.cc
)
target_link_libraries(cmdb_classify
  PUBLIC cmdb_snmp_value absl::status absl::statusor
  PRIVATE absl::strings tomlplusplus::tomlplusplus cmdb_warnings)
