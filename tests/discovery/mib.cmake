# Unit tests of the MIB decoders, on the lab's recordings and on hostile
# hand-made walks.
cmdb_unit_test(mib_test ${CMAKE_CURRENT_LIST_DIR}/mib_test.cc LIBS cmdb_mib cmdb_snmprec GTest::gmock)
