# Device classification: the shipped rules over the lab's recordings and
# over sysObjectID/sysDescr pairs of devices that are not in the lab.
cmdb_unit_test(classify_test ${CMAKE_CURRENT_LIST_DIR}/classify_test.cc
  LIBS cmdb_classify cmdb_snmprec GTest::gmock)
target_compile_definitions(classify_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# The regex guard shared by the classification and HTTP fingerprint loaders.
if(TARGET cmdb_http_rules)
  cmdb_unit_test(text_util_test ${CMAKE_CURRENT_LIST_DIR}/text_util_test.cc
    LIBS cmdb_classify cmdb_http_rules GTest::gmock)
endif()
