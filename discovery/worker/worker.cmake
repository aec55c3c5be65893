# cmdb-discovery: the worker binary. The rules file is found in the source
# tree by default (an installed worker takes --rules or CMDB_RULES).
add_library(cmdb_worker STATIC ${CMAKE_CURRENT_LIST_DIR}/worker.cc)
target_link_libraries(cmdb_worker
  PUBLIC cmdb_findings cmdb_snmp cmdb_http_probe cmdb_proto gRPC::grpc++
  PRIVATE cmdb_proto_util spdlog::spdlog cmdb_warnings)
add_executable(cmdb-discovery ${CMAKE_CURRENT_LIST_DIR}/main.cc)
target_compile_definitions(cmdb-discovery PRIVATE
  CMDB_RULES_FILE="${PROJECT_SOURCE_DIR}/discovery/rules/classify.toml"
  CMDB_HTTP_RULES_FILE="${PROJECT_SOURCE_DIR}/discovery/rules/http.toml")
target_link_libraries(cmdb-discovery PRIVATE cmdb_worker CLI11::CLI11 spdlog::spdlog cmdb_warnings)
