// The cmdb.v1.ImpactService implementation: thin handlers over
// ImpactService (impact analysis, root cause, propagation rules, external
// records), with the same authentication, logging and status mapping as the
// other services.
#pragma once

#include "api/auth.h"
#include "cmdb/v1/impact.grpc.pb.h"
#include "service/impact_service.h"

namespace cmdb::api {

class ImpactApi final : public v1::ImpactService::Service {
 public:
  ImpactApi(ImpactService& service, const Authenticator& auth) : service_(service), auth_(auth) {}

  grpc::Status AnalyzeImpact(grpc::ServerContext* ctx, const v1::AnalyzeImpactRequest* req,
                             v1::AnalyzeImpactResponse* resp) override;
  grpc::Status SuggestRootCause(grpc::ServerContext* ctx, const v1::SuggestRootCauseRequest* req,
                                v1::SuggestRootCauseResponse* resp) override;
  grpc::Status GetGraphStats(grpc::ServerContext* ctx, const v1::GetGraphStatsRequest* req,
                             v1::GraphStats* resp) override;
  grpc::Status GetPropagationRules(grpc::ServerContext* ctx, const v1::GetPropagationRulesRequest* req,
                                   v1::PropagationRules* resp) override;
  grpc::Status SetRelationshipPropagation(grpc::ServerContext* ctx, const v1::SetRelationshipPropagationRequest* req,
                                          v1::RelationshipPropagation* resp) override;
  grpc::Status SetClassRedundancy(grpc::ServerContext* ctx, const v1::SetClassRedundancyRequest* req,
                                  v1::ClassRedundancy* resp) override;
  grpc::Status SetCiRedundancy(grpc::ServerContext* ctx, const v1::SetCiRedundancyRequest* req,
                               v1::CiRedundancy* resp) override;
  grpc::Status PutExternalRecord(grpc::ServerContext* ctx, const v1::PutExternalRecordRequest* req,
                                 v1::ExternalRecord* resp) override;
  grpc::Status GetExternalRecord(grpc::ServerContext* ctx, const v1::GetExternalRecordRequest* req,
                                 v1::ExternalRecord* resp) override;
  grpc::Status ListExternalRecords(grpc::ServerContext* ctx, const v1::ListExternalRecordsRequest* req,
                                   v1::ListExternalRecordsResponse* resp) override;
  grpc::Status DeleteExternalRecord(grpc::ServerContext* ctx, const v1::DeleteExternalRecordRequest* req,
                                    v1::DeleteExternalRecordResponse* resp) override;

 private:
  ImpactService& service_;
  const Authenticator& auth_;
};

// Conversions, exposed for tests.
absl::StatusOr<ImpactRequest> ImpactRequestFromProto(const v1::AnalyzeImpactRequest& in);
void ImpactAnswerToProto(ImpactAnswer a, v1::AnalyzeImpactResponse* out);
void RecordToProto(const ExternalRecordInfo& r, v1::ExternalRecord* out);

}  // namespace cmdb::api
