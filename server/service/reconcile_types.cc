// ReconcileActionName and ReconcileOutput::Count.
#include "service/reconcile_types.h"

#include <algorithm>

namespace cmdb {

std::string_view ReconcileActionName(ReconcileAction action) {
  switch (action) {
    case ReconcileAction::kCreated: return "created";
    case ReconcileAction::kUpdated: return "updated";
    case ReconcileAction::kUnchanged: return "unchanged";
    case ReconcileAction::kConflict: return "conflict";
    case ReconcileAction::kRejected: return "rejected";
  }
  return "rejected";
}

int ReconcileOutput::Count(ReconcileAction action) const {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [&](const ItemOutcome& o) { return o.action == action; }));
}

}  // namespace cmdb
