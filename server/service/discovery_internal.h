// Private to DiscoveryService's files (discovery_service.cc,
// discovery_jobs.cc).
#pragma once

#include <cstdint>
#include <memory>

namespace spdlog {
class logger;
}

namespace cmdb::discovery_internal {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;

// The "discovery" logger when registered, else the default one.
std::shared_ptr<spdlog::logger> Log();

}  // namespace cmdb::discovery_internal
