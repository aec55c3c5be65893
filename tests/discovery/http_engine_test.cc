// HttpEngine against servers this test starts itself on 127.0.4.0/24: a
// real nginx (TLS with HTTP/2, redirects, basic auth, a bearer check) whose
// certificates the openssl command makes here (a lab CA and leaves signed
// by it, an expired one, a self-signed one, one for another host name), and
// hostile TCP servers in this process (one that never answers, one whose
// body never ends, one that sends garbage) plus a closed port. Certificate
// fields are compared with what `openssl x509` says about the same files.
// Skips when nginx or openssl is missing.
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
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "http/certificate.h"
#include "http/engine.h"
#include "support/nginx.h"

namespace cmdb::discovery::http {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using cmdb::testing::CanConnect;
using cmdb::testing::NginxServer;
using cmdb::testing::ReadFile;
using cmdb::testing::Spawn;
using cmdb::testing::StopProcess;
using cmdb::testing::Which;
using cmdb::testing::WriteFile;

// nginx listeners.
constexpr char kGood[] = "127.0.4.1";        // leaf of the lab CA, IP and DNS SANs; also plain http on :8080
constexpr char kExpired[] = "127.0.4.2";     // leaf of the lab CA, expired on 2021-01-01
constexpr char kSelfSigned[] = "127.0.4.3";  // EC P-256, self-signed
constexpr char kWrongHost[] = "127.0.4.4";   // leaf of the lab CA for another name
// openssl s_server: completes the TLS handshake (lab leaf), never answers HTTP.
constexpr char kTlsSilent[] = "127.0.4.5";
constexpr int kTlsPort = 8443;
constexpr int kPlainPort = 8080;
// In-process servers, all on port 8080.
constexpr char kSilent[] = "127.0.4.10";   // accepts, reads, never answers
constexpr char kEndless[] = "127.0.4.11";  // a 200 head, then a body without end
constexpr char kGarbage[] = "127.0.4.12";  // random bytes that are not HTTP
constexpr char kClosed[] = "127.0.4.13";   // nothing listens

// Secrets used below; no response may ever contain one.
constexpr char kUser[] = "labuser";
constexpr char kPassword[] = "Lab-Pass-7391";
constexpr char kWrongPassword[] = "Not-The-Pass-0000";
constexpr char kToken[] = "lab-token-5512-secret";

constexpr char kPage[] = "<html><head><title>CMDB lab</title></head><body>lab page</body></html>\n";

std::string Url(const char* host, int port, const std::string& path, bool tls = true) {
  return absl::StrCat(tls ? "https://" : "http://", host, ":", port, path);
}

// Runs a shell command in `dir`, its output appended to dir/commands.log.
// Returns true when it exits 0.
bool Sh(const fs::path& dir, const std::string& command) {
  const std::string line = absl::StrCat("cd '", dir.string(), "' && (", command, ") >>commands.log 2>&1");
  return std::system(line.c_str()) == 0;
}

// The standard output of a shell command.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// What `openssl x509` prints about a certificate file, normalised to the
// form Certificate uses.
struct OpensslView {
  std::string fingerprint;  // lower hex, no colons
  std::string serial;       // upper hex, no leading zeros
  std::string subject, issuer;
  int64_t not_after = 0;
};

OpensslView ViewWithOpenssl(const std::string& openssl, const fs::path& pem) {
  const std::string text =
      Output(absl::StrCat(openssl, " x509 -in '", pem.string(),
                          "' -noout -fingerprint -sha256 -serial -subject -issuer -enddate -nameopt RFC2253"));
  OpensslView v;
  std::istringstream lines(text);
  std::string line;
  auto after = [&](const std::string& prefix) { return line.substr(prefix.size()); };
  while (std::getline(lines, line)) {
    if (line.rfind("sha256 Fingerprint=", 0) == 0 || line.rfind("SHA256 Fingerprint=", 0) == 0) {
      for (char c : after("sha256 Fingerprint=")) {
        if (c != ':') v.fingerprint.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
    } else if (line.rfind("serial=", 0) == 0) {
      v.serial = after("serial=");
      const size_t first = v.serial.find_first_not_of('0');
      v.serial = first == std::string::npos ? "0" : v.serial.substr(first);
    } else if (line.rfind("subject=", 0) == 0) {
      v.subject = after("subject=");
    } else if (line.rfind("issuer=", 0) == 0) {
      v.issuer = after("issuer=");
    } else if (line.rfind("notAfter=", 0) == 0) {
      std::tm tm{};
      if (strptime(after("notAfter=").c_str(), "%b %d %H:%M:%S %Y GMT", &tm) != nullptr) v.not_after = timegm(&tm);
    }
  }
  return v;
}

// ---- Hostile servers ----

// One thread, one poll loop, non-blocking sockets: a listener per
// behaviour and the connections they accepted.
class HostileServers {
 public:
  enum class Mode { kSilent, kEndless, kGarbage };

  ~HostileServers() { Stop(); }

  bool Start(std::string* error) {
    for (auto [address, mode] : {std::pair{kSilent, Mode::kSilent}, std::pair{kEndless, Mode::kEndless},
                                 std::pair{kGarbage, Mode::kGarbage}}) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(kPlainPort);
      inet_pton(AF_INET, address, &sin.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || listen(fd, 512) != 0) {
        *error = absl::StrCat("cannot listen on ", address, ":", kPlainPort, ": ", std::strerror(errno));
        close(fd);
        return false;
      }
      listeners_.push_back({fd, mode});
    }
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (const Socket& s : listeners_) close(s.fd);
    for (const Socket& s : connections_) close(s.fd);
    listeners_.clear();
    connections_.clear();
  }

 private:
  struct Socket {
    int fd;
    Mode mode;
    bool request_seen = false;
    bool finished_writing = false;
  };

  void Loop() {
    std::mt19937 random(42);
    std::vector<pollfd> fds;
    std::string chunk(16384, 'x');
    while (!stop_) {
      fds.clear();
      for (const Socket& s : listeners_) fds.push_back({s.fd, POLLIN, 0});
      for (const Socket& s : connections_) {
        const bool writing = s.mode == Mode::kEndless && s.request_seen && !s.finished_writing;
        fds.push_back({s.fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0});
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      std::vector<Socket> accepted;
      for (size_t i = 0; i < listeners_.size(); ++i) {
        if ((fds[i].revents & POLLIN) == 0) continue;
        for (;;) {
          const int fd = accept4(listeners_[i].fd, nullptr, nullptr, SOCK_NONBLOCK);
          if (fd < 0) break;
          accepted.push_back({fd, listeners_[i].mode});
        }
      }
      std::vector<Socket> kept;
      for (size_t i = 0; i < connections_.size(); ++i) {
        Socket& s = connections_[i];
        const short revents = fds[listeners_.size() + i].revents;
        bool closed = false;
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
          char buffer[4096];
          const ssize_t n = recv(s.fd, buffer, sizeof buffer, 0);
          if (n == 0 || (n < 0 && errno != EAGAIN)) {
            closed = true;
          } else if (n > 0 && !s.request_seen) {
            s.request_seen = true;
            if (s.mode == Mode::kEndless) {
              const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
              send(s.fd, head.data(), head.size(), MSG_NOSIGNAL);
            } else if (s.mode == Mode::kGarbage) {
              std::string junk = "\x01\x02\xfe\xff garbage ";
              for (int k = 0; k < 4096; ++k) junk.push_back(static_cast<char>(random() & 0xff));
              send(s.fd, junk.data(), junk.size(), MSG_NOSIGNAL);
              shutdown(s.fd, SHUT_WR);
              s.finished_writing = true;
            }
          }
        }
        if (!closed && (revents & POLLOUT)) {
          if (send(s.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0 && errno != EAGAIN) closed = true;
        }
        if (closed) {
          close(s.fd);
        } else {
          kept.push_back(s);
        }
      }
      connections_ = std::move(kept);
      for (Socket& s : accepted) connections_.push_back(s);
    }
  }

  std::vector<Socket> listeners_;
  std::vector<Socket> connections_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// ---- The lab ----

class HttpEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    openssl_ = Which("openssl");
    const std::string nginx = Which("nginx");
    if (openssl_.empty() || nginx.empty()) {
      skip_ = "nginx or openssl is not installed";
      return;
    }
    nginx_ = new NginxServer();
    if (!nginx_->MakeDir("cmdb-http-lab")) {
      setup_error_ = nginx_->error();
      return;
    }
    dir_ = nginx_->dir();
    if (!MakeCertificates() || !StartNginx(nginx)) {
      setup_error_ = absl::StrCat(setup_error_, "\n--- commands.log ---\n", ReadFile(dir_ / "commands.log"),
                                  "\n--- error.log ---\n", ReadFile(dir_ / "error.log"));
      return;
    }
    hostile_ = new HostileServers();
    std::string error;
    if (!hostile_->Start(&error)) setup_error_ = error;
  }

  static void TearDownTestSuite() {
    delete hostile_;
    hostile_ = nullptr;
    StopProcess(s_server_pid_);
    s_server_pid_ = -1;
    if (s_server_stdin_ >= 0) close(s_server_stdin_);
    s_server_stdin_ = -1;
    delete nginx_;  // stops it and removes its directory
    nginx_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static bool MakeCertificates() {
    const std::string o = "'" + openssl_ + "'";
    WriteFile(dir_ / "req.cnf", "[req]\ndistinguished_name = dn\n[dn]\n");
    WriteFile(dir_ / "leaf.ext",
              "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\n"
              "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.4.1, DNS:lab.cmdb.test\n");
    WriteFile(dir_ / "expired.ext", "basicConstraints = CA:FALSE\nsubjectAltName = IP:127.0.4.2\n");
    WriteFile(dir_ / "wronghost.ext", "basicConstraints = CA:FALSE\nsubjectAltName = DNS:other.cmdb.test\n");
    fs::create_directories(dir_ / "newcerts");
    WriteFile(dir_ / "index.txt", "");
    WriteFile(dir_ / "serial", "1000\n");
    WriteFile(dir_ / "ca.cnf", absl::StrCat("[ca]\ndefault_ca = lab\n[lab]\ndatabase = ", (dir_ / "index.txt").string(),
                                            "\nnew_certs_dir = ", (dir_ / "newcerts").string(),
                                            "\nserial = ", (dir_ / "serial").string(),
                                            "\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                                            "[any]\ncommonName = supplied\norganizationName = optional\n"));
    const std::string rsa = " -newkey rsa:2048 -nodes -config req.cnf";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config req.cnf";
    const std::vector<std::string> commands = {
        o + " req -x509" + rsa + " -keyout ca.key -out ca.pem -days 3650 -subj '/O=CMDB Lab/CN=CMDB Lab CA'" +
            " -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'",
        o + " req -new" + rsa + " -keyout good.key -out good.csr -subj '/O=CMDB Lab/CN=lab.cmdb.test'",
        o + " x509 -req -in good.csr -CA ca.pem -CAkey ca.key -set_serial 0x0ABCDEF123 -days 30 -sha256" +
            " -extfile leaf.ext -out good.pem",
        o + " req -new" + ec + " -keyout expired.key -out expired.csr -subj '/O=CMDB Lab/CN=expired.cmdb.test'",
        o + " ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem" +
            " -startdate 20200101000000Z -enddate 20210101000000Z -extfile expired.ext -notext",
        o + " req -x509" + ec + " -keyout self.key -out self.pem -days 30 -subj '/CN=127.0.4.3'" +
            " -addext 'subjectAltName=IP:127.0.4.3'",
        o + " req -new" + ec + " -keyout wronghost.key -out wronghost.csr -subj '/CN=other.cmdb.test'",
        o + " x509 -req -in wronghost.csr -CA ca.pem -CAkey ca.key -set_serial 4242 -days 30 -sha256" +
            " -extfile wronghost.ext -out wronghost.pem",
        o + " x509 -in good.pem -outform DER -out good.der",
    };
    for (const std::string& c : commands) {
      if (!Sh(dir_, c)) {
        setup_error_ = "failed: " + c;
        return false;
      }
    }
    std::string hash = Output(absl::StrCat(o, " passwd -apr1 '", kPassword, "'"));
    while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
    if (hash.empty()) {
      setup_error_ = "openssl passwd failed";
      return false;
    }
    WriteFile(dir_ / "htpasswd", absl::StrCat(kUser, ":", hash, "\n"));
    return true;
  }

  static bool StartNginx(const std::string& nginx) {
    nginx_version_ = Output(absl::StrCat("'", nginx, "' -v 2>&1"));  // "nginx version: nginx/1.22.1"
    if (size_t at = nginx_version_.find("nginx/"); at != std::string::npos) {
      nginx_version_ = nginx_version_.substr(at);
      while (!nginx_version_.empty() && std::isspace(static_cast<unsigned char>(nginx_version_.back()))) {
        nginx_version_.pop_back();
      }
    }
    const std::string d = dir_.string();
    fs::create_directories(dir_ / "www" / "private");
    WriteFile(dir_ / "www" / "private" / "index.html", "secret ok\n");
    WriteFile(dir_ / "www" / "exact.bin", std::string(1000, 'e'));
    // The locations every nginx server has.
    constexpr char kCommon[] = R"(location = / { return 200 '@PAGE@'; }
location = /a { return 301 /b; }
location = /b { return 302 /c; }
location = /c { return 200 'c\n'; }
location = /loop { return 302 /loop; }
location = /ftp { return 302 ftp://127.0.4.1/file; }
location = /to-other-host { return 302 https://127.0.4.4:8443/private/index.html; }
location = /exact { alias @DIR@/www/exact.bin; }
location /private/ { auth_basic lab; auth_basic_user_file @DIR@/htpasswd; alias @DIR@/www/private/; }
location = /bearer { if ($http_authorization = 'Bearer @TOKEN@') { return 200 'bearer ok\n'; } return 401 'no\n'; }
)";
    WriteFile(dir_ / "common.conf",
              absl::StrReplaceAll(kCommon, {{"@PAGE@", kPage}, {"@DIR@", d}, {"@TOKEN@", kToken}}));
    auto tls = [&](const char* address, const std::string& name) {
      return absl::StrCat("  server {\n    listen ", address, ":", kTlsPort, " ssl http2;\n    ssl_certificate ", d,
                          "/", name, ".pem;\n    ssl_certificate_key ", d, "/", name, ".key;\n    include ", d,
                          "/common.conf;\n  }\n");
    };
    const std::string conf = nginx_->Conf(
        absl::StrCat(tls(kGood, "good"), tls(kExpired, "expired"), tls(kSelfSigned, "self"), tls(kWrongHost, "wronghost"),
                     "  server {\n    listen ", kGood, ":", kPlainPort, ";\n    include ", d, "/common.conf;\n  }\n"),
        2048);
    if (!nginx_->Start(nginx, conf, {{kGood, kTlsPort}, {kWrongHost, kTlsPort}, {kGood, kPlainPort}})) {
      setup_error_ = nginx_->error();
      return false;
    }
    // s_server's standard input stays open (and silent) until the end.
    int in[2];
    if (pipe(in) != 0) {
      setup_error_ = "pipe failed";
      return false;
    }
    s_server_pid_ = Spawn({openssl_, "s_server", "-quiet", "-accept", absl::StrCat(kTlsSilent, ":", kTlsPort), "-cert",
                           d + "/good.pem", "-key", d + "/good.key"},
                          d + "/s_server.out", in[0]);
    close(in[0]);
    s_server_stdin_ = in[1];
    for (int i = 0; i < 200; ++i) {
      if (waitpid(s_server_pid_, nullptr, WNOHANG) == s_server_pid_) {
        s_server_pid_ = -1;
        setup_error_ = "openssl s_server exited: " + ReadFile(dir_ / "s_server.out");
        return false;
      }
      if (CanConnect(kTlsSilent, kTlsPort)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    setup_error_ = "openssl s_server did not start listening within 10 s";
    return false;
  }

  static HttpOptions LabOptions() {
    HttpOptions options;
    options.extra_ca_file = (dir_ / "ca.pem").string();
    options.total_timeout_ms = 10000;
    return options;
  }

  static void ExpectNoSecrets(const HttpResponse& r) {
    for (const char* secret : {kPassword, kWrongPassword, kToken}) {
      EXPECT_EQ(r.error_text.find(secret), std::string::npos) << r.error_text;
      EXPECT_EQ(r.credential_withheld.find(secret), std::string::npos) << r.credential_withheld;
      EXPECT_EQ(r.body.find(secret), std::string::npos);
      for (const auto& [name, value] : r.headers) EXPECT_EQ(value.find(secret), std::string::npos) << name;
    }
  }

  // Runs `requests` (tags set to their index), every on_done checked for
  // secrets and for being called once.
  static std::vector<HttpResponse> RunAll(HttpEngine& engine, std::vector<HttpRequest> requests) {
    const size_t n = requests.size();
    for (size_t i = 0; i < n; ++i) requests[i].tag = i;
    std::vector<HttpResponse> out(n);
    std::vector<int> calls(n, 0);
    engine.Run(std::move(requests), [&](HttpResponse r, HttpEngine::Queue&) {
      ExpectNoSecrets(r);
      ASSERT_LT(r.tag, n);
      ++calls[r.tag];
      out[r.tag] = std::move(r);
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i], 1) << "request " << i;
    return out;
  }

  static HttpResponse Get(const std::string& url, HttpOptions options = LabOptions(),
                          const HttpCredential* credential = nullptr) {
    HttpEngine engine(std::move(options));
    HttpRequest request;
    request.url = url;
    request.credential = credential;
    return RunAll(engine, {request}).front();
  }

  static HttpCredential Basic(const std::string& password, bool allow_unverified = false) {
    HttpCredential c;
    c.name = "lab-basic";
    c.kind = HttpCredential::Kind::kBasic;
    c.user = kUser;
    c.password = password;
    c.allow_unverified_tls = allow_unverified;
    return c;
  }

  static inline std::string skip_;
  static inline std::string setup_error_;
  static inline std::string openssl_;
  static inline std::string nginx_version_;
  static inline fs::path dir_;
  static inline NginxServer* nginx_ = nullptr;
  static inline pid_t s_server_pid_ = -1;
  static inline int s_server_stdin_ = -1;
  static inline HostileServers* hostile_ = nullptr;
};

// ---- nginx: answers ----

TEST_F(HttpEngineTest, TlsPageOverHttp2WithVerifiedLabCertificate) {
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/"));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_TRUE(r.error_text.empty());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, "2");
  EXPECT_EQ(r.headers.at("server"), nginx_version_);
  EXPECT_EQ(nginx_version_.rfind("nginx/1.", 0), 0u) << nginx_version_;
  EXPECT_EQ(r.headers.at("content-type"), "text/html");
  EXPECT_EQ(r.body, kPage);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.url, Url(kGood, kTlsPort, "/"));
  EXPECT_EQ(r.final_url, Url(kGood, kTlsPort, "/"));
  EXPECT_TRUE(r.redirects.empty());
  EXPECT_GT(r.seconds, 0);

  ASSERT_TRUE(r.certificate.has_value());
  const Certificate& c = *r.certificate;
  const OpensslView expected = ViewWithOpenssl(openssl_, dir_ / "good.pem");
  EXPECT_EQ(c.fingerprint_sha256, expected.fingerprint);
  EXPECT_EQ(c.fingerprint_sha256.size(), 64u);
  EXPECT_EQ(c.serial, expected.serial);
  EXPECT_EQ(c.serial, "ABCDEF123");
  EXPECT_EQ(c.subject, expected.subject);
  EXPECT_EQ(c.subject, "CN=lab.cmdb.test,O=CMDB Lab");
  EXPECT_EQ(c.issuer, expected.issuer);
  EXPECT_EQ(c.not_after, expected.not_after);
  EXPECT_NEAR(static_cast<double>(c.not_after - c.not_before), 30.0 * 86400, 1);
  EXPECT_EQ(c.subject_alt_names, (std::vector<std::string>{"IP:127.0.4.1", "DNS:lab.cmdb.test"}));
  EXPECT_EQ(c.key_type, "RSA");
  EXPECT_EQ(c.key_bits, 2048);
  EXPECT_EQ(c.signature_algorithm, "sha256WithRSAEncryption");
  EXPECT_FALSE(c.self_signed);
  EXPECT_TRUE(c.chain_verified) << c.verify_error;
  EXPECT_TRUE(c.verify_error.empty());
  EXPECT_TRUE(c.hostname_matches);
}

TEST_F(HttpEngineTest, LabCertificateDoesNotVerifyWithoutTheLabCa) {
  HttpOptions options = LabOptions();
  options.extra_ca_file.clear();
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/"), options);
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;  // an unverified certificate is reported, not an error
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_FALSE(r.certificate->chain_verified);
  EXPECT_NE(r.certificate->verify_error.find("local issuer"), std::string::npos) << r.certificate->verify_error;
  EXPECT_TRUE(r.certificate->hostname_matches);
}

TEST_F(HttpEngineTest, UnreadableExtraCaFileIsNamedInTheVerifyError) {
  HttpOptions options = LabOptions();
  options.extra_ca_file = (dir_ / "no-such-ca.pem").string();
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/"), options);
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_FALSE(r.certificate->chain_verified);
  EXPECT_NE(r.certificate->verify_error.find("could not be read"), std::string::npos) << r.certificate->verify_error;
}

TEST_F(HttpEngineTest, ExtraCaFileMayHoldACertificateThatIsNotARoot) {
  HttpOptions options = LabOptions();
  options.extra_ca_file = (dir_ / "good.pem").string();  // the leaf itself, as an anchor
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/"), options);
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_TRUE(r.certificate->chain_verified) << r.certificate->verify_error;
  const HttpResponse other = Get(Url(kWrongHost, kTlsPort, "/"), options);  // same CA, not in the store
  ASSERT_TRUE(other.certificate.has_value());
  EXPECT_FALSE(other.certificate->chain_verified);
}

TEST_F(HttpEngineTest, Http11WhenHttp2IsOff) {
  HttpOptions options = LabOptions();
  options.http2 = false;
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/"), options);
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.body, kPage);
}

TEST_F(HttpEngineTest, PlainHttpHasNoCertificate) {
  const HttpResponse r = Get(Url(kGood, kPlainPort, "/", false));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.headers.at("server"), nginx_version_);
  EXPECT_FALSE(r.certificate.has_value());
}

TEST_F(HttpEngineTest, RedirectChainIsFollowedAndRecorded) {
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/a"));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "c\n");
  EXPECT_EQ(r.redirects, (std::vector<std::string>{Url(kGood, kTlsPort, "/b"), Url(kGood, kTlsPort, "/c")}));
  EXPECT_EQ(r.final_url, Url(kGood, kTlsPort, "/c"));
  EXPECT_EQ(r.url, Url(kGood, kTlsPort, "/a"));
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_EQ(r.certificate->subject, "CN=lab.cmdb.test,O=CMDB Lab");
  // The last answer's headers only: no Location from the 301 and 302.
  EXPECT_EQ(r.headers.count("location"), 0u);
}

TEST_F(HttpEngineTest, RedirectLoopStopsAtTheLimit) {
  HttpOptions options = LabOptions();
  options.max_redirects = 3;
  HttpEngine engine(options);
  HttpRequest request;
  request.url = Url(kGood, kTlsPort, "/loop");
  const HttpResponse r = RunAll(engine, {request}).front();
  EXPECT_EQ(r.error, ErrorKind::kTooManyRedirects);
  EXPECT_EQ(r.error_text, "more than 3 redirects");
  EXPECT_EQ(r.redirects.size(), 3u);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(engine.stats().requests, 4);
}

TEST_F(HttpEngineTest, RedirectToAnotherSchemeIsNotFollowed) {
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/ftp"));
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 302);
  EXPECT_TRUE(r.redirects.empty());
  EXPECT_EQ(r.headers.at("location"), "ftp://127.0.4.1/file");
  EXPECT_EQ(r.final_url, Url(kGood, kTlsPort, "/ftp"));
}

TEST_F(HttpEngineTest, BodyCapWithContentLength) {
  HttpOptions options = LabOptions();
  options.max_body_bytes = 1000;
  HttpResponse r = Get(Url(kGood, kTlsPort, "/exact"), options);
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;  // exactly the cap is fine
  EXPECT_EQ(r.body.size(), 1000u);
  EXPECT_FALSE(r.truncated);

  options.max_body_bytes = 999;
  r = Get(Url(kGood, kTlsPort, "/exact"), options);
  EXPECT_EQ(r.error, ErrorKind::kTooLarge);
  EXPECT_EQ(r.error_text, "body larger than 999 bytes");
  EXPECT_EQ(r.body, std::string(999, 'e'));
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.status, 200);
}

// ---- nginx: certificates that do not verify ----

TEST_F(HttpEngineTest, ExpiredCertificate) {
  const HttpResponse r = Get(Url(kExpired, kTlsPort, "/"));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.certificate.has_value());
  const Certificate& c = *r.certificate;
  EXPECT_FALSE(c.chain_verified);
  EXPECT_NE(c.verify_error.find("expired"), std::string::npos) << c.verify_error;
  EXPECT_TRUE(c.hostname_matches);
  EXPECT_EQ(c.not_before, 1577836800);  // 2020-01-01
  EXPECT_EQ(c.not_after, 1609459200);   // 2021-01-01
  const OpensslView expected = ViewWithOpenssl(openssl_, dir_ / "expired.pem");
  EXPECT_EQ(c.not_after, expected.not_after);
  EXPECT_EQ(c.serial, expected.serial);
  EXPECT_EQ(c.subject, expected.subject);
  EXPECT_EQ(c.fingerprint_sha256, expected.fingerprint);
}

TEST_F(HttpEngineTest, SelfSignedCertificate) {
  const HttpResponse r = Get(Url(kSelfSigned, kTlsPort, "/"));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  ASSERT_TRUE(r.certificate.has_value());
  const Certificate& c = *r.certificate;
  EXPECT_TRUE(c.self_signed);
  EXPECT_FALSE(c.chain_verified);
  EXPECT_NE(c.verify_error.find("self-signed"), std::string::npos) << c.verify_error;
  EXPECT_TRUE(c.hostname_matches);
  EXPECT_EQ(c.subject, "CN=127.0.4.3");
  EXPECT_EQ(c.issuer, c.subject);
  EXPECT_EQ(c.key_type, "EC");
  EXPECT_EQ(c.key_bits, 256);
  EXPECT_EQ(c.signature_algorithm, "ecdsa-with-SHA256");
  EXPECT_EQ(c.subject_alt_names, std::vector<std::string>{"IP:127.0.4.3"});
  EXPECT_EQ(c.fingerprint_sha256, ViewWithOpenssl(openssl_, dir_ / "self.pem").fingerprint);
}

TEST_F(HttpEngineTest, CertificateForAnotherHostName) {
  const HttpResponse r = Get(Url(kWrongHost, kTlsPort, "/"));
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_TRUE(r.certificate->chain_verified) << r.certificate->verify_error;
  EXPECT_FALSE(r.certificate->hostname_matches);
  EXPECT_EQ(r.certificate->subject_alt_names, std::vector<std::string>{"DNS:other.cmdb.test"});
  EXPECT_EQ(r.certificate->serial, "1092");  // 4242
}

// ---- Credentials ----

TEST_F(HttpEngineTest, BasicCredentialIsSentWhenTheCertificateVerifies) {
  const HttpCredential c = Basic(kPassword);
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/private/index.html"), LabOptions(), &c);
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "secret ok\n");
  EXPECT_TRUE(r.credential_sent);
  EXPECT_TRUE(r.credential_withheld.empty()) << r.credential_withheld;
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_TRUE(r.certificate->chain_verified);
}

TEST_F(HttpEngineTest, WrongPasswordIsSentAndRefused) {
  const HttpCredential c = Basic(kWrongPassword);
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/private/index.html"), LabOptions(), &c);
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.credential_sent);
}

TEST_F(HttpEngineTest, CredentialWithheldWhenTheCertificateDoesNotVerify) {
  const HttpCredential c = Basic(kPassword);
  HttpOptions options = LabOptions();
  options.extra_ca_file.clear();  // the lab CA is unknown
  HttpEngine engine(options);
  HttpRequest request;
  request.url = Url(kGood, kTlsPort, "/private/index.html");
  request.credential = &c;
  const HttpResponse r = RunAll(engine, {request}).front();
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(r.credential_sent);
  EXPECT_EQ(r.credential_withheld.rfind("certificate does not verify: ", 0), 0u) << r.credential_withheld;
  EXPECT_NE(r.credential_withheld.find("local issuer"), std::string::npos) << r.credential_withheld;
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_FALSE(r.certificate->chain_verified);
  EXPECT_EQ(engine.stats().requests, 2);  // the refused handshake, then without the credential
}

TEST_F(HttpEngineTest, CredentialWithheldForEveryKindOfBadCertificate) {
  const HttpCredential c = Basic(kPassword);
  HttpEngine engine(LabOptions());
  std::vector<HttpRequest> requests(3);
  requests[0].url = Url(kExpired, kTlsPort, "/private/index.html");
  requests[1].url = Url(kSelfSigned, kTlsPort, "/private/index.html");
  requests[2].url = Url(kWrongHost, kTlsPort, "/private/index.html");
  for (HttpRequest& r : requests) r.credential = &c;
  const std::vector<HttpResponse> out = RunAll(engine, requests);
  for (const HttpResponse& r : out) {
    EXPECT_EQ(r.error, ErrorKind::kNone) << r.url << ": " << r.error_text;
    EXPECT_EQ(r.status, 401) << r.url;
    EXPECT_FALSE(r.credential_sent) << r.url;
    EXPECT_EQ(r.credential_withheld.rfind("certificate does not verify: ", 0), 0u) << r.credential_withheld;
  }
  EXPECT_NE(out[0].credential_withheld.find("expired"), std::string::npos) << out[0].credential_withheld;
  EXPECT_NE(out[1].credential_withheld.find("self-signed"), std::string::npos) << out[1].credential_withheld;
  EXPECT_NE(out[2].credential_withheld.find("not issued for 127.0.4.4"), std::string::npos)
      << out[2].credential_withheld;
}

TEST_F(HttpEngineTest, CredentialSentToUnverifiedServerWhenAllowed) {
  const HttpCredential c = Basic(kPassword, /*allow_unverified=*/true);
  const HttpResponse r = Get(Url(kSelfSigned, kTlsPort, "/private/index.html"), LabOptions(), &c);
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.credential_sent);
  EXPECT_TRUE(r.credential_withheld.empty());
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_TRUE(r.certificate->self_signed);
  EXPECT_FALSE(r.certificate->chain_verified);
}

TEST_F(HttpEngineTest, CredentialNeverOverPlainHttp) {
  const HttpCredential c = Basic(kPassword, /*allow_unverified=*/true);
  const HttpResponse r = Get(Url(kGood, kPlainPort, "/private/index.html", false), LabOptions(), &c);
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(r.credential_sent);
  EXPECT_EQ(r.credential_withheld, "not https");
}

TEST_F(HttpEngineTest, CredentialNotSentOnARedirectToAnotherHost) {
  // Allowed anywhere on 127.0.4.1 and even unverified: 127.0.4.4 would take
  // it (its certificate is for another name), but it is another host.
  const HttpCredential c = Basic(kPassword, /*allow_unverified=*/true);
  const HttpResponse r = Get(Url(kGood, kTlsPort, "/to-other-host"), LabOptions(), &c);
  EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.redirects, std::vector<std::string>{Url(kWrongHost, kTlsPort, "/private/index.html")});
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.credential_sent);  // to 127.0.4.1, which asked for none
  // The certificate is the first TLS connection's.
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_EQ(r.certificate->subject, "CN=lab.cmdb.test,O=CMDB Lab");

  const HttpResponse direct = Get(Url(kWrongHost, kTlsPort, "/private/index.html"), LabOptions(), &c);
  EXPECT_EQ(direct.status, 200) << "the same credential does work there when asked for directly";
}

TEST_F(HttpEngineTest, BearerToken) {
  HttpCredential c;
  c.name = "lab-bearer";
  c.kind = HttpCredential::Kind::kBearer;
  c.token = kToken;
  HttpResponse r = Get(Url(kGood, kTlsPort, "/bearer"), LabOptions(), &c);
  ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "bearer ok\n");
  EXPECT_TRUE(r.credential_sent);

  r = Get(Url(kSelfSigned, kTlsPort, "/bearer"), LabOptions(), &c);
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(r.credential_sent);
  EXPECT_NE(r.credential_withheld.find("self-signed"), std::string::npos) << r.credential_withheld;
}

TEST_F(HttpEngineTest, VerifiedAndUnverifiedCredentialsInOneRun) {
  // Both kinds of connection to the same server at once: the strict ones
  // must not ride on connections made without verification, and the other
  // way round.
  const HttpCredential strict = Basic(kPassword);
  const HttpCredential loose = Basic(kPassword, /*allow_unverified=*/true);
  HttpOptions options = LabOptions();
  options.extra_ca_file.clear();
  HttpEngine engine(options);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 20; ++i) {
    HttpRequest r;
    r.url = Url(kGood, kTlsPort, "/private/index.html");
    r.credential = i % 2 == 0 ? &strict : &loose;
    requests.push_back(r);
  }
  const std::vector<HttpResponse> out = RunAll(engine, requests);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].error, ErrorKind::kNone) << out[i].error_text;
    EXPECT_EQ(out[i].status, i % 2 == 0 ? 401 : 200) << i;
    EXPECT_EQ(out[i].credential_sent, i % 2 == 1) << i;
  }
}

// ---- Hostile servers ----

TEST_F(HttpEngineTest, ServerThatNeverAnswersTimesOut) {
  HttpOptions options = LabOptions();
  options.total_timeout_ms = 1500;
  const HttpResponse r = Get(Url(kSilent, kPlainPort, "/", false), options);
  EXPECT_EQ(r.error, ErrorKind::kTimeout);
  EXPECT_EQ(r.error_text, "no answer within 1500 ms");
  EXPECT_EQ(r.status, 0);
  EXPECT_GE(r.seconds, 1.4);
}

TEST_F(HttpEngineTest, TlsServerThatNeverAnswersStillShowsItsCertificate) {
  HttpOptions options = LabOptions();
  options.total_timeout_ms = 1500;
  const HttpResponse r = Get(Url(kTlsSilent, kTlsPort, "/"), options);
  EXPECT_EQ(r.error, ErrorKind::kTimeout) << r.error_text;
  EXPECT_EQ(r.error_text, "no answer within 1500 ms");
  // Taken in the handshake: no answer came to take it from.
  ASSERT_TRUE(r.certificate.has_value());
  EXPECT_EQ(r.certificate->fingerprint_sha256, ViewWithOpenssl(openssl_, dir_ / "good.pem").fingerprint);
  EXPECT_TRUE(r.certificate->chain_verified) << r.certificate->verify_error;
  EXPECT_FALSE(r.certificate->hostname_matches);  // issued for 127.0.4.1
}

TEST_F(HttpEngineTest, TlsHandshakeThatNeverEndsIsATlsFailure) {
  HttpOptions options = LabOptions();
  options.connect_timeout_ms = 500;
  options.total_timeout_ms = 5000;
  // TCP connects, no TLS answer: a plain HTTP server waiting for a request
  // looks like this, so it is a TLS failure (worth a plain HTTP try), not
  // an empty port.
  const HttpResponse r = Get(Url(kSilent, kPlainPort, "/"), options);
  EXPECT_EQ(r.error, ErrorKind::kTls) << r.error_text;
  EXPECT_EQ(r.error_text, "TLS handshake not complete within 500 ms");
}

TEST_F(HttpEngineTest, EndlessBodyIsCutAtTheCap) {
  HttpOptions options = LabOptions();
  options.max_body_bytes = 100000;
  HttpEngine engine(options);
  HttpRequest request;
  request.url = Url(kEndless, kPlainPort, "/", false);
  const HttpResponse r = RunAll(engine, {request}).front();
  EXPECT_EQ(r.error, ErrorKind::kTooLarge);
  EXPECT_EQ(r.error_text, "body larger than 100000 bytes");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.body.size(), 100000u);
  EXPECT_EQ(r.body, std::string(100000, 'x'));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/octet-stream");
  EXPECT_GT(engine.stats().bytes_received, 100000);
}

TEST_F(HttpEngineTest, GarbageIsAProtocolError) {
  const HttpResponse r = Get(Url(kGarbage, kPlainPort, "/", false));
  EXPECT_EQ(r.error, ErrorKind::kProtocol);
  EXPECT_EQ(r.error_text.rfind("not an HTTP answer: ", 0), 0u) << r.error_text;
  EXPECT_EQ(r.status, 0);
}

TEST_F(HttpEngineTest, GarbageToATlsClientIsATlsError) {
  const HttpResponse r = Get(Url(kGarbage, kPlainPort, "/"));
  EXPECT_EQ(r.error, ErrorKind::kTls) << r.error_text;
  EXPECT_EQ(r.error_text.rfind("TLS handshake failed: ", 0), 0u) << r.error_text;
  EXPECT_FALSE(r.certificate.has_value());
}

TEST_F(HttpEngineTest, ClosedPortIsRefused) {
  const HttpResponse r = Get(Url(kClosed, kPlainPort, "/", false));
  EXPECT_EQ(r.error, ErrorKind::kRefused);
  EXPECT_EQ(r.error_text, "connection refused");
}

TEST_F(HttpEngineTest, NotAnHttpUrl) {
  HttpEngine engine(LabOptions());
  std::vector<HttpRequest> requests(3);
  requests[0].url = "ftp://127.0.4.1/";
  requests[1].url = "not a url";
  requests[2].url = "https://";
  for (const HttpResponse& r : RunAll(engine, requests)) {
    EXPECT_EQ(r.error, ErrorKind::kOther) << r.url;
    EXPECT_FALSE(r.error_text.empty());
  }
  EXPECT_EQ(engine.stats().requests, 0);
}

// ---- Many at once, cancellation, follow-ups ----

TEST_F(HttpEngineTest, TwoHundredRequestsInFlight) {
  HttpEngine engine(LabOptions());
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 200; ++i) {
    HttpRequest r;
    r.url = i % 2 == 0 ? Url(kGood, kTlsPort, "/") : Url(kGood, kPlainPort, "/", false);
    r.headers["Accept"] = "text/html";
    requests.push_back(r);
  }
  const std::vector<HttpResponse> out = RunAll(engine, requests);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].error, ErrorKind::kNone) << i << ": " << out[i].error_text;
    EXPECT_EQ(out[i].status, 200) << i;
    EXPECT_EQ(out[i].body, kPage) << i;
    EXPECT_EQ(out[i].tag, i);
    if (i % 2 == 0) {
      ASSERT_TRUE(out[i].certificate.has_value()) << i;  // also on a reused or multiplexed connection
      EXPECT_TRUE(out[i].certificate->chain_verified) << i;
    }
  }
  EXPECT_EQ(engine.stats().requests, 200);
}

TEST_F(HttpEngineTest, MoreRequestsThanSlotsWaitInLine) {
  HttpOptions options = LabOptions();
  options.max_in_flight = 3;
  HttpEngine engine(options);
  std::vector<HttpRequest> requests(40);
  for (size_t i = 0; i < requests.size(); ++i) requests[i].url = Url(kGood, kTlsPort, i % 3 == 0 ? "/a" : "/");
  for (const HttpResponse& r : RunAll(engine, requests)) {
    EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_text;
    EXPECT_EQ(r.status, 200);
  }
}

TEST_F(HttpEngineTest, CancellationEndsEveryRequestOnce) {
  HttpOptions options = LabOptions();
  options.total_timeout_ms = 60000;
  options.max_in_flight = 10;
  HttpEngine engine(options);
  std::vector<HttpRequest> requests(30);
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].url = Url(kSilent, kPlainPort, "/", false);
    requests[i].tag = i;
  }
  std::map<uint64_t, int> calls;
  std::vector<HttpResponse> done;
  const auto start = Clock::now();
  bool added = false;
  engine.Run(
      std::move(requests),
      [&](HttpResponse r, HttpEngine::Queue& queue) {
        ++calls[r.tag];
        if (!added) {  // a follow-up added while cancelling ends the same way
          added = true;
          HttpRequest more;
          more.url = Url(kGood, kTlsPort, "/");
          more.tag = 1000;
          queue.Add(more);
        }
        done.push_back(std::move(r));
      },
      [&] { return Clock::now() - start > std::chrono::milliseconds(300); });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Cancelled, not timed out: the requests would have waited 60 s each.
  EXPECT_LT(seconds, 30.0);
  EXPECT_EQ(calls.size(), 31u);
  for (const auto& [tag, n] : calls) EXPECT_EQ(n, 1) << tag;
  EXPECT_EQ(calls.count(1000), 1u);
  for (const HttpResponse& r : done) {
    EXPECT_EQ(r.error, ErrorKind::kOther);
    EXPECT_EQ(r.error_text, "cancelled");
  }
}

TEST_F(HttpEngineTest, FollowUpsAddedFromOnDone) {
  HttpEngine engine(LabOptions());
  HttpRequest first;
  first.url = Url(kGood, kTlsPort, "/");
  first.tag = 1;
  std::map<uint64_t, HttpResponse> out;
  engine.Run({first}, [&](HttpResponse r, HttpEngine::Queue& queue) {
    if (r.tag == 1) {
      for (uint64_t tag : {2, 3}) {
        HttpRequest next;
        next.url = Url(kGood, kTlsPort, tag == 2 ? "/c" : "/a");
        next.tag = tag;
        queue.Add(next);
      }
    }
    if (r.tag == 3) {
      HttpRequest last;
      last.url = Url(kGood, kPlainPort, "/c", false);
      last.tag = 4;
      queue.Add(last);
    }
    EXPECT_EQ(out.count(r.tag), 0u);
    out[r.tag] = std::move(r);
  });
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].body, kPage);
  EXPECT_EQ(out[2].body, "c\n");
  EXPECT_EQ(out[3].body, "c\n");
  EXPECT_EQ(out[3].redirects.size(), 2u);
  EXPECT_EQ(out[4].body, "c\n");
  EXPECT_EQ(engine.stats().requests, 6);  // 1 + 1 + 3 + 1
  EXPECT_GT(engine.stats().bytes_received, 0);
}

// ---- The decoder alone ----

TEST_F(HttpEngineTest, DescribeCertificateDer) {
  const std::string der = ReadFile(dir_ / "good.der");
  ASSERT_FALSE(der.empty());
  std::optional<Certificate> c = DescribeCertificateDer(der);
  ASSERT_TRUE(c.has_value());
  const OpensslView expected = ViewWithOpenssl(openssl_, dir_ / "good.pem");
  EXPECT_EQ(c->fingerprint_sha256, expected.fingerprint);
  EXPECT_EQ(c->subject, expected.subject);
  EXPECT_FALSE(c->chain_verified);  // not verified here
  EXPECT_FALSE(DescribeCertificateDer(der.substr(0, der.size() - 1)).has_value());
  EXPECT_FALSE(DescribeCertificateDer(der + "x").has_value());
  EXPECT_FALSE(DescribeCertificateDer("").has_value());
  EXPECT_FALSE(DescribeCertificateDer("\x30\x82\xff\xff garbage").has_value());
}

}  // namespace
}  // namespace cmdb::discovery::http
