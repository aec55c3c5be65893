// `cmdbctl credential ...` and `cmdbctl discovery ...`: SNMP credentials,
// discovery schedules, runs and their per-target logs (the
// cmdb.v1.DiscoveryService, cmdb/v1/discovery.proto).
//
// commands_credential.cc holds the credential commands and the ad-hoc
// community credentials `discovery run --community` creates;
// commands_discovery.cc holds the client of the service and the run
// commands, commands_discovery_schedule.cc the schedule commands, and
// discovery_views.h what they share (words, text and JSON, scan-limit flags). Secrets (communities, authentication and privacy keys) go to the
// server and nowhere else: no output or error message carries them.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cmdb/v1/discovery.grpc.pb.h"
#include "session.h"

namespace cmdbctl {

void AddCredentialCommands(CLI::App& app, Session& session);  // credential create|list|delete
void AddDiscoveryCommands(CLI::App& app, Session& session);   // discovery schedule ...|run|runs|status|log|cancel
void AddScheduleCommands(CLI::App* discovery, Session& session);  // discovery schedule create|list|get|update|delete

// Calls to the DiscoveryService with the global flags' server, TLS
// settings, token and per-call deadline (--timeout).
class DiscoveryClient {
 public:
  using Stub = v1::DiscoveryService::Stub;

  // Uses the channel of session.client() (connecting lazily).
  explicit DiscoveryClient(Session& session);

  // Runs one unary call with a fresh context (token, deadline of --timeout
  // from now); returns the response or throws Error with the status's code
  // name and message.
  template <typename Request, typename Response>
  Response Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request) {
    Response response;
    ThrowIfError(TryCall(method, request, &response));
    return response;
  }

  // The same call, returning the status instead of throwing.
  template <typename Request, typename Response>
  grpc::Status TryCall(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                       const Request& request, Response* response) {
    auto context = session_.client().NewContext();
    return ((*stub_).*method)(context.get(), request, response);
  }

 private:
  Session& session_;
  std::unique_ptr<Stub> stub_;
};

// "adhoc-" and the first 8 hex digits of the SHA-256 of `community`: the
// name `discovery run --community` stores that community under.
std::string AdhocCredentialName(const std::string& community);

// Creates (or replaces) the SNMP v2c credential AdhocCredentialName(community)
// holding `community` (admin) and returns its name. Throws Error on failure.
std::string PutAdhocCredential(DiscoveryClient& client, const std::string& community);

}  // namespace cmdbctl
