// Hostile input over gRPC: each request gets the right code with the field
// named, no database text reaches the client, nothing is written, and the
// server stays up.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <climits>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "api_fixture.h"
#include "support/raw_call.h"
#include "core/page_token.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ApiAbuseTest : public ApiTest {
 protected:
  // Every CI, retired ones included, and every relationship.
  std::pair<int, int> Counts() {
    pqxx::connection c(url());
    pqxx::nontransaction tx(c);
    return {tx.exec1("SELECT count(*) FROM ci")[0].as<int>(),
            tx.exec1("SELECT count(*) FROM relationship")[0].as<int>()};
  }

  // The status is INVALID_ARGUMENT, names `field` first and carries no
  // database text.
  static void ExpectRefused(const grpc::Status& st, const std::string& field,
                            grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT) {
    EXPECT_EQ(st.error_code(), code) << st.error_message();
    EXPECT_THAT(st.error_message(), StartsWith(field));
    for (const char* leak : {"ERROR:", "pqxx", "LINE ", "SQL", "postgres", "/tmp", "socket", "relation \"",
                             "out of range for type", "malformed array literal", "btree", "DETAIL"}) {
      EXPECT_THAT(st.error_message(), Not(HasSubstr(leak))) << st.error_message();
    }
  }

  grpc::Status Create(const std::string& name, const std::string& attr = "", const std::string& value = "",
                      const std::string& comment = "") {
    v1::CreateCIRequest req;
    req.mutable_ci()->set_class_name("server");
    req.mutable_ci()->set_name(name);
    if (!attr.empty()) (*req.mutable_ci()->mutable_attributes()->mutable_fields())[attr].set_string_value(value);
    if (!comment.empty()) req.mutable_change()->set_comment(comment);
    v1::ConfigurationItem out;
    return stub_->CreateCI(As("editor").get(), req, &out);
  }

  grpc::Status List(const std::string& filter, const std::string& token = "", const std::string& order = "",
                    int page_size = 0) {
    v1::ListCIsRequest req;
    req.set_filter(filter);
    req.set_page_token(token);
    req.set_order_by(order);
    req.set_page_size(page_size);
    v1::ListCIsResponse resp;
    return stub_->ListCIs(As("viewer").get(), req, &resp);
  }
};

TEST_F(ApiAbuseTest, BadStringsAreRefusedWithTheFieldNamed) {
  const v1::ConfigurationItem seed = CreateCi("server", "seed");
  const auto before = Counts();
  ExpectRefused(Create(std::string("a\0b", 3)), "ci.name");
  ExpectRefused(Create("ok", "", "", std::string("why\0not", 7)), "change.comment");
  ExpectRefused(Create("ok", "model", std::string("x\0y", 3)), "ci.attributes.model");
  ExpectRefused(Create("ok", "serial_number", std::string(3000, 'S')), "ci.attributes.serial_number");
  ExpectRefused(Create("ok", "fqdn", std::string(3000, 'f') + ".example"), "ci.attributes.fqdn");

  // A CI id of all zeros is not an id.
  v1::GetCIRequest get;
  get.set_id("00000000-0000-0000-0000-000000000000");
  v1::ConfigurationItem out;
  ExpectRefused(stub_->GetCI(As("viewer").get(), get, &out), "id");
  v1::CreateCIRequest create;
  create.mutable_ci()->set_class_name("server");
  create.mutable_ci()->set_name("zero");
  create.set_ci_id("00000000-0000-0000-0000-000000000000");
  ExpectRefused(stub_->CreateCI(As("editor").get(), create, &out), "ci_id");

  // Relationship attributes are bounded like CI attributes.
  const v1::ConfigurationItem other = CreateCi("server", "other");
  const auto with_other = Counts();
  v1::CreateRelationshipRequest rel;
  rel.mutable_relationship()->set_type("depends_on");
  rel.mutable_relationship()->set_source_id(seed.id());
  rel.mutable_relationship()->set_target_id(other.id());
  (*rel.mutable_relationship()->mutable_attributes()->mutable_fields())["note"].set_string_value(
      std::string(1 << 20, 'n'));
  v1::Relationship created;
  ExpectRefused(stub_->CreateRelationship(As("editor").get(), rel, &created), "relationship.attributes.note");
  // A self relationship and a dangling one.
  rel.mutable_relationship()->mutable_attributes()->clear_fields();
  rel.mutable_relationship()->set_target_id(seed.id());
  ExpectRefused(stub_->CreateRelationship(As("editor").get(), rel, &created), "relationship");
  rel.mutable_relationship()->set_target_id("0192e1a8-1111-7222-8333-444455556666");
  ExpectRefused(stub_->CreateRelationship(As("editor").get(), rel, &created), "relationship.target_id",
                grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Counts(), with_other);
  EXPECT_EQ(before.first + 1, with_other.first);
}

TEST_F(ApiAbuseTest, BadNumbersTokensAndFiltersAreRefusedWithTheFieldNamed) {
  const v1::ConfigurationItem ci = CreateCi("server", "n1");
  const auto before = Counts();
  ExpectRefused(List("version > 99999999999"), "filter");
  ExpectRefused(List("version > -99999999999999999999999"), "filter");
  // Text that looks like an escape or like SQL is only ever a value.
  EXPECT_TRUE(List(R"(attributes.model = "\u0000")").ok());
  ExpectRefused(List(std::string("name = \"a\0b\"", 12)), "filter");
  const grpc::Status injected = List("name = 'x'; DROP TABLE ci; --");
  EXPECT_TRUE(injected.ok() || injected.error_code() == grpc::StatusCode::INVALID_ARGUMENT) << injected.error_message();
  ExpectRefused(List("", "", "name; DROP TABLE ci"), "order_by");
  ExpectRefused(List("", "", "", -5), "page_size");
  ExpectRefused(List("", "not a token"), "page_token");
  // Tokens of our encoding with the wrong JSON inside.
  for (const char* json : {R"([1,2,3])", R"({"k":[1]})", R"({"f":7,"k":{"a":1}})", R"("x")", R"({"f":null})"}) {
    ExpectRefused(List("", EncodePageToken(Json::parse(json))), "page_token");
  }

  v1::RestoreCIRequest restore;
  restore.set_id(ci.id());
  v1::ConfigurationItem out;
  for (int64_t version : {int64_t{1} << 40, int64_t{-3}, INT64_MAX}) {
    restore.set_version(version);
    ExpectRefused(stub_->RestoreCI(As("editor").get(), restore, &out), "version");
  }
  v1::GetCIRequest get;
  get.set_id(ci.id());
  get.mutable_as_of()->set_seconds(INT64_MAX / 2);
  ExpectRefused(stub_->GetCI(As("viewer").get(), get, &out), "as_of");

  v1::UpdateCIRequest update;
  update.mutable_ci()->set_id(ci.id());
  update.mutable_ci()->set_owner("x");
  update.mutable_update_mask()->add_paths("owner; DROP TABLE ci");
  ExpectRefused(stub_->UpdateCI(As("editor").get(), update, &out), "update_mask");
  EXPECT_EQ(Counts(), before);
}

// Requests that do not parse (invalid UTF-8 in a string, nesting beyond the
// parser's limit) are refused before any handler runs.
TEST_F(ApiAbuseTest, UnparseableRequestsAreInvalidArgument) {
  const auto before = Counts();
  // CreateCIRequest{ci: {class_name: "server", name: "\xff\xfe"}}, hand-encoded.
  std::string ci = std::string("\x12\x06server", 8) + std::string("\x1a\x02\xff\xfe", 4);
  std::string request = "\x0a" + std::string(1, static_cast<char>(ci.size())) + ci;
  auto call = [&](const std::string& method, const std::string& body) {
    return CallRaw(*channel_, method, tokens_.at("editor"), body);
  };
  ExpectRefused(call("/cmdb.v1.CmdbService/CreateCI", request), "request");

  // Attributes nested 120 deep: {"a": {"a": ... }}.
  v1::CreateCIRequest deep;
  deep.mutable_ci()->set_class_name("server");
  deep.mutable_ci()->set_name("deep");
  google::protobuf::Struct* s = deep.mutable_ci()->mutable_attributes();
  for (int i = 0; i < 120; ++i) s = (*s->mutable_fields())["a"].mutable_struct_value();
  std::string bytes;
  ASSERT_TRUE(deep.SerializeToString(&bytes));
  ExpectRefused(call("/cmdb.v1.CmdbService/CreateCI", bytes), "request");
  EXPECT_EQ(Counts(), before);
  // Still serving.
  CreateCi("server", "after");
}

// A request over the message limit (16 MiB by default) is refused before
// it is parsed; one under it without a token is refused unauthenticated.
TEST_F(ApiAbuseTest, OversizedAndUnauthenticatedRequestsWriteNothing) {
  const auto before = Counts();
  v1::CreateCIRequest req;
  req.mutable_ci()->set_class_name("server");
  req.mutable_ci()->set_name("huge");
  (*req.mutable_ci()->mutable_attributes()->mutable_fields())["model"].set_string_value(std::string(20 << 20, 'm'));
  v1::ConfigurationItem out;
  grpc::Status st = stub_->CreateCI(As("editor").get(), req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  (*req.mutable_ci()->mutable_attributes()->mutable_fields())["model"].set_string_value(std::string(15 << 20, 'm'));
  grpc::ClientContext anonymous;
  st = stub_->CreateCI(&anonymous, req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  // With a token, the value is too large for an attribute.
  ExpectRefused(stub_->CreateCI(As("editor").get(), req, &out), "ci.attributes");
  EXPECT_EQ(Counts(), before);
}

// One bad item of a Reconcile is rejected with its field named; the others
// are applied.
TEST_F(ApiAbuseTest, OneBadFindingIsRejectedAndTheRestKept) {
  v1::ReconcileRequest req;
  req.set_source("snmp");
  for (int i = 0; i < 100; ++i) {
    auto* item = req.add_items();
    item->set_ref(StrCat("r", i));
    item->set_class_name("server");
    item->set_name(StrCat("found-", i));
    auto& fields = *item->mutable_attributes()->mutable_fields();
    fields["serial_number"].set_string_value(StrCat("SN-", i));
    if (i == 17) fields["serial_number"].set_string_value(std::string(3000, 'S'));
    if (i == 42) fields["model"].set_string_value(std::string("bad\0model", 9));
    if (i == 63) item->set_name(std::string("nul\0name", 8));
  }
  v1::ReconcileResponse resp;
  grpc::Status st = reconcile_stub_->Reconcile(As("discovery").get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.created(), 97);
  EXPECT_EQ(resp.rejected(), 3);
  ASSERT_EQ(resp.items_size(), 100);
  EXPECT_EQ(resp.items(17).action(), v1::RECONCILE_ACTION_REJECTED);
  EXPECT_THAT(resp.items(17).reason(), HasSubstr("attributes.serial_number"));
  EXPECT_EQ(resp.items(42).action(), v1::RECONCILE_ACTION_REJECTED);
  EXPECT_THAT(resp.items(42).reason(), HasSubstr("attributes.model"));
  EXPECT_EQ(resp.items(63).action(), v1::RECONCILE_ACTION_REJECTED);
  EXPECT_THAT(resp.items(63).reason(), HasSubstr("name"));
  EXPECT_EQ(Counts().first, 97);
}

// A newline in a value a caller chose cannot forge a line of the log.
TEST_F(ApiAbuseTest, LoggedValuesCannotForgeLines) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  sink->set_pattern("%v");
  spdlog::default_logger()->sinks().push_back(sink);
  const std::string forged = "method=DeleteCI peer=ipv4:10.0.0.1:1 principal=admin-user status=OK";
  // The error quotes the value, so the log line carries it.
  EXPECT_THAT(List(StrCat("version = \"1\n", forged, "\"")).error_message(), HasSubstr(forged));
  EXPECT_THAT(List(StrCat("version = \"1\r\n", forged, "\"")).error_message(), HasSubstr(forged));
  spdlog::default_logger()->sinks().pop_back();
  int refused = 0;
  for (const std::string& line : sink->last_formatted()) {
    EXPECT_THAT(line, Not(StartsWith("method=DeleteCI"))) << line;
    EXPECT_EQ(line.find_first_of("\r\n"), line.size() - 1) << line;  // only the line's own end
    if (line.find("status=INVALID_ARGUMENT") != std::string::npos) ++refused;
  }
  EXPECT_EQ(refused, 2);
}

// A CI cannot become its own ancestor.
TEST_F(ApiAbuseTest, ParentCyclesAreRefused) {
  const v1::ConfigurationItem device = CreateCi("server", "dev");
  v1::CreateCIRequest nic;
  nic.mutable_ci()->set_class_name("interface");
  nic.mutable_ci()->set_name("eth0");
  nic.mutable_ci()->set_parent_id(device.id());
  (*nic.mutable_ci()->mutable_attributes()->mutable_fields())["if_index"].set_number_value(1);
  v1::ConfigurationItem eth0;
  ASSERT_TRUE(stub_->CreateCI(As("editor").get(), nic, &eth0).ok());

  v1::UpdateCIRequest update;
  update.mutable_ci()->set_id(device.id());
  update.mutable_ci()->set_parent_id(eth0.id());
  update.mutable_update_mask()->add_paths("parent_id");
  v1::ConfigurationItem out;
  ExpectRefused(stub_->UpdateCI(As("editor").get(), update, &out), "ci.parent_id");
  update.mutable_ci()->set_parent_id(device.id());
  ExpectRefused(stub_->UpdateCI(As("editor").get(), update, &out), "ci.parent_id");

  const auto before = Counts();
  v1::BatchWriteRequest batch;
  for (const char* ref : {"a", "b"}) {
    auto* c = batch.add_creates();
    c->set_ref(ref);
    c->mutable_ci()->set_class_name("server");
    c->mutable_ci()->set_name(StrCat("cyc-", ref));
    c->set_parent_ref(ref == std::string("a") ? "b" : "a");
  }
  v1::BatchWriteResponse resp;
  ExpectRefused(stub_->BatchWrite(As("editor").get(), batch, &resp), "creates[");
  // A batch update that closes a cycle through an existing CI.
  v1::BatchWriteRequest closing;
  auto* u = closing.add_updates();
  u->mutable_ci()->set_id(device.id());
  u->mutable_ci()->set_parent_id(eth0.id());
  u->mutable_update_mask()->add_paths("parent_id");
  ExpectRefused(stub_->BatchWrite(As("editor").get(), closing, &resp), "updates[0].ci.parent_id");
  EXPECT_EQ(Counts(), before);

  // The device can still be deleted with its dependents.
  v1::GetCIRequest get;
  get.set_id(device.id());
  ASSERT_TRUE(stub_->GetCI(As("viewer").get(), get, &out).ok());
  EXPECT_TRUE(out.parent_id().empty());
}

}  // namespace
}  // namespace cmdb::testing
