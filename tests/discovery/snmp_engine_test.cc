// SnmpEngine against agents this test starts on 127.0.3.0/24: a real snmpd
// (v2c and v3), snmpsimd serving a device recording, dead addresses, and a
// hostile UDP responder; and TargetProbe driven with scripted events.
// Compared with net-snmp's own snmpbulkwalk where that is meaningful.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
#include "snmp/engine.h"
#include "snmp/probe.h"

namespace cmdb::discovery {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kPort = 16161;
constexpr char kSnmpd[] = "127.0.3.1";
constexpr char kSnmpsim[] = "127.0.3.2";
constexpr char kGarbage[] = "127.0.3.200";
constexpr char kLooping[] = "127.0.3.201";
constexpr char kFlooding[] = "127.0.3.202";

// Secrets used below; no result may ever contain one.
constexpr char kCommunity[] = "pub7Lic-ro";
constexpr char kWrongCommunity[] = "wr0ng-c0mmunity";
constexpr char kAuthPass[] = "auth-Pass-1234";
constexpr char kPrivPass[] = "priv-Pass-5678";
constexpr char kWrongPass[] = "not-the-Pass-999";

Oid O(const char* text) { return *Oid::Parse(text); }

SnmpCredential V2c(std::string id, std::string community) {
  SnmpCredential c;
  c.version = SnmpCredential::Version::kV2c;
  c.id = std::move(id);
  c.community = std::move(community);
  return c;
}

SnmpCredential V3(std::string id, std::string user, std::string auth, std::string priv) {
  SnmpCredential c;
  c.version = SnmpCredential::Version::kV3;
  c.id = std::move(id);
  c.user = std::move(user);
  c.auth = SnmpCredential::Auth::kSha1;
  c.auth_key = std::move(auth);
  c.priv = SnmpCredential::Priv::kAes128;
  c.priv_key = std::move(priv);
  return c;
}

void ExpectNoSecrets(const TargetResult& r) {
  for (const char* secret : {kCommunity, kWrongCommunity, kAuthPass, kPrivPass, kWrongPass}) {
    EXPECT_EQ(r.status.message().find(secret), std::string_view::npos) << r.status;
    for (const std::string& e : r.errors) EXPECT_EQ(e.find(secret), std::string::npos) << e;
    EXPECT_EQ(r.credential_id.find(secret), std::string::npos);
  }
}

std::map<std::string, TargetResult> Sweep(SnmpEngine& engine, const std::vector<std::string>& addresses,
                                          const std::vector<SnmpCredential>& credentials, const WalkPlan& plan,
                                          const SnmpOptions& options, double* seconds = nullptr,
                                          const std::function<bool()>& cancelled = {}) {
  std::map<std::string, TargetResult> out;
  const auto start = Clock::now();
  engine.Run(addresses, credentials, plan, options,
             [&](TargetResult r) {
               ExpectNoSecrets(r);
               EXPECT_EQ(out.count(r.address), 0u) << "reported twice: " << r.address;
               out[r.address] = std::move(r);
             },
             cancelled);
  if (seconds) *seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(out.size(), addresses.size());
  return out;
}

std::string Joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += e + " | ";
  return s;
}

// ---- Agents ----

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/usr/local/bin/", "/usr/local/sbin/"}) {
    std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

// Agents this test started, stopped also when the test is interrupted.
std::atomic<pid_t> g_children[4] = {-1, -1, -1, -1};

void KillChildrenAndExit(int sig) {
  for (auto& pid : g_children) {
    if (pid > 0) kill(pid, SIGTERM);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    for (const std::string& e : env) putenv(strdup(e.c_str()));
    FILE* out = freopen(log.c_str(), "a", stdout);
    FILE* err = freopen(log.c_str(), "a", stderr);
    (void)out;
    (void)err;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  for (auto& slot : g_children) {
    pid_t expected = -1;
    if (slot.compare_exchange_strong(expected, pid)) break;
  }
  signal(SIGINT, KillChildrenAndExit);
  signal(SIGTERM, KillChildrenAndExit);
  return pid;
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  for (auto& slot : g_children) {
    pid_t expected = pid;
    slot.compare_exchange_strong(expected, -1);
  }
  kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// True once `address` answers sysDescr.0 with `credential` (10 s at most).
bool WaitForAgent(const std::string& address, const SnmpCredential& credential) {
  SnmpEngine engine;
  SnmpOptions options;
  options.port = kPort;
  options.timeout_ms = 300;
  options.retries = 0;
  for (int i = 0; i < 30; ++i) {
    bool ok = false;
    engine.Run({address}, {credential}, {}, options, [&](TargetResult r) { ok = r.status.ok(); });
    if (ok) return true;
  }
  return false;
}

// A hostile agent: one UDP socket per behaviour, answering every request.
// The BER is built by hand: just enough to echo the request's version,
// community and request-id.
class HostileAgent {
 public:
  enum class Mode { kGarbage, kLoop, kFlood };

  ~HostileAgent() { StopAll(); }

  bool Start() {
    for (auto [address, mode] : {std::pair{kGarbage, Mode::kGarbage}, std::pair{kLooping, Mode::kLoop},
                                 std::pair{kFlooding, Mode::kFlood}}) {
      int fd = socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(kPort);
      inet_pton(AF_INET, address, &sin.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
        close(fd);
        return false;
      }
      sockets_.push_back({fd, mode});
    }
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  void StopAll() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& [fd, mode] : sockets_) close(fd);
    sockets_.clear();
  }

  int requests() const { return requests_; }

 private:
  struct Tlv {
    uint8_t tag = 0;
    std::string_view body;
  };
  // Reads one TLV at `pos`; false on anything short or unsupported.
  static bool Read(std::string_view data, size_t& pos, Tlv& out) {
    if (pos + 2 > data.size()) return false;
    out.tag = static_cast<uint8_t>(data[pos++]);
    size_t len = static_cast<uint8_t>(data[pos++]);
    if (len & 0x80) {
      const size_t n = len & 0x7f;
      if (n == 0 || n > 3 || pos + n > data.size()) return false;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>(data[pos++]);
    }
    if (pos + len > data.size()) return false;
    out.body = data.substr(pos, len);
    pos += len;
    return true;
  }
  static std::string Encode(uint8_t tag, std::string_view body) {
    std::string out(1, static_cast<char>(tag));
    if (body.size() < 128) {
      out.push_back(static_cast<char>(body.size()));
    } else if (body.size() < 256) {
      out += "\x81";
      out.push_back(static_cast<char>(body.size()));
    } else {
      out += "\x82";
      out.push_back(static_cast<char>(body.size() >> 8));
      out.push_back(static_cast<char>(body.size() & 0xff));
    }
    out += body;
    return out;
  }
  static std::string EncodeOid(const Oid& oid) {
    std::string body;
    body.push_back(static_cast<char>(oid.arcs[0] * 40 + oid.arcs[1]));
    for (size_t i = 2; i < oid.arcs.size(); ++i) {
      uint32_t arc = oid.arcs[i];
      std::string bytes(1, static_cast<char>(arc & 0x7f));
      while (arc >>= 7) bytes.insert(bytes.begin(), static_cast<char>(0x80 | (arc & 0x7f)));
      body += bytes;
    }
    return Encode(0x06, body);
  }
  static Oid DecodeOid(std::string_view body) {
    Oid oid;
    if (body.empty()) return oid;
    oid.arcs = {static_cast<uint32_t>(static_cast<uint8_t>(body[0]) / 40),
                static_cast<uint32_t>(static_cast<uint8_t>(body[0]) % 40)};
    uint32_t arc = 0;
    for (size_t i = 1; i < body.size(); ++i) {
      arc = (arc << 7) | (static_cast<uint8_t>(body[i]) & 0x7f);
      if (!(static_cast<uint8_t>(body[i]) & 0x80)) {
        oid.arcs.push_back(arc);
        arc = 0;
      }
    }
    return oid;
  }

  // The answer to `request` in `mode`, or empty to stay silent.
  static std::string Answer(std::string_view request, Mode mode) {
    if (mode == Mode::kGarbage) return std::string("\x30\x82\x01\x00\x02\x01\x01\x04\x06garbage\xa2\x05\x02", 20);
    size_t pos = 0;
    Tlv msg, version, community, pdu;
    if (!Read(request, pos, msg) || msg.tag != 0x30) return {};
    pos = 0;
    std::string_view m = msg.body;
    if (!Read(m, pos, version) || !Read(m, pos, community) || !Read(m, pos, pdu)) return {};
    size_t p = 0;
    Tlv reqid, f1, f2, vbl;
    if (!Read(pdu.body, p, reqid) || !Read(pdu.body, p, f1) || !Read(pdu.body, p, f2) || !Read(pdu.body, p, vbl)) {
      return {};
    }
    std::vector<Oid> asked;
    size_t q = 0;
    Tlv vb;
    while (Read(vbl.body, q, vb)) {
      size_t r = 0;
      Tlv name;
      if (Read(vb.body, r, name)) asked.push_back(DecodeOid(name.body));
    }
    if (asked.empty()) return {};
    std::string varbinds;
    auto add = [&](const Oid& oid) { varbinds += Encode(0x30, EncodeOid(oid) + Encode(0x02, std::string(1, 7))); };
    if (pdu.tag == 0xa0) {  // GET: a plausible answer, so the probe succeeds
      for (const Oid& oid : asked) add(oid);
    } else if (mode == Mode::kLoop) {  // always the same next OID
      Oid next = asked[0];
      next.arcs.resize(std::min<size_t>(next.arcs.size(), 9));
      next.arcs.push_back(1);
      add(next);
    } else {  // a flood of varbinds, far more than asked for
      for (uint32_t i = 1; i <= 2000; ++i) {
        Oid next = asked[0];
        next.arcs.push_back(i);
        add(next);
      }
    }
    std::string body = Encode(0x02, reqid.body) + Encode(0x02, std::string(1, 0)) + Encode(0x02, std::string(1, 0)) +
                       Encode(0x30, varbinds);
    return Encode(0x30, Encode(0x02, version.body) + Encode(0x04, community.body) + Encode(0xa2, body));
  }

  void Loop() {
    std::vector<pollfd> fds;
    for (auto& [fd, mode] : sockets_) fds.push_back({fd, POLLIN, 0});
    char buf[65536];
    while (!stop_) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        sockaddr_storage from{};
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fds[i].fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n <= 0) continue;
        ++requests_;
        std::string answer = Answer(std::string_view(buf, static_cast<size_t>(n)), sockets_[i].second);
        if (!answer.empty()) {
          sendto(fds[i].fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
        }
      }
    }
  }

  std::vector<std::pair<int, Mode>> sockets_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
};

// Starts snmpd (v2c and v3 users) and, when the recordings are in the tree,
// snmpsimd, each in a temporary directory, when a test first needs them
// (Lab()); stops them at the end.
class LabEnvironment : public ::testing::Environment {
 public:
  static LabEnvironment* instance;

  LabEnvironment* Started() {
    if (!started_) {
      started_ = true;
      Start();
    }
    return this;
  }

  void Start() {
    char tmpl[] = "/tmp/cmdb-snmp-engine-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string snmpd = Which("snmpd");
    if (!snmpd.empty()) {
      std::ofstream conf(dir_ + "/snmpd.conf");
      // The listening address is given on the command line (an agentaddress
      // line as well would open it twice and fail).
      conf << "dontLogTCPWrappersConnects yes\n"
           << "rocommunity " << kCommunity << " 127.0.0.0/8\n"
           << "createUser privuser SHA \"" << kAuthPass << "\" AES \"" << kPrivPass << "\"\n"
           << "rouser privuser priv\n"
           << "sysLocation cmdb lab\nsysContact lab@example.org\n";
      conf.close();
      snmpd_pid_ = Spawn({snmpd, "-f", "-Lf", dir_ + "/snmpd.log", "-C", "-c", dir_ + "/snmpd.conf", "-p",
                          dir_ + "/snmpd.pid", "-I", "-smux,mteTrigger,mteTriggerConf",
                          absl::StrCat("udp:", kSnmpd, ":", kPort)},
                         {"SNMP_PERSISTENT_DIR=" + dir_ + "/persist", "MIBS="}, dir_ + "/snmpd.out");
      snmpd_up_ = WaitForAgent(kSnmpd, V2c("lab", kCommunity));
    }
    const std::string snmpsimd = Which("snmpsimd");
    const fs::path recordings = fs::path(CMDB_SOURCE_DIR) / "tests/lab/snmprec";
    if (!snmpsimd.empty() && fs::exists(recordings / "ios_c3560.snmprec")) {
      fs::create_directories(dir_ + "/data");
      fs::copy_file(recordings / "ios_c3560.snmprec", dir_ + "/data/ios_c3560.snmprec");
      chmod(dir_.c_str(), 0755);
      fs::create_directories(dir_ + "/cache");
      chmod((dir_ + "/cache").c_str(), 0777);
      chmod((dir_ + "/data").c_str(), 0755);
      snmpsim_pid_ = Spawn({snmpsimd, "--data-dir=" + dir_ + "/data", "--cache-dir=" + dir_ + "/cache",
                            absl::StrCat("--agent-udpv4-endpoint=", kSnmpsim, ":", kPort),
                            "--logging-method=file:" + dir_ + "/snmpsim.log", "--process-user=nobody",
                            "--process-group=nogroup"},
                           {}, dir_ + "/snmpsim.out");
      snmpsim_up_ = WaitForAgent(kSnmpsim, V2c("rec", "ios_c3560"));
      recording_ = dir_ + "/data/ios_c3560.snmprec";
    }
    hostile_up_ = hostile_.Start();
  }

  void TearDown() override {
    if (!started_) return;
    hostile_.StopAll();
    Stop(snmpd_pid_);
    Stop(snmpsim_pid_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  bool snmpd_up() const { return snmpd_up_; }
  bool snmpsim_up() const { return snmpsim_up_; }
  bool hostile_up() const { return hostile_up_; }
  const std::string& recording() const { return recording_; }

 private:
  bool started_ = false;
  std::string dir_;
  pid_t snmpd_pid_ = -1, snmpsim_pid_ = -1;
  bool snmpd_up_ = false, snmpsim_up_ = false, hostile_up_ = false;
  std::string recording_;
  HostileAgent hostile_;
};
LabEnvironment* LabEnvironment::instance =
    static_cast<LabEnvironment*>(::testing::AddGlobalTestEnvironment(new LabEnvironment));

LabEnvironment* Lab() { return LabEnvironment::instance->Started(); }

#define REQUIRE_SNMPD()                                                                      \
  do {                                                                                       \
    if (Which("snmpd").empty()) GTEST_SKIP() << "snmpd not installed";                       \
    ASSERT_TRUE(Lab()->snmpd_up()) << "snmpd did not start, see its log"; \
  } while (0)

SnmpOptions LabOptions() {
  SnmpOptions o;
  o.port = kPort;
  o.timeout_ms = 500;
  o.retries = 0;
  return o;
}

// The OIDs net-snmp's snmpbulkwalk (or, for v1, snmpwalk) prints for
// `subtree` (numeric, one per line).
std::vector<std::string> BulkwalkOids(const std::string& args, const std::string& subtree,
                                      const std::string& tool = "snmpbulkwalk -Cr25") {
  const std::string cmd = absl::StrCat("SNMP_PERSISTENT_DIR=", Lab()->dir(),
                                       "/persist-tools MIBS= ", tool, " -On -t 2 -r 1 ", args, " ",
                                       kSnmpd, ":", kPort, " ", subtree, " 2>/dev/null");
  std::vector<std::string> oids;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return oids;
  char line[65536];
  while (fgets(line, sizeof line, p)) {
    if (line[0] != '.' || line[1] < '0' || line[1] > '9') continue;  // continuation of a multi-line value
    std::string s(line + 1);
    oids.push_back(s.substr(0, s.find(' ')));
  }
  pclose(p);
  return oids;
}

// Subtrees whose rows do not change between two walks a second apart.
const std::vector<std::string> kStableSubtrees = {"1.3.6.1.2.1.1", "1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1",
                                                  "1.3.6.1.2.1.4.20", "1.3.6.1.2.1.25.2.3"};

void CompareWithBulkwalk(const SnmpCredential& credential, const std::string& tool_args) {
  WalkPlan plan;
  for (const auto& s : kStableSubtrees) plan.subtrees.push_back(O(s.c_str()));
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpd}, {credential}, plan, LabOptions());
  const TargetResult& r = results[kSnmpd];
  ASSERT_TRUE(r.status.ok()) << r.status << " " << Joined(r.errors);
  EXPECT_TRUE(r.errors.empty()) << Joined(r.errors);
  EXPECT_EQ(r.credential_id, credential.id);
  for (const std::string& subtree : kStableSubtrees) {
    std::vector<std::string> expected = BulkwalkOids(tool_args, subtree);
    std::vector<std::string> got;
    for (const Varbind& vb : r.walk.Subtree(O(subtree.c_str()))) got.push_back(vb.oid.ToString());
    EXPECT_FALSE(got.empty()) << subtree;
    EXPECT_EQ(got, expected) << subtree;
  }
  const Value* descr = r.walk.Get(O("1.3.6.1.2.1.1.1.0"));
  ASSERT_NE(descr, nullptr);
  EXPECT_EQ(descr->type, ValueType::kOctetString);
  const Value* location = r.walk.Get(O("1.3.6.1.2.1.1.6.0"));
  ASSERT_NE(location, nullptr);
  EXPECT_EQ(location->bytes, "cmdb lab");
  const Value* object_id = r.walk.Get(O("1.3.6.1.2.1.1.2.0"));
  ASSERT_NE(object_id, nullptr);
  EXPECT_EQ(object_id->type, ValueType::kObjectId);
  std::printf("[ walk     ] %s: %zu varbinds, %d PDUs, %.3f s\n", credential.id.c_str(), r.walk.size(), r.pdus_sent,
              r.seconds);
}

TEST(SnmpEngineLab, WalkMatchesSnmpbulkwalkV2c) {
  REQUIRE_SNMPD();
  CompareWithBulkwalk(V2c("lab-v2c", kCommunity), absl::StrCat("-v2c -c ", kCommunity));
}

TEST(SnmpEngineLab, WalkMatchesSnmpbulkwalkV3AuthPriv) {
  REQUIRE_SNMPD();
  CompareWithBulkwalk(V3("lab-v3", "privuser", kAuthPass, kPrivPass),
                      absl::StrCat("-v3 -l authPriv -u privuser -a SHA -A ", kAuthPass, " -x AES -X ", kPrivPass));
}

TEST(SnmpEngineLab, V1WalkWithGetNext) {
  REQUIRE_SNMPD();
  SnmpCredential v1 = V2c("lab-v1", kCommunity);
  v1.version = SnmpCredential::Version::kV1;
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.1"), O("1.3.6.1.2.1.2.2")};
  plan.scalars = {O("1.3.6.1.2.1.1.5.0"), O("1.3.6.1.2.1.1.99.0"), O("1.3.6.1.2.1.1.6.0")};  // one does not exist
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpd}, {v1}, plan, LabOptions());
  const TargetResult& r = results[kSnmpd];
  ASSERT_TRUE(r.status.ok()) << r.status << " " << Joined(r.errors);
  EXPECT_EQ(r.version_used, 1);
  EXPECT_NE(r.walk.Get(O("1.3.6.1.2.1.1.5.0")), nullptr);
  EXPECT_NE(r.walk.Get(O("1.3.6.1.2.1.1.6.0")), nullptr);
  EXPECT_EQ(r.walk.Get(O("1.3.6.1.2.1.1.99.0")), nullptr);
  EXPECT_EQ(r.walk.Subtree(O("1.3.6.1.2.1.2.2")).size(),
            BulkwalkOids(absl::StrCat("-v1 -c ", kCommunity), "1.3.6.1.2.1.2.2", "snmpwalk").size());
}

TEST(SnmpEngineLab, RecordedDeviceWalkMatchesRecording) {
  if (Which("snmpsimd").empty()) GTEST_SKIP() << "snmpsimd not installed";
  if (Lab()->recording().empty()) GTEST_SKIP() << "no recordings in tests/lab/snmprec";
  ASSERT_TRUE(Lab()->snmpsim_up());
  // Every OID the recording holds under ifTable and ifXTable.
  std::ifstream in(Lab()->recording());
  std::set<std::string> expected;
  std::string line;
  for (const char* prefix : {"1.3.6.1.2.1.2.2.", "1.3.6.1.2.1.31.1.1."}) {
    in.clear();
    in.seekg(0);
    while (std::getline(in, line)) {
      if (line.rfind(prefix, 0) == 0) expected.insert(line.substr(0, line.find('|')));
    }
  }
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2"), O("1.3.6.1.2.1.31.1.1")};
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpsim}, {V2c("rec", "ios_c3560")}, plan, LabOptions());
  const TargetResult& r = results[kSnmpsim];
  ASSERT_TRUE(r.status.ok()) << r.status << " " << Joined(r.errors);
  std::set<std::string> got;
  for (const Oid& root : plan.subtrees) {
    for (const Varbind& vb : r.walk.Subtree(root)) got.insert(vb.oid.ToString());
  }
  EXPECT_EQ(got, expected);
  std::printf("[ recorded ] %zu varbinds, %d PDUs, %.3f s\n", r.walk.size(), r.pdus_sent, r.seconds);
}

TEST(SnmpEngineLab, SweepOfLiveAndDeadAddresses) {
  REQUIRE_SNMPD();
  std::vector<std::string> addresses = {kSnmpd};
  if (Lab()->snmpsim_up()) addresses.push_back(kSnmpsim);
  for (int i = 100; i < 120; ++i) addresses.push_back(absl::StrCat("127.0.3.", i));
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2"), O("1.3.6.1.2.1.31.1.1")};
  // snmpsim answers the community named after its recording.
  std::vector<SnmpCredential> credentials = {V2c("lab", kCommunity), V2c("rec", "ios_c3560")};
  SnmpEngine engine;
  double seconds = 0;
  auto results = Sweep(engine, addresses, credentials, plan, LabOptions(), &seconds);
  for (int i = 100; i < 120; ++i) {
    const TargetResult& r = results[absl::StrCat("127.0.3.", i)];
    EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded) << r.address << " " << r.status;
    EXPECT_FALSE(r.responded);
    EXPECT_EQ(r.errors.size(), 2u) << Joined(r.errors);
  }
  EXPECT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status;
  EXPECT_TRUE(results[kSnmpd].errors.empty()) << Joined(results[kSnmpd].errors);
  EXPECT_EQ(results[kSnmpd].credential_id, "lab");
  EXPECT_FALSE(results[kSnmpd].walk.Subtree(O("1.3.6.1.2.1.2.2")).empty());
  if (Lab()->snmpsim_up()) {
    EXPECT_TRUE(results[kSnmpsim].status.ok()) << results[kSnmpsim].status;
    EXPECT_EQ(results[kSnmpsim].credential_id, "rec");
    EXPECT_GT(results[kSnmpsim].walk.size(), 100u);
  }
  const auto stats = engine.stats();
  std::printf("[ sweep    ] %zu addresses (20 dead), 2 credentials, timeout 0.5 s: %.3f s, %lld PDUs, %lld varbinds\n",
              addresses.size(), seconds, static_cast<long long>(stats.pdus_sent),
              static_cast<long long>(stats.varbinds_received));
  // Sanity, not a benchmark: dead addresses wait in parallel, not one after another.
  EXPECT_LT(seconds, 20 * 0.5);
}

// probe_retries: what a silent address costs, in PDUs, with and without
// resends of the probes; an agent that answers is collected all the same.
TEST(SnmpEngineLab, ProbeRetriesBoundWhatASilentAddressCosts) {
  REQUIRE_SNMPD();
  const std::vector<std::string> dead = {"127.0.3.140", "127.0.3.141"};
  std::vector<std::string> addresses = dead;
  addresses.push_back(kSnmpd);
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2")};
  SnmpOptions options = LabOptions();
  options.timeout_ms = 300;
  options.retries = 2;
  for (int probe_retries : {-1, 0}) {
    options.probe_retries = probe_retries;
    SnmpEngine engine;
    auto results = Sweep(engine, addresses, {V2c("lab", kCommunity)}, plan, options);
    // One v2c probe and its v1 twin, each sent 1 + resends times.
    const int expected = 2 * (1 + (probe_retries < 0 ? options.retries : probe_retries));
    for (const std::string& a : dead) {
      EXPECT_EQ(results[a].status.code(), absl::StatusCode::kDeadlineExceeded) << a << " " << results[a].status;
      EXPECT_EQ(results[a].pdus_sent, expected) << a << " probe_retries " << probe_retries;
    }
    const TargetResult& live = results[kSnmpd];
    EXPECT_TRUE(live.status.ok()) << live.status << " " << Joined(live.errors);
    EXPECT_FALSE(live.walk.Subtree(O("1.3.6.1.2.1.2.2")).empty());
  }
}

TEST(SnmpEngineLab, V3DiscoveryDoesNotBlockTheLoop) {
  std::vector<std::string> dead;
  for (int i = 120; i < 130; ++i) dead.push_back(absl::StrCat("127.0.3.", i));
  SnmpEngine engine;
  double seconds = 0;
  auto results = Sweep(engine, dead, {V3("v3", "privuser", kAuthPass, kPrivPass)}, {}, LabOptions(), &seconds);
  for (const auto& [address, r] : results) {
    EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded) << address << " " << r.status;
  }
  std::printf("[ v3 dead  ] 10 addresses, one v3 credential, timeout 0.5 s: %.3f s\n", seconds);
  EXPECT_LT(seconds, 10 * 0.5);
}

TEST(SnmpEngineLab, WrongCommunityIsNamedByIdNeverByText) {
  REQUIRE_SNMPD();
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpd}, {V2c("guess-1", kWrongCommunity)}, {}, LabOptions());
  const TargetResult& r = results[kSnmpd];
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded) << r.status;
  EXPECT_NE(Joined(r.errors).find("no answer with credential guess-1 (wrong community or not an SNMP agent)"),
            std::string::npos)
      << Joined(r.errors);
  // The next credential in order is used.
  results = Sweep(engine, {kSnmpd}, {V2c("guess-1", kWrongCommunity), V2c("right", kCommunity)}, {}, LabOptions());
  EXPECT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status;
  EXPECT_EQ(results[kSnmpd].credential_id, "right");
  EXPECT_EQ(results[kSnmpd].version_used, 2);
  EXPECT_EQ(results[kSnmpd].errors.size(), 1u) << Joined(results[kSnmpd].errors);
}

TEST(SnmpEngineLab, V3WrongKeyIsAnAuthenticationFailure) {
  REQUIRE_SNMPD();
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpd}, {V3("v3-bad", "privuser", kWrongPass, kPrivPass)}, {}, LabOptions());
  const TargetResult& r = results[kSnmpd];
  EXPECT_EQ(r.status.code(), absl::StatusCode::kPermissionDenied) << r.status;
  EXPECT_TRUE(r.responded);
  EXPECT_NE(Joined(r.errors).find("authentication failed for credential v3-bad"), std::string::npos)
      << Joined(r.errors);

  results = Sweep(engine, {kSnmpd}, {V3("v3-nouser", "nobody-here", kAuthPass, kPrivPass)}, {}, LabOptions());
  EXPECT_EQ(results[kSnmpd].status.code(), absl::StatusCode::kPermissionDenied) << results[kSnmpd].status;
  EXPECT_NE(Joined(results[kSnmpd].errors).find("unknown user name for credential v3-nouser"), std::string::npos)
      << Joined(results[kSnmpd].errors);

  // A wrong key, then the right one for the same user: the USM user made for
  // the first must not serve the second.
  results = Sweep(engine, {kSnmpd},
                  {V3("v3-bad", "privuser", kWrongPass, kPrivPass), V3("v3-good", "privuser", kAuthPass, kPrivPass)},
                  {}, LabOptions());
  EXPECT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status << Joined(results[kSnmpd].errors);
  EXPECT_EQ(results[kSnmpd].credential_id, "v3-good");
  EXPECT_EQ(results[kSnmpd].version_used, 3);
  // And the other way round.
  results = Sweep(engine, {kSnmpd}, {V3("v3-bad", "privuser", kWrongPass, kPrivPass)}, {}, LabOptions());
  EXPECT_EQ(results[kSnmpd].status.code(), absl::StatusCode::kPermissionDenied) << results[kSnmpd].status;
}

TEST(SnmpEngineLab, HostileAgentsEndTheirTargetOnly) {
  REQUIRE_SNMPD();
  ASSERT_TRUE(Lab()->hostile_up());
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2"), O("1.3.6.1.2.1.1")};
  SnmpEngine engine;
  auto results = Sweep(engine, {kGarbage, kLooping, kFlooding, kSnmpd}, {V2c("lab", kCommunity)}, plan, LabOptions());
  EXPECT_EQ(results[kGarbage].status.code(), absl::StatusCode::kDataLoss) << results[kGarbage].status;
  EXPECT_NE(results[kGarbage].status.message().find("malformed answer"), std::string::npos)
      << results[kGarbage].status;
  EXPECT_EQ(results[kLooping].status.code(), absl::StatusCode::kDataLoss) << results[kLooping].status;
  EXPECT_NE(results[kLooping].status.message().find("OID not increasing"), std::string::npos)
      << results[kLooping].status;
  EXPECT_EQ(results[kFlooding].status.code(), absl::StatusCode::kDataLoss) << results[kFlooding].status;
  EXPECT_NE(results[kFlooding].status.message().find("varbinds, asked for at most 25"), std::string::npos)
      << results[kFlooding].status;
  EXPECT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status;
  EXPECT_FALSE(results[kSnmpd].walk.Subtree(O("1.3.6.1.2.1.2.2")).empty());
  for (const char* a : {kGarbage, kLooping, kFlooding}) std::printf("[ hostile  ] %s: %s\n", a, results[a].status.ToString().c_str());
}

TEST(SnmpEngineLab, LimitsStopTheWalk) {
  REQUIRE_SNMPD();
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2")};
  SnmpOptions options = LabOptions();
  options.max_varbinds_per_target = 20;
  options.max_value_bytes = 5;
  SnmpEngine engine;
  auto results = Sweep(engine, {kSnmpd}, {V2c("lab", kCommunity)}, plan, options);
  const TargetResult& r = results[kSnmpd];
  EXPECT_EQ(r.status.code(), absl::StatusCode::kResourceExhausted) << r.status;
  EXPECT_EQ(r.status.message(), "walk of 1.3.6.1.2.1.2.2 stopped after 20 varbinds (max_varbinds_per_target)");
  const Value* descr = r.walk.Get(O("1.3.6.1.2.1.1.1.0"));
  ASSERT_NE(descr, nullptr);
  EXPECT_EQ(descr->bytes.size(), 5u);
  EXPECT_NE(Joined(r.errors).find("value of 1.3.6.1.2.1.1.1.0 truncated from"), std::string::npos);

  options = LabOptions();
  options.max_pdus_per_target = 3;
  options.max_repetitions = 2;
  results = Sweep(engine, {kSnmpd}, {V2c("lab", kCommunity)}, plan, options);
  EXPECT_EQ(results[kSnmpd].status.code(), absl::StatusCode::kResourceExhausted) << results[kSnmpd].status;
  EXPECT_LE(results[kSnmpd].pdus_sent, 4);  // the probe's v1 twin included
}

TEST(SnmpEngineLab, CancelEndsTheRunPromptly) {
  std::vector<std::string> dead;
  for (int i = 130; i < 150; ++i) dead.push_back(absl::StrCat("127.0.3.", i));
  SnmpOptions options = LabOptions();
  options.timeout_ms = 5000;
  options.max_in_flight = 5;
  SnmpEngine engine;
  const auto start = Clock::now();
  double seconds = 0;
  auto results = Sweep(engine, dead, {V2c("lab", kCommunity)}, {}, options, &seconds,
                       [&] { return Clock::now() - start > std::chrono::milliseconds(200); });
  for (const auto& [address, r] : results) {
    EXPECT_EQ(r.status.code(), absl::StatusCode::kCancelled) << address << " " << r.status;
  }
  EXPECT_LT(seconds, 1.0);
}

// The rate limit: a throttled sweep sends its PDUs no faster than
// packets_per_second (a lower bound on the elapsed time is the correctness
// check of the throttle, not a performance figure); 0 means no limit.
TEST(SnmpEngineLab, PacketsPerSecondBoundsTheSweep) {
  REQUIRE_SNMPD();
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.1"), O("1.3.6.1.2.1.2.2.1.2")};
  const std::vector<std::string> addresses = {kSnmpd, "127.0.3.150", "127.0.3.151"};
  SnmpOptions options = LabOptions();
  options.max_repetitions = 1;  // more PDUs for the same walk
  options.max_repetitions_growth = 1;

  SnmpEngine unthrottled;
  double free_seconds = 0;
  auto results = Sweep(unthrottled, addresses, {V2c("lab", kCommunity)}, plan, options, &free_seconds);
  ASSERT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status;
  const int64_t free_pdus = unthrottled.stats().pdus_sent;

  options.packets_per_second = 20;
  SnmpEngine throttled;
  double seconds = 0;
  results = Sweep(throttled, addresses, {V2c("lab", kCommunity)}, plan, options, &seconds);
  ASSERT_TRUE(results[kSnmpd].status.ok()) << results[kSnmpd].status;
  EXPECT_FALSE(results[kSnmpd].walk.Subtree(O("1.3.6.1.2.1.2.2.1.2")).empty());
  const int64_t pdus = throttled.stats().pdus_sent;
  std::printf("[ pps      ] %zu addresses: 20 pps: %lld PDUs in %.3f s (%.1f PDUs/s); unlimited: %lld PDUs in %.3f s\n",
              addresses.size(), static_cast<long long>(pdus), seconds, static_cast<double>(pdus) / seconds,
              static_cast<long long>(free_pdus), free_seconds);
  ASSERT_GE(pdus, 20);
  // One token is there at the start; then one every 50 ms.
  EXPECT_GE(seconds, 0.95 * static_cast<double>(pdus - 1) / 20.0);
  // Unlimited, the same sweep is not paced: the dead addresses' timeout
  // (0.5 s) dominates, far below the throttled time.
  EXPECT_LT(free_seconds, static_cast<double>(pdus - 1) / 20.0);
}

TEST(SnmpEngineLab, BadAddressIsInvalidArgument) {
  SnmpEngine engine;
  auto results = Sweep(engine, {"not-an-address"}, {V2c("lab", kCommunity)}, {}, LabOptions());
  EXPECT_EQ(results["not-an-address"].status.code(), absl::StatusCode::kInvalidArgument);
  results = Sweep(engine, {kSnmpd}, {}, {}, LabOptions());
  EXPECT_EQ(results[kSnmpd].status.code(), absl::StatusCode::kInvalidArgument);
}

// ---- TargetProbe with scripted events (no network) ----

Varbind Vb(const char* oid, int64_t n) {
  Varbind vb;
  vb.oid = O(oid);
  vb.value.type = ValueType::kInteger;
  vb.value.integer = n;
  return vb;
}

ProbeEvent Response(std::vector<Varbind> varbinds) {
  ProbeEvent e;
  e.kind = ProbeEvent::Kind::kResponse;
  e.varbinds = std::move(varbinds);
  return e;
}

ProbeEvent Timeout() {
  ProbeEvent e;
  e.kind = ProbeEvent::Kind::kTimeout;
  return e;
}

ProbeEvent AnswerAll(const ProbeRequest& r) {
  std::vector<Varbind> vbs;
  for (const Oid& oid : r.oids) {
    Varbind vb;
    vb.oid = oid;
    vb.value.type = ValueType::kInteger;
    vbs.push_back(vb);
  }
  return Response(std::move(vbs));
}

TEST(TargetProbe, V2cSilentV1AnswersUsesV1) {
  std::vector<SnmpCredential> creds = {V2c("c1", "x")};
  WalkPlan plan;
  SnmpOptions options;
  TargetProbe probe("192.0.2.1", &creds, &plan, &options);
  auto requests = probe.TakeRequests();
  ASSERT_EQ(requests.size(), 2u);  // v2c and its v1 twin, together
  EXPECT_EQ(requests[0].version, SnmpCredential::Version::kV2c);
  EXPECT_EQ(requests[1].version, SnmpCredential::Version::kV1);
  probe.OnEvent(requests[1].token, AnswerAll(requests[1]));
  EXPECT_FALSE(probe.done());  // waits for v2c's fate
  probe.OnEvent(requests[0].token, Timeout());
  ASSERT_TRUE(probe.done());
  TargetResult r = probe.TakeResult();
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.version_used, 1);
  EXPECT_EQ(r.walk.size(), 3u);
}

TEST(TargetProbe, AllCredentialsSilentIsDeadlineExceeded) {
  std::vector<SnmpCredential> creds = {V2c("c1", "x"), V2c("c2", "y")};
  WalkPlan plan;
  SnmpOptions options;
  TargetProbe probe("192.0.2.1", &creds, &plan, &options);
  for (int round = 0; round < 2; ++round) {
    for (const ProbeRequest& r : probe.TakeRequests()) probe.OnEvent(r.token, Timeout());
  }
  ASSERT_TRUE(probe.done());
  TargetResult r = probe.TakeResult();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[1], "no answer with credential c2 (wrong community or not an SNMP agent)");
}

TEST(TargetProbe, WalksSeveralSubtreesAtOnceAndStopsAtTheVarbindCap) {
  std::vector<SnmpCredential> creds = {V2c("c1", "x")};
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2"), O("1.3.6.1.2.1.31"), O("1.3.6.1.2.1.4"), O("1.3.6.1.2.1.25"),
                   O("1.3.6.1.2.1.47")};
  SnmpOptions options;
  options.max_varbinds_per_target = 100;
  options.v1_fallback = false;
  TargetProbe probe("192.0.2.1", &creds, &plan, &options);
  auto requests = probe.TakeRequests();
  ASSERT_EQ(requests.size(), 1u);
  probe.OnEvent(requests[0].token, AnswerAll(requests[0]));
  requests = probe.TakeRequests();
  ASSERT_EQ(requests.size(), 4u);  // max_requests_per_target subtrees in flight
  for (const auto& r : requests) EXPECT_EQ(r.kind, ProbeRequest::Kind::kGetBulk);
  // The first subtree answers row after row until the cap.
  uint32_t row = 1;
  uint64_t token = requests[0].token;
  while (!probe.done()) {
    std::vector<Varbind> vbs;
    for (int i = 0; i < 25; ++i) {
      Varbind vb = Vb("1.3.6.1.2.1.2.2.1.1", 0);
      vb.oid.arcs.push_back(row++);
      vbs.push_back(vb);
    }
    probe.OnEvent(token, Response(vbs));
    auto next = probe.TakeRequests();
    if (probe.done()) break;
    ASSERT_EQ(next.size(), 1u);
    token = next[0].token;
  }
  TargetResult r = probe.TakeResult();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status.message(), "walk of 1.3.6.1.2.1.2.2 stopped after 100 varbinds (max_varbinds_per_target)");
}

TEST(TargetProbe, NonIncreasingOidStopsTheSubtreeWithDataLoss) {
  std::vector<SnmpCredential> creds = {V2c("c1", "x")};
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2")};
  SnmpOptions options;
  options.v1_fallback = false;
  TargetProbe probe("192.0.2.1", &creds, &plan, &options);
  auto requests = probe.TakeRequests();
  probe.OnEvent(requests[0].token, AnswerAll(requests[0]));
  requests = probe.TakeRequests();
  ASSERT_EQ(requests.size(), 1u);
  probe.OnEvent(requests[0].token,
                Response({Vb("1.3.6.1.2.1.2.2.1.1.2", 1), Vb("1.3.6.1.2.1.2.2.1.1.1", 1)}));
  ASSERT_TRUE(probe.done());
  TargetResult r = probe.TakeResult();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status.message().find("OID not increasing (1.3.6.1.2.1.2.2.1.1.1 after 1.3.6.1.2.1.2.2.1.1.2)"),
            std::string::npos)
      << r.status;
  EXPECT_EQ(r.walk.Subtree(O("1.3.6.1.2.1.2.2")).size(), 1u);
}

// Whatever an agent answers, the probe ends, within its PDU limit, with a
// status, and keeps no more varbinds than allowed.
TEST(TargetProbe, RandomAnswersAlwaysEnd) {
  std::mt19937 rng(20261201);
  std::vector<SnmpCredential> creds = {V2c("c1", "x"), V3("c2", "u", "aaaaaaaa", "bbbbbbbb"), V2c("c3", "y")};
  WalkPlan plan;
  plan.subtrees = {O("1.3.6.1.2.1.2.2"), O("1.3.6.1.2.1.31.1.1"), O("1.3.6.1.2.1.4.20")};
  for (uint32_t i = 1; i <= 40; ++i) plan.scalars.push_back(O(absl::StrCat("1.3.6.1.4.1.9.2.", i, ".0").c_str()));
  SnmpOptions options;
  options.max_pdus_per_target = 200;
  options.max_varbinds_per_target = 500;
  for (int round = 0; round < 300; ++round) {
    TargetProbe probe("192.0.2.1", &creds, &plan, &options);
    std::vector<ProbeRequest> pending = probe.TakeRequests();
    int steps = 0;
    while (!probe.done() && !pending.empty()) {
      ASSERT_LT(++steps, 5000);
      const size_t pick = rng() % pending.size();
      ProbeRequest r = pending[pick];
      pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pick));
      ProbeEvent e;
      switch (rng() % 10) {
        case 0: e = Timeout(); break;
        case 1: e.kind = ProbeEvent::Kind::kRefused; e.detail = "authentication failed"; break;
        case 2: e = AnswerAll(r); e.error_status = static_cast<int>(rng() % 6); e.error_index = static_cast<int>(rng() % 4); break;
        case 3: if (rng() % 20 == 0) e.kind = ProbeEvent::Kind::kMalformed; else e = AnswerAll(r); break;
        default: {
          if (r.kind == ProbeRequest::Kind::kGet) {
            e = AnswerAll(r);
          } else {  // rows after the cursor, sometimes out of order, out of the subtree, or at the end
            const int n = static_cast<int>(rng() % (r.max_repetitions + 3));
            for (int i = 0; i < n; ++i) {
              Varbind vb;
              vb.oid = r.oids[0];
              vb.oid.arcs.push_back(rng() % 5 == 0 ? 0 : static_cast<uint32_t>(i + 1));
              if (rng() % 30 == 0) vb.oid.arcs[3] = 9;
              vb.value.type = rng() % 40 == 0 ? ValueType::kEndOfMibView : ValueType::kInteger;
              e.varbinds.push_back(vb);
            }
          }
        }
      }
      probe.OnEvent(r.token, std::move(e));
      for (ProbeRequest& n : probe.TakeRequests()) pending.push_back(std::move(n));
    }
    ASSERT_TRUE(probe.done()) << "round " << round;
    TargetResult result = probe.TakeResult();
    EXPECT_LE(result.varbinds, options.max_varbinds_per_target + 40);
    EXPECT_LE(result.walk.size(), static_cast<size_t>(result.varbinds));
  }
}

}  // namespace
}  // namespace cmdb::discovery
