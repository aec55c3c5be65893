// Pure mapping from what one device told us (its decoded inventory and its
// classification) to the reconciliation payload the worker sends as source
// "snmp": the device CI, its interfaces, IP addresses and installed
// software as dependents, and LLDP/CDP neighbours as stub devices with stub
// interfaces linked `connected_to` the local interface. Stubs are
// create-only items: they never overwrite what the neighbour itself reports
// when it is discovered. No I/O.
//
// Item refs, so results can be mapped back: "device"; "if:<ifIndex>";
// "ip:<address>"; "sw:<n>"; "nbr:<n>" and "nbr:<n>:port" for neighbours.
#pragma once

#include <string>
#include <vector>

#include "classify/classifier.h"
#include "cmdb/v1/reconcile.pb.h"
#include "mib/inventory.h"

namespace cmdb::discovery {

struct DeviceContext {
  std::string address;         // the address scanned (management_ip)
  int64_t observed_unix_s = 0; // when the agent answered (last_boot = observed - uptime, to the hour)
};

// Builds the payload (source, items, relations; not dry run, not complete).
// Every item has a ref; the device item is items(0).
v1::ReconcileRequest BuildFindings(const mib::Inventory& inventory, const Classification& classification,
                                   const DeviceContext& context);

// The class a device gets when classification found none.
inline constexpr char kFallbackClass[] = "network_device";

// MACs that many devices share and so never identify one: VRRP, HSRP,
// GLBP and similar virtual router addresses, multicast and broadcast.
bool IsSharedMac(const std::string& mac);

}  // namespace cmdb::discovery
