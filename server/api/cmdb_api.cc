#include "api/cmdb_api.h"

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <chrono>

#include <spdlog/spdlog.h>

#include "api/convert.h"
#include "api/handler.h"
#include "api/status_map.h"
#include "api/watch_reactor.h"
#include "core/status.h"
#include "core/strings.h"

namespace cmdb::api {

template <typename Fn>
grpc::Status CmdbApi::Handle(grpc::ServerContext* ctx, std::string_view method,
                             const google::protobuf::Message& request, Fn&& fn) {
  return HandleCall(d_.auth, ctx, method, request, std::forward<Fn>(fn));
}

template <typename Fn>
grpc::ServerUnaryReactor* CmdbApi::HandleOnPool(grpc::CallbackServerContext* ctx, std::string_view method,
                                                const google::protobuf::Message& request, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  read_pool_->Post([this, ctx, reactor, method, &request, fn = std::move(fn)] {
    reactor->Finish(HandleCall(d_.auth, ctx, method, request, fn));
  });
  return reactor;
}

namespace {

// Request and response of a callback call in one protobuf arena: a
// response's Structs and maps are many small messages, allocated here by
// bumping a pointer and freed all at once when the call is done.
template <typename Request, typename Response>
class ArenaAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  explicit ArenaAllocator(size_t first_block) : first_block_(first_block) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(first_block_); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(size_t first_block) : arena_(Options(first_block)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(size_t first_block) {
      google::protobuf::ArenaOptions options;
      options.start_block_size = first_block;
      return options;
    }
    google::protobuf::Arena arena_;
  };

  const size_t first_block_;
};

}  // namespace

class CmdbApi::Arenas {
 public:
  // The first block holds a page of about 50 CIs.
  ArenaAllocator<v1::ListCIsRequest, v1::ListCIsResponse> list_cis{128 << 10};
};

CmdbApi::CmdbApi(ApiDeps deps) : d_(deps), arenas_(std::make_unique<Arenas>()) {
  if (d_.read_pool == nullptr) own_read_pool_ = std::make_unique<WorkerPool>(kReadThreads);
  read_pool_ = d_.read_pool != nullptr ? d_.read_pool : own_read_pool_.get();
  SetMessageAllocatorFor_ListCIs(&arenas_->list_cis);
}

CmdbApi::~CmdbApi() = default;

namespace {

std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

absl::StatusOr<CiPatch> PatchFromProto(const v1::UpdateCIRequest& req, std::string_view field) {
  CMDB_ASSIGN_OR_RETURN(Ci values, CiFromProto(req.ci(), StrCat(field, "ci")));
  CiPatch patch;
  patch.id = req.ci().id();
  patch.etag = req.ci().etag();
  patch.paths = MaskPaths(req.update_mask());
  patch.values = std::move(values);
  return patch;
}

}  // namespace

grpc::Status CmdbApi::GetCI(grpc::ServerContext* ctx, const v1::GetCIRequest* req, v1::ConfigurationItem* resp) {
  return Handle(ctx, "GetCI", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto as_of, OptionalTime(req->has_as_of(), req->as_of(), "as_of"));
    CMDB_ASSIGN_OR_RETURN(Ci ci, d_.cis.Get(req->id(), as_of));
    CiToProto(ci, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CmdbApi::ListCIs(grpc::CallbackServerContext* ctx, const v1::ListCIsRequest* req,
                                           v1::ListCIsResponse* resp) {
  return HandleOnPool(ctx, "ListCIs", *req, [this, req, resp](const Principal&) -> absl::Status {
    CiListQuery query;
    query.filter = req->filter();
    query.order_by = req->order_by();
    query.page_size = req->page_size();
    query.page_token = req->page_token();
    query.json_as_text = true;  // parsed once, straight into the response
    CMDB_ASSIGN_OR_RETURN(query.as_of, OptionalTime(req->has_as_of(), req->as_of(), "as_of"));
    CMDB_ASSIGN_OR_RETURN(CiListPage page, d_.cis.List(std::move(query)));
    for (const Ci& ci : page.cis) CiToProto(ci, resp->add_cis());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::CreateCI(grpc::ServerContext* ctx, const v1::CreateCIRequest* req, v1::ConfigurationItem* resp) {
  return Handle(ctx, "CreateCI", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(Ci ci, CiFromProto(req->ci(), "ci"));
    CMDB_ASSIGN_OR_RETURN(Ci created, d_.cis.Create(context, std::move(ci), req->ci_id()));
    CiToProto(created, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::UpdateCI(grpc::ServerContext* ctx, const v1::UpdateCIRequest* req, v1::ConfigurationItem* resp) {
  return Handle(ctx, "UpdateCI", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(CiPatch patch, PatchFromProto(*req, ""));
    CMDB_ASSIGN_OR_RETURN(Ci updated, d_.cis.Update(context, patch));
    CiToProto(updated, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::DeleteCI(grpc::ServerContext* ctx, const v1::DeleteCIRequest* req, v1::DeleteCIResponse* resp) {
  return Handle(ctx, "DeleteCI", *req, [&](const Principal& p) -> absl::Status {
    if (req->hard()) CMDB_RETURN_IF_ERROR(RequireRole(p, Role::kAdmin, "DeleteCI with hard=true"));
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(Ci last, d_.cis.Delete(context, req->id(), req->etag(), req->hard()));
    CiToProto(last, resp->mutable_ci());
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::GetCIHistory(grpc::ServerContext* ctx, const v1::GetCIHistoryRequest* req,
                                   v1::GetCIHistoryResponse* resp) {
  return Handle(ctx, "GetCIHistory", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(CiHistoryPage page, d_.cis.History(req->id(), req->page_size(), req->page_token()));
    for (const auto& v : page.versions) CiVersionToProto(v, resp->add_versions());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::RestoreCI(grpc::ServerContext* ctx, const v1::RestoreCIRequest* req,
                                v1::ConfigurationItem* resp) {
  return Handle(ctx, "RestoreCI", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(Ci restored, d_.cis.Restore(context, req->id(), req->version(), req->etag()));
    CiToProto(restored, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::BatchWrite(grpc::ServerContext* ctx, const v1::BatchWriteRequest* req,
                                 v1::BatchWriteResponse* resp) {
  return Handle(ctx, "BatchWrite", *req, [&](const Principal& p) -> absl::Status {
    const size_t items = static_cast<size_t>(req->creates_size() + req->updates_size() + req->relationships_size());
    if (items > static_cast<size_t>(d_.limits.max_batch_items)) {
      return absl::InvalidArgumentError(
          StrCat("batch: ", items, " items; the limit is ", d_.limits.max_batch_items, " (split the batch)"));
    }
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    BatchRequest batch;
    batch.creates.reserve(req->creates_size());
    for (int i = 0; i < req->creates_size(); ++i) {
      const auto& c = req->creates(i);
      CMDB_ASSIGN_OR_RETURN(Ci ci, CiFromProto(c.ci(), StrCat("creates[", i, "].ci")));
      batch.creates.push_back({c.ref(), std::move(ci), c.ci_id(), c.parent_ref()});
    }
    for (int i = 0; i < req->updates_size(); ++i) {
      CMDB_ASSIGN_OR_RETURN(CiPatch patch, PatchFromProto(req->updates(i), StrCat("updates[", i, "].")));
      batch.updates.push_back(std::move(patch));
    }
    for (int i = 0; i < req->relationships_size(); ++i) {
      const auto& r = req->relationships(i);
      BatchRelationship rel;
      rel.source_id = r.source_id();
      rel.source_ref = r.source_ref();
      rel.type = r.type();
      rel.target_id = r.target_id();
      rel.target_ref = r.target_ref();
      CMDB_ASSIGN_OR_RETURN(rel.attributes,
                            AttributesFromProto(r.attributes(), StrCat("relationships[", i, "].attributes")));
      batch.relationships.push_back(std::move(rel));
    }
    CMDB_ASSIGN_OR_RETURN(BatchResult result, d_.cis.Batch(context, batch));
    auto fill = [](const BatchItem& item, v1::BatchItemResult* out) {
      out->set_ref(item.ref);
      out->set_id(item.id);
      out->set_version(item.version);
      out->set_etag(EtagFor(item.version));
    };
    for (const auto& item : result.created) fill(item, resp->add_created());
    for (const auto& item : result.updated) fill(item, resp->add_updated());
    for (const auto& item : result.relationships) fill(item, resp->add_relationships());
    if (result.changeset) resp->set_changeset_id(std::to_string(result.changeset->id));
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::GetRelationship(grpc::ServerContext* ctx, const v1::GetRelationshipRequest* req,
                                      v1::Relationship* resp) {
  return Handle(ctx, "GetRelationship", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto as_of, OptionalTime(req->has_as_of(), req->as_of(), "as_of"));
    CMDB_ASSIGN_OR_RETURN(Relationship rel, d_.relationships.Get(req->id(), as_of));
    RelationshipToProto(rel, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::ListRelationships(grpc::ServerContext* ctx, const v1::ListRelationshipsRequest* req,
                                        v1::ListRelationshipsResponse* resp) {
  return Handle(ctx, "ListRelationships", *req, [&](const Principal&) -> absl::Status {
    RelationshipListQuery query;
    query.ci_id = req->ci_id();
    if (!v1::Direction_IsValid(req->direction())) return FieldError("direction", "unknown value");
    query.direction = req->direction() == v1::DIRECTION_OUTGOING   ? RelDirection::kOutgoing
                      : req->direction() == v1::DIRECTION_INCOMING ? RelDirection::kIncoming
                                                                   : RelDirection::kBoth;
    query.type = req->type();
    query.page_size = req->page_size();
    query.page_token = req->page_token();
    CMDB_ASSIGN_OR_RETURN(query.as_of, OptionalTime(req->has_as_of(), req->as_of(), "as_of"));
    CMDB_ASSIGN_OR_RETURN(RelationshipPage page, d_.relationships.List(std::move(query)));
    for (const auto& rel : page.relationships) RelationshipToProto(rel, resp->add_relationships());
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::CreateRelationship(grpc::ServerContext* ctx, const v1::CreateRelationshipRequest* req,
                                         v1::Relationship* resp) {
  return Handle(ctx, "CreateRelationship", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    Relationship rel;
    rel.type = req->relationship().type();
    rel.source_id = req->relationship().source_id();
    rel.target_id = req->relationship().target_id();
    CMDB_ASSIGN_OR_RETURN(rel.attributes,
                          AttributesFromProto(req->relationship().attributes(), "relationship.attributes"));
    CMDB_ASSIGN_OR_RETURN(Relationship created, d_.relationships.Create(context, std::move(rel)));
    RelationshipToProto(created, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::UpdateRelationship(grpc::ServerContext* ctx, const v1::UpdateRelationshipRequest* req,
                                         v1::Relationship* resp) {
  return Handle(ctx, "UpdateRelationship", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    RelationshipPatch patch;
    patch.id = req->relationship().id();
    patch.etag = req->relationship().etag();
    patch.paths = MaskPaths(req->update_mask());
    CMDB_ASSIGN_OR_RETURN(patch.attributes,
                          AttributesFromProto(req->relationship().attributes(), "relationship.attributes"));
    CMDB_ASSIGN_OR_RETURN(Relationship updated, d_.relationships.Update(context, patch));
    RelationshipToProto(updated, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::DeleteRelationship(grpc::ServerContext* ctx, const v1::DeleteRelationshipRequest* req,
                                         v1::DeleteRelationshipResponse* resp) {
  return Handle(ctx, "DeleteRelationship", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(Relationship last, d_.relationships.Delete(context, req->id(), req->etag()));
    RelationshipToProto(last, resp->mutable_relationship());
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::ListRelationshipTypes(grpc::ServerContext* ctx, const v1::ListRelationshipTypesRequest* req,
                                            v1::ListRelationshipTypesResponse* resp) {
  return Handle(ctx, "ListRelationshipTypes", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto types, d_.relationships.ListTypes());
    for (const auto& t : types) RelationshipTypeToProto(t, resp->add_types());
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::CreateRelationshipType(grpc::ServerContext* ctx, const v1::CreateRelationshipTypeRequest* req,
                                             v1::RelationshipType* resp) {
  return Handle(ctx, "CreateRelationshipType", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(RelationshipTypeDef type, RelationshipTypeFromProto(req->type()));
    CMDB_ASSIGN_OR_RETURN(RelationshipTypeDef created,
                          d_.relationships.CreateType(WriteContext{.actor = p.name}, std::move(type)));
    RelationshipTypeToProto(created, resp);
    return absl::OkStatus();
  });
}

namespace {
void ClassInfoToProto(const ClassInfo& info, v1::CiClass* out) {
  ClassToProto(info.def, out);
  for (const auto& a : info.effective) AttributeToProto(a, out->add_effective_attributes());
}
}  // namespace

grpc::Status CmdbApi::GetClass(grpc::ServerContext* ctx, const v1::GetClassRequest* req, v1::CiClass* resp) {
  return Handle(ctx, "GetClass", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ClassInfo info, d_.classes.Get(req->name()));
    ClassInfoToProto(info, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::ListClasses(grpc::ServerContext* ctx, const v1::ListClassesRequest* req,
                                  v1::ListClassesResponse* resp) {
  return Handle(ctx, "ListClasses", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto classes, d_.classes.List(req->under()));
    for (const auto& info : classes) ClassInfoToProto(info, resp->add_classes());
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::CreateClass(grpc::ServerContext* ctx, const v1::CreateClassRequest* req, v1::CiClass* resp) {
  return Handle(ctx, "CreateClass", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ClassDef cls, ClassFromProto(req->class_def()));
    CMDB_ASSIGN_OR_RETURN(ClassInfo created, d_.classes.Create(WriteContext{.actor = p.name}, std::move(cls)));
    ClassInfoToProto(created, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::UpdateClass(grpc::ServerContext* ctx, const v1::UpdateClassRequest* req, v1::CiClass* resp) {
  return Handle(ctx, "UpdateClass", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(ClassDef cls, ClassFromProto(req->class_def()));
    CMDB_ASSIGN_OR_RETURN(ClassInfo updated,
                          d_.classes.Update(WriteContext{.actor = p.name}, cls, MaskPaths(req->update_mask())));
    ClassInfoToProto(updated, resp);
    return absl::OkStatus();
  });
}

grpc::Status CmdbApi::DeleteClass(grpc::ServerContext* ctx, const v1::DeleteClassRequest* req,
                                  v1::DeleteClassResponse* resp) {
  return Handle(ctx, "DeleteClass", *req, [&](const Principal& p) -> absl::Status {
    return d_.classes.Delete(WriteContext{.actor = p.name}, req->name());
  });
}

grpc::ServerWriteReactor<v1::ChangeEvent>* CmdbApi::WatchChanges(grpc::CallbackServerContext* ctx,
                                                                 const v1::WatchChangesRequest* req) {
  std::string who = "-";
  absl::StatusOr<Principal> principal = d_.auth.Check(ctx->client_metadata(), "WatchChanges", &who);
  if (!principal.ok()) {
    grpc::Status status = ToGrpcStatus(principal.status());
    LogRequest("WatchChanges", ctx->peer(), who, status, 0);
    return new RefusedWatch(status);
  }
  WatchOptions options;
  options.from_now = req->from_now();
  if (!req->from_now() && !req->since_cursor().empty()) {
    auto position = FeedPosition::FromCursor(req->since_cursor());
    if (!position.ok()) {
      grpc::Status status = ToGrpcStatus(position.status());
      LogRequest("WatchChanges", ctx->peer(), principal->name, status, 0);
      return new RefusedWatch(status);
    }
    options.start = *position;
  }
  if (req->heartbeat_seconds() < 0) {
    grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, "heartbeat_seconds: must not be negative");
    LogRequest("WatchChanges", ctx->peer(), principal->name, status, 0);
    return new RefusedWatch(status);
  }
  if (req->heartbeat_seconds() > 0) options.heartbeat = std::chrono::seconds(req->heartbeat_seconds());
  return WatchReactor::Start(d_.feed, d_.feed_pool, options, ctx->peer(), principal->name);
}

}  // namespace cmdb::api
