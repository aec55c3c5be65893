# The HTTP engine against servers the test starts itself on 127.0.4.0/24: an
# nginx with certificates made by the openssl command, and hostile TCP
# servers in the test process; label `lab`. Tests skip when nginx or openssl
# is missing.
add_executable(http_engine_test ${CMAKE_CURRENT_LIST_DIR}/http_engine_test.cc)
target_include_directories(http_engine_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(http_engine_test
  PRIVATE cmdb_http OpenSSL::Crypto absl::strings GTest::gtest_main Threads::Threads cmdb_warnings)
gtest_discover_tests(http_engine_test DISCOVERY_MODE PRE_TEST PROPERTIES LABELS lab RUN_SERIAL TRUE)
