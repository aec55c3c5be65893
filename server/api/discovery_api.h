// The cmdb.v1.DiscoveryService implementation: thin handlers over
// DiscoveryService (credentials, schedules, runs, the worker protocol), with
// the same authentication, logging and status mapping as the other services.
// Secrets travel only inwards (CreateCredential) and out to a leased job.
#pragma once

#include "api/auth.h"
#include "cmdb/v1/discovery.grpc.pb.h"
#include "service/discovery_service.h"

namespace cmdb::api {

class DiscoveryApi final : public v1::DiscoveryService::Service {
 public:
  DiscoveryApi(DiscoveryService& service, const Authenticator& auth) : service_(service), auth_(auth) {}

  grpc::Status CreateCredential(grpc::ServerContext* ctx, const v1::CreateCredentialRequest* req,
                                v1::Credential* resp) override;
  grpc::Status ListCredentials(grpc::ServerContext* ctx, const v1::ListCredentialsRequest* req,
                               v1::ListCredentialsResponse* resp) override;
  grpc::Status DeleteCredential(grpc::ServerContext* ctx, const v1::DeleteCredentialRequest* req,
                                v1::DeleteCredentialResponse* resp) override;
  grpc::Status CreateSchedule(grpc::ServerContext* ctx, const v1::CreateScheduleRequest* req,
                              v1::DiscoverySchedule* resp) override;
  grpc::Status GetSchedule(grpc::ServerContext* ctx, const v1::GetScheduleRequest* req,
                           v1::DiscoverySchedule* resp) override;
  grpc::Status ListSchedules(grpc::ServerContext* ctx, const v1::ListSchedulesRequest* req,
                             v1::ListSchedulesResponse* resp) override;
  grpc::Status UpdateSchedule(grpc::ServerContext* ctx, const v1::UpdateScheduleRequest* req,
                              v1::DiscoverySchedule* resp) override;
  grpc::Status DeleteSchedule(grpc::ServerContext* ctx, const v1::DeleteScheduleRequest* req,
                              v1::DeleteScheduleResponse* resp) override;
  grpc::Status StartRun(grpc::ServerContext* ctx, const v1::StartRunRequest* req, v1::DiscoveryRun* resp) override;
  grpc::Status GetRun(grpc::ServerContext* ctx, const v1::GetRunRequest* req, v1::DiscoveryRun* resp) override;
  grpc::Status ListRuns(grpc::ServerContext* ctx, const v1::ListRunsRequest* req, v1::ListRunsResponse* resp) override;
  grpc::Status CancelRun(grpc::ServerContext* ctx, const v1::CancelRunRequest* req, v1::DiscoveryRun* resp) override;
  grpc::Status ListRunLog(grpc::ServerContext* ctx, const v1::ListRunLogRequest* req,
                          v1::ListRunLogResponse* resp) override;
  grpc::Status LeaseJob(grpc::ServerContext* ctx, const v1::LeaseJobRequest* req, v1::LeaseJobResponse* resp) override;
  grpc::Status Heartbeat(grpc::ServerContext* ctx, const v1::HeartbeatRequest* req,
                         v1::HeartbeatResponse* resp) override;
  grpc::Status ReportTargets(grpc::ServerContext* ctx, const v1::ReportTargetsRequest* req,
                             v1::ReportTargetsResponse* resp) override;
  grpc::Status CompleteJob(grpc::ServerContext* ctx, const v1::CompleteJobRequest* req,
                           v1::CompleteJobResponse* resp) override;

 private:
  DiscoveryService& service_;
  const Authenticator& auth_;
};

// Conversions, exposed for tests.
void CredentialToProto(const Credential& c, v1::Credential* out);  // never a secret
void ScheduleToProto(const Schedule& s, v1::DiscoverySchedule* out);
absl::StatusOr<Schedule> ScheduleFromProto(const v1::DiscoverySchedule& in);
void RunToProto(const Run& r, v1::DiscoveryRun* out);
void TargetReportToProto(const TargetReport& t, v1::TargetResult* out);

}  // namespace cmdb::api
