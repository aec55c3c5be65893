// ReconciliationService over gRPC: a stream's chunks form one atomic
// payload, results carry typed diffs, and the discovery role may reconcile
// but not edit CIs directly.
#include "api_fixture.h"

namespace cmdb::testing {
namespace {

using ::testing::StartsWith;

v1::ReconcileItem* AddItem(v1::ReconcileRequest& req, const std::string& ref, const std::string& serial, int cpus) {
  auto* item = req.add_items();
  item->set_ref(ref);
  item->set_class_name("server");
  item->set_name("srv-" + ref);
  auto& fields = *item->mutable_attributes()->mutable_fields();
  fields["serial_number"].set_string_value(serial);
  fields["cpu_count"].set_number_value(cpus);
  return item;
}

class ReconcileApiTest : public ApiTest {};

TEST_F(ReconcileApiTest, DiscoveryReconcilesButCannotEditDirectly) {
  v1::ReconcileRequest req;
  req.set_source("snmp");
  AddItem(req, "a", "API-1", 4);
  v1::ReconcileResponse resp;
  ASSERT_TRUE(reconcile_stub_->Reconcile(As("discovery").get(), req, &resp).ok());
  ASSERT_EQ(resp.items_size(), 1);
  EXPECT_EQ(resp.items(0).action(), v1::RECONCILE_ACTION_CREATED);
  EXPECT_EQ(resp.created(), 1);
  EXPECT_FALSE(resp.changeset_id().empty());
  EXPECT_EQ(reconcile_stub_->Reconcile(As("viewer").get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CreateCIRequest create;
  create.mutable_ci()->set_class_name("server");
  create.mutable_ci()->set_name("x");
  v1::ConfigurationItem ci;
  EXPECT_EQ(stub_->CreateCI(As("discovery").get(), create, &ci).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The change is attributed to the token's name and the source.
  v1::GetCIHistoryRequest h;
  h.set_id(resp.items(0).ci_id());
  v1::GetCIHistoryResponse history;
  ASSERT_TRUE(stub_->GetCIHistory(As("viewer").get(), h, &history).ok());
  EXPECT_EQ(history.versions(0).changeset().actor(), "discovery-user");
  EXPECT_EQ(history.versions(0).changeset().source(), "snmp");
  EXPECT_EQ(history.versions(0).ci().provenance().at("attributes.cpu_count").source(), "snmp");

  // An update comes back with a typed diff; a null clears the source's own value.
  v1::ReconcileRequest again;
  again.set_source("snmp");
  auto* item = AddItem(again, "a", "API-1", 8);
  (*item->mutable_attributes()->mutable_fields())["cpu_count"].set_null_value(google::protobuf::NULL_VALUE);
  ASSERT_TRUE(reconcile_stub_->Reconcile(As("discovery").get(), again, &resp).ok());
  ASSERT_EQ(resp.items(0).action(), v1::RECONCILE_ACTION_UPDATED);
  ASSERT_EQ(resp.items(0).diff_size(), 1);
  EXPECT_EQ(resp.items(0).diff(0).field(), "attributes.cpu_count");
  EXPECT_EQ(resp.items(0).diff(0).old_value().number_value(), 4);
  EXPECT_FALSE(resp.items(0).diff(0).has_new_value());  // cleared
}

TEST_F(ReconcileApiTest, AStreamIsOnePayloadAppliedAtomically) {
  auto ctx = As("discovery");
  v1::ReconcileResponse resp;
  auto writer = reconcile_stub_->StreamReconcile(ctx.get(), &resp);
  for (int chunk = 0; chunk < 3; ++chunk) {
    v1::ReconcileRequest req;
    if (chunk == 0) {
      req.set_source("import");
      req.mutable_change()->set_external_ref("CHG-77");
    }
    for (int i = 0; i < 4; ++i) AddItem(req, StrCat(chunk, "-", i), StrCat("STREAM-", chunk, "-", i), 2);
    if (chunk == 0) {  // a dependent whose parent comes in the last chunk
      auto* nic = req.add_items();
      nic->set_ref("nic");
      nic->set_class_name("interface");
      nic->set_name("eth0");
      (*nic->mutable_attributes()->mutable_fields())["if_name"].set_string_value("eth0");
      nic->set_parent_ref("2-3");
    }
    // A relation in the last chunk names items of the first.
    if (chunk == 2) {
      auto* rel = req.add_relations();
      rel->set_from_ref("0-0");
      rel->set_type("depends_on");
      rel->set_to_ref("2-3");
    }
    ASSERT_TRUE(writer->Write(req));
  }
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.created(), 13);
  ASSERT_EQ(resp.items_size(), 13);
  EXPECT_EQ(resp.items_omitted(), 0);
  for (int i = 0; i < resp.items_size(); ++i) EXPECT_EQ(resp.items(i).index(), i);  // across chunks
  EXPECT_EQ(resp.items(4).ref(), "nic");
  ASSERT_EQ(resp.relations_size(), 1);
  EXPECT_EQ(resp.relations(0).action(), v1::RECONCILE_ACTION_CREATED);
  v1::GetCIRequest get_nic;
  get_nic.set_id(resp.items(4).ci_id());
  v1::ConfigurationItem nic;
  ASSERT_TRUE(stub_->GetCI(As("viewer").get(), get_nic, &nic).ok());
  EXPECT_EQ(nic.parent_id(), resp.items(12).ci_id());
  v1::GetCIHistoryRequest history_of_nic;
  history_of_nic.set_id(nic.id());
  v1::GetCIHistoryResponse history;
  ASSERT_TRUE(stub_->GetCIHistory(As("viewer").get(), history_of_nic, &history).ok());
  EXPECT_EQ(history.versions(0).changeset().external_ref(), "CHG-77");  // the first chunk's change
  v1::ListCIsRequest list;
  list.set_filter("name = \"srv-*\"");
  v1::ListCIsResponse listed;
  ASSERT_TRUE(stub_->ListCIs(As("viewer").get(), list, &listed).ok());
  EXPECT_EQ(listed.cis_size(), 12);

  // A payload-level error in any chunk refuses the whole stream.
  auto bad_ctx = As("discovery");
  auto bad = reconcile_stub_->StreamReconcile(bad_ctx.get(), &resp);
  v1::ReconcileRequest first;
  first.set_source("import");
  AddItem(first, "x", "STREAM-X", 2);
  ASSERT_TRUE(bad->Write(first));
  v1::ReconcileRequest second;
  AddItem(second, "x", "STREAM-Y", 2);  // ref used twice across chunks
  ASSERT_TRUE(bad->Write(second));
  bad->WritesDone();
  st = bad->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("items[1].ref:"));
  list.set_filter("attributes.serial_number = \"STREAM-X\"");
  ASSERT_TRUE(stub_->ListCIs(As("viewer").get(), list, &listed).ok());
  EXPECT_EQ(listed.cis_size(), 0);

  // So does an unreadable value in a later chunk, named by its index in the stream.
  auto enum_ctx = As("discovery");
  auto enum_stream = reconcile_stub_->StreamReconcile(enum_ctx.get(), &resp);
  ASSERT_TRUE(enum_stream->Write(first));
  v1::ReconcileRequest odd;
  AddItem(odd, "y", "STREAM-Y", 2)->set_status(static_cast<v1::LifecycleStatus>(99));
  ASSERT_TRUE(enum_stream->Write(odd));
  enum_stream->WritesDone();
  st = enum_stream->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("items[1].status:"));
  ASSERT_TRUE(stub_->ListCIs(As("viewer").get(), list, &listed).ok());
  EXPECT_EQ(listed.cis_size(), 0);
}

TEST_F(ReconcileApiTest, RulesAndSourcesNeedAdmin) {
  v1::SetReconciliationRuleRequest rule;
  rule.mutable_rule()->set_class_name("server");
  rule.mutable_rule()->set_field("attributes.os_version");
  rule.mutable_rule()->add_sources("snmp");
  v1::ReconciliationRule saved;
  EXPECT_EQ(reconcile_stub_->SetReconciliationRule(As("editor").get(), rule, &saved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(reconcile_stub_->SetReconciliationRule(As("admin").get(), rule, &saved).ok());
  v1::ListReconciliationRulesRequest list;
  list.set_class_name("virtual_machine");
  v1::ListReconciliationRulesResponse rules;
  ASSERT_TRUE(reconcile_stub_->ListReconciliationRules(As("viewer").get(), list, &rules).ok());
  bool inherited = false;
  for (const auto& r : rules.rules()) inherited = inherited || r.field() == "attributes.os_version";
  EXPECT_TRUE(inherited);  // a server rule applies to virtual machines
  rule.mutable_rule()->set_field("colour");
  grpc::Status st = reconcile_stub_->SetReconciliationRule(As("admin").get(), rule, &saved);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("rule.field:"));

  v1::ListDuplicateCandidatesRequest dups;
  dups.set_detect(true);
  v1::ListDuplicateCandidatesResponse found;
  EXPECT_EQ(reconcile_stub_->ListDuplicateCandidates(As("viewer").get(), dups, &found).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // a scan writes
  EXPECT_TRUE(reconcile_stub_->ListDuplicateCandidates(As("editor").get(), dups, &found).ok());
}

}  // namespace
}  // namespace cmdb::testing
