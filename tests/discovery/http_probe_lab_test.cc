// ProbeAddresses against servers this test starts itself on 127.0.5.0/24: an
// nginx (a self-signed certificate made by the openssl command) that serves
// the DMTF public-rackmount1 mockup under /redfish/v1/ behind basic
// authentication (the service root open, as the standard says), and a plain
// HTTP port; an in-process server whose body never ends; closed ports. The
// whole probe runs once; the tests look at what it reported. Skips when nginx
// or openssl is missing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/probe.h"
#include "support/nginx.h"

#ifndef CMDB_SOURCE_DIR
#error "CMDB_SOURCE_DIR must be defined"
#endif

namespace cmdb::discovery::http {
namespace {

namespace fs = std::filesystem;
using cmdb::testing::NginxServer;
using cmdb::testing::ReadFile;
using cmdb::testing::Which;

constexpr char kBmc[] = "127.0.5.1";      // nginx: :8443 TLS with the mockup, :8080 plain
constexpr char kEndless[] = "127.0.5.2";  // :8080 in this process: a 200 head, then a body without end
constexpr int kTlsPort = 8443;
constexpr int kPlainPort = 8080;
constexpr int kClosedPort = 9;

constexpr char kPassword[] = "Bmc-Pass-4411";
constexpr char kWrongPassword[] = "Not-The-Pass-0000";

// A server on kEndless:kPlainPort that answers anything with a 200 head and
// then sends body bytes until the client goes away.
class EndlessServer {
 public:
  bool Start() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(kPlainPort);
    inet_pton(AF_INET, kEndless, &sin.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || listen(fd_, 64) != 0) return false;
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return true;
  }
  ~EndlessServer() {
    stop_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    for (std::thread& t : handlers_) t.join();
    if (fd_ >= 0) close(fd_);
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept(fd_, nullptr, nullptr);
      if (client >= 0) handlers_.emplace_back([this, client] { Serve(client); });
    }
  }
  void Serve(int client) {
    char buffer[4096];
    pollfd p{client, POLLIN, 0};
    if (poll(&p, 1, 2000) > 0) (void)!read(client, buffer, sizeof buffer);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    const std::string chunk(16384, 'x');
    bool ok = send(client, head.data(), head.size(), MSG_NOSIGNAL) > 0;
    while (ok && !stop_) {
      ok = send(client, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // about 16 MB/s
    }
    close(client);
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> handlers_;
};

class ProbeLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string nginx = Which("nginx"), openssl = Which("openssl");
    if (nginx.empty() || openssl.empty()) {
      skip_ = "nginx or openssl is not installed";
      return;
    }
    nginx_ = new NginxServer();
    if (!nginx_->MakeDir("cmdb-probe-lab")) {
      setup_error_ = nginx_->error();
      return;
    }
    dir_ = nginx_->dir();
    const std::string d = dir_.string();
    const std::string mockup = std::string(CMDB_SOURCE_DIR) + "/tests/lab/redfish/public-rackmount1";
    fs::create_directories(dir_ / "www" / "redfish");
    fs::create_directory_symlink(mockup, dir_ / "www" / "redfish" / "v1");
    std::string setup = "cd '" + d + "' && " + openssl +
                        " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout bmc.key -out bmc.pem"
                        " -days 30 -subj /CN=bmc.lab -addext subjectAltName=IP:127.0.5.1 >setup.log 2>&1 &&"
                        " printf 'labbmc:%s\\n' \"$(" +
                        openssl + " passwd -apr1 '" + kPassword + "')\" > htpasswd";
    if (std::system(setup.c_str()) != 0) {
      setup_error_ = "openssl failed: " + ReadFile(dir_ / "setup.log");
      return;
    }
    const std::string conf = nginx_->Conf(
        "  server {\n    listen " + std::string(kBmc) + ":" + std::to_string(kTlsPort) +
        " ssl http2;\n    ssl_certificate " + d + "/bmc.pem;\n    ssl_certificate_key " + d + "/bmc.key;\n    root " +
        d + "/www;\n" + "    location = / { return 200 '<html><head><title>Probe &amp;   lab</title></head></html>'; }\n" +
        "    location = /redfish/v1/ { default_type application/json; try_files /redfish/v1/index.json =404; }\n" +
        "    location /redfish/v1/ { default_type application/json; auth_basic bmc; auth_basic_user_file " + d +
        "/htpasswd; try_files $uri/index.json $uri =404; }\n  }\n" + "  server {\n    listen " + kBmc + ":" +
        std::to_string(kPlainPort) + ";\n" +
        "    location = / { return 200 '<html><head><title>plain</title></head></html>'; }\n  }\n");
    if (!nginx_->Start(nginx, conf, {{kBmc, kTlsPort}, {kBmc, kPlainPort}})) {
      setup_error_ = nginx_->error();
      return;
    }
    endless_ = new EndlessServer();
    if (!endless_->Start()) {
      setup_error_ = "cannot listen on 127.0.5.2:8080";
      return;
    }
    RunProbe();
  }

  static void TearDownTestSuite() {
    delete nginx_;  // stops it and removes its directory
    nginx_ = nullptr;
    delete endless_;
    endless_ = nullptr;
  }

  static void RunProbe() {
    auto rules = Fingerprints::Load(std::string(CMDB_SOURCE_DIR) + "/discovery/rules/http.toml");
    if (!rules.ok()) {
      setup_error_ = std::string(rules.status().message());
      return;
    }
    // Tried in order: one withheld (the certificate is self-signed), one
    // refused, then the right one.
    std::vector<HttpCredential> credentials(3);
    credentials[0].name = "strict";
    credentials[0].user = "labbmc";
    credentials[0].password = kPassword;
    credentials[1].name = "wrong";
    credentials[1].user = "labbmc";
    credentials[1].password = kWrongPassword;
    credentials[1].allow_unverified_tls = true;
    credentials[2].name = "labbmc";
    credentials[2].user = "labbmc";
    credentials[2].password = kPassword;
    credentials[2].allow_unverified_tls = true;
    ProbeOptions options;
    options.ports = {kTlsPort, kPlainPort, kClosedPort};
    options.http.connect_timeout_ms = 2000;
    options.http.total_timeout_ms = 5000;
    options.http.max_body_bytes = 65536;
    auto start = std::chrono::steady_clock::now();
    ProbeAddresses({kBmc, kEndless}, credentials, *rules, options, [](AddressResult r) {
      ++calls_;
      results_[r.address] = std::move(r);
    });
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static inline std::string skip_, setup_error_;
  static inline fs::path dir_;
  static inline NginxServer* nginx_ = nullptr;
  static inline EndlessServer* endless_ = nullptr;
  static inline std::map<std::string, AddressResult> results_;
  static inline int calls_ = 0;
  static inline double seconds_ = 0;
};

const EndpointResult* Find(const AddressResult& r, int port) {
  for (const EndpointResult& e : r.endpoints) {
    if (e.port == port) return &e;
  }
  return nullptr;
}

TEST_F(ProbeLab, OneCallPerAddressAndPortsInOrder) {
  EXPECT_EQ(calls_, 2);
  ASSERT_EQ(results_.count(kBmc), 1u);
  const AddressResult& bmc = results_[kBmc];
  ASSERT_EQ(bmc.endpoints.size(), 2u);  // the closed port is not reported
  EXPECT_EQ(bmc.endpoints[0].port, kTlsPort);
  EXPECT_EQ(bmc.endpoints[1].port, kPlainPort);
  EXPECT_FALSE(bmc.cancelled);
  EXPECT_GT(bmc.requests, 15);
  EXPECT_LT(seconds_, 15);
}

TEST_F(ProbeLab, TlsEndpointWithRedfish) {
  const EndpointResult* e = Find(results_[kBmc], kTlsPort);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->scheme, "https");
  EXPECT_EQ(e->url, "https://127.0.5.1:8443/");
  EXPECT_EQ(e->status, 200);
  EXPECT_EQ(e->title, "Probe & lab");
  EXPECT_EQ(e->server.rfind("nginx", 0), 0u) << e->server;
  ASSERT_TRUE(e->certificate.has_value());
  EXPECT_TRUE(e->certificate->self_signed);
  EXPECT_EQ(e->server_fingerprint, "nginx");
  EXPECT_EQ(e->fingerprint, "redfish");
  EXPECT_EQ(e->product, "Redfish service");
  ASSERT_TRUE(e->redfish.has_value());
  const RedfishService& service = *e->redfish;
  EXPECT_EQ(service.redfish_version, "1.15.0");
  EXPECT_EQ(service.uuid, "92384634-2938-2342-8820-489239905423");
  EXPECT_EQ(service.credential, "labbmc");
  ASSERT_EQ(service.systems.size(), 1u);
  const RedfishSystem& s = service.systems[0];
  EXPECT_EQ(s.id, "/redfish/v1/Systems/437XR1138R2");
  EXPECT_EQ(s.manufacturer, "Contoso");
  EXPECT_EQ(s.model, "3500");
  EXPECT_EQ(s.serial_number, "437XR1138R2");
  EXPECT_EQ(s.memory_gib, 96);
  EXPECT_EQ(s.chassis_model, "3500RX");
  EXPECT_EQ(s.chassis_type, "RackMount");
  ASSERT_EQ(service.managers.size(), 1u);
  const RedfishManager& m = service.managers[0];
  EXPECT_EQ(m.firmware_version, "1.45.455b66-rev4");
  ASSERT_EQ(m.interfaces.size(), 2u);
  EXPECT_EQ(m.interfaces[0].id, "eth0");
  EXPECT_EQ(m.interfaces[0].mac_address, "23:11:8a:33:cf:ea");
  EXPECT_EQ(m.interfaces[1].mac_address, "aa:bb:cc:dd:ee:ff");
  bool withheld = std::any_of(e->errors.begin(), e->errors.end(), [](const std::string& error) {
    return error.rfind("credential strict withheld: certificate does not verify", 0) == 0;
  });
  EXPECT_TRUE(withheld);
}

TEST_F(ProbeLab, PlainHttpEndpoint) {
  const EndpointResult* e = Find(results_[kBmc], kPlainPort);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->scheme, "http");
  EXPECT_EQ(e->url, "http://127.0.5.1:8080/");
  EXPECT_EQ(e->title, "plain");
  EXPECT_FALSE(e->redfish.has_value());
  EXPECT_EQ(e->fingerprint, "nginx");  // no application: the server decides
  EXPECT_TRUE(e->errors.empty()) << e->errors.front();
}

TEST_F(ProbeLab, EndlessBodyIsAnError) {
  ASSERT_EQ(results_.count(kEndless), 1u);
  const AddressResult& r = results_[kEndless];
  ASSERT_EQ(r.endpoints.size(), 1u);
  const EndpointResult& e = r.endpoints[0];
  EXPECT_EQ(e.port, kPlainPort);
  EXPECT_EQ(e.error, ErrorKind::kTooLarge);
  ASSERT_FALSE(e.errors.empty());
  EXPECT_EQ(e.errors[0].rfind("http://127.0.5.2:8080/: ", 0), 0u) << e.errors[0];
}

TEST_F(ProbeLab, NoSecretInAnyString) {
  for (const auto& [address, r] : results_) {
    for (const EndpointResult& e : r.endpoints) {
      std::vector<std::string> texts = e.errors;
      texts.insert(texts.end(), {e.url, e.final_url, e.title, e.server});
      if (e.redfish) texts.push_back(e.redfish->credential);
      for (const std::string& t : texts) {
        EXPECT_EQ(t.find(kPassword), std::string::npos) << t;
        EXPECT_EQ(t.find(kWrongPassword), std::string::npos) << t;
      }
    }
  }
}

TEST_F(ProbeLab, CancelledRunReportsWhatItHas) {
  ProbeOptions options;
  options.ports = {kPlainPort, kClosedPort};
  options.http.max_body_bytes = size_t{1} << 30;
  options.http.total_timeout_ms = 20000;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] { return std::chrono::steady_clock::now() - start; };
  std::vector<AddressResult> got;
  ProbeAddresses(
      {kEndless}, {}, Fingerprints(), options, [&got](AddressResult r) { got.push_back(std::move(r)); },
      [&elapsed] { return elapsed() > std::chrono::milliseconds(300); });
  EXPECT_LT(elapsed(), std::chrono::seconds(3));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].cancelled);
  ASSERT_EQ(got[0].endpoints.size(), 1u);  // the closed port was refused before the cancel
  const EndpointResult& e = got[0].endpoints[0];
  EXPECT_EQ(e.port, kPlainPort);
  EXPECT_NE(std::find(e.errors.begin(), e.errors.end(), "cancelled"), e.errors.end());
}

}  // namespace
}  // namespace cmdb::discovery::http
