# The worker's mapping, and every lab device against its hand-checked
# expectations (tests/lab/expected.toml), without an agent.
find_package(tomlplusplus REQUIRED)
cmdb_unit_test(lab_expectations_test ${CMAKE_CURRENT_LIST_DIR}/lab_expectations_test.cc
  LIBS cmdb_findings cmdb_snmprec tomlplusplus::tomlplusplus)
target_compile_definitions(lab_expectations_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
