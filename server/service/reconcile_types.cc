// ReconcileActionName.
#include "service/reconcile_types.h"

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

}  // namespace cmdb
