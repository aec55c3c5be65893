// The cmdb.v1.ReconciliationService implementation: thin handlers over
// ReconcileService (Reconcile, StreamReconcile, Merge) and its
// ReconcileAdmin (rules, sources, duplicate candidates), with the same
// authentication, logging and status mapping as CmdbApi. StreamReconcile hands
// its chunks to ReconcileService::ReconcileStream one at a time.
#pragma once

#include "api/auth.h"
#include "cmdb/v1/reconcile.grpc.pb.h"
#include "service/reconcile_service.h"

namespace cmdb::api {

class ReconcileApi final : public v1::ReconciliationService::Service {
 public:
  ReconcileApi(ReconcileService& service, const Authenticator& auth)
      : service_(service), admin_(service.admin()), auth_(auth) {}

  grpc::Status Reconcile(grpc::ServerContext* ctx, const v1::ReconcileRequest* req,
                         v1::ReconcileResponse* resp) override;
  grpc::Status StreamReconcile(grpc::ServerContext* ctx, grpc::ServerReader<v1::ReconcileRequest>* reader,
                               v1::ReconcileResponse* resp) override;
  grpc::Status GetIdentificationRules(grpc::ServerContext* ctx, const v1::GetIdentificationRulesRequest* req,
                                      v1::IdentificationRules* resp) override;
  grpc::Status SetIdentificationRules(grpc::ServerContext* ctx, const v1::SetIdentificationRulesRequest* req,
                                      v1::IdentificationRules* resp) override;
  grpc::Status ListReconciliationRules(grpc::ServerContext* ctx, const v1::ListReconciliationRulesRequest* req,
                                       v1::ListReconciliationRulesResponse* resp) override;
  grpc::Status SetReconciliationRule(grpc::ServerContext* ctx, const v1::SetReconciliationRuleRequest* req,
                                     v1::ReconciliationRule* resp) override;
  grpc::Status DeleteReconciliationRule(grpc::ServerContext* ctx, const v1::DeleteReconciliationRuleRequest* req,
                                        v1::DeleteReconciliationRuleResponse* resp) override;
  grpc::Status ListSources(grpc::ServerContext* ctx, const v1::ListSourcesRequest* req,
                           v1::ListSourcesResponse* resp) override;
  grpc::Status SetSourcePolicy(grpc::ServerContext* ctx, const v1::SetSourcePolicyRequest* req,
                               v1::Source* resp) override;
  grpc::Status ListDuplicateCandidates(grpc::ServerContext* ctx, const v1::ListDuplicateCandidatesRequest* req,
                                       v1::ListDuplicateCandidatesResponse* resp) override;
  grpc::Status Merge(grpc::ServerContext* ctx, const v1::MergeRequest* req, v1::MergeResponse* resp) override;

 private:
  template <typename Fn>
  grpc::Status Handle(grpc::ServerContext* ctx, std::string_view method, const google::protobuf::Message& request,
                      Fn&& fn);

  ReconcileService& service_;
  ReconcileAdmin& admin_;  // rules, sources and duplicates
  const Authenticator& auth_;
};

// Conversions, exposed for tests.
absl::StatusOr<ReconcileInput> ReconcileInputFromProto(const v1::ReconcileRequest& req);
void ReconcileOutputToProto(const ReconcileOutput& out, v1::ReconcileResponse* resp);

}  // namespace cmdb::api
