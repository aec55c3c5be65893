// The connection to cmdbd: channel and stub creation, per-call deadline and
// bearer token, and the one error type every command reports through.
//
// Commands call the server with Client::Call, which returns the response or
// throws cmdbctl::Error; main() prints the error as
// `cmdbctl: <GRPC_CODE_NAME>: <message>` and exits 1.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "cmdb/v1/audit.grpc.pb.h"
#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/impact.grpc.pb.h"
#include "cmdb/v1/reconcile.grpc.pb.h"

namespace cmdbctl {

namespace v1 = ::cmdb::v1;

// A failed call or bad input. `code` is a canonical gRPC code name such as
// "NOT_FOUND"; local input errors use "INVALID_ARGUMENT".
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// An INVALID_ARGUMENT error for bad user input detected by the client.
Error InvalidArgument(const std::string& message);

// Throws Error(code name, message) unless `status` is OK; the code name is
// cmdb::proto_util::CodeName's (util/status_names.h), e.g. "NOT_FOUND".
void ThrowIfError(const grpc::Status& status);

// Connection settings, filled from the global flags.
struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  std::string token;  // empty: no authorization metadata
  bool tls = false;
  std::string ca_cert;  // PEM file; empty: the system's roots (implies TLS when set)
  double timeout_seconds = 30;
};

class Client {
 public:
  // Creates the channel (connecting lazily). Throws Error when --ca-cert
  // cannot be read.
  explicit Client(const ClientOptions& options);

  // A context with the bearer token and a deadline of --timeout from now.
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  // A context with the bearer token and no deadline, for streams whose
  // liveness the caller checks itself (see commands_watch.cc).
  std::unique_ptr<grpc::ClientContext> NewStreamContext() const;

  v1::CmdbService::Stub& stub() { return *stub_; }
  v1::ReconciliationService::Stub& reconcile_stub() { return *reconcile_stub_; }
  v1::ImpactService::Stub& impact_stub() { return *impact_stub_; }
  // The channel, for the stubs of other services (commands_discovery.h).
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  // Runs one unary call of any of the services with a fresh context; returns
  // the response or throws Error with the status's code and message.
  template <typename Stub, typename Request, typename Response>
  Response Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), const Request& request) {
    Response response;
    auto context = NewContext();
    ThrowIfError((StubOf(static_cast<Stub*>(nullptr)).*method)(context.get(), request, &response));
    return response;
  }

 private:
  // The stub of the service `Stub` belongs to (the argument picks it).
  v1::CmdbService::Stub& StubOf(v1::CmdbService::Stub*) { return *stub_; }
  v1::ReconciliationService::Stub& StubOf(v1::ReconciliationService::Stub*) { return *reconcile_stub_; }
  v1::ImpactService::Stub& StubOf(v1::ImpactService::Stub*) { return *impact_stub_; }
  v1::AuditService::Stub& StubOf(v1::AuditService::Stub*) { return *audit_stub_; }

  std::string token_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CmdbService::Stub> stub_;
  std::unique_ptr<v1::ReconciliationService::Stub> reconcile_stub_;
  std::unique_ptr<v1::ImpactService::Stub> impact_stub_;
  std::unique_ptr<v1::AuditService::Stub> audit_stub_;
};

}  // namespace cmdbctl
