// Unit tests for api/auth.h: roles, token hashing, the tokens file, the
// authenticator and the method-to-role table (checked against the service's
// protobuf descriptor, so that no RPC can be added without a role); and for
// HandleCall (api/handler.h), the wrapper every unary handler runs, which
// must decide exactly as Authenticator::Check does.
#include "api/auth.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/handler.h"
#include "cmdb/v1/audit.grpc.pb.h"
#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/discovery.grpc.pb.h"
#include "cmdb/v1/impact.grpc.pb.h"
#include "cmdb/v1/reconcile.grpc.pb.h"
#include "core/strings.h"

namespace cmdb::api {
namespace {

// sha256("test"), the example of the header comment.
constexpr char kTestHash[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

void ExpectParseError(std::string_view text, const std::string& prefix, const std::string& part) {
  auto store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_FALSE(store.ok()) << text;
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(store.status().message());
  EXPECT_TRUE(message.starts_with(prefix)) << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(RoleTest, NamesRoundTripAndOrder) {
  for (Role r : {Role::kViewer, Role::kDiscovery, Role::kEditor, Role::kAdmin}) {
    EXPECT_EQ(RoleFromName(RoleName(r)), r) << RoleName(r);
  }
  EXPECT_EQ(RoleName(Role::kViewer), "viewer");
  EXPECT_EQ(RoleName(Role::kDiscovery), "discovery");
  EXPECT_EQ(RoleName(Role::kEditor), "editor");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  for (const char* name : {"", "Admin", "ADMIN", "root", "editor ", "owner"}) {
    EXPECT_EQ(RoleFromName(name), std::nullopt) << name;
  }
  EXPECT_LT(Role::kViewer, Role::kDiscovery);
  EXPECT_LT(Role::kDiscovery, Role::kEditor);
  EXPECT_LT(Role::kEditor, Role::kAdmin);
}

TEST(TokenHashTest, Sha256Hex) {
  EXPECT_EQ(TokenHash("test"), kTestHash);
  EXPECT_EQ(TokenHash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(NewTokenTest, UrlSafeRandom256Bits) {
  const std::string a = NewToken();
  const std::string b = NewToken();
  EXPECT_NE(a, b);
  for (const std::string& token : {a, b}) {
    ASSERT_TRUE(token.starts_with("cmdb_")) << token;
    // 32 bytes in unpadded URL-safe base64 are 43 characters.
    EXPECT_EQ(token.size(), 5u + 43u) << token;
    for (char c : token.substr(5)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << token;
    }
    EXPECT_EQ(TokenHash(token).size(), 64u);
  }
}

TEST(TokenStoreTest, ParsesCommentsBlankLinesAndTabs) {
  const std::string text = StrCat("# sha256-hex role name\n",
                                  "\n",
                                  "   # an indented comment\n",
                                  kTestHash, "  editor  alice\n",
                                  TokenHash("viewer-token"), "\tviewer\tbob\n",
                                  "   \t  \n",
                                  // Upper-case hex is accepted.
                                  "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD admin root");
  auto store = TokenStore::Parse(text, "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 3u);

  auto alice = store->Find("test");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->role, Role::kEditor);

  auto bob = store->Find("viewer-token");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->name, "bob");
  EXPECT_EQ(bob->role, Role::kViewer);

  auto root = store->Find("abc");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->role, Role::kAdmin);

  EXPECT_FALSE(store->Find("unknown").has_value());
  EXPECT_FALSE(store->Find("").has_value());
  // The hash itself is not a token.
  EXPECT_FALSE(store->Find(kTestHash).has_value());
}

TEST(TokenStoreTest, EmptyFileHasNoTokens) {
  auto store = TokenStore::Parse("", "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 0u);
  EXPECT_FALSE(store->Find("test").has_value());
}

TEST(TokenStoreTest, BadLinesAreNamedByNumber) {
  const std::string good = StrCat(kTestHash, " editor alice\n");
  ExpectParseError(StrCat("# comment\n", good, "\nnonsense\n"), "tokens.txt:4: ", "expected three fields");
  ExpectParseError(StrCat(kTestHash, " editor\n"), "tokens.txt:1: ", "expected three fields");
  ExpectParseError(StrCat(kTestHash, " editor alice smith\n"), "tokens.txt:1: ", "expected three fields");
  ExpectParseError(StrCat(std::string(kTestHash).substr(1), " editor alice\n"), "tokens.txt:1: ",
                   "not a SHA-256 hex digest");
  ExpectParseError(StrCat(kTestHash, "0 editor alice\n"), "tokens.txt:1: ", "not a SHA-256 hex digest");
  ExpectParseError(StrCat(std::string(63, 'a'), "g editor alice\n"), "tokens.txt:1: ", "not a SHA-256 hex digest");
  ExpectParseError(StrCat("test editor alice\n"), "tokens.txt:1: ", "not a SHA-256 hex digest");
  ExpectParseError(StrCat(good, kTestHash, " superuser alice\n"), "tokens.txt:2: ", "unknown role \"superuser\"");
  ExpectParseError(StrCat(good, good), "tokens.txt:2: ", "the same token appears twice");
  // The same hash in another case is the same token.
  std::string upper = kTestHash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ExpectParseError(StrCat(good, upper, " viewer bob\n"), "tokens.txt:2: ", "the same token appears twice");
}

TEST(TokenStoreTest, LoadReadsAFileAndReportsAMissingOne) {
  const std::string path = testing::TempDir() + "/cmdb_auth_test_tokens.txt";
  {
    std::ofstream out(path);
    out << "# tokens\n" << kTestHash << " admin carol\n";
  }
  auto store = TokenStore::Load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ(store->size(), 1u);
  EXPECT_EQ(store->Find("test")->name, "carol");

  auto missing = TokenStore::Load(testing::TempDir() + "/cmdb_auth_test_no_such_file.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  {
    std::ofstream out(path);
    out << "# tokens\n" << kTestHash << " admin\n";
  }
  auto bad = TokenStore::Load(path);
  std::remove(path.c_str());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(bad.status().message()).starts_with(path + ":2: ")) << bad.status();

  // A file without a token would lock everyone out: refused (at start and
  // on reload, which then keeps the old tokens).
  for (const char* text : {"", "# nothing yet\n\n"}) {
    {
      std::ofstream out(path);
      out << text;
    }
    auto empty = TokenStore::Load(path);
    std::remove(path.c_str());
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(std::string(empty.status().message()).find("holds no token") != std::string::npos) << empty.status();
  }
}

TEST(RequireRoleTest, EnoughOrDenied) {
  Principal alice{"alice", Role::kEditor};
  EXPECT_TRUE(RequireRole(alice, Role::kViewer, "GetCI").ok());
  EXPECT_TRUE(RequireRole(alice, Role::kEditor, "UpdateCI").ok());
  absl::Status denied = RequireRole(alice, Role::kAdmin, "hard delete");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(denied.message()), "hard delete needs role admin; alice has role editor");
}

// --- Authenticator ------------------------------------------------------------

TokenStore Tokens() {
  auto store = TokenStore::Parse(StrCat(kTestHash, " editor alice\n", TokenHash("viewer-token"), " viewer bob\n",
                                        TokenHash("discovery-token"), " discovery snmp\n", TokenHash("admin-token"),
                                        " admin root\n"),
                                 "test");
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(store).value();
}

class AuthenticatorTest : public testing::Test {
 protected:
  // Metadata whose "authorization" value is `value`; the string is kept alive by the fixture.
  Metadata With(std::string value) {
    values_.push_back(std::make_unique<std::string>(std::move(value)));
    Metadata md;
    md.emplace(grpc::string_ref("user-agent"), grpc::string_ref("test"));
    md.emplace(grpc::string_ref("authorization"), grpc::string_ref(*values_.back()));
    return md;
  }
  Metadata Bearer(const std::string& token) { return With("Bearer " + token); }

  Authenticator auth_{Tokens()};
  std::vector<std::unique_ptr<std::string>> values_;
};

void ExpectCode(const absl::StatusOr<Principal>& result, absl::StatusCode code, const std::string& part = "") {
  ASSERT_FALSE(result.ok()) << "allowed as " << result->name;
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_NE(std::string(result.status().message()).find(part), std::string::npos) << result.status();
}

TEST(AuthenticatorOffTest, EveryCallerIsAnonymousAdmin) {
  Authenticator off;
  EXPECT_FALSE(off.enabled());
  for (const char* method : {"GetCI", "CreateCI", "DeleteClass"}) {
    auto principal = off.Check(Metadata{}, method);
    ASSERT_TRUE(principal.ok()) << principal.status();
    EXPECT_EQ(principal->name, "anonymous");
    EXPECT_EQ(principal->role, Role::kAdmin);
  }
  // Even a bad token is ignored.
  std::string value = "Bearer nonsense";
  Metadata md{{grpc::string_ref("authorization"), grpc::string_ref(value)}};
  EXPECT_TRUE(off.Check(md, "CreateClass").ok());
}

TEST(AuthenticatorOffTest, UnknownMethodIsDenied) {
  Authenticator off;
  ExpectCode(off.Check(Metadata{}, "DropDatabase"), absl::StatusCode::kPermissionDenied, "DropDatabase");
}

TEST_F(AuthenticatorTest, ValidTokenWithEnoughRole) {
  EXPECT_TRUE(auth_.enabled());
  auto alice = auth_.Check(Bearer("test"), "CreateCI");
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->role, Role::kEditor);

  auto bob = auth_.Check(Bearer("viewer-token"), "GetCI");
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(bob->name, "bob");

  auto root = auth_.Check(Bearer("admin-token"), "CreateClass");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->role, Role::kAdmin);

  // A higher role may call lower methods.
  EXPECT_TRUE(auth_.Check(Bearer("admin-token"), "ListCIs").ok());
}

TEST_F(AuthenticatorTest, MissingOrMalformedHeaderIsUnauthenticated) {
  ExpectCode(auth_.Check(Metadata{}, "GetCI"), absl::StatusCode::kUnauthenticated, "missing credentials");
  Metadata other{{grpc::string_ref("x-token"), grpc::string_ref("test")}};
  ExpectCode(auth_.Check(other, "GetCI"), absl::StatusCode::kUnauthenticated, "missing credentials");
  ExpectCode(auth_.Check(With("test"), "GetCI"), absl::StatusCode::kUnauthenticated, "Bearer");
  ExpectCode(auth_.Check(With("Basic dGVzdA=="), "GetCI"), absl::StatusCode::kUnauthenticated, "Bearer");
  ExpectCode(auth_.Check(With("Bearer "), "GetCI"), absl::StatusCode::kUnauthenticated, "Bearer");
  ExpectCode(auth_.Check(With(""), "GetCI"), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, UnknownTokenIsUnauthenticated) {
  ExpectCode(auth_.Check(Bearer("wrong"), "GetCI"), absl::StatusCode::kUnauthenticated, "invalid token");
  // The stored hash is not accepted in place of the token.
  ExpectCode(auth_.Check(Bearer(kTestHash), "GetCI"), absl::StatusCode::kUnauthenticated, "invalid token");
  ExpectCode(auth_.Check(Bearer("test "), "GetCI"), absl::StatusCode::kUnauthenticated, "invalid token");
}

TEST_F(AuthenticatorTest, RoleTooLowIsPermissionDenied) {
  ExpectCode(auth_.Check(Bearer("viewer-token"), "UpdateCI"), absl::StatusCode::kPermissionDenied,
             "UpdateCI needs role editor; bob has role viewer");
  ExpectCode(auth_.Check(Bearer("test"), "CreateClass"), absl::StatusCode::kPermissionDenied,
             "CreateClass needs role admin; alice has role editor");
  ExpectCode(auth_.Check(Bearer("discovery-token"), "DeleteCI"), absl::StatusCode::kPermissionDenied,
             "needs role editor");
  ExpectCode(auth_.Check(Bearer("test"), "NoSuchMethod"), absl::StatusCode::kPermissionDenied, "no role assigned");
}

TEST_F(AuthenticatorTest, ReplaceSwapsTheTokens) {
  ASSERT_TRUE(auth_.Check(Bearer("test"), "GetCI").ok());
  auth_.Replace(TokenStore::Parse(StrCat(TokenHash("new-token"), " viewer dave\n"), "reload").value());
  ExpectCode(auth_.Check(Bearer("test"), "GetCI"), absl::StatusCode::kUnauthenticated, "invalid token");
  auto dave = auth_.Check(Bearer("new-token"), "GetCI");
  ASSERT_TRUE(dave.ok()) << dave.status();
  EXPECT_EQ(dave->name, "dave");
  EXPECT_TRUE(auth_.enabled());
}

TEST_F(AuthenticatorTest, AuthenticateIdentifiesTheCallerWithoutAMethod) {
  auto bob = auth_.Authenticate(Bearer("viewer-token"));
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(bob->name, "bob");
  EXPECT_EQ(bob->role, Role::kViewer);
  ExpectCode(auth_.Authenticate(Metadata{}), absl::StatusCode::kUnauthenticated, "missing credentials");
  ExpectCode(auth_.Authenticate(Bearer("wrong")), absl::StatusCode::kUnauthenticated, "invalid token");

  Authenticator off;
  auto anonymous = off.Authenticate(Metadata{});
  ASSERT_TRUE(anonymous.ok()) << anonymous.status();
  EXPECT_EQ(anonymous->name, "anonymous");
  EXPECT_EQ(anonymous->role, Role::kAdmin);
}

TEST_F(AuthenticatorTest, CheckAuthenticatesBeforeAuthorizing) {
  // Without credentials the answer is UNAUTHENTICATED, whatever the method.
  ExpectCode(auth_.Check(Metadata{}, "NoSuchMethod"), absl::StatusCode::kUnauthenticated);
  ExpectCode(auth_.Check(Bearer("wrong"), "CreateClass"), absl::StatusCode::kUnauthenticated);
}

// --- HandleCall: the wrapper every unary handler runs ---------------------------

// The request log, captured: LogRequest picks the "request" logger on its
// first call, so it is registered before any test runs.
std::ostringstream& RequestLog() {
  static std::ostringstream* out = [] {
    auto* stream = new std::ostringstream;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(*stream);
    spdlog::register_logger(std::make_shared<spdlog::logger>("request", std::move(sink)));
    return stream;
  }();
  return *out;
}
[[maybe_unused]] const bool kRequestLogCaptured = (RequestLog(), true);

class HandleCallTest : public AuthenticatorTest {
 protected:
  struct Outcome {
    grpc::Status status;
    bool ran = false;  // whether the handler body ran
    Principal as;      // the principal it ran as
    std::string log;   // the request log line
  };

  // HandleCall for `method` from a caller sending `authorization` (no header
  // when empty), with a handler that returns `result`.
  Outcome Call(std::string_view method, const std::string& authorization, absl::Status result = absl::OkStatus(),
               const Authenticator* auth = nullptr) {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    if (!authorization.empty()) spouse.AddClientMetadata("authorization", authorization);
    Outcome out;
    RequestLog().str("");
    const v1::GetCIRequest request;
    out.status =
        HandleCall(auth != nullptr ? *auth : auth_, &ctx, method, request, [&](const Principal& p) -> absl::Status {
          out.ran = true;
          out.as = p;
          return result;
        });
    out.log = RequestLog().str();
    return out;
  }

  // No secret in the reply or the log: neither the token nor its hash.
  static void ExpectNoSecret(const Outcome& out, const std::string& token) {
    for (const std::string& secret : {token, TokenHash(token)}) {
      EXPECT_EQ(out.status.error_message().find(secret), std::string::npos) << out.status.error_message();
      EXPECT_EQ(out.log.find(secret), std::string::npos) << out.log;
    }
  }
};

TEST_F(HandleCallTest, MissingTokenIsUnauthenticatedAndTheHandlerDoesNotRun) {
  const Outcome out = Call("GetCI", "");
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << out.status.error_message();
  EXPECT_FALSE(out.ran);
  EXPECT_NE(out.log.find("method=GetCI"), std::string::npos) << out.log;
  EXPECT_NE(out.log.find("principal=- "), std::string::npos) << out.log;
  EXPECT_NE(out.log.find("status=UNAUTHENTICATED"), std::string::npos) << out.log;

  const Outcome malformed = Call("GetCI", "Basic dGVzdA==");
  EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(malformed.ran);
  ExpectNoSecret(malformed, "dGVzdA==");
}

TEST_F(HandleCallTest, WrongTokenIsUnauthenticatedAndNamesNoSecret) {
  const std::string token = "s3cret-but-wrong";
  const Outcome out = Call("GetCI", "Bearer " + token);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << out.status.error_message();
  EXPECT_EQ(out.status.error_message(), "invalid token");
  EXPECT_FALSE(out.ran);
  ExpectNoSecret(out, token);
  // Even for a method nobody may call, authentication comes first.
  EXPECT_EQ(Call("NoSuchMethod", "Bearer " + token).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(HandleCallTest, RoleTooLowIsPermissionDeniedAndNamesNoSecret) {
  const Outcome out = Call("CreateCI", "Bearer viewer-token");
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << out.status.error_message();
  EXPECT_EQ(out.status.error_message(), "CreateCI needs role editor; bob has role viewer");
  EXPECT_FALSE(out.ran);
  ExpectNoSecret(out, "viewer-token");
  // The log names who was refused.
  EXPECT_NE(out.log.find("principal=bob "), std::string::npos) << out.log;
  EXPECT_NE(out.log.find("status=PERMISSION_DENIED"), std::string::npos) << out.log;

  const Outcome unknown = Call("NoSuchMethod", "Bearer admin-token");
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(unknown.ran);
}

TEST_F(HandleCallTest, AnAdmittedCallRunsAsTheCallerAndKeepsItsStatus) {
  const Outcome out = Call("CreateCI", "Bearer test");
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  EXPECT_TRUE(out.ran);
  EXPECT_EQ(out.as.name, "alice");
  EXPECT_EQ(out.as.role, Role::kEditor);
  EXPECT_NE(out.log.find("principal=alice "), std::string::npos) << out.log;
  EXPECT_NE(out.log.find("status=OK"), std::string::npos) << out.log;

  const Outcome missing = Call("GetCI", "Bearer viewer-token", absl::NotFoundError("ci x not found"));
  EXPECT_TRUE(missing.ran);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.status.error_message(), "ci x not found");
}

TEST_F(HandleCallTest, AnExceptionBecomesInternal) {
  grpc::ServerContext ctx;
  grpc::testing::ServerContextTestSpouse spouse(&ctx);
  spouse.AddClientMetadata("authorization", "Bearer test");
  RequestLog().str("");
  const v1::GetCIRequest request;
  grpc::Status st = HandleCall(auth_, &ctx, "GetCI", request,
                               [](const Principal&) -> absl::Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  // The client learns that it failed; the log says why.
  EXPECT_EQ(st.error_message().find("boom"), std::string::npos) << st.error_message();
  EXPECT_NE(RequestLog().str().find("boom"), std::string::npos) << RequestLog().str();
}

TEST_F(HandleCallTest, AuthenticationOffRunsAsAnonymousAdmin) {
  const Authenticator off;
  const Outcome out = Call("DeleteClass", "", absl::OkStatus(), &off);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  EXPECT_EQ(out.as.name, "anonymous");
  EXPECT_EQ(out.as.role, Role::kAdmin);
}

TEST_F(HandleCallTest, DecidesExactlyAsCheckForEveryMethodAndCaller) {
  // The wrapper must not have its own idea of who may call what.
  const std::vector<std::string> callers = {"", "Bearer ", "Bearer wrong", "Bearer viewer-token",
                                            "Bearer discovery-token", "Bearer test", "Bearer admin-token"};
  int admitted = 0, refused = 0;
  for (const auto& [method, role] : MethodRoles()) {
    for (const std::string& authorization : callers) {
      Metadata md = authorization.empty() ? Metadata{} : With(authorization);
      const absl::StatusOr<Principal> expected = auth_.Check(md, method);
      const Outcome out = Call(method, authorization);
      EXPECT_EQ(static_cast<int>(out.status.error_code()), static_cast<int>(expected.status().code()))
          << method << " with \"" << authorization << "\"";
      EXPECT_EQ(out.ran, expected.ok()) << method << " with \"" << authorization << "\"";
      if (expected.ok()) {
        EXPECT_EQ(out.as.name, expected->name);
        ++admitted;
      } else {
        EXPECT_EQ(out.status.error_message(), expected.status().message());
        ++refused;
      }
    }
  }
  EXPECT_GT(admitted, 0);
  EXPECT_GT(refused, 0);
}

TEST(AuthorizeTest, RoleOfTheMethod) {
  const Principal alice{"alice", Role::kEditor};
  EXPECT_TRUE(Authenticator::Authorize(alice, "GetCI").ok());
  EXPECT_TRUE(Authenticator::Authorize(alice, "UpdateCI").ok());
  absl::Status denied = Authenticator::Authorize(alice, "DeleteClass");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(denied.message()), "DeleteClass needs role admin; alice has role editor");

  const Principal snmp{"snmp", Role::kDiscovery};
  EXPECT_TRUE(Authenticator::Authorize(snmp, "ListCIs").ok());
  EXPECT_EQ(Authenticator::Authorize(snmp, "BatchWrite").code(), absl::StatusCode::kPermissionDenied);

  // A method missing from MethodRoles is refused to everyone, admins included.
  const Principal root{"root", Role::kAdmin};
  absl::Status unknown = Authenticator::Authorize(root, "DropDatabase");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(std::string(unknown.message()).find("DropDatabase"), std::string::npos) << unknown;
}

// --- MethodRoles against the service descriptors ------------------------------

// Using a message of each generated file links its code (from a static
// library), which registers the file in the generated pool.
std::vector<const google::protobuf::ServiceDescriptor*> Services() {
  EXPECT_NE(v1::GetCIRequest::descriptor(), nullptr);
  EXPECT_NE(v1::ReconcileRequest::descriptor(), nullptr);
  EXPECT_NE(v1::LeaseJobRequest::descriptor(), nullptr);
  EXPECT_NE(v1::AnalyzeImpactRequest::descriptor(), nullptr);
  EXPECT_NE(v1::RunAuditRequest::descriptor(), nullptr);
  std::vector<const google::protobuf::ServiceDescriptor*> out;
  for (const char* name : {v1::CmdbService::service_full_name(), v1::ReconciliationService::service_full_name(),
                           v1::DiscoveryService::service_full_name(), v1::ImpactService::service_full_name(),
                           v1::AuditService::service_full_name()}) {
    const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service != nullptr) out.push_back(service);
  }
  return out;
}

TEST(MethodRolesTest, EveryRpcHasARole) {
  const auto& roles = MethodRoles();
  int methods = 0;
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const std::string name(service->method(i)->name());
      EXPECT_TRUE(roles.contains(name)) << service->full_name() << "." << name << " has no entry in MethodRoles()";
    }
  }
  EXPECT_GT(methods, 20);
}

TEST(MethodRolesTest, EveryRoleNamesAnExistingRpc) {
  const auto services = Services();
  size_t methods = 0;
  for (const auto* service : services) methods += static_cast<size_t>(service->method_count());
  for (const auto& [method, role] : MethodRoles()) {
    bool found = false;
    for (const auto* service : services) found = found || service->FindMethodByName(method) != nullptr;
    EXPECT_TRUE(found) << "MethodRoles() lists " << method << ", which no cmdb.v1 service has";
  }
  EXPECT_EQ(MethodRoles().size(), methods) << "method names must be unique across the services";
}

TEST(MethodRolesTest, EveryServiceOfThePackageIsCovered) {
  // Any other service added to the cmdb.v1 files must be covered too.
  Services();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto& roles = MethodRoles();
  int services = 0;
  for (const char* file_name : {"cmdb/v1/cmdb_service.proto", "cmdb/v1/resources.proto", "cmdb/v1/reconcile.proto",
                                "cmdb/v1/discovery.proto", "cmdb/v1/impact.proto", "cmdb/v1/audit.proto"}) {
    const auto* file = pool->FindFileByName(file_name);
    ASSERT_NE(file, nullptr) << file_name;
    for (int s = 0; s < file->service_count(); ++s) {
      ++services;
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string name(service->method(m)->name());
        EXPECT_TRUE(roles.contains(name)) << service->full_name() << "." << name << " has no role";
      }
    }
  }
  EXPECT_EQ(services, 5);
}

TEST(MethodRolesTest, ReadsNeedViewerAndWritesMore) {
  const auto& roles = MethodRoles();
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name(service->method(i)->name());
      auto it = roles.find(name);
      if (it == roles.end()) continue;  // reported by EveryRpcHasARole
      // Impact analysis and root-cause ranking read the graph, the discovery
      // audit and baseline comparison read the records: viewers ask them.
      const bool read = name.starts_with("Get") || name.starts_with("List") || name.starts_with("Watch") ||
                        name == "AnalyzeImpact" || name == "SuggestRootCause" || name == "AuditDiscovery" ||
                        name == "CompareBaseline";
      if (read) {
        EXPECT_EQ(it->second, Role::kViewer) << name << " is a read";
      } else if ((name.find("Reconcile") != std::string::npos && !name.ends_with("Rule")) ||
                 (service->name() == "DiscoveryService" &&
                  (name == "LeaseJob" || name == "Heartbeat" || name == "ReportTargets" || name == "CompleteJob"))) {
        EXPECT_EQ(it->second, Role::kDiscovery) << name << " is what discovery workers call";
      } else {
        EXPECT_GE(it->second, Role::kEditor) << name << " writes";
      }
    }
  }
  // The catalog and the rules are the admin's.
  for (const char* name : {"CreateClass", "UpdateClass", "DeleteClass", "CreateRelationshipType",
                           "SetIdentificationRules", "SetReconciliationRule", "DeleteReconciliationRule",
                           "SetSourcePolicy", "CreateCredential", "DeleteCredential", "CreateSchedule",
                           "UpdateSchedule", "DeleteSchedule", "SetRelationshipPropagation", "SetClassRedundancy"}) {
    ASSERT_TRUE(roles.contains(name)) << name;
    EXPECT_EQ(roles.at(name), Role::kAdmin) << name;
  }
}

}  // namespace
}  // namespace cmdb::api
