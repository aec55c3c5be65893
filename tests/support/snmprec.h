// Reads an snmpsim recording (`.snmprec`: one `OID|tag|value` per line) into
// a DeviceWalk, so decoder and classification tests run on the lab's real
// device recordings without an agent.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "snmp/varbind.h"

namespace cmdb::testing {

// Tags: 2 Integer32, 4 OctetString, 5 Null, 6 OID, 64 IpAddress, 65 Counter32,
// 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64; an `x` suffix means the
// value is hex. INVALID_ARGUMENT names the line of a malformed record;
// NOT_FOUND when the file cannot be read.
absl::StatusOr<discovery::DeviceWalk> LoadSnmprec(const std::string& path);

// The directory of the lab's recordings (tests/lab/snmprec in the source tree).
std::string LabRecordingDir();

}  // namespace cmdb::testing
