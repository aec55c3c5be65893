# cmdb_http: the HTTP engine (engine.h) on libcurl's multi interface, with
# OpenSSL for certificates. libcurl and OpenSSL stay private.
# cmdb_http_rules: fingerprint rules (rules/http.toml) and Redfish JSON,
# pure; cmdb_http_probe: endpoints and the Redfish walk, on the engine.
find_package(CURL REQUIRED)
find_package(tomlplusplus REQUIRED)

add_library(cmdb_http STATIC
  ${CMAKE_CURRENT_LIST_DIR}/engine.cc
  ${CMAKE_CURRENT_LIST_DIR}/certificate.cc)
target_include_directories(cmdb_http PUBLIC ${PROJECT_SOURCE_DIR}/discovery)
target_link_libraries(cmdb_http
  PRIVATE CURL::libcurl OpenSSL::SSL OpenSSL::Crypto absl::strings cmdb_warnings)

# cmdb_http_rules: the pure part of the probe (fingerprint rules, Redfish
# JSON, HTML titles): no engine, no I/O beyond reading the rules file.
add_library(cmdb_http_rules STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fingerprint_rules.cc
  ${CMAKE_CURRENT_LIST_DIR}/fingerprints.cc
  ${CMAKE_CURRENT_LIST_DIR}/redfish.cc)
target_include_directories(cmdb_http_rules PUBLIC ${PROJECT_SOURCE_DIR}/discovery)
target_link_libraries(cmdb_http_rules
  PUBLIC absl::status absl::statusor
  PRIVATE nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus cmdb_warnings)

add_library(cmdb_http_probe STATIC ${CMAKE_CURRENT_LIST_DIR}/probe.cc)
target_link_libraries(cmdb_http_probe
  PUBLIC cmdb_http cmdb_http_rules absl::status absl::statusor
  PRIVATE absl::strings nlohmann_json::nlohmann_json cmdb_warnings)
