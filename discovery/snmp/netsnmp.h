// The engine's dealings with net-snmp itself (private to cmdb_snmp): the
// library's one-time set-up, the fixed texts for its error codes, its
// variable lists turned into Varbinds, and SNMPv3 keys set on a session.
// Nothing here quotes a packet, a session or a secret.
#pragma once

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "snmp/engine.h"
#include "snmp/varbind.h"

namespace cmdb::discovery {

// Once per process: no MIB files, no configuration or persistent files, no
// signals, no log output.
void InitNetSnmp();

// Raises the open-file limit for the sockets of `max_in_flight` targets.
void RaiseFileLimit(int max_in_flight);

// Why an agent refused a request (a v3 Report), why net-snmp could not take
// an answer in, and why it could not send a request.
std::string ReportText(int report_type);
std::string ParseErrorText(int code);
std::string LocalErrorText(int code);

// net-snmp's variable_list -> Varbind. Trusts no length: a value whose
// buffer is shorter than its type needs becomes Null and a problem is
// noted; octet strings longer than `max_bytes` are cut.
Varbind ConvertVarbind(const netsnmp_variable_list& v, size_t max_bytes, std::vector<std::string>* problems);

// Fills the v3 part of `session` from `cred`. The keys are derived here
// (generate_Ku) and copied by net-snmp; the caller wipes `session`.
absl::Status SetV3(netsnmp_session& session, const SnmpCredential& cred);

}  // namespace cmdb::discovery
