// HTTP/TLS discovery end to end against the lab (scripts/lab.sh: nginx on
// 127.0.2.1-16 with certificates made at lab start, two Redfish mockups
// behind basic auth, a Prometheus and a Kubernetes look-alike, a silent, an
// endless and a garbage port; tests/lab/http.tsv is the plan): a real cmdbd
// (embedded PostgreSQL), real cmdb-discovery workers, driven by cmdbctl.
// Checks every endpoint against the plan and every certificate against what
// `openssl x509` says of the lab's files, the Redfish systems against the
// mockups' JSON, that a server seen over SNMP and over its BMC is one CI,
// that a rescan changes nothing, that a renewed certificate makes a new CI
// and takes `secures` over, that the hostile ports end with clear errors,
// and that the HTTP password appears nowhere.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_harness.h"

namespace cmdb::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kPassword[] = "cmdb-lab-redfish";  // the lab's Redfish password (tests/lab/README.md)

std::string LabDir() {
  const char* dir = std::getenv("CMDB_LAB_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp/cmdb-lab";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// One row of tests/lab/http.tsv.
struct Endpoint {
  std::string address, port, scheme, what, certificate, verify, alpn, status, title, server;
  std::string Url() const { return scheme + "://" + address + ":" + port + "/"; }
};

std::vector<Endpoint> LabPlan() {
  std::vector<Endpoint> out;
  std::ifstream in(std::string(CMDB_SOURCE_DIR) + "/tests/lab/http.tsv");
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream s(line);
    std::string field;
    while (std::getline(s, field, '\t')) f.push_back(field);
    if (f.size() < 10) continue;
    out.push_back({f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]});
  }
  return out;
}

// What `openssl x509` says of a lab certificate.
struct OpensslFacts {
  std::string fingerprint, serial, subject, issuer, not_after;
  std::string key_type;  // "RSA" or "EC", from the public key algorithm
  int key_bits = 0;
};

OpensslFacts Openssl(const std::string& cert) {
  const std::string pem = LabDir() + "/http/certs/" + cert + ".pem";
  auto field = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/openssl", "x509", "-in", pem, "-noout"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out = Trim(RunProgram(argv, "/dev/null").out);
    return out.substr(out.find('=') + 1);
  };
  OpensslFacts f;
  f.fingerprint = field({"-fingerprint", "-sha256"});
  std::string hex;
  for (char c : f.fingerprint) {
    if (c != ':') hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  f.fingerprint = hex;
  f.serial = field({"-serial"});
  while (f.serial.size() > 1 && f.serial[0] == '0') f.serial.erase(0, 1);
  f.subject = field({"-subject", "-nameopt", "RFC2253"});
  f.issuer = field({"-issuer", "-nameopt", "RFC2253"});
  // "notAfter=Jan  1 00:00:00 2021 GMT" -> epoch seconds through date(1).
  const std::string end = field({"-enddate"});
  f.not_after = Trim(RunProgram({"/usr/bin/date", "-u", "-d", end, "+%Y-%m-%dT%H:%M:%SZ"}, "/dev/null").out);
  const std::string text = RunProgram({"/usr/bin/openssl", "x509", "-in", pem, "-noout", "-text"}, "/dev/null").out;
  if (text.find("Public Key Algorithm: rsaEncryption") != std::string::npos) f.key_type = "RSA";
  if (text.find("Public Key Algorithm: id-ecPublicKey") != std::string::npos) f.key_type = "EC";
  const size_t bits = text.find("Public-Key: (");
  if (bits != std::string::npos) f.key_bits = std::atoi(text.c_str() + bits + 13);
  return f;
}

class HttpDiscovery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Output lab = RunProgram({"/bin/bash", std::string(CMDB_SOURCE_DIR) + "/scripts/lab.sh", "start"},
                            "/tmp/cmdb-http-lab-test.err");
    ASSERT_EQ(lab.exit_code, 0) << lab.out << lab.err;
    server_ = new CmdbdProcess("cmdb-http-e2e");
    admin_ = server_->Token("admin", "http-admin");
    worker_ = server_->Token("discovery", "http-worker");
    ASSERT_FALSE(
        server_->Start({"--discovery-tick", "1", "--discovery-lease", "6", "--discovery-job-size", "64"}).empty())
        << server_->Log();
    const std::string password_file = server_->dir() + "/bmc-password";
    {
      std::ofstream out(password_file);
      out << kPassword << "\n";
    }
    chmod(password_file.c_str(), 0600);
    Ctl({"credential", "create", "http", "lab-bmc", "--user", "labbmc", "--password-file", password_file});
    Ctl({"credential", "create", "lab-public", "--community", "public"});
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      server_->Stop();
      if (!::testing::UnitTest::GetInstance()->Failed()) server_->RemoveDir();
      delete server_;
      server_ = nullptr;
    }
  }

  // cmdbctl as admin; expected to succeed. Its output is kept for the
  // secrets check.
  static std::string Ctl(const std::vector<std::string>& args) {
    Output o = server_->Ctl(args, admin_);
    EXPECT_EQ(o.exit_code, 0) << Join(args) << ": " << o.err;
    outputs_ += o.out + o.err;
    return o.out;
  }
  static Json CtlJson(const std::vector<std::string>& args) {
    std::vector<std::string> with = {"-o", "json"};
    with.insert(with.end(), args.begin(), args.end());
    Json j = Json::parse(Ctl(with), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << Join(args);
    return j;
  }
  static std::string Join(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) out += a + " ";
    return out;
  }

  // Starts a run, works it off with one worker trusting the lab CA, and
  // returns the run as `discovery status` shows it.
  static Json Discover(std::vector<std::string> args) {
    std::vector<std::string> run = {"discovery", "run"};
    run.insert(run.end(), args.begin(), args.end());
    Json started = CtlJson(run);
    const std::string id = started.value("id", "");
    EXPECT_FALSE(id.empty()) << started.dump();
    const std::string log = server_->dir() + "/worker-" + std::to_string(++workers_) + ".log";
    Output worker = RunProgram({CMDB_DISCOVERY_PATH, "--server", server_->address(), "--token", worker_, "--once",
                                "--name", "w" + std::to_string(workers_), "--http-ca-file", LabDir() + "/http/ca.pem"},
                               log);
    EXPECT_EQ(worker.exit_code, 0) << Slurp(log);
    outputs_ += Slurp(log);
    Json status = CtlJson({"discovery", "status", id});
    EXPECT_EQ(status.value("state", ""), "succeeded") << status.dump(2) << Slurp(log);
    return status;
  }

  // Current CIs of a class, by a key attribute.
  static std::map<std::string, Json> CisBy(const std::string& cls, const std::string& key) {
    std::map<std::string, Json> out;
    for (const Json& ci : CtlJson({"ci", "list", "--class", cls})) {
      if (ci["attributes"].contains(key)) out[ci["attributes"][key].get<std::string>()] = ci;
    }
    return out;
  }

  static Json LogOf(const std::string& run_id) { return CtlJson({"discovery", "log", run_id}); }

  static inline CmdbdProcess* server_ = nullptr;
  static inline std::string admin_, worker_, outputs_;
  static inline int workers_ = 0;
  static inline std::string first_run_;
};

TEST_F(HttpDiscovery, EveryLabEndpointIsFoundAsPlanned) {
  Json run = Discover({"--range", "127.0.2.1-127.0.2.16", "--protocol", "http", "--credential", "lab-bmc"});
  first_run_ = run.value("id", "");
  EXPECT_EQ(run["progress"]["targets_total"], 16);
  EXPECT_EQ(run["progress"]["targets_done"], 16);
  const auto apps = CisBy("application", "url");
  const std::vector<Endpoint> plan = LabPlan();
  ASSERT_GE(plan.size(), 16u) << "tests/lab/http.tsv";
  for (const Endpoint& e : plan) {
    SCOPED_TRACE(e.Url());
    if (e.what == "silent" || e.what == "garbage") {
      EXPECT_FALSE(apps.contains(e.Url())) << "no HTTP answer: an error in the run log, not an application";
      continue;
    }
    if (e.what == "endless-body") continue;  // see HostilePortsEndWithClearErrors
    ASSERT_TRUE(apps.contains(e.Url()));
    const Json& a = apps.at(e.Url())["attributes"];
    EXPECT_EQ(a.value("address", ""), e.address);
    if (e.what == "https-redirect" || e.what == "redirect-chain") {
      EXPECT_EQ(a.value("http_status", 0), 200) << "the status of the page reached";
      EXPECT_FALSE(a.value("final_url", "").empty());
    } else {
      EXPECT_EQ(std::to_string(a.value("http_status", 0)), e.status);
    }
    if (e.title != "-") {
      EXPECT_EQ(a.value("page_title", ""), e.title);
    }
    if (e.server == "nginx/<version>") {
      EXPECT_THAT(a.value("server_header", ""), ::testing::StartsWith("nginx/"));
    } else if (e.server == "nginx") {
      EXPECT_EQ(a.value("server_header", ""), "nginx");
    }
    EXPECT_EQ(a.value("tls", false), e.scheme == "https");
    if (e.scheme == "https") {
      EXPECT_EQ(a.value("tls_verified", false), e.verify == "ok") << e.verify;
    }
  }
  // What the fingerprint rules recognise.
  EXPECT_EQ(apps.at("http://127.0.2.9:8080/")["attributes"].value("product", ""), "node_exporter");
  EXPECT_EQ(apps.at("http://127.0.2.9:8080/")["attributes"].value("version", ""), "1.7.0");
  EXPECT_EQ(apps.at("https://127.0.2.10:8443/")["attributes"].value("product", ""), "Kubernetes");
  EXPECT_EQ(apps.at("https://127.0.2.10:8443/")["attributes"].value("version", ""), "1.29.4");
  EXPECT_EQ(apps.at("https://127.0.2.7:443/")["attributes"].value("product", ""), "Redfish service");
  EXPECT_EQ(apps.at("http://127.0.2.15:80/")["attributes"].value("product", ""), "nginx");
}

TEST_F(HttpDiscovery, CertificatesAreWhatOpensslSays) {
  const auto certs = CisBy("certificate", "fingerprint_sha256");
  const auto apps = CisBy("application", "url");
  std::set<std::string> files;
  for (const Endpoint& e : LabPlan()) {
    if (e.certificate != "-") files.insert(e.certificate);
  }
  EXPECT_EQ(certs.size(), files.size()) << "one CI per distinct certificate";
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const OpensslFacts f = Openssl(file);
    ASSERT_EQ(f.fingerprint.size(), 64u);
    ASSERT_TRUE(certs.contains(f.fingerprint));
    const Json& a = certs.at(f.fingerprint)["attributes"];
    EXPECT_EQ(a.value("serial", ""), f.serial);
    EXPECT_EQ(a.value("subject", ""), f.subject);
    EXPECT_EQ(a.value("issuer", ""), f.issuer);
    EXPECT_EQ(a.value("not_after", ""), f.not_after);
    EXPECT_FALSE(a["subject_alt_names"].empty());
    ASSERT_FALSE(f.key_type.empty());
    EXPECT_EQ(a.value("key_type", ""), f.key_type);
    EXPECT_EQ(a.value("key_bits", 0), f.key_bits);
    if (file == "expired") {
      EXPECT_FALSE(a.value("chain_verified", true));
      EXPECT_THAT(a.value("verify_error", ""), HasSubstr("expired"));
    } else if (file == "selfsigned") {
      EXPECT_TRUE(a.value("self_signed", false));
      EXPECT_FALSE(a.value("chain_verified", true));
    } else {
      EXPECT_TRUE(a.value("chain_verified", false)) << a.value("verify_error", "");
    }
  }
  // The shared certificate secures both of its endpoints.
  const std::string shared = Openssl("shared").fingerprint;
  ASSERT_TRUE(certs.contains(shared));
  Json rels = CtlJson({"rel", "list", certs.at(shared)["id"], "--direction", "out", "--type", "secures"});
  std::set<std::string> secured;
  for (const Json& r : rels) secured.insert(r.value("target_id", ""));
  EXPECT_EQ(secured,
            (std::set<std::string>{apps.at("https://127.0.2.5:443/")["id"], apps.at("https://127.0.2.6:443/")["id"]}));
}

TEST_F(HttpDiscovery, RedfishSystemsAreAsInTheMockups) {
  const auto servers = CisBy("server", "serial_number");
  for (const auto& [mockup, system] :
       {std::pair{"public-rackmount1", "437XR1138R2"}, {"public-tower", "437XR1238R2"}}) {
    SCOPED_TRACE(mockup);
    const Json json = Json::parse(
        Slurp(std::string(CMDB_SOURCE_DIR) + "/tests/lab/redfish/" + mockup + "/Systems/" + system + "/index.json"));
    ASSERT_TRUE(servers.contains(json["SerialNumber"].get<std::string>()));
    const Json& a = servers.at(json["SerialNumber"].get<std::string>())["attributes"];
    EXPECT_EQ(a.value("manufacturer", ""), json.value("Manufacturer", ""));
    EXPECT_EQ(a.value("model", ""), json.value("Model", ""));
    std::string uuid = json.value("UUID", "");
    for (char& c : uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(a.value("system_uuid", ""), uuid);
    EXPECT_EQ(a.value("bios_version", ""), json.value("BiosVersion", ""));
    EXPECT_EQ(a.value("power_state", ""), json.value("PowerState", ""));
    EXPECT_FALSE(a.value("bmc_firmware_version", "").empty());
  }
  // Its Redfish endpoint runs on it.
  const auto apps = CisBy("application", "url");
  ASSERT_TRUE(apps.contains("https://127.0.2.7:443/"));
  Json rels =
      CtlJson({"rel", "list", apps.at("https://127.0.2.7:443/")["id"], "--direction", "out", "--type", "runs_on"});
  ASSERT_EQ(rels.size(), 1u);
  EXPECT_EQ(rels[0].value("target_id", ""), servers.at("437XR1138R2")["id"]);
}

TEST_F(HttpDiscovery, ServerSeenOverSnmpAndItsBmcIsOneCi) {
  Discover({"--range", "127.0.1.51", "--range", "127.0.2.7", "--protocol", "snmp,http", "--credential", "lab-public",
            "--credential", "lab-bmc"});
  Json found = CtlJson({"ci", "list", "--filter", "attributes.serial_number = \"437XR1138R2\""});
  ASSERT_EQ(found.size(), 1u) << found.dump(2);
  const Json& a = found[0]["attributes"];
  EXPECT_EQ(a.value("management_ip", ""), "127.0.1.51") << "from SNMP";
  EXPECT_FALSE(a.value("sys_object_id", "").empty()) << "from SNMP";
  EXPECT_FALSE(a.value("system_uuid", "").empty()) << "from Redfish";
  // The controller's interface is a dependent of the server.
  bool bmc_interface = false;
  for (const Json& ci :
       CtlJson({"ci", "list", "--class", "interface", "--filter", "parent_id = " + found[0].value("id", "")})) {
    bmc_interface = bmc_interface || ci.value("name", "").starts_with("BMC");
  }
  EXPECT_TRUE(bmc_interface);
}

TEST_F(HttpDiscovery, RescanChangesNothing) {
  std::map<std::string, int64_t> before;
  for (const Json& ci : CtlJson({"ci", "list"})) before[ci.value("id", "")] = ci.value("version", 0);
  Discover({"--range", "127.0.2.1-127.0.2.16", "--protocol", "http", "--credential", "lab-bmc"});
  std::map<std::string, int64_t> after;
  for (const Json& ci : CtlJson({"ci", "list"})) after[ci.value("id", "")] = ci.value("version", 0);
  EXPECT_EQ(after, before);
}

TEST_F(HttpDiscovery, HostilePortsEndWithClearErrors) {
  ASSERT_FALSE(first_run_.empty());
  std::map<std::string, std::string> errors;
  for (const Json& entry : LogOf(first_run_)) {
    std::string text;
    for (const Json& e : entry["errors"]) text += e.get<std::string>() + "; ";
    for (const Json& ep : entry["endpoints"]) {
      for (const Json& e : ep["errors"]) text += e.get<std::string>() + "; ";
    }
    errors[entry.value("address", "")] = text;
  }
  EXPECT_THAT(errors["127.0.2.11"], ::testing::ContainsRegex("no answer|timed out|timeout")) << "silent";
  EXPECT_THAT(errors["127.0.2.12"], ::testing::ContainsRegex("larger than|too large")) << "endless";
  EXPECT_THAT(errors["127.0.2.13"], ::testing::ContainsRegex("not HTTP|not an HTTP|garbage|protocol")) << "garbage";
  EXPECT_EQ(errors["127.0.2.15"], "") << "a plain page has no error";
}

// The run log links each endpoint to the application and certificate CIs
// written for it.
TEST_F(HttpDiscovery, RunLogNamesEachEndpointsCis) {
  ASSERT_FALSE(first_run_.empty());
  const auto apps = CisBy("application", "url");
  const auto certs = CisBy("certificate", "fingerprint_sha256");
  int linked = 0;
  for (const Json& entry : LogOf(first_run_)) {
    for (const Json& ep : entry["endpoints"]) {
      const std::string url = ep.value("url", "");
      SCOPED_TRACE(url);
      if (ep.value("status", 0) == 0) {
        EXPECT_EQ(ep.value("application_id", ""), "") << "no HTTP answer, no application";
        continue;
      }
      if (!apps.contains(url)) continue;  // reached only through a redirect elsewhere
      EXPECT_EQ(ep.value("application_id", ""), apps.at(url).value("id", ""));
      const std::string fp = ep.value("certificate_sha256", "");
      if (!fp.empty() && certs.contains(fp)) {
        EXPECT_EQ(ep.value("certificate_id", ""), certs.at(fp).value("id", ""));
      }
      ++linked;
    }
  }
  EXPECT_GE(linked, 10) << "endpoints answered HTTP in the lab";
}

TEST_F(HttpDiscovery, RenewedCertificateIsANewCiAndTakesOverSecures) {
  const std::string old_fp = Openssl("web1").fingerprint;
  Output renew = RunProgram({"/usr/bin/env", "CMDB_LAB_RENEW_CERTS=1", "/bin/bash",
                             std::string(CMDB_SOURCE_DIR) + "/scripts/lab.sh", "restart-http"},
                            "/tmp/cmdb-http-lab-renew.err");
  ASSERT_EQ(renew.exit_code, 0) << renew.out << Slurp("/tmp/cmdb-http-lab-renew.err");
  const std::string new_fp = Openssl("web1").fingerprint;
  ASSERT_NE(new_fp, old_fp) << "the lab did not renew its certificates";
  Discover({"--range", "127.0.2.1", "--protocol", "http", "--port", "443"});
  const auto certs = CisBy("certificate", "fingerprint_sha256");
  ASSERT_TRUE(certs.contains(old_fp));
  ASSERT_TRUE(certs.contains(new_fp));
  const auto apps = CisBy("application", "url");
  Json rels =
      CtlJson({"rel", "list", apps.at("https://127.0.2.1:443/")["id"], "--direction", "in", "--type", "secures"});
  ASSERT_EQ(rels.size(), 1u) << rels.dump(2);
  EXPECT_EQ(rels[0].value("source_id", ""), certs.at(new_fp)["id"]);
}

TEST_F(HttpDiscovery, ThePasswordAppearsNowhere) {
  std::string everything = outputs_ + server_->Log();
  for (const auto& entry : fs::directory_iterator(server_->dir())) {
    if (entry.path().extension() == ".log") everything += Slurp(entry.path());
  }
  EXPECT_EQ(everything.find(kPassword), std::string::npos);
  EXPECT_EQ(Ctl({"-o", "json", "credential", "list"}).find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace cmdb::testing
