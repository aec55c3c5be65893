// The cmdb.v1.AuditService implementation: thin handlers over AuditService
// (rules, runs, acknowledgements), with the same authentication, logging and
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

 private:
  AuditService& service_;
  const Authenticator& auth_;
};

}  // namespace cmdb::api
