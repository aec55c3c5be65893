// Request limits, set from cmdbd's configuration. One place lists the
// defaults (docs/OPERATIONS.md repeats them).
#pragma once

#include <cstdint>

namespace cmdb {

struct Limits {
  int default_page_size = 100;
  int max_page_size = 1000;
  // Creates + updates + relationships in one BatchWrite, or items +
  // relations in one Reconcile.
  int max_batch_items = 50000;
  // Items + relations in one StreamReconcile (one transaction).
  int max_stream_items = 1000000;
  // Item results (and relation results) a StreamReconcile answer lists.
  int max_stream_results = 10000;
  // Payloads over large_payload_items items + relations are reconciled at
  // most max_large_reconciles at a time (service/payload_gate.h).
  int large_payload_items = 10000;
  int max_large_reconciles = 1;
  // Bytes of one request message: a sync gRPC server reads and parses it
  // before any token is checked, so this bounds what an unauthenticated
  // caller can make cmdbd hold per call. A BatchWrite of 5,000 ordinary CIs
  // is about 2 MiB.
  int max_message_bytes = 16 << 20;
  // Bytes of one answer (a page of large CIs, an export).
  int max_send_message_bytes = 64 << 20;
};

// page_size from a request: 0 -> default, above the maximum -> the maximum
// (AIP-158); negative -> INVALID_ARGUMENT is the caller's to report.
inline int EffectivePageSize(const Limits& limits, int32_t requested) {
  if (requested <= 0) return limits.default_page_size;
  return requested > limits.max_page_size ? limits.max_page_size : requested;
}

}  // namespace cmdb
