# Device classification: the shipped rules over the lab's recordings and
# over sysObjectID/sysDescr pairs of devices that are not in the lab.
cmdb_unit_test(classify_test ${CMAKE_CURRENT_LIST_DIR}/classify_test.cc
  LIBS cmdb_classify cmdb_snmprec GTest::gmock)
target_compile_definitions(classify_test PRIVATE CMDB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
