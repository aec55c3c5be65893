// Channel setup, call contexts and status-to-error mapping for cmdbctl.
#include "client.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "util/status_names.h"

namespace cmdbctl {
namespace {

// cmdbd answers with messages up to 64 MiB by default; accept as much.
constexpr int kMaxMessageBytes = 64 << 20;
// Longer --timeout values are lowered to this (a year), far from overflow.
constexpr double kMaxTimeoutSeconds = 365.0 * 24 * 3600;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument("--ca-cert: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const ClientOptions& options) {
  if (!options.tls && options.ca_cert.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!options.ca_cert.empty()) ssl.pem_root_certs = ReadFile(options.ca_cert);
  return grpc::SslCredentials(ssl);
}

}  // namespace

Error InvalidArgument(const std::string& message) { return Error("INVALID_ARGUMENT", message); }

void ThrowIfError(const grpc::Status& status) {
  if (!status.ok()) throw Error(cmdb::proto_util::CodeName(status.error_code()), status.error_message());
}

Client::Client(const ClientOptions& options)
    : token_(options.token),
      timeout_(static_cast<int64_t>(std::min(options.timeout_seconds, kMaxTimeoutSeconds) * 1000)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  channel_ = grpc::CreateCustomChannel(options.server, Credentials(options), args);
  stub_ = v1::CmdbService::NewStub(channel_);
  reconcile_stub_ = v1::ReconciliationService::NewStub(channel_);
  impact_stub_ = v1::ImpactService::NewStub(channel_);
  audit_stub_ = v1::AuditService::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> Client::NewStreamContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

std::unique_ptr<grpc::ClientContext> Client::NewContext() const {
  auto context = NewStreamContext();
  context->set_deadline(std::chrono::system_clock::now() + timeout_);
  return context;
}

}  // namespace cmdbctl
