// Pure mapping from what one address answered over HTTP (http/probe.h) to
// the reconciliation payload the worker sends as source "http":
//   - an `application` per endpoint (identified by its `url`), that
//     `runs_on` its host;
//   - a `certificate` per distinct certificate (identified by its SHA-256
//     fingerprint) that `secures` each endpoint serving it, exclusively: a
//     renewed certificate takes the relationship over from the old one;
//   - the host: the system a Redfish service describes (a `server`,
//     identified by serial number, so a server SNMP found is the same CI;
//     without one, by its system UUID as this source's own key), with the
//     controller's network interface and address as its dependents; else the device already recorded at the address
//     (`known_host_id`); else a `computer` created for the address
//     (create-only: it never overwrites what another source says of it).
// No I/O.
//
// Item refs: "host", "bmc:<n>" and "bmc:<n>:ip" (controller interfaces and
// the probed address), "app:<port>", "cert:<fingerprint>".
#pragma once

#include <string>

#include "cmdb/v1/reconcile.pb.h"
#include "http/probe.h"

namespace cmdb::discovery {

struct HttpContext {
  std::string known_host_id;  // the device CI recorded at the address, "" if none
};

// Builds the payload (source "http", not dry run, not complete). Endpoints
// without an HTTP answer (status 0) are left out; no items at all when no
// endpoint answered HTTP.
v1::ReconcileRequest BuildHttpFindings(const http::AddressResult& result, const HttpContext& context);

// The application CI's name for an endpoint: "<product> <address>:<port>",
// or "web <address>:<port>" when nothing recognised it.
std::string EndpointName(const http::EndpointResult& endpoint);

}  // namespace cmdb::discovery
