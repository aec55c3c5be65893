// DiscoveryService handlers and conversions.
#include "api/discovery_api.h"

#include <google/protobuf/util/time_util.h>

#include "api/convert.h"
#include "api/handler.h"
#include "core/status.h"

namespace cmdb::api {
namespace {

using google::protobuf::util::TimeUtil;

ScanLimits LimitsFromProto(const v1::ScanLimits& in) {
  ScanLimits l;
  l.targets_in_flight = in.targets_in_flight();
  l.packets_per_second = in.packets_per_second();
  if (in.has_timeout()) l.timeout_ms = TimeUtil::DurationToMilliseconds(in.timeout());
  l.retries = in.retries() > 0 ? in.retries() : -1;
  if (in.has_probe_retries()) l.probe_retries = in.probe_retries();
  return l;
}

void LimitsToProto(const ScanLimits& l, v1::ScanLimits* out) {
  out->set_targets_in_flight(l.targets_in_flight);
  out->set_packets_per_second(l.packets_per_second);
  if (l.timeout_ms > 0) *out->mutable_timeout() = TimeUtil::MillisecondsToDuration(l.timeout_ms);
  out->set_retries(l.retries > 0 ? l.retries : 0);
  if (l.probe_retries >= 0) out->set_probe_retries(l.probe_retries);
}

bool ValidDuration(const google::protobuf::Duration& d) {
  return d.seconds() >= 0 && d.seconds() <= 3600 && d.nanos() >= 0 && d.nanos() < 1'000'000'000;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

std::vector<int> Ints(const google::protobuf::RepeatedField<int32_t>& in) { return {in.begin(), in.end()}; }

void EndpointToProto(const HttpEndpointReport& e, v1::HttpEndpoint* out) {
  out->set_url(e.url);
  out->set_status(e.status);
  out->set_server(e.server);
  out->set_title(e.title);
  out->set_product(e.product);
  out->set_version(e.version);
  out->set_fingerprint(e.fingerprint);
  out->set_certificate_sha256(e.certificate_sha256);
  out->set_certificate_verified(e.certificate_verified);
  out->set_application_id(e.application_id);
  out->set_certificate_id(e.certificate_id);
  for (const auto& err : e.errors) out->add_errors(err);
  out->set_seconds(e.seconds);
}

// An endpoint as a worker reports it; ids are checked by the service.
absl::StatusOr<HttpEndpointReport> EndpointFromProto(const v1::HttpEndpoint& in, const std::string& field) {
  HttpEndpointReport e;
  e.url = in.url();
  e.status = in.status();
  e.server = in.server();
  e.title = in.title();
  e.product = in.product();
  e.version = in.version();
  e.fingerprint = in.fingerprint();
  e.certificate_sha256 = in.certificate_sha256();
  e.certificate_verified = in.certificate_verified();
  e.application_id = in.application_id();
  e.certificate_id = in.certificate_id();
  e.errors = Strings(in.errors());
  e.seconds = in.seconds();
  if (e.url.empty()) return FieldError(field + ".url", "required");
  return e;
}

}  // namespace

void CredentialToProto(const Credential& c, v1::Credential* out) {
  out->set_name(c.name);
  out->set_kind(static_cast<v1::CredentialKind>(c.kind));
  out->set_description(c.description);
  out->set_user(c.user);
  out->set_auth_protocol(static_cast<v1::SnmpAuthProtocol>(c.auth_protocol));
  out->set_priv_protocol(static_cast<v1::SnmpPrivProtocol>(c.priv_protocol));
  out->set_has_secret(c.has_secret);
  out->set_allow_unverified_tls(c.allow_unverified_tls);
  SetTimestamp(c.created_at, out->mutable_create_time());
  SetTimestamp(c.updated_at, out->mutable_update_time());
}

void ScheduleToProto(const Schedule& s, v1::DiscoverySchedule* out) {
  out->set_name(s.name);
  out->set_description(s.description);
  for (const auto& t : s.targets) out->add_targets(t);
  for (const auto& t : s.exclusions) out->add_exclusions(t);
  for (const auto& c : s.credentials) out->add_credentials(c);
  if (s.interval_seconds) *out->mutable_interval() = TimeUtil::SecondsToDuration(*s.interval_seconds);
  out->set_cron(s.cron);
  out->set_enabled(s.enabled);
  LimitsToProto(s.limits, out->mutable_limits());
  SetTimestamp(s.created_at, out->mutable_create_time());
  SetTimestamp(s.updated_at, out->mutable_update_time());
  if (s.next_run_at) SetTimestamp(*s.next_run_at, out->mutable_next_run_time());
  out->set_last_run_id(s.last_run_id);
  out->set_etag(EtagFor(s.version));
  for (const auto& p : s.protocols) out->add_protocols(p);
  for (int port : s.http_ports) out->add_http_ports(port);
}

absl::StatusOr<Schedule> ScheduleFromProto(const v1::DiscoverySchedule& in) {
  Schedule s;
  s.name = in.name();
  s.description = in.description();
  s.targets = Strings(in.targets());
  s.exclusions = Strings(in.exclusions());
  s.credentials = Strings(in.credentials());
  if (in.has_interval()) {
    if (in.interval().nanos() != 0 || in.interval().seconds() < 0) {
      return FieldError("schedule.interval", "whole seconds, not negative");
    }
    if (in.interval().seconds() > 0) s.interval_seconds = in.interval().seconds();
  }
  s.cron = in.cron();
  s.enabled = in.enabled();
  if (in.limits().has_timeout() && !ValidDuration(in.limits().timeout())) {
    return FieldError("schedule.limits.timeout", "not a valid duration");
  }
  s.limits = LimitsFromProto(in.limits());
  s.protocols = Strings(in.protocols());
  s.http_ports = Ints(in.http_ports());
  return s;
}

void RunToProto(const Run& r, v1::DiscoveryRun* out) {
  out->set_id(r.id);
  out->set_schedule(r.schedule);
  out->set_state(static_cast<v1::RunState>(r.state));
  for (const auto& t : r.targets) out->add_targets(t);
  for (const auto& t : r.exclusions) out->add_exclusions(t);
  for (const auto& c : r.credentials) out->add_credentials(c);
  LimitsToProto(r.limits, out->mutable_limits());
  auto* p = out->mutable_progress();
  p->set_targets_total(r.progress.targets_total);
  p->set_targets_done(r.progress.targets_done);
  p->set_responders(r.progress.responders);
  p->set_devices(r.progress.devices);
  p->set_errors(r.progress.errors);
  p->set_jobs_total(r.progress.jobs_total);
  p->set_jobs_done(r.progress.jobs_done);
  out->set_requested_by(r.requested_by);
  out->set_error(r.error);
  SetTimestamp(r.created_at, out->mutable_create_time());
  if (r.started_at) SetTimestamp(*r.started_at, out->mutable_start_time());
  if (r.ended_at) SetTimestamp(*r.ended_at, out->mutable_end_time());
  out->set_marked_stale(r.marked_stale);
  for (const auto& p : r.protocols) out->add_protocols(p);
  for (int port : r.http_ports) out->add_http_ports(port);
}

void TargetReportToProto(const TargetReport& t, v1::TargetResult* out) {
  out->set_address(t.address);
  out->set_outcome(static_cast<v1::TargetOutcome>(t.outcome));
  out->set_credential(t.credential);
  out->set_snmp_version(t.snmp_version);
  out->set_sys_object_id(t.sys_object_id);
  out->set_sys_name(t.sys_name);
  out->set_class_name(t.class_name);
  out->set_device_id(t.device_id);
  for (const auto& e : t.errors) out->add_errors(e);
  out->set_varbinds(t.varbinds);
  out->set_requests(t.requests);
  out->set_seconds(t.seconds);
  out->set_worker(t.worker);
  if (t.reported_at) SetTimestamp(t.reported_at, out->mutable_time());
  out->set_protocol(t.protocol);
  for (const auto& e : t.endpoints) EndpointToProto(e, out->add_endpoints());
}

grpc::Status DiscoveryApi::CreateCredential(grpc::ServerContext* ctx, const v1::CreateCredentialRequest* req,
                                            v1::Credential* resp) {
  return HandleCall(auth_, ctx, "CreateCredential", *req, [&](const Principal&) -> absl::Status {
    const v1::Credential& in = req->credential();
    Credential c;
    c.name = in.name();
    if (in.kind() < 1 || in.kind() > 5) {
      return FieldError("credential.kind", "required: SNMP v1, v2c, v3, HTTP basic or HTTP bearer");
    }
    c.kind = static_cast<CredentialKind>(in.kind());
    c.description = in.description();
    c.user = in.user();
    c.auth_protocol = in.auth_protocol();
    c.priv_protocol = in.priv_protocol();
    c.allow_unverified_tls = in.allow_unverified_tls();
    CredentialSecret secret{in.community(), in.auth_key(), in.priv_key(), in.password(), in.token()};
    CMDB_ASSIGN_OR_RETURN(Credential out, service_.CreateCredential(c, secret, req->replace()));
    CredentialToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::ListCredentials(grpc::ServerContext* ctx, const v1::ListCredentialsRequest* req,
                                           v1::ListCredentialsResponse* resp) {
  return HandleCall(auth_, ctx, "ListCredentials", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto list, service_.ListCredentials());
    for (const auto& c : list) CredentialToProto(c, resp->add_credentials());
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::DeleteCredential(grpc::ServerContext* ctx, const v1::DeleteCredentialRequest* req,
                                            v1::DeleteCredentialResponse*) {
  return HandleCall(auth_, ctx, "DeleteCredential", *req,
                    [&](const Principal&) -> absl::Status { return service_.DeleteCredential(req->name()); });
}

grpc::Status DiscoveryApi::CreateSchedule(grpc::ServerContext* ctx, const v1::CreateScheduleRequest* req,
                                          v1::DiscoverySchedule* resp) {
  return HandleCall(auth_, ctx, "CreateSchedule", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Schedule s, ScheduleFromProto(req->schedule()));
    CMDB_ASSIGN_OR_RETURN(Schedule out, service_.CreateSchedule(std::move(s)));
    ScheduleToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::GetSchedule(grpc::ServerContext* ctx, const v1::GetScheduleRequest* req,
                                       v1::DiscoverySchedule* resp) {
  return HandleCall(auth_, ctx, "GetSchedule", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Schedule out, service_.GetSchedule(req->name()));
    ScheduleToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::ListSchedules(grpc::ServerContext* ctx, const v1::ListSchedulesRequest* req,
                                         v1::ListSchedulesResponse* resp) {
  return HandleCall(auth_, ctx, "ListSchedules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto list, service_.ListSchedules());
    for (const auto& s : list) ScheduleToProto(s, resp->add_schedules());
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::UpdateSchedule(grpc::ServerContext* ctx, const v1::UpdateScheduleRequest* req,
                                          v1::DiscoverySchedule* resp) {
  return HandleCall(auth_, ctx, "UpdateSchedule", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Schedule s, ScheduleFromProto(req->schedule()));
    std::vector<std::string> mask(req->update_mask().paths().begin(), req->update_mask().paths().end());
    CMDB_ASSIGN_OR_RETURN(Schedule out, service_.UpdateSchedule(s, mask, req->schedule().etag()));
    ScheduleToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::DeleteSchedule(grpc::ServerContext* ctx, const v1::DeleteScheduleRequest* req,
                                          v1::DeleteScheduleResponse*) {
  return HandleCall(auth_, ctx, "DeleteSchedule", *req,
                    [&](const Principal&) -> absl::Status { return service_.DeleteSchedule(req->name()); });
}

grpc::Status DiscoveryApi::StartRun(grpc::ServerContext* ctx, const v1::StartRunRequest* req, v1::DiscoveryRun* resp) {
  return HandleCall(auth_, ctx, "StartRun", *req, [&](const Principal& p) -> absl::Status {
    Run adhoc;
    if (!req->schedule().empty() &&
        (req->targets_size() > 0 || req->exclusions_size() > 0 || req->credentials_size() > 0 ||
         req->protocols_size() > 0 || req->http_ports_size() > 0)) {
      return FieldError("targets", "give a schedule or ad-hoc targets, not both");
    }
    adhoc.targets = Strings(req->targets());
    adhoc.exclusions = Strings(req->exclusions());
    adhoc.credentials = Strings(req->credentials());
    if (req->limits().has_timeout() && !ValidDuration(req->limits().timeout())) {
      return FieldError("limits.timeout", "not a valid duration");
    }
    adhoc.limits = LimitsFromProto(req->limits());
    adhoc.protocols = Strings(req->protocols());
    adhoc.http_ports = Ints(req->http_ports());
    CMDB_ASSIGN_OR_RETURN(Run out, service_.StartRun(req->schedule(), adhoc, p.name));
    RunToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::GetRun(grpc::ServerContext* ctx, const v1::GetRunRequest* req, v1::DiscoveryRun* resp) {
  return HandleCall(auth_, ctx, "GetRun", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Run out, service_.GetRun(req->id()));
    RunToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::ListRuns(grpc::ServerContext* ctx, const v1::ListRunsRequest* req,
                                    v1::ListRunsResponse* resp) {
  return HandleCall(auth_, ctx, "ListRuns", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(RunPage page, service_.ListRuns(req->schedule(), req->page_size(), req->page_token()));
    for (const auto& r : page.runs) RunToProto(r, resp->add_runs());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::CancelRun(grpc::ServerContext* ctx, const v1::CancelRunRequest* req,
                                     v1::DiscoveryRun* resp) {
  return HandleCall(auth_, ctx, "CancelRun", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(Run out, service_.CancelRun(req->id()));
    RunToProto(out, resp);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::ListRunLog(grpc::ServerContext* ctx, const v1::ListRunLogRequest* req,
                                      v1::ListRunLogResponse* resp) {
  return HandleCall(auth_, ctx, "ListRunLog", *req, [&](const Principal&) -> absl::Status {
    std::vector<int> outcomes(req->outcomes().begin(), req->outcomes().end());
    CMDB_ASSIGN_OR_RETURN(RunLogPage page,
                          service_.ListRunLog(req->run_id(), outcomes, req->page_size(), req->page_token()));
    for (const auto& e : page.entries) TargetReportToProto(e, resp->add_entries());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::LeaseJob(grpc::ServerContext* ctx, const v1::LeaseJobRequest* req,
                                    v1::LeaseJobResponse* resp) {
  return HandleCall(auth_, ctx, "LeaseJob", *req, [&](const Principal& p) -> absl::Status {
    const std::string worker = req->worker().empty() ? p.name : StrCat(p.name, "/", req->worker());
    CMDB_ASSIGN_OR_RETURN(std::optional<JobLease> lease, service_.LeaseJob(worker));
    *resp->mutable_heartbeat_interval() =
        TimeUtil::SecondsToDuration(std::max<int64_t>(1, service_.options().lease_seconds / 3));
    if (!lease) return absl::OkStatus();
    v1::Job* job = resp->mutable_job();
    job->set_id(lease->id);
    job->set_run_id(lease->run_id);
    job->set_lease_token(lease->lease_token);
    for (const auto& t : lease->targets) job->add_targets(t);
    for (const auto& jc : lease->credentials) {
      v1::JobCredential* c = job->add_credentials();
      c->set_name(jc.credential.name);
      c->set_kind(static_cast<v1::CredentialKind>(jc.credential.kind));
      c->set_community(jc.secret.community);
      c->set_user(jc.credential.user);
      c->set_auth_protocol(static_cast<v1::SnmpAuthProtocol>(jc.credential.auth_protocol));
      c->set_auth_key(jc.secret.auth_key);
      c->set_priv_protocol(static_cast<v1::SnmpPrivProtocol>(jc.credential.priv_protocol));
      c->set_priv_key(jc.secret.priv_key);
      c->set_password(jc.secret.password);
      c->set_token(jc.secret.token);
      c->set_allow_unverified_tls(jc.credential.allow_unverified_tls);
    }
    job->set_protocol(lease->protocol);
    for (int port : lease->http_ports) job->add_http_ports(port);
    for (const auto& [address, id] : lease->known_hosts) (*job->mutable_known_hosts())[address] = id;
    LimitsToProto(lease->limits, job->mutable_limits());
    SetTimestamp(lease->lease_expires_at, job->mutable_lease_expire_time());
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::Heartbeat(grpc::ServerContext* ctx, const v1::HeartbeatRequest* req,
                                     v1::HeartbeatResponse* resp) {
  return HandleCall(auth_, ctx, "Heartbeat", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(HeartbeatResult out, service_.Heartbeat(req->job_id(), req->lease_token()));
    resp->set_cancelled(out.cancelled);
    if (out.lease_expires_at) SetTimestamp(out.lease_expires_at, resp->mutable_lease_expire_time());
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::ReportTargets(grpc::ServerContext* ctx, const v1::ReportTargetsRequest* req,
                                         v1::ReportTargetsResponse* resp) {
  return HandleCall(auth_, ctx, "ReportTargets", *req, [&](const Principal& p) -> absl::Status {
    std::vector<TargetReport> reports;
    reports.reserve(req->results_size());
    for (int i = 0; i < req->results_size(); ++i) {
      const v1::TargetResult& in = req->results(i);
      if (in.outcome() < 1 || in.outcome() > 6) return FieldError(StrCat("results[", i, "].outcome"), "required");
      TargetReport t;
      t.address = in.address();
      t.outcome = static_cast<TargetOutcome>(in.outcome());
      t.credential = in.credential();
      t.snmp_version = in.snmp_version();
      t.sys_object_id = in.sys_object_id();
      t.sys_name = in.sys_name();
      t.class_name = in.class_name();
      t.device_id = in.device_id();
      t.errors = Strings(in.errors());
      t.varbinds = in.varbinds();
      t.requests = in.requests();
      t.seconds = in.seconds();
      t.reported_ids = Strings(in.reported_ids());
      if (in.endpoints_size() > 64) return FieldError(StrCat("results[", i, "].endpoints"), "at most 64 per target");
      for (int k = 0; k < in.endpoints_size(); ++k) {
        CMDB_ASSIGN_OR_RETURN(HttpEndpointReport e,
                              EndpointFromProto(in.endpoints(k), StrCat("results[", i, "].endpoints[", k, "]")));
        t.endpoints.push_back(std::move(e));
      }
      reports.push_back(std::move(t));
    }
    CMDB_ASSIGN_OR_RETURN(bool cancelled,
                          service_.ReportTargets(req->job_id(), req->lease_token(), p.name, std::move(reports)));
    resp->set_cancelled(cancelled);
    return absl::OkStatus();
  });
}

grpc::Status DiscoveryApi::CompleteJob(grpc::ServerContext* ctx, const v1::CompleteJobRequest* req,
                                       v1::CompleteJobResponse*) {
  return HandleCall(auth_, ctx, "CompleteJob", *req, [&](const Principal&) -> absl::Status {
    return service_.CompleteJob(req->job_id(), req->lease_token(), req->release());
  });
}

}  // namespace cmdb::api
