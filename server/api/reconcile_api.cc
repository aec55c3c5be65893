#include "api/reconcile_api.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/util/time_util.h>

#include "api/convert.h"
#include "api/handler.h"
#include "core/status.h"
#include "core/strings.h"
#include "util/text_scan.h"

namespace cmdb::api {
namespace {

v1::ReconcileAction ActionEnum(ReconcileAction action) {
  switch (action) {
    case ReconcileAction::kCreated: return v1::RECONCILE_ACTION_CREATED;
    case ReconcileAction::kUpdated: return v1::RECONCILE_ACTION_UPDATED;
    case ReconcileAction::kUnchanged: return v1::RECONCILE_ACTION_UNCHANGED;
    case ReconcileAction::kConflict: return v1::RECONCILE_ACTION_CONFLICT;
    case ReconcileAction::kRejected: return v1::RECONCILE_ACTION_REJECTED;
  }
  return v1::RECONCILE_ACTION_UNSPECIFIED;
}

void SourceToProto(const SourcePolicy& p, v1::Source* out) {
  out->set_name(p.name);
  out->set_stale_after_runs(p.stale_after_runs);
  if (p.stale_after) {
    *out->mutable_stale_after() = google::protobuf::util::TimeUtil::MicrosecondsToDuration(*p.stale_after);
  }
  out->set_ci_count(p.ci_count);
  out->set_stale_count(p.stale_count);
  if (p.last_run_at) SetTimestamp(*p.last_run_at, out->mutable_last_run_time());
  out->set_runs(p.runs);
}

void RulesToProto(const IdentificationRulesView& view, v1::IdentificationRules* out) {
  out->set_class_name(view.class_name);
  out->set_inherited_from(view.inherited_from);
  for (const auto& set : view.sets) {
    auto* s = out->add_sets();
    for (const auto& f : set.fields) s->add_attributes(f);
    s->set_within_parent(set.within_parent);
  }
}

void RuleToProto(const ReconciliationRuleDef& rule, v1::ReconciliationRule* out) {
  out->set_class_name(rule.class_name);
  out->set_field(rule.field);
  for (const auto& s : rule.sources) out->add_sources(s);
}

// Appends one chunk's items and relations to `into`; its first item is
// items[offset] of the payload.
absl::Status AppendChunk(const v1::ReconcileRequest& chunk, size_t offset, ReconcileInput& into) {
  for (int i = 0; i < chunk.items_size(); ++i) {
    const auto& item = chunk.items(i);
    const std::string field = StrCat("items[", offset + static_cast<size_t>(i), "]");
    ReconcileItemInput in;
    in.ref = item.ref();
    in.finding.class_name = item.class_name();
    in.finding.name = item.name();
    if (!v1::LifecycleStatus_IsValid(item.status())) return FieldError(field + ".status", "unknown value");
    in.finding.status = StatusText(item.status());
    in.finding.owner = item.owner();
    if (!v1::Criticality_IsValid(item.criticality())) return FieldError(field + ".criticality", "unknown value");
    in.finding.criticality = CriticalityText(item.criticality());
    // A value the database cannot hold rejects this item alone.
    if (auto bad = proto_util::FindNulText(item)) {
      in.invalid = StrCat(*bad, ": contains a NUL character");
    } else if (auto attributes = AttributesFromProto(item.attributes(), "attributes"); attributes.ok()) {
      in.finding.attributes = *std::move(attributes);
    } else {
      in.invalid = std::string(ToStd(attributes.status().message()));
    }
    in.parent_ref = item.parent_ref();
    in.parent_id = item.parent_id();
    in.source_key = item.source_key();
    in.create_only = item.create_only();
    CMDB_ASSIGN_OR_RETURN(in.observed,
                          OptionalTime(item.has_observed_time(), item.observed_time(), field + ".observed_time"));
    into.items.push_back(std::move(in));
  }
  for (const auto& r : chunk.relations()) {
    ReconcileRelationInput rel;
    rel.from_ref = r.from_ref();
    rel.from_id = r.from_id();
    rel.type = r.type();
    rel.to_ref = r.to_ref();
    rel.to_id = r.to_id();
    switch (r.exclusive_at()) {
      case v1::RELATION_END_FROM: rel.exclusive_at = ReconcileRelationInput::Exclusive::kAtFrom; break;
      case v1::RELATION_END_TO: rel.exclusive_at = ReconcileRelationInput::Exclusive::kAtTo; break;
      default: break;
    }
    if (auto bad = proto_util::FindNulText(r)) {
      rel.invalid = StrCat(*bad, ": contains a NUL character");
    } else if (auto attributes = AttributesFromProto(r.attributes(), "attributes"); attributes.ok()) {
      rel.attributes = *std::move(attributes);
    } else {
      rel.invalid = std::string(ToStd(attributes.status().message()));
    }
    into.relations.push_back(std::move(rel));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReconcileInput> ReconcileInputFromProto(const v1::ReconcileRequest& req) {
  ReconcileInput input;
  input.source = req.source();
  input.dry_run = req.dry_run();
  input.complete_run = req.complete_run();
  CMDB_RETURN_IF_ERROR(AppendChunk(req, 0, input));
  return input;
}

void ReconcileOutputToProto(const ReconcileOutput& out, v1::ReconcileResponse* resp) {
  for (const ItemOutcome& item : out.items) {
    auto* r = resp->add_items();
    r->set_index(item.index);
    r->set_ref(item.ref);
    r->set_action(ActionEnum(item.action));
    r->set_ci_id(item.ci_id);
    for (const FieldChange& change : item.diff) {
      auto* d = r->add_diff();
      d->set_field(change.field);
      if (change.old_value) ValueFromJson(*change.old_value, d->mutable_old_value());
      if (change.new_value) ValueFromJson(*change.new_value, d->mutable_new_value());
    }
    for (const SkippedField& s : item.skipped) {
      auto* k = r->add_skipped();
      k->set_field(s.field);
      k->set_reason(s.reason);
    }
    r->set_reason(item.reason);
    for (const auto& id : item.candidates) r->add_candidate_ids(id);
    r->set_matched_by(item.matched_by);
  }
  for (const RelationOutcome& rel : out.relations) {
    auto* r = resp->add_relations();
    r->set_index(rel.index);
    r->set_action(ActionEnum(rel.action));
    r->set_relationship_id(rel.relationship_id);
    r->set_reason(rel.reason);
    r->set_removed(rel.removed);
  }
  resp->set_dry_run(out.dry_run);
  if (out.changeset) resp->set_changeset_id(std::to_string(out.changeset->id));
  resp->set_created(static_cast<int32_t>(out.Count(ReconcileAction::kCreated)));
  resp->set_updated(static_cast<int32_t>(out.Count(ReconcileAction::kUpdated)));
  resp->set_unchanged(static_cast<int32_t>(out.Count(ReconcileAction::kUnchanged)));
  resp->set_conflicts(static_cast<int32_t>(out.Count(ReconcileAction::kConflict)));
  resp->set_rejected(static_cast<int32_t>(out.Count(ReconcileAction::kRejected)));
  resp->set_marked_stale(static_cast<int32_t>(out.marked_stale));
  resp->set_items_omitted(static_cast<int32_t>(out.items_omitted));
  resp->set_relations_omitted(static_cast<int32_t>(out.relations_omitted));
}

template <typename Fn>
grpc::Status ReconcileApi::Handle(grpc::ServerContext* ctx, std::string_view method,
                                  const google::protobuf::Message& request, Fn&& fn) {
  // Items and relations are judged one by one: a bad one is rejected, the
  // others are kept.
  return HandleCall(auth_, ctx, method, request, std::forward<Fn>(fn), {"items", "relations"});
}

grpc::Status ReconcileApi::Reconcile(grpc::ServerContext* ctx, const v1::ReconcileRequest* req,
                                     v1::ReconcileResponse* resp) {
  return Handle(ctx, "Reconcile", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(ReconcileInput input, ReconcileInputFromProto(*req));
    CMDB_ASSIGN_OR_RETURN(ReconcileOutput out, service_.Reconcile(context, input, ctx->deadline()));
    ReconcileOutputToProto(out, resp);
    return absl::OkStatus();
  });
}

namespace {

// The chunks of a StreamReconcile call, read one at a time; staged as
// their items and relations only (the header is the first chunk's).
class ProtoPayloadStream : public PayloadStream {
 public:
  explicit ProtoPayloadStream(grpc::ServerReader<v1::ReconcileRequest>* reader) : reader_(reader) {}

  // The first chunk, which carries the payload's header. False when the
  // stream sent none.
  bool ReadFirst() {
    if (!reader_->Read(&first_)) return false;
    pending_first_ = true;
    return true;
  }
  const v1::ReconcileRequest& first() const { return first_; }

  absl::StatusOr<std::optional<Chunk>> Next() override {
    v1::ReconcileRequest chunk;
    if (pending_first_) {
      pending_first_ = false;
      chunk.mutable_items()->Swap(first_.mutable_items());
      chunk.mutable_relations()->Swap(first_.mutable_relations());
    } else if (!reader_->Read(&chunk)) {
      return std::nullopt;
    }
    if (auto bad = proto_util::FindNulText(chunk, {"items", "relations"})) {
      return absl::InvalidArgumentError(StrCat(*bad, ": contains a NUL character"));
    }
    Chunk out;
    out.entries = chunk.items_size() + chunk.relations_size();
    out.relations = chunk.relations_size();
    out.item_refs.reserve(static_cast<size_t>(chunk.items_size()));
    for (const auto& item : chunk.items()) {
      out.item_refs.push_back(item.ref().find('\0') == std::string::npos ? item.ref() : std::string());
    }
    v1::ReconcileRequest body;  // items and relations only
    body.mutable_items()->Swap(chunk.mutable_items());
    body.mutable_relations()->Swap(chunk.mutable_relations());
    out.bytes = body.SerializeAsString();
    return out;
  }

  absl::Status Decode(std::string_view bytes, size_t item_offset, ReconcileInput& into) const override {
    // On an arena: a chunk is thousands of small messages and map entries,
    // which are then freed at once instead of one by one.
    google::protobuf::Arena arena;
    auto* chunk = google::protobuf::Arena::CreateMessage<v1::ReconcileRequest>(&arena);
    if (!chunk->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::InternalError("a staged chunk of the stream could not be read");
    }
    return AppendChunk(*chunk, item_offset, into);
  }

 private:
  grpc::ServerReader<v1::ReconcileRequest>* reader_;
  v1::ReconcileRequest first_;
  bool pending_first_ = false;
};

}  // namespace

grpc::Status ReconcileApi::StreamReconcile(grpc::ServerContext* ctx, grpc::ServerReader<v1::ReconcileRequest>* reader,
                                           v1::ReconcileResponse* resp) {
  return Handle(ctx, "StreamReconcile", v1::ReconcileRequest::default_instance(),
                [&](const Principal& p) -> absl::Status {
                  ProtoPayloadStream stream(reader);
                  if (!stream.ReadFirst()) return absl::InvalidArgumentError("items: the stream sent no chunk");
                  if (auto bad = proto_util::FindNulText(stream.first(), {"items", "relations"})) {
                    return absl::InvalidArgumentError(StrCat(*bad, ": contains a NUL character"));
                  }
                  // The payload's header comes with the first chunk.
                  CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, stream.first().change()));
                  ReconcileInput header;
                  header.source = stream.first().source();
                  header.dry_run = stream.first().dry_run();
                  header.complete_run = stream.first().complete_run();
                  CMDB_ASSIGN_OR_RETURN(ReconcileOutput out,
                                        service_.ReconcileStream(context, header, stream, ctx->deadline()));
                  ReconcileOutputToProto(out, resp);
                  return absl::OkStatus();
                });
}

grpc::Status ReconcileApi::GetIdentificationRules(grpc::ServerContext* ctx,
                                                  const v1::GetIdentificationRulesRequest* req,
                                                  v1::IdentificationRules* resp) {
  return Handle(ctx, "GetIdentificationRules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(IdentificationRulesView view, admin_.GetIdentificationRules(req->class_name()));
    RulesToProto(view, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::SetIdentificationRules(grpc::ServerContext* ctx,
                                                  const v1::SetIdentificationRulesRequest* req,
                                                  v1::IdentificationRules* resp) {
  return Handle(ctx, "SetIdentificationRules", *req, [&](const Principal& p) -> absl::Status {
    std::vector<IdentifierSetDef> sets;
    for (const auto& s : req->sets())
      sets.push_back({{s.attributes().begin(), s.attributes().end()}, s.within_parent()});
    CMDB_ASSIGN_OR_RETURN(IdentificationRulesView view,
                          admin_.SetIdentificationRules(WriteContext{.actor = p.name}, req->class_name(), sets));
    RulesToProto(view, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::ListReconciliationRules(grpc::ServerContext* ctx,
                                                   const v1::ListReconciliationRulesRequest* req,
                                                   v1::ListReconciliationRulesResponse* resp) {
  return Handle(ctx, "ListReconciliationRules", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto rules, admin_.ListReconciliationRules(req->class_name()));
    for (const auto& rule : rules) RuleToProto(rule, resp->add_rules());
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::SetReconciliationRule(grpc::ServerContext* ctx, const v1::SetReconciliationRuleRequest* req,
                                                 v1::ReconciliationRule* resp) {
  return Handle(ctx, "SetReconciliationRule", *req, [&](const Principal& p) -> absl::Status {
    const auto& r = req->rule();
    ReconciliationRuleDef rule{r.class_name(), r.field(), {r.sources().begin(), r.sources().end()}};
    CMDB_ASSIGN_OR_RETURN(ReconciliationRuleDef saved,
                          admin_.SetReconciliationRule(WriteContext{.actor = p.name}, rule));
    RuleToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::DeleteReconciliationRule(grpc::ServerContext* ctx,
                                                    const v1::DeleteReconciliationRuleRequest* req,
                                                    v1::DeleteReconciliationRuleResponse* resp) {
  return Handle(ctx, "DeleteReconciliationRule", *req, [&](const Principal& p) -> absl::Status {
    return admin_.DeleteReconciliationRule(WriteContext{.actor = p.name}, req->class_name(), req->field());
  });
}

grpc::Status ReconcileApi::ListSources(grpc::ServerContext* ctx, const v1::ListSourcesRequest* req,
                                       v1::ListSourcesResponse* resp) {
  return Handle(ctx, "ListSources", *req, [&](const Principal&) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(auto sources, admin_.ListSources());
    for (const auto& s : sources) SourceToProto(s, resp->add_sources());
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::SetSourcePolicy(grpc::ServerContext* ctx, const v1::SetSourcePolicyRequest* req,
                                           v1::Source* resp) {
  return Handle(ctx, "SetSourcePolicy", *req, [&](const Principal& p) -> absl::Status {
    SourcePolicy policy;
    policy.name = req->source().name();
    policy.stale_after_runs = req->source().stale_after_runs();
    if (req->source().has_stale_after()) {
      policy.stale_after = google::protobuf::util::TimeUtil::DurationToMicroseconds(req->source().stale_after());
    }
    CMDB_ASSIGN_OR_RETURN(SourcePolicy saved, admin_.SetSourcePolicy(WriteContext{.actor = p.name}, policy));
    SourceToProto(saved, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::ListDuplicateCandidates(grpc::ServerContext* ctx,
                                                   const v1::ListDuplicateCandidatesRequest* req,
                                                   v1::ListDuplicateCandidatesResponse* resp) {
  return Handle(ctx, "ListDuplicateCandidates", *req, [&](const Principal& p) -> absl::Status {
    if (req->detect()) CMDB_RETURN_IF_ERROR(RequireRole(p, Role::kEditor, "ListDuplicateCandidates with detect"));
    CMDB_ASSIGN_OR_RETURN(DuplicatePage page, admin_.ListDuplicates(WriteContext{.actor = p.name}, req->detect(),
                                                                     req->page_size(), req->page_token()));
    for (const auto& d : page.candidates) {
      auto* c = resp->add_candidates();
      c->set_identifier(d.kind);
      c->set_value(d.value);
      for (const auto& id : d.ci_ids) c->add_ci_ids(id);
      for (const auto& n : d.names) c->add_names(n);
      SetTimestamp(d.detected_at, c->mutable_detected_time());
      c->set_detected_by(d.detected_by);
    }
    resp->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ReconcileApi::Merge(grpc::ServerContext* ctx, const v1::MergeRequest* req, v1::MergeResponse* resp) {
  return Handle(ctx, "Merge", *req, [&](const Principal& p) -> absl::Status {
    CMDB_ASSIGN_OR_RETURN(WriteContext context, WriteContextFrom(p.name, req->change()));
    CMDB_ASSIGN_OR_RETURN(MergeOutcome outcome, service_.Merge(context, req->survivor_id(), req->duplicate_id()));
    CiToProto(outcome.survivor, resp->mutable_survivor());
    CiToProto(outcome.duplicate, resp->mutable_duplicate());
    resp->set_relationships_moved(outcome.relationships_moved);
    resp->set_relationships_dropped(outcome.relationships_dropped);
    return absl::OkStatus();
  });
}

}  // namespace cmdb::api
