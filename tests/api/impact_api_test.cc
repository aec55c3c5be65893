// The ImpactService over real gRPC: roles, enum and time checks, and the
// shape of an answer.
#include "api_fixture.h"

namespace cmdb::testing {
namespace {

class ImpactApiTest : public ApiTest {
 protected:
  void Link(const std::string& source, const std::string& type, const std::string& target) {
    v1::CreateRelationshipRequest req;
    req.mutable_relationship()->set_source_id(source);
    req.mutable_relationship()->set_type(type);
    req.mutable_relationship()->set_target_id(target);
    v1::Relationship out;
    grpc::Status st = stub_->CreateRelationship(As("editor").get(), req, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
};

TEST_F(ImpactApiTest, AViewerAnalysesAndGetsPathsServicesAndRisk) {
  const auto host = CreateCi("hypervisor", "esx-01");
  const auto vm = CreateCi("virtual_machine", "vm-01");
  const auto svc = CreateCi("business_service", "shop");
  Link(vm.id(), "hosted_on", host.id());
  Link(svc.id(), "depends_on", vm.id());

  v1::AnalyzeImpactRequest req;
  req.add_ci_ids(host.id());
  req.set_include_paths(true);
  v1::AnalyzeImpactResponse resp;
  grpc::Status st = impact_stub_->AnalyzeImpact(As("viewer").get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resp.affected_count(), 3);
  EXPECT_TRUE(resp.affected(0).root());
  EXPECT_EQ(resp.affected(0).id(), host.id());
  const v1::AffectedCi& last = resp.affected(2);
  EXPECT_EQ(last.id(), svc.id());
  EXPECT_EQ(last.state(), v1::IMPACT_STATE_DOWN);
  EXPECT_EQ(last.distance(), 2);
  EXPECT_EQ(last.via_id(), vm.id());
  EXPECT_EQ(last.via_relationship_type(), "depends_on");
  ASSERT_EQ(last.path_size(), 3);
  EXPECT_EQ(last.path(1).ci_id(), vm.id());
  EXPECT_EQ(last.path(1).relationship_type(), "hosted_on");
  ASSERT_EQ(resp.services_size(), 1);
  EXPECT_EQ(resp.services(0).id(), svc.id());
  EXPECT_GT(resp.risk().score(), 0);
  EXPECT_FALSE(resp.risk().formula().empty());
  EXPECT_EQ(resp.root_ids(0), host.id());
  EXPECT_GT(resp.as_of().seconds(), 0);

  v1::GraphStats stats;
  st = impact_stub_->GetGraphStats(As("viewer").get(), v1::GetGraphStatsRequest(), &stats);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(stats.nodes(), 3);
  EXPECT_EQ(stats.relationships(), 2);
  EXPECT_EQ(stats.edges(), 2);
  EXPECT_GT(stats.memory_bytes(), 0);
}

TEST_F(ImpactApiTest, RolesGuardRulesAndRecords) {
  const auto ci = CreateCi("server", "srv");
  v1::SetRelationshipPropagationRequest rule;
  rule.mutable_propagation()->set_relationship_type("uses");
  rule.mutable_propagation()->set_direction(v1::IMPACT_DIRECTION_TARGET_TO_SOURCE);
  rule.mutable_propagation()->set_effect(v1::IMPACT_EFFECT_DOWN);
  v1::RelationshipPropagation out;
  EXPECT_EQ(impact_stub_->SetRelationshipPropagation(As("editor").get(), rule, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(impact_stub_->SetRelationshipPropagation(As("admin").get(), rule, &out).error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(out.effect(), v1::IMPACT_EFFECT_DOWN);

  v1::PutExternalRecordRequest put;
  put.mutable_record()->set_system("itsm");
  put.mutable_record()->set_kind("incident");
  put.mutable_record()->set_key("INC7");
  put.mutable_record()->add_ci_ids(ci.id());
  v1::ExternalRecord record;
  EXPECT_EQ(impact_stub_->PutExternalRecord(As("viewer").get(), put, &record).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(impact_stub_->PutExternalRecord(As("editor").get(), put, &record).ok());
  EXPECT_EQ(record.ci_ids_size(), 1);
  v1::ListExternalRecordsRequest list;
  list.set_ci_id(ci.id());
  v1::ListExternalRecordsResponse listed;
  ASSERT_TRUE(impact_stub_->ListExternalRecords(As("viewer").get(), list, &listed).ok());
  ASSERT_EQ(listed.records_size(), 1);
  EXPECT_EQ(listed.records(0).key(), "INC7");

  v1::AnalyzeImpactRequest req;
  req.add_ci_ids(ci.id());
  v1::AnalyzeImpactResponse resp;
  EXPECT_EQ(impact_stub_->AnalyzeImpact(As("").get(), req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ImpactApiTest, BadEnumsAndTimesAreInvalidArguments) {
  const auto ci = CreateCi("server", "srv");
  v1::AnalyzeImpactRequest req;
  req.add_ci_ids(ci.id());
  req.set_scenario(static_cast<v1::ImpactScenario>(42));
  v1::AnalyzeImpactResponse resp;
  grpc::Status st = impact_stub_->AnalyzeImpact(As("viewer").get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::StartsWith("scenario: "));

  req.set_scenario(v1::IMPACT_SCENARIO_OUTAGE);
  req.mutable_as_of()->set_seconds(-999999999999LL);
  st = impact_stub_->AnalyzeImpact(As("viewer").get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::StartsWith("as_of"));

  v1::SetRelationshipPropagationRequest rule;
  rule.mutable_propagation()->set_relationship_type("uses");
  v1::RelationshipPropagation out;
  st = impact_stub_->SetRelationshipPropagation(As("admin").get(), rule, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::StartsWith("propagation.direction: "));
}

}  // namespace
}  // namespace cmdb::testing
