// The gRPC surface: authentication, the role of every method, error codes,
// limits, health checking, reflection and the WatchChanges stream.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/generic/generic_stub.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api_fixture.h"
#include "support/raw_call.h"

namespace cmdb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Calls `method` with an empty request through the generic stub.
class ApiAuthTest : public ApiTest {};

TEST_F(ApiAuthTest, EveryMethodIsGuardedByItsMinimalRole) {
  const std::vector<std::string> roles = {"viewer", "discovery", "editor", "admin"};
  int checked = 0, unary = 0;
  for (const char* service_name :
       {v1::CmdbService::service_full_name(), v1::ReconciliationService::service_full_name(),
        v1::AuditService::service_full_name()}) {
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  ASSERT_NE(service, nullptr) << service_name;
  for (int m = 0; m < service->method_count(); ++m) {
    const auto* method = service->method(m);
    if (method->server_streaming() || method->client_streaming()) continue;  // streams: tested on their own
    ++unary;
    const std::string path = StrCat("/", service->full_name(), "/", method->name());
    const api::Role needed = api::MethodRoles().at(method->name());
    for (size_t r = 0; r < roles.size(); ++r) {
      grpc::Status st = CallRaw(*channel_, path, tokens_[roles[r]]);
      const bool allowed = static_cast<int>(r) + 1 >= static_cast<int>(needed);
      if (allowed) {
        EXPECT_NE(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << path << " as " << roles[r];
      } else {
        EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << path << " as " << roles[r];
      }
      EXPECT_NE(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << path;
      ++checked;
    }
    EXPECT_EQ(CallRaw(*channel_, path, "").error_code(), grpc::StatusCode::UNAUTHENTICATED) << path;
    EXPECT_EQ(CallRaw(*channel_, path, "wrong-token").error_code(), grpc::StatusCode::UNAUTHENTICATED) << path;
  }
  }
  EXPECT_EQ(checked, 4 * unary);
  EXPECT_GT(unary, 25);
}

TEST_F(ApiAuthTest, RefusedWritesChangeNothingAndTheActorComesFromTheToken) {
  v1::CreateCIRequest req;
  req.mutable_ci()->set_class_name("server");
  req.mutable_ci()->set_name("web01");
  v1::ConfigurationItem out;
  grpc::Status st = stub_->CreateCI(As("viewer").get(), req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(st.error_message(), HasSubstr("needs role editor"));
  EXPECT_EQ(stub_->CreateCI(As("discovery").get(), req, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->CreateCI(As("editor").get(), req, &out).ok());

  v1::GetCIHistoryRequest hreq;
  hreq.set_id(out.id());
  v1::GetCIHistoryResponse history;
  ASSERT_TRUE(stub_->GetCIHistory(As("viewer").get(), hreq, &history).ok());
  ASSERT_EQ(history.versions_size(), 1);
  EXPECT_EQ(history.versions(0).changeset().actor(), "editor-user");
  EXPECT_EQ(history.versions(0).changeset().source(), "manual");

  // Hard delete is an admin operation; soft delete is an editor's.
  v1::DeleteCIRequest del;
  del.set_id(out.id());
  del.set_hard(true);
  v1::DeleteCIResponse deleted;
  EXPECT_EQ(stub_->DeleteCI(As("editor").get(), del, &deleted).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->DeleteCI(As("admin").get(), del, &deleted).ok());
  v1::GetCIRequest get;
  get.set_id(out.id());
  EXPECT_EQ(stub_->GetCI(As("viewer").get(), get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

class ApiErrorTest : public ApiTest {};

TEST_F(ApiErrorTest, StatusCodesAndFieldNames) {
  v1::ConfigurationItem out;
  v1::GetCIRequest get;
  get.set_id("0192e1a8-1111-7222-8333-444455556666");
  EXPECT_EQ(stub_->GetCI(As("viewer").get(), get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  get.set_id("not-a-uuid");
  grpc::Status st = stub_->GetCI(As("viewer").get(), get, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("id:"));

  v1::CreateCIRequest create;
  create.mutable_ci()->set_class_name("server");
  create.mutable_ci()->set_name("web01");
  (*create.mutable_ci()->mutable_attributes()->mutable_fields())["cpu_count"].set_string_value("four");
  st = stub_->CreateCI(As("editor").get(), create, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("ci.attributes.cpu_count:"));
  create.mutable_ci()->set_status(static_cast<v1::LifecycleStatus>(42));
  EXPECT_THAT(stub_->CreateCI(As("editor").get(), create, &out).error_message(), StartsWith("ci.status:"));

  v1::ConfigurationItem ci = CreateCi("server", "web02");
  v1::UpdateCIRequest update;
  update.mutable_ci()->set_id(ci.id());
  update.mutable_ci()->set_etag("7");
  update.mutable_ci()->set_owner("x");
  EXPECT_EQ(stub_->UpdateCI(As("editor").get(), update, &out).error_code(), grpc::StatusCode::ABORTED);
  update.mutable_ci()->set_etag(ci.etag());
  ASSERT_TRUE(stub_->UpdateCI(As("editor").get(), update, &out).ok());
  EXPECT_EQ(out.version(), 2);
  EXPECT_NE(out.etag(), ci.etag());

  v1::ListCIsRequest list;
  list.set_filter("colour = red");
  v1::ListCIsResponse listed;
  st = stub_->ListCIs(As("viewer").get(), list, &listed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("filter:"));

  v1::CreateClassRequest cls;
  cls.mutable_class_def()->set_name("pdu");
  cls.mutable_class_def()->set_parent("hardware");
  cls.mutable_class_def()->add_attributes()->set_name("outlets");  // no type
  v1::CiClass created;
  st = stub_->CreateClass(As("admin").get(), cls, &created);
  EXPECT_THAT(st.error_message(), StartsWith("class_def.attributes[0].type:"));
}

TEST_F(ApiErrorTest, OversizedMessagesAndBatchesAreRefusedClearly) {
  StopServer();
  limits_.max_message_bytes = 64 * 1024;
  limits_.max_batch_items = 10;
  StartServer();
  v1::CreateCIRequest big;
  big.mutable_ci()->set_class_name("server");
  big.mutable_ci()->set_name(std::string(100 * 1024, 'x'));
  v1::ConfigurationItem out;
  EXPECT_EQ(stub_->CreateCI(As("editor").get(), big, &out).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  v1::BatchWriteRequest batch;
  for (int i = 0; i < 11; ++i) {
    auto* c = batch.add_creates();
    c->mutable_ci()->set_class_name("server");
    c->mutable_ci()->set_name(StrCat("s", i));
  }
  v1::BatchWriteResponse resp;
  grpc::Status st = stub_->BatchWrite(As("editor").get(), batch, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("the limit is 10"));
  v1::ListCIsResponse listed;
  ASSERT_TRUE(stub_->ListCIs(As("viewer").get(), v1::ListCIsRequest(), &listed).ok());
  EXPECT_EQ(listed.cis_size(), 0);
}

TEST_F(ApiErrorTest, HealthAndReflectionAreOn) {
  // grpc.health.v1.HealthCheckRequest{service: "cmdb.v1.CmdbService"}, hand-encoded.
  const std::string service = "cmdb.v1.CmdbService";
  std::string request = "\x0a" + std::string(1, static_cast<char>(service.size())) + service;
  std::string response;
  grpc::Status st = CallRaw(*channel_, "/grpc.health.v1.Health/Check", "", request, &response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(response, std::string("\x08\x01", 2));  // status: SERVING

  // grpc.reflection.v1alpha: list_services.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::Slice ask(std::string("\x3a\x00", 2));  // field 7 (list_services) = ""
  grpc::ByteBuffer out(&ask, 1), in;
  call->Write(out, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  call->Read(&in, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  (void)in.Dump(&slices);
  std::string body;
  for (const auto& s : slices) body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(body, HasSubstr("cmdb.v1.CmdbService"));
  ctx.TryCancel();
  call->Finish(&st, reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// TLS: with a certificate the server speaks only TLS; a client that trusts
// the certificate gets through, a plaintext client does not.
TEST_F(ApiErrorTest, TlsServesOnlyTls) {
  char tmpl[] = "/tmp/cmdb-tls-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string cmd = StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      dir, "/key.pem -out ", dir, "/cert.pem 2>/dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = dir + "/cert.pem";
  options.tls_key_file = dir + "/key.pem";
  auto server = api::GrpcServer::Start(options, {api_.get()}, limits_);
  ASSERT_TRUE(server.ok()) << server.status();
  std::ifstream cert_file(dir + "/cert.pem");
  std::stringstream cert;
  cert << cert_file.rdbuf();

  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = cert.str();
  auto secure = v1::CmdbService::NewStub(
      grpc::CreateChannel(StrCat("127.0.0.1:", (*server)->port()), grpc::SslCredentials(trust)));
  v1::ListClassesResponse classes;
  grpc::Status st = secure->ListClasses(As("viewer").get(), v1::ListClassesRequest(), &classes);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(classes.classes_size(), 10);

  auto plain = v1::CmdbService::NewStub(
      grpc::CreateChannel(StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  auto ctx = As("viewer");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  EXPECT_FALSE(plain->ListClasses(ctx.get(), v1::ListClassesRequest(), &classes).ok());

  auto missing = api::GrpcServer::Start({"127.0.0.1:0", dir + "/nope.pem", dir + "/key.pem", 8}, {api_.get()}, limits_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  // Garbage where a PEM should be, and a key of another certificate, are
  // named as such (not "cannot listen").
  {
    std::ofstream(dir + "/garbage.pem") << "not a certificate\n";
    const std::string other = StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout ", dir,
                                     "/other-key.pem -out ", dir, "/other-cert.pem 2>/dev/null");
    ASSERT_EQ(std::system(other.c_str()), 0);
  }
  auto garbage_cert =
      api::GrpcServer::Start({"127.0.0.1:0", dir + "/garbage.pem", dir + "/key.pem", 8}, {api_.get()}, limits_);
  EXPECT_EQ(garbage_cert.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(garbage_cert.status().message()), HasSubstr("no PEM certificate"));
  auto garbage_key =
      api::GrpcServer::Start({"127.0.0.1:0", dir + "/cert.pem", dir + "/garbage.pem", 8}, {api_.get()}, limits_);
  EXPECT_THAT(std::string(garbage_key.status().message()), HasSubstr("no unencrypted PEM private key"));
  auto mismatched =
      api::GrpcServer::Start({"127.0.0.1:0", dir + "/cert.pem", dir + "/other-key.pem", 8}, {api_.get()}, limits_);
  EXPECT_THAT(std::string(mismatched.status().message()), HasSubstr("does not match the certificate"));
  (*server)->Shutdown(std::chrono::seconds(1));
  (*server)->Wait();
  std::filesystem::remove_all(dir);
}

class ApiListTest : public ApiTest {};

// ListCIs reads the stored JSON straight into its messages, GetCI through
// a parsed value: both must answer the same CI, nested values, numbers,
// lists, unicode and provenance included.
TEST_F(ApiListTest, ListedCisEqualWhatGetCiAnswers) {
  v1::CreateClassRequest cls;
  cls.mutable_class_def()->set_name("rack_unit");
  cls.mutable_class_def()->set_parent("hardware");
  auto* layout = cls.mutable_class_def()->add_attributes();
  layout->set_name("layout");
  layout->set_type(v1::ATTRIBUTE_TYPE_JSON);
  auto* tags = cls.mutable_class_def()->add_attributes();
  tags->set_name("tags");
  tags->set_type(v1::ATTRIBUTE_TYPE_STRING_LIST);
  auto* slots = cls.mutable_class_def()->add_attributes();
  slots->set_name("slots");
  slots->set_type(v1::ATTRIBUTE_TYPE_FLOAT);
  v1::CiClass created_class;
  ASSERT_TRUE(stub_->CreateClass(As("admin").get(), cls, &created_class).ok());

  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    v1::CreateCIRequest req;
    req.mutable_ci()->set_class_name("rack_unit");
    req.mutable_ci()->set_name(StrCat("ru-", i, "-é東"));
    auto& fields = *req.mutable_ci()->mutable_attributes()->mutable_fields();
    fields["serial_number"].set_string_value(StrCat("SN", i));
    fields["slots"].set_number_value(i == 0 ? 0.5 : 1e15 + i);
    fields["tags"].mutable_list_value()->add_values()->set_string_value("a\"b\\c\n");
    auto& inner = *fields["layout"].mutable_struct_value()->mutable_fields();
    inner["rows"].mutable_list_value()->add_values()->set_number_value(-3);
    inner["rows"].mutable_list_value()->add_values()->mutable_struct_value();
    inner["empty"].mutable_list_value();
    inner["none"].set_null_value(google::protobuf::NULL_VALUE);
    inner["on"].set_bool_value(i % 2 == 0);
    v1::ConfigurationItem out;
    ASSERT_TRUE(stub_->CreateCI(As("editor").get(), req, &out).ok());
    ids.push_back(out.id());
  }
  v1::ListCIsRequest list;
  list.set_filter("class = rack_unit");
  v1::ListCIsResponse listed;
  ASSERT_TRUE(stub_->ListCIs(As("viewer").get(), list, &listed).ok());
  ASSERT_EQ(listed.cis_size(), 3);
  for (const v1::ConfigurationItem& ci : listed.cis()) {
    v1::GetCIRequest get;
    get.set_id(ci.id());
    v1::ConfigurationItem got;
    ASSERT_TRUE(stub_->GetCI(As("viewer").get(), get, &got).ok());
    EXPECT_FALSE(ci.provenance().empty());
    EXPECT_EQ(ci.attributes().fields().at("layout").struct_value().fields().at("rows").list_value().values_size(), 2);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ci, got))
        << ci.DebugString() << "\nvs\n" << got.DebugString();
  }
}

class ApiWatchTest : public ApiTest {
 protected:
  // Reads events until `count` non-marker events have arrived (or the stream ends).
  std::vector<v1::ChangeEvent> Watch(const std::string& since, size_t count, bool from_now = false,
                                     const std::function<void()>& after_caught_up = nullptr) {
    auto ctx = As("viewer");
    v1::WatchChangesRequest req;
    req.set_since_cursor(since);
    req.set_from_now(from_now);
    auto reader = stub_->WatchChanges(ctx.get(), req);
    std::vector<v1::ChangeEvent> events;
    v1::ChangeEvent e;
    bool triggered = false;
    while (events.size() < count && reader->Read(&e)) {
      if (e.caught_up()) {
        if (after_caught_up && !triggered) {
          triggered = true;
          after_caught_up();
        }
        continue;
      }
      events.push_back(e);
    }
    ctx->TryCancel();
    reader->Finish();
    return events;
  }
};

TEST_F(ApiWatchTest, StreamsBacklogThenLiveChangesAndResumesFromACursor) {
  for (int i = 0; i < 5; ++i) CreateCi("server", StrCat("s", i));
  // Backlog of 5, then 3 live changes made once the stream has caught up.
  auto events = Watch("", 8, false, [&] {
    std::thread([this] {
      for (int i = 0; i < 3; ++i) CreateCi("switch", StrCat("live", i));
    }).detach();
  });
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[0].ci().name(), "s0");
  EXPECT_EQ(events[0].operation(), v1::CHANGE_OPERATION_CREATE);
  EXPECT_EQ(events[0].changeset().actor(), "editor-user");
  EXPECT_EQ(events[7].ci().name(), "live2");

  // Resume after the 3rd event: exactly the 5 that follow.
  auto resumed = Watch(events[2].cursor(), 5);
  ASSERT_EQ(resumed.size(), 5u);
  for (size_t i = 0; i < resumed.size(); ++i) EXPECT_EQ(resumed[i].ci().id(), events[3 + i].ci().id());
}

TEST_F(ApiWatchTest, FromNowSkipsTheBacklogAndBadCursorsAreRefused) {
  CreateCi("server", "old");
  auto events = Watch("", 1, /*from_now=*/true, [&] { CreateCi("server", "new"); });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ci().name(), "new");

  auto ctx = As("viewer");
  v1::WatchChangesRequest req;
  req.set_since_cursor("not-a-cursor");
  auto reader = stub_->WatchChanges(ctx.get(), req);
  v1::ChangeEvent e;
  EXPECT_FALSE(reader->Read(&e));
  grpc::Status st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("since_cursor:"));

  auto anon = std::make_unique<grpc::ClientContext>();
  auto refused = stub_->WatchChanges(anon.get(), v1::WatchChangesRequest());
  EXPECT_FALSE(refused->Read(&e));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiWatchTest, ShutdownEndsStreamsWithUnavailable) {
  auto ctx = As("viewer");
  auto reader = stub_->WatchChanges(ctx.get(), v1::WatchChangesRequest());
  v1::ChangeEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_TRUE(e.caught_up());
  std::thread stopper([this] { StopServer(); });
  while (reader->Read(&e)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

}  // namespace
}  // namespace cmdb::testing
