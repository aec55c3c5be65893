// cmdb.v1 enum values as the lowercase words cmdbctl prints and accepts:
// LIFECYCLE_STATUS_IN_USE <-> "in_use", CRITICALITY_UNSPECIFIED <-> "".
#pragma once

#include <string>

#include "cmdb/v1/cmdb_service.pb.h"
#include "cmdb/v1/reconcile.pb.h"
#include "cmdb/v1/resources.pb.h"

namespace cmdbctl {

// The lowercase word of any enum value without its type's prefix
// (RUN_STATE_QUEUED -> "queued", IMPACT_STATE_DOWN -> "down"); "" for
// *_UNSPECIFIED, the number for a value from a newer server.
std::string EnumValueWord(const google::protobuf::EnumDescriptor* descriptor, int number);

// The lowercase word for a value; "" for *_UNSPECIFIED.
std::string StatusText(cmdb::v1::LifecycleStatus value);
std::string CriticalityText(cmdb::v1::Criticality value);
std::string OperationText(cmdb::v1::ChangeOperation value);
std::string AttributeTypeText(cmdb::v1::AttributeType value);
std::string ImpactText(cmdb::v1::ImpactDirection value);
std::string ReconcileActionText(cmdb::v1::ReconcileAction value);

// The value for a word (case-insensitive); "" gives *_UNSPECIFIED. Throws
// an INVALID_ARGUMENT Error naming `what` and the accepted words otherwise.
cmdb::v1::LifecycleStatus ParseStatus(const std::string& word, const std::string& what);
cmdb::v1::Criticality ParseCriticality(const std::string& word, const std::string& what);
cmdb::v1::AttributeType ParseAttributeType(const std::string& word, const std::string& what);
cmdb::v1::ImpactDirection ParseImpact(const std::string& word, const std::string& what);

}  // namespace cmdbctl
