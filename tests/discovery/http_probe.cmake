# The HTTP probe's pure parts: Redfish JSON over the DMTF mockups in
# tests/lab/redfish/, the shipped fingerprint rules (discovery/rules/http.toml)
# over synthetic answers, rules-file errors, HTML titles. Label `unit`.
cmdb_unit_test(http_probe_test ${CMAKE_CURRENT_LIST_DIR}/http_probe_test.cc
  LIBS cmdb_http_rules nlohmann_json::nlohmann_json GTest::gmock)
target_compile_definitions(http_probe_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# ProbeAddresses against an nginx serving the public-rackmount1 mockup behind
# basic authentication, and hostile servers, on 127.0.5.0/24; label `lab`.
# Skips when nginx or openssl is missing.
add_executable(http_probe_lab_test ${CMAKE_CURRENT_LIST_DIR}/http_probe_lab_test.cc)
target_compile_definitions(http_probe_lab_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_include_directories(http_probe_lab_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(http_probe_lab_test PRIVATE cmdb_http_probe GTest::gtest_main Threads::Threads cmdb_warnings)
gtest_discover_tests(http_probe_lab_test DISCOVERY_MODE PRE_TEST PROPERTIES LABELS lab RUN_SERIAL TRUE)
