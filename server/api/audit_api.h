// The cmdb.v1.AuditService implementation: thin handlers over AuditService
// (rules, runs, acknowledgements, the status report, baselines), with the same authentication, logging and
// status mapping as the other services.
#pragma once

#include "api/auth.h"
#include "cmdb/v1/audit.grpc.pb.h"
#include "service/audit_service.h"

namespace cmdb::api {

class AuditApi final : public v1::AuditService::Service {
 public:
  AuditApi(AuditService& service, const Authenticator& auth) : service_(service), auth_(auth) {}

  grpc::Status PutAuditRule(grpc::ServerContext* ctx, const v1::PutAuditRuleRequest* req,
                            v1::AuditRule* resp) override;
  grpc::Status GetAuditRule(grpc::ServerContext* ctx, const v1::GetAuditRuleRequest* req,
                            v1::AuditRule* resp) override;
  grpc::Status ListAuditRules(grpc::ServerContext* ctx, const v1::ListAuditRulesRequest* req,
                              v1::ListAuditRulesResponse* resp) override;
  grpc::Status DeleteAuditRule(grpc::ServerContext* ctx, const v1::DeleteAuditRuleRequest* req,
                               v1::DeleteAuditRuleResponse* resp) override;
  grpc::Status RunAudit(grpc::ServerContext* ctx, const v1::RunAuditRequest* req, v1::AuditRunReport* resp) override;
  grpc::Status GetAuditRun(grpc::ServerContext* ctx, const v1::GetAuditRunRequest* req,
                           v1::AuditRunReport* resp) override;
  grpc::Status ListAuditRuns(grpc::ServerContext* ctx, const v1::ListAuditRunsRequest* req,
                             v1::ListAuditRunsResponse* resp) override;
  grpc::Status AcknowledgeFinding(grpc::ServerContext* ctx, const v1::AcknowledgeFindingRequest* req,
                                  v1::Acknowledgement* resp) override;
  grpc::Status WithdrawAcknowledgement(grpc::ServerContext* ctx, const v1::WithdrawAcknowledgementRequest* req,
                                       v1::WithdrawAcknowledgementResponse* resp) override;
  grpc::Status ListAcknowledgements(grpc::ServerContext* ctx, const v1::ListAcknowledgementsRequest* req,
                                    v1::ListAcknowledgementsResponse* resp) override;
  grpc::Status GetStatusReport(grpc::ServerContext* ctx, const v1::GetStatusReportRequest* req,
                               v1::StatusReport* resp) override;
  grpc::Status PutAuditSchedule(grpc::ServerContext* ctx, const v1::PutAuditScheduleRequest* req,
                                v1::AuditSchedule* resp) override;
  grpc::Status ListAuditSchedules(grpc::ServerContext* ctx, const v1::ListAuditSchedulesRequest* req,
                                  v1::ListAuditSchedulesResponse* resp) override;
  grpc::Status DeleteAuditSchedule(grpc::ServerContext* ctx, const v1::DeleteAuditScheduleRequest* req,
                                   v1::DeleteAuditScheduleResponse* resp) override;
  grpc::Status AuditDiscovery(grpc::ServerContext* ctx, const v1::AuditDiscoveryRequest* req,
                              v1::DiscoveryAuditReport* resp) override;
  grpc::Status CreateBaseline(grpc::ServerContext* ctx, const v1::CreateBaselineRequest* req,
                              v1::Baseline* resp) override;
  grpc::Status GetBaseline(grpc::ServerContext* ctx, const v1::GetBaselineRequest* req, v1::Baseline* resp) override;
  grpc::Status ListBaselines(grpc::ServerContext* ctx, const v1::ListBaselinesRequest* req,
                             v1::ListBaselinesResponse* resp) override;
  grpc::Status DeleteBaseline(grpc::ServerContext* ctx, const v1::DeleteBaselineRequest* req,
                              v1::DeleteBaselineResponse* resp) override;
  grpc::Status CompareBaseline(grpc::ServerContext* ctx, const v1::CompareBaselineRequest* req,
                               v1::CompareBaselineResponse* resp) override;

 private:
  AuditService& service_;
  const Authenticator& auth_;
};

}  // namespace cmdb::api
