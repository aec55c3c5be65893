#include "api/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "api/interceptors.h"
#include "core/strings.h"

namespace cmdb::api {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(StrCat("cannot read ", what, " ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Checks the PEM texts before gRPC sees them (gRPC would only fail to
// listen): a certificate, a private key, and that the two belong together.
absl::Status CheckTlsPair(const std::string& cert, const std::string& key, const ServerOptions& options) {
  using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
  Bio cert_bio(BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x509(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  if (!x509) {
    return absl::InvalidArgumentError(StrCat("--tls-cert ", options.tls_cert_file,
                                             ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)"));
  }
  Bio key_bio(BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!pkey) {
    return absl::InvalidArgumentError(
        StrCat("--tls-key ", options.tls_key_file,
               ": no unencrypted PEM private key in it (expected -----BEGIN PRIVATE KEY-----)"));
  }
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return absl::InvalidArgumentError(
        StrCat("--tls-key ", options.tls_key_file, " does not match the certificate in ", options.tls_cert_file));
  }
  ERR_clear_error();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(const ServerOptions& options,
                                                               const std::vector<grpc::Service*>& services,
                                                               const Limits& limits) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!options.tls_cert_file.empty()) {
    auto cert = ReadFile(options.tls_cert_file, "TLS certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(options.tls_key_file, "TLS key");
    if (!key.ok()) return key.status();
    if (absl::Status pair = CheckTlsPair(*cert, *key, options); !pair.ok()) {
      ERR_clear_error();
      return pair;
    }
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto server = std::make_unique<GrpcServer>();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(limits.max_message_bytes);
  builder.SetMaxSendMessageSize(std::max(limits.max_message_bytes, limits.max_send_message_bytes));
  grpc::ResourceQuota quota("cmdbd");
  quota.SetMaxThreads(options.max_threads);
  quota.Resize(static_cast<size_t>(options.max_memory_mb) << 20);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 4);
  builder.experimental().SetInterceptorCreators(RequestInterceptors(options.max_threads));
  // Keep idle watch streams alive through middleboxes.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", options.listen));
  }
  server->SetServing(true);
  return server;
}

void GrpcServer::SetServing(bool serving) {
  if (auto* health = server_->GetHealthCheckService(); health != nullptr) {
    health->SetServingStatus(serving);
    health->SetServingStatus("cmdb.v1.CmdbService", serving);
    health->SetServingStatus("cmdb.v1.ReconciliationService", serving);
    health->SetServingStatus("cmdb.v1.DiscoveryService", serving);
    health->SetServingStatus("cmdb.v1.ImpactService", serving);
    health->SetServingStatus("cmdb.v1.AuditService", serving);
  }
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
}

void GrpcServer::Wait() { server_->Wait(); }

}  // namespace cmdb::api
