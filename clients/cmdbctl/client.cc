// Channel setup, call contexts and status-to-error mapping for cmdbctl.
#include "client.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace cmdbctl {
namespace {

// cmdbd accepts messages up to 64 MiB by default; accept as much back.
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

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

void ThrowIfError(const grpc::Status& status) {
  if (!status.ok()) throw Error(CodeName(status.error_code()), status.error_message());
}

Client::Client(const ClientOptions& options)
    : token_(options.token),
      timeout_(static_cast<int64_t>(std::min(options.timeout_seconds, kMaxTimeoutSeconds) * 1000)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  const auto channel = grpc::CreateCustomChannel(options.server, Credentials(options), args);
  stub_ = v1::CmdbService::NewStub(channel);
  reconcile_stub_ = v1::ReconciliationService::NewStub(channel);
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
