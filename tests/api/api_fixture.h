// The whole server in-process on a loopback port, with a token per role,
// and a client stub: tests go through real gRPC.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "api/audit_api.h"
#include "api/auth.h"
#include "api/cmdb_api.h"
#include "api/impact_api.h"
#include "api/reconcile_api.h"
#include "api/server.h"
#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/impact.grpc.pb.h"
#include "core/strings.h"
#include "service/change_feed.h"
#include "service/ci_service.h"
#include "service/class_service.h"
#include "service/impact_service.h"
#include "service/reconcile_service.h"
#include "service/relationship_service.h"
#include "service/worker_pool.h"
#include "support/test_cluster.h"

namespace cmdb::testing {

class ApiTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    std::string tokens_text;
    for (const char* role : {"viewer", "discovery", "editor", "admin"}) {
      tokens_[role] = StrCat("token-for-", role);
      tokens_text += StrCat(api::TokenHash(tokens_[role]), " ", role, " ", role, "-user\n");
    }
    auto store = api::TokenStore::Parse(tokens_text, "test");
    ASSERT_TRUE(store.ok()) << store.status();
    auth_ = std::make_unique<api::Authenticator>(std::move(*store));
    StartServer();
  }

  void TearDown() override {
    StopServer();
    DbTest::TearDown();
  }

  void StartServer() {
    cis_ = std::make_unique<CiService>(db(), limits_);
    rels_ = std::make_unique<RelationshipService>(db(), limits_);
    classes_ = std::make_unique<ClassService>(db());
    reconcile_ = std::make_unique<ReconcileService>(db(), limits_);
    feed_ = std::make_unique<ChangeFeed>(db(), url());
    feed_->Start();
    pool_ = std::make_unique<WorkerPool>(2);
    impact_ = std::make_unique<ImpactService>(db(), *feed_, SystemClock::Instance());
    ASSERT_TRUE(impact_->Start().ok());
    impact_api_ = std::make_unique<api::ImpactApi>(*impact_, *auth_);
    audit_ = std::make_unique<AuditService>(db(), SystemClock::Instance());
    audit_api_ = std::make_unique<api::AuditApi>(*audit_, *auth_);
    api_ = std::make_unique<api::CmdbApi>(api::ApiDeps{*cis_, *rels_, *classes_, *feed_, *pool_, *auth_, limits_});
    reconcile_api_ = std::make_unique<api::ReconcileApi>(*reconcile_, *auth_);
    api::ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto server = api::GrpcServer::Start(options, {api_.get(), reconcile_api_.get(), impact_api_.get(), audit_api_.get()}, limits_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials());
    stub_ = v1::CmdbService::NewStub(channel_);
    reconcile_stub_ = v1::ReconciliationService::NewStub(channel_);
    impact_stub_ = v1::ImpactService::NewStub(channel_);
    audit_stub_ = v1::AuditService::NewStub(channel_);
  }

  void StopServer() {
    if (!server_) return;
    impact_->Stop();
    feed_->Stop();
    server_->Shutdown(std::chrono::seconds(5));
    server_->Wait();
    server_.reset();
    api_.reset();
    reconcile_api_.reset();
    impact_api_.reset();
    audit_api_.reset();
    audit_.reset();
    impact_.reset();
    pool_.reset();
    feed_.reset();
  }

  // A client context carrying `role`'s token ("" for none) and a deadline.
  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!role.empty()) ctx->AddMetadata("authorization", "Bearer " + tokens_.at(role));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  v1::ConfigurationItem CreateCi(const std::string& cls, const std::string& name) {
    v1::CreateCIRequest req;
    req.mutable_ci()->set_class_name(cls);
    req.mutable_ci()->set_name(name);
    v1::ConfigurationItem out;
    grpc::Status st = stub_->CreateCI(As("editor").get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  Limits limits_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<api::Authenticator> auth_;
  std::unique_ptr<CiService> cis_;
  std::unique_ptr<RelationshipService> rels_;
  std::unique_ptr<ClassService> classes_;
  std::unique_ptr<ReconcileService> reconcile_;
  std::unique_ptr<api::ReconcileApi> reconcile_api_;
  std::unique_ptr<v1::ReconciliationService::Stub> reconcile_stub_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<ImpactService> impact_;
  std::unique_ptr<api::ImpactApi> impact_api_;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<api::AuditApi> audit_api_;
  std::unique_ptr<v1::AuditService::Stub> audit_stub_;
  std::unique_ptr<v1::ImpactService::Stub> impact_stub_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<api::CmdbApi> api_;
  std::unique_ptr<api::GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CmdbService::Stub> stub_;
};

}  // namespace cmdb::testing
