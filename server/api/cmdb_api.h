// The cmdb.v1.CmdbService implementation: thin handlers that authenticate,
// convert messages, call a service and map the status. ListCIs is a
// callback-API method: the gRPC thread that receives the call hands it to a
// bounded read pool (the blocking SQL runs there, never on a gRPC thread),
// and request and response live in a per-call protobuf arena, so a page of
// CIs with their Structs is allocated and freed in a few blocks. The other
// unary methods, GetCI included, run on the sync server's bounded thread
// pool (for a single small CI the extra hand-off to a pool costs more than
// the arena saves, as bench/read_load.cc measures). WatchChanges is a
// callback-API stream whose database reads run on a WorkerPool, so idle
// watchers hold no thread.
#pragma once

#include <memory>
#include <string_view>

#include "api/auth.h"
#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "service/change_feed.h"
#include "service/ci_service.h"
#include "service/class_service.h"
#include "service/limits.h"
#include "service/relationship_service.h"
#include "service/worker_pool.h"

namespace cmdb::api {

struct ApiDeps {
  CiService& cis;
  RelationshipService& relationships;
  ClassService& classes;
  ChangeFeed& feed;
  WorkerPool& feed_pool;
  const Authenticator& auth;
  const Limits& limits;
  // Runs ListCIs. Null: the API starts a pool of its own with kReadThreads
  // threads.
  WorkerPool* read_pool = nullptr;
};

// The methods served by the callback API; the rest are sync.
using CmdbServiceBase = v1::CmdbService::WithCallbackMethod_ListCIs<
    v1::CmdbService::WithCallbackMethod_WatchChanges<v1::CmdbService::Service>>;

class CmdbApi final : public CmdbServiceBase {
 public:
  // Threads of the read pool the API starts when ApiDeps::read_pool is null:
  // as many as the database pool has connections by default, so reads wait
  // for a thread rather than for a connection.
  static constexpr int kReadThreads = 16;

  explicit CmdbApi(ApiDeps deps);
  ~CmdbApi() override;

  grpc::Status GetCI(grpc::ServerContext* ctx, const v1::GetCIRequest* req, v1::ConfigurationItem* resp) override;
  grpc::ServerUnaryReactor* ListCIs(grpc::CallbackServerContext* ctx, const v1::ListCIsRequest* req,
                                    v1::ListCIsResponse* resp) override;
  grpc::Status CreateCI(grpc::ServerContext* ctx, const v1::CreateCIRequest* req, v1::ConfigurationItem* resp) override;
  grpc::Status UpdateCI(grpc::ServerContext* ctx, const v1::UpdateCIRequest* req, v1::ConfigurationItem* resp) override;
  grpc::Status DeleteCI(grpc::ServerContext* ctx, const v1::DeleteCIRequest* req, v1::DeleteCIResponse* resp) override;
  grpc::Status GetCIHistory(grpc::ServerContext* ctx, const v1::GetCIHistoryRequest* req,
                            v1::GetCIHistoryResponse* resp) override;
  grpc::Status RestoreCI(grpc::ServerContext* ctx, const v1::RestoreCIRequest* req, v1::ConfigurationItem* resp) override;
  grpc::Status BatchWrite(grpc::ServerContext* ctx, const v1::BatchWriteRequest* req,
                          v1::BatchWriteResponse* resp) override;

  grpc::Status GetRelationship(grpc::ServerContext* ctx, const v1::GetRelationshipRequest* req,
                               v1::Relationship* resp) override;
  grpc::Status ListRelationships(grpc::ServerContext* ctx, const v1::ListRelationshipsRequest* req,
                                 v1::ListRelationshipsResponse* resp) override;
  grpc::Status CreateRelationship(grpc::ServerContext* ctx, const v1::CreateRelationshipRequest* req,
                                  v1::Relationship* resp) override;
  grpc::Status UpdateRelationship(grpc::ServerContext* ctx, const v1::UpdateRelationshipRequest* req,
                                  v1::Relationship* resp) override;
  grpc::Status DeleteRelationship(grpc::ServerContext* ctx, const v1::DeleteRelationshipRequest* req,
                                  v1::DeleteRelationshipResponse* resp) override;
  grpc::Status ListRelationshipTypes(grpc::ServerContext* ctx, const v1::ListRelationshipTypesRequest* req,
                                     v1::ListRelationshipTypesResponse* resp) override;
  grpc::Status CreateRelationshipType(grpc::ServerContext* ctx, const v1::CreateRelationshipTypeRequest* req,
                                      v1::RelationshipType* resp) override;

  grpc::Status GetClass(grpc::ServerContext* ctx, const v1::GetClassRequest* req, v1::CiClass* resp) override;
  grpc::Status ListClasses(grpc::ServerContext* ctx, const v1::ListClassesRequest* req,
                           v1::ListClassesResponse* resp) override;
  grpc::Status CreateClass(grpc::ServerContext* ctx, const v1::CreateClassRequest* req, v1::CiClass* resp) override;
  grpc::Status UpdateClass(grpc::ServerContext* ctx, const v1::UpdateClassRequest* req, v1::CiClass* resp) override;
  grpc::Status DeleteClass(grpc::ServerContext* ctx, const v1::DeleteClassRequest* req,
                           v1::DeleteClassResponse* resp) override;

  grpc::ServerWriteReactor<v1::ChangeEvent>* WatchChanges(grpc::CallbackServerContext* ctx,
                                                          const v1::WatchChangesRequest* req) override;

 private:
  class Arenas;  // the per-call arena allocator of ListCIs

  template <typename Fn>
  grpc::Status Handle(grpc::ServerContext* ctx, std::string_view method, const google::protobuf::Message& request,
                      Fn&& fn);
  // Runs HandleCall(ctx, method, fn) on the read pool and finishes the call
  // with its status.
  template <typename Fn>
  grpc::ServerUnaryReactor* HandleOnPool(grpc::CallbackServerContext* ctx, std::string_view method,
                                         const google::protobuf::Message& request, Fn fn);
  absl::Status FillClass(const ClassDef& cls, v1::CiClass* out);

  ApiDeps d_;
  std::unique_ptr<Arenas> arenas_;
  std::unique_ptr<WorkerPool> own_read_pool_;  // when ApiDeps::read_pool is null
  WorkerPool* read_pool_;
};

}  // namespace cmdb::api
