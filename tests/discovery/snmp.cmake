# The SNMP engine against agents the test starts itself (snmpd, snmpsimd, a
# hostile UDP responder) on 127.0.3.0/24; label `lab`. Tests skip when the
# agent binaries are missing.
add_executable(snmp_engine_test ${CMAKE_CURRENT_LIST_DIR}/snmp_engine_test.cc)
target_compile_definitions(snmp_engine_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(snmp_engine_test PRIVATE cmdb_snmp absl::strings GTest::gtest_main cmdb_warnings)
gtest_discover_tests(snmp_engine_test DISCOVERY_MODE PRE_TEST PROPERTIES LABELS lab RUN_SERIAL TRUE)
