// Discovery end to end against the lab (scripts/lab.sh: 44 recorded devices,
// one of them SNMPv3 only, a real snmpd, silent addresses): a real cmdbd
// (embedded PostgreSQL) and real cmdb-discovery worker processes sweep
// 127.0.1.0/24 and write through reconciliation. Checks that every device
// is there once with the expected class, that LLDP/CDP links join
// interfaces, that a rescan writes nothing, that a changed device writes
// exactly its change, that a worker killed or paused mid-run loses and
// duplicates nothing, that a device no longer answering goes stale, and that
// no secret appears in any log or answer.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "cmdb/v1/cmdb_service.grpc.pb.h"
#include "cmdb/v1/discovery.grpc.pb.h"
#include "cmdb/v1/reconcile.grpc.pb.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = cmdb::v1;

constexpr char kCommunity[] = "public";
constexpr char kV3Auth[] = "cmdb-lab-auth";
constexpr char kV3Priv[] = "cmdb-lab-priv";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a command to completion; returns its exit code, output to `log`.
int RunCommand(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// One recorded device served by a private snmpsimd on `address`, so that a
// test can change what the device says between scans.
class PrivateSimulator {
 public:
  PrivateSimulator(std::string dir, std::string address) : dir_(std::move(dir)), address_(std::move(address)) {
    fs::create_directories(dir_ + "/data");
    fs::create_directories(dir_ + "/cache");
    chmod(dir_.c_str(), 0755);
    chmod((dir_ + "/data").c_str(), 0755);
    if (geteuid() == 0) {
      const passwd* nobody = getpwnam("nobody");
      if (nobody != nullptr) chown((dir_ + "/cache").c_str(), nobody->pw_uid, nobody->pw_gid);
    }
  }
  ~PrivateSimulator() { Stop(); }

  // Serves `recording` (snmprec text) to community "public"; true once it answers.
  bool Serve(const std::string& recording) {
    Stop();
    fs::remove_all(dir_ + "/cache");
    fs::create_directories(dir_ + "/cache");
    if (geteuid() == 0) {
      const passwd* nobody = getpwnam("nobody");
      if (nobody != nullptr) chown((dir_ + "/cache").c_str(), nobody->pw_uid, nobody->pw_gid);
    }
    {
      std::ofstream out(dir_ + "/data/public.snmprec");
      out << recording;
    }
    chmod((dir_ + "/data/public.snmprec").c_str(), 0644);
    std::vector<std::string> argv = {"/usr/bin/snmpsimd", "--v2c-arch", "--data-dir=" + dir_ + "/data",
                                     "--cache-dir=" + dir_ + "/cache", "--logging-method=null",
                                     "--agent-udpv4-endpoint=" + address_ + ":161"};
    if (geteuid() == 0) {
      argv.push_back("--process-user=nobody");
      argv.push_back("--process-group=nogroup");
    }
    pid_ = Spawn(argv, dir_ + "/snmpsimd.log");
    for (int i = 0; i < 120; ++i) {
      if (RunCommand({"/usr/bin/snmpget", "-v2c", "-cpublic", "-t1", "-r0", "-Oqv", address_, "1.3.6.1.2.1.1.2.0"},
                     dir_ + "/probe.log") == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::string dir_;
  std::string address_;
  pid_t pid_ = -1;
};

// A recording as the lab serves it: sysUpTime advances like a real agent's.
std::string ServedRecording(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  const std::string uptime = "1.3.6.1.2.1.1.3.0|67|";
  while (std::getline(in, line)) {
    if (line.starts_with(uptime)) line = "1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=" + line.substr(uptime.size());
    out += line + "\n";
  }
  return out;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string Attr(const v1::ConfigurationItem& ci, const char* key) {
  auto it = ci.attributes().fields().find(key);
  return it == ci.attributes().fields().end() ? "" : it->second.string_value();
}

class DiscoveryLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(RunCommand({"/bin/bash", std::string(CMDB_SOURCE_DIR) + "/scripts/lab.sh", "start"}, "/tmp/cmdb-lab-test.log"), 0)
        << "the lab did not start; see /tmp/cmdb-lab-test.log";
    char tmpl[] = "/tmp/cmdb-discovery-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    chmod(dir_.c_str(), 0711);
    admin_ = Token("admin", "lab-admin");
    worker_token_ = Token("discovery", "lab-worker");
    server_pid_ = Spawn({CMDBD_PATH, "--data-dir", dir_ + "/data", "--listen", "127.0.0.1:0", "--tokens",
                         dir_ + "/tokens", "--discovery-tick", "1", "--discovery-lease", "6",
                         "--discovery-job-size", "64"},
                        dir_ + "/cmdbd.log");
    for (int i = 0; i < 600 && server_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::istringstream log(Slurp(dir_ + "/cmdbd.log"));
      std::string line;
      while (std::getline(log, line)) {
        auto at = line.find("cmdbd listening on ");
        if (at != std::string::npos) server_ = line.substr(at + 19, line.find(' ', at + 19) - at - 19);
      }
    }
    ASSERT_FALSE(server_.empty()) << "cmdbd did not start; see " << dir_ << "/cmdbd.log";
    auto channel = grpc::CreateChannel(server_, grpc::InsecureChannelCredentials());
    cmdb_ = v1::CmdbService::NewStub(channel);
    disc_ = v1::DiscoveryService::NewStub(channel);
    rec_ = v1::ReconciliationService::NewStub(channel);

    // Credentials, tried in this order: the v2c community, then the v3 user
    // of the v3-only recording (SHA-256).
    for (auto [name, kind, auth] : {std::tuple{"lab-public", v1::CREDENTIAL_KIND_SNMP_V2C, v1::SNMP_AUTH_PROTOCOL_UNSPECIFIED},
                                    std::tuple{"lab-v3", v1::CREDENTIAL_KIND_SNMP_V3, v1::SNMP_AUTH_PROTOCOL_SHA256}}) {
      v1::CreateCredentialRequest req;
      v1::Credential* c = req.mutable_credential();
      c->set_name(name);
      c->set_kind(kind);
      if (kind == v1::CREDENTIAL_KIND_SNMP_V2C) {
        c->set_community(kCommunity);
      } else {
        c->set_user("labv3");
        c->set_auth_protocol(auth);
        c->set_auth_key(kV3Auth);
        c->set_priv_protocol(v1::SNMP_PRIV_PROTOCOL_AES128);
        c->set_priv_key(kV3Priv);
      }
      v1::Credential out;
      auto ctx = Ctx();
      grpc::Status s = disc_->CreateCredential(ctx.get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
      answers_ += out.DebugString();
    }
  }

  static void TearDownTestSuite() {
    if (server_pid_ > 0) {
      kill(server_pid_, SIGTERM);
      int status = 0;
      waitpid(server_pid_, &status, 0);
    }
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  static std::string Token(const std::string& role, const std::string& name) {
    const std::string out = dir_ + "/token-" + name;
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDOUT_FILENO);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, STDERR_FILENO);
      execl(CMDBD_PATH, CMDBD_PATH, "token", "create", "--role", role.c_str(), "--name", name.c_str(), "--tokens",
            (dir_ + "/tokens").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::string token = Slurp(out);
    return token.substr(0, token.find('\n'));
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 60) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    ctx->AddMetadata("authorization", "Bearer " + admin_);
    return ctx;
  }

  static pid_t StartWorker(const std::string& name) {
    return Spawn({CMDB_DISCOVERY_PATH, "--server", server_, "--token", worker_token_, "--name", name, "--once"},
                 dir_ + "/worker-" + name + ".log");
  }

  static v1::DiscoveryRun StartRun(const std::string& targets) {
    v1::StartRunRequest req;
    req.add_targets(targets);
    for (const char* c : {"lab-public", "lab-v3"}) req.add_credentials(c);
    // The recorded devices share one simulator, a single process that the
    // first sweep loads with every device's walk at once (a CI run once saw
    // one device miss two 2 s attempts per credential): give it time under
    // load. Silent addresses are probed concurrently, so this costs little.
    req.mutable_limits()->mutable_timeout()->set_seconds(3);
    req.mutable_limits()->set_retries(2);
    v1::DiscoveryRun run;
    auto ctx = Ctx();
    grpc::Status s = disc_->StartRun(ctx.get(), req, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    answers_ += run.DebugString();
    return run;
  }

  // Polls the run until it ends (at most `seconds`).
  static v1::DiscoveryRun WaitRun(const std::string& id, int seconds = 900) {
    v1::DiscoveryRun run;
    for (int i = 0; i < seconds; ++i) {
      v1::GetRunRequest req;
      req.set_id(id);
      auto ctx = Ctx();
      if (disc_->GetRun(ctx.get(), req, &run).ok() && run.state() >= v1::RUN_STATE_SUCCEEDED) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    answers_ += run.DebugString();
    return run;
  }

  static std::vector<v1::TargetResult> Log(const std::string& run_id) {
    std::vector<v1::TargetResult> out;
    v1::ListRunLogRequest req;
    req.set_run_id(run_id);
    do {
      v1::ListRunLogResponse resp;
      auto ctx = Ctx();
      grpc::Status s = disc_->ListRunLog(ctx.get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), resp.entries().begin(), resp.entries().end());
      answers_ += resp.DebugString();
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  static std::vector<v1::ConfigurationItem> Cis(const std::string& filter) {
    std::vector<v1::ConfigurationItem> out;
    v1::ListCIsRequest req;
    req.set_filter(filter);
    req.set_page_size(1000);
    do {
      v1::ListCIsResponse resp;
      auto ctx = Ctx();
      grpc::Status s = cmdb_->ListCIs(ctx.get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), resp.cis().begin(), resp.cis().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  static std::vector<v1::Relationship> Relationships(const std::string& type) {
    std::vector<v1::Relationship> out;
    v1::ListRelationshipsRequest req;
    req.set_type(type);
    req.set_page_size(1000);
    do {
      v1::ListRelationshipsResponse resp;
      auto ctx = Ctx();
      grpc::Status s = cmdb_->ListRelationships(ctx.get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), resp.relationships().begin(), resp.relationships().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  // Total of every CI's and relationship's version: any write changes it.
  static int64_t VersionSum() {
    int64_t sum = 0;
    for (const auto& ci : Cis("")) sum += ci.version() * 1000003 + 1;
    for (const auto& type : {"connected_to", "assigned_to", "runs_on"}) {
      for (const auto& r : Relationships(type)) sum += r.version() * 7 + 1;
    }
    return sum;
  }

  static inline std::string dir_, server_, admin_, worker_token_, answers_;
  static inline pid_t server_pid_ = -1;
  static inline std::unique_ptr<v1::CmdbService::Stub> cmdb_;
  static inline std::unique_ptr<v1::DiscoveryService::Stub> disc_;
  static inline std::unique_ptr<v1::ReconciliationService::Stub> rec_;
  static inline std::string first_run_;
};

TEST_F(DiscoveryLab, SweepFindsEveryDeviceOnceWithItsClass) {
  v1::DiscoveryRun run = StartRun("127.0.1.0/24");
  ASSERT_EQ(run.progress().targets_total(), 254);
  first_run_ = run.id();
  // The /24 is four jobs of 64 (--discovery-job-size): a worker each, so the
  // silent addresses' timeouts are waited out once, not one job after another.
  std::vector<pid_t> workers;
  for (const char* name : {"a", "b", "c", "d"}) workers.push_back(StartWorker(name));
  run = WaitRun(run.id());
  for (pid_t p : workers) {
    int status = 0;
    waitpid(p, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_EQ(run.state(), v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.progress().targets_done(), 254);

  std::map<std::string, v1::TargetResult> log;
  for (auto& e : Log(run.id())) log[e.address()] = e;
  ASSERT_EQ(log.size(), 254u);
  for (int k = 44; k <= 49; ++k) {
    EXPECT_EQ(log["127.0.1." + std::to_string(k)].outcome(), v1::TARGET_OUTCOME_NO_RESPONSE) << k;
  }
  // The v3-only recording answered with the v3 credential, snmpd too.
  EXPECT_EQ(log["127.0.1.16"].credential(), "lab-v3");
  EXPECT_EQ(log["127.0.1.16"].snmp_version(), "3");
  EXPECT_FALSE(log["127.0.1.50"].device_id().empty()) << log["127.0.1.50"].DebugString();

  toml::table expected = toml::parse_file(std::string(CMDB_SOURCE_DIR) + "/tests/lab/expected.toml");
  int checked = 0;
  for (const auto& node : *expected["device"].as_array()) {
    const toml::table& e = *node.as_table();
    const std::string address = e["address"].value_or("");
    const v1::TargetResult& t = log[address];
    EXPECT_TRUE(t.outcome() == v1::TARGET_OUTCOME_DISCOVERED || t.outcome() == v1::TARGET_OUTCOME_PARTIAL)
        << address << ": " << t.DebugString();
    auto cis = Cis("attributes.management_ip = \"" + address + "\"");
    ASSERT_EQ(cis.size(), 1u) << address << " must be one CI";
    const auto& ci = cis.front();
    EXPECT_EQ(ci.id(), t.device_id()) << address;
    EXPECT_EQ(ci.class_name(), e["class"].value_or("")) << address;
    EXPECT_EQ(Attr(ci, "serial_number"), e["serial"].value_or("")) << address;
    EXPECT_EQ(Attr(ci, "manufacturer"), e["manufacturer"].value_or("")) << address;
    ++checked;
  }
  EXPECT_EQ(checked, 44);
  // Every interface of a device is one CI (no duplicates by name).
  std::map<std::string, std::set<std::string>> names;
  for (const auto& i : Cis("class = interface")) {
    EXPECT_TRUE(names[i.parent_id()].insert(i.name()).second) << "interface " << i.name() << " twice under " << i.parent_id();
  }
}

TEST_F(DiscoveryLab, NeighbourLinksJoinInterfacesOnce) {
  ASSERT_FALSE(first_run_.empty());
  auto links = Relationships("connected_to");
  EXPECT_GT(links.size(), 20u) << "LLDP and CDP neighbours of the lab devices";
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& r : links) {
    EXPECT_EQ(r.source_class(), "interface");
    EXPECT_EQ(r.target_class(), "interface");
    auto key = std::minmax(r.source_id(), r.target_id());
    EXPECT_TRUE(pairs.insert(key).second) << "a link recorded twice: " << r.DebugString();
  }
}

TEST_F(DiscoveryLab, RescanWritesNothing) {
  ASSERT_FALSE(first_run_.empty());
  const int64_t before = VersionSum();
  v1::DiscoveryRun run = StartRun("127.0.1.0/24");
  std::vector<pid_t> workers;
  for (const char* name : {"rescan-a", "rescan-b", "rescan-c", "rescan-d"}) workers.push_back(StartWorker(name));
  run = WaitRun(run.id());
  for (pid_t p : workers) waitpid(p, nullptr, 0);
  ASSERT_EQ(run.state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(VersionSum(), before) << "a rescan of an unchanged network must write no new version";
}

TEST_F(DiscoveryLab, WorkerKilledMidRunLosesNothing) {
  ASSERT_FALSE(first_run_.empty());
  v1::DiscoveryRun run = StartRun("127.0.1.0/24");
  pid_t a = StartWorker("doomed");
  // Kill it once it has reported something (or after a while).
  for (int i = 0; i < 120; ++i) {
    v1::GetRunRequest req;
    req.set_id(run.id());
    v1::DiscoveryRun now;
    auto ctx = Ctx();
    if (disc_->GetRun(ctx.get(), req, &now).ok() && now.progress().targets_done() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  kill(a, SIGKILL);
  waitpid(a, nullptr, 0);
  // The killed worker's lease expires (6 s) and other workers finish the
  // run, three at a time. A worker with --once leaves when no job is free,
  // so they are started again until the run ends.
  for (int attempt = 0; attempt < 120 && run.state() < v1::RUN_STATE_SUCCEEDED; ++attempt) {
    std::vector<pid_t> rescuers;
    for (const char* name : {"rescuer-a", "rescuer-b", "rescuer-c"}) rescuers.push_back(StartWorker(name));
    for (pid_t p : rescuers) waitpid(p, nullptr, 0);
    run = WaitRun(run.id(), 2);
  }
  ASSERT_EQ(run.state(), v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.progress().targets_done(), 254);
  for (int k = 1; k <= 43; ++k) {
    const std::string address = "127.0.1." + std::to_string(k);
    EXPECT_EQ(Cis("attributes.management_ip = \"" + address + "\"").size(), 1u) << address;
  }
}

TEST_F(DiscoveryLab, PausedWorkerComingBackDuplicatesNothing) {
  ASSERT_FALSE(first_run_.empty());
  const int64_t sum_before = VersionSum();
  v1::DiscoveryRun run = StartRun("127.0.1.1-127.0.1.43");
  pid_t paused = StartWorker("paused");
  for (int i = 0; i < 240; ++i) {
    v1::GetRunRequest req;
    req.set_id(run.id());
    v1::DiscoveryRun now;
    auto ctx = Ctx();
    if (disc_->GetRun(ctx.get(), req, &now).ok() && now.progress().targets_done() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Frozen mid-job: its lease (6 s) expires and another worker does the job.
  ASSERT_EQ(kill(paused, SIGSTOP), 0);
  for (int attempt = 0; attempt < 120 && run.state() < v1::RUN_STATE_SUCCEEDED; ++attempt) {
    pid_t rescuer = StartWorker("rescuer-of-paused");
    waitpid(rescuer, nullptr, 0);
    run = WaitRun(run.id(), 2);
  }
  ASSERT_EQ(run.state(), v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.progress().targets_done(), 43);
  // It wakes up with its late results: they must not count twice or create anything.
  ASSERT_EQ(kill(paused, SIGCONT), 0);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 600 && done == 0; ++i) {
    done = waitpid(paused, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (done == 0) {
    kill(paused, SIGKILL);
    waitpid(paused, nullptr, 0);
  }
  EXPECT_NE(done, 0) << "the paused worker did not give up its lost job";
  v1::GetRunRequest req;
  req.set_id(run.id());
  v1::DiscoveryRun final_run;
  auto ctx = Ctx();
  ASSERT_TRUE(disc_->GetRun(ctx.get(), req, &final_run).ok());
  EXPECT_EQ(final_run.state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(final_run.progress().targets_done(), 43);
  for (int k = 1; k <= 43; ++k) {
    const std::string address = "127.0.1." + std::to_string(k);
    EXPECT_EQ(Cis("attributes.management_ip = \"" + address + "\"").size(), 1u) << address;
  }
  EXPECT_EQ(VersionSum(), sum_before) << "an unchanged network, scanned twice over, writes nothing";
}

TEST_F(DiscoveryLab, ChangedDeviceWritesExactlyItsChange) {
  ASSERT_FALSE(first_run_.empty());
  // A UPS management card (the lab's 127.0.1.40: the same device, so the
  // first scan here moves its management address, and the next scan of .40
  // moves it back), served alone at 127.0.3.1; then its sysDescr says
  // the firmware was upgraded (v7.0.8 -> v7.1.2) and the address is scanned
  // again.
  const std::string address = "127.0.3.1";
  const std::string original =
      ServedRecording(Slurp(std::string(CMDB_SOURCE_DIR) + "/tests/lab/snmprec/apc_smt750x-nmc2.snmprec"));
  ASSERT_NE(original.find("PF:v7.0.8"), std::string::npos);
  PrivateSimulator sim(dir_ + "/sim", address);
  ASSERT_TRUE(sim.Serve(original)) << "snmpsimd did not answer on " << address;
  auto scan = [&] {
    v1::DiscoveryRun run = StartRun(address);
    pid_t w = StartWorker("changed");
    run = WaitRun(run.id(), 120);
    waitpid(w, nullptr, 0);
    return run;
  };
  ASSERT_EQ(scan().state(), v1::RUN_STATE_SUCCEEDED);
  auto found = Cis("attributes.management_ip = \"" + address + "\"");
  ASSERT_EQ(found.size(), 1u);
  const v1::ConfigurationItem before = found[0];
  EXPECT_EQ(Attr(before, "os_version"), "7.0.8") << before.DebugString();
  const int64_t sum_before = VersionSum();

  const std::string descr_oid = "1.3.6.1.2.1.1.1.0|4|";
  const size_t at = original.find(descr_oid);
  ASSERT_NE(at, std::string::npos);
  const size_t end = original.find('\n', at);
  const std::string upgraded = original.substr(0, at) +
                               ReplaceAll(original.substr(at, end - at), "v7.0.8", "v7.1.2") + original.substr(end);
  ASSERT_TRUE(sim.Serve(upgraded));
  ASSERT_EQ(scan().state(), v1::RUN_STATE_SUCCEEDED);
  found = Cis("attributes.management_ip = \"" + address + "\"");
  ASSERT_EQ(found.size(), 1u);
  const v1::ConfigurationItem& after = found[0];
  EXPECT_EQ(after.id(), before.id());
  EXPECT_EQ(after.version(), before.version() + 1);
  EXPECT_EQ(Attr(after, "os_version"), "7.1.2") << after.DebugString();
  EXPECT_NE(Attr(after, "sys_descr").find("PF:v7.1.2"), std::string::npos);
  // Only those fields changed: every other attribute is as it was.
  for (const auto& [key, value] : before.attributes().fields()) {
    if (key == "os_version" || key == "sys_descr") continue;
    auto it = after.attributes().fields().find(key);
    ASSERT_NE(it, after.attributes().fields().end()) << key;
    EXPECT_EQ(it->second.DebugString(), value.DebugString()) << key;
  }
  // And nothing else in the CMDB got a version: the device's one new version
  // is the whole difference.
  EXPECT_EQ(VersionSum(), sum_before + 1000003);
  sim.Stop();
}

TEST_F(DiscoveryLab, DeviceNoLongerAnsweringGoesStale) {
  ASSERT_FALSE(first_run_.empty());
  // A device discovery found at an address that now stays silent (as if it
  // had been removed): one missed complete run makes it stale.
  v1::SetSourcePolicyRequest policy;
  policy.mutable_source()->set_name("snmp");
  policy.mutable_source()->set_stale_after_runs(1);
  v1::Source source;
  auto ctx = Ctx();
  ASSERT_TRUE(rec_->SetSourcePolicy(ctx.get(), policy, &source).ok());
  v1::ReconcileRequest gone;
  gone.set_source("snmp");
  v1::ReconcileItem* item = gone.add_items();
  item->set_ref("gone");
  item->set_class_name("switch");
  item->set_name("removed-switch");
  (*item->mutable_attributes()->mutable_fields())["management_ip"].set_string_value("127.0.1.45");
  (*item->mutable_attributes()->mutable_fields())["serial_number"].set_string_value("GONE0001");
  v1::ReconcileResponse written;
  auto ctx2 = Ctx();
  ASSERT_TRUE(rec_->Reconcile(ctx2.get(), gone, &written).ok());
  const std::string id = written.items(0).ci_id();

  v1::DiscoveryRun run = StartRun("127.0.1.40-127.0.1.49");
  pid_t a = StartWorker("stale");
  run = WaitRun(run.id());
  waitpid(a, nullptr, 0);
  ASSERT_EQ(run.state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_GE(run.marked_stale(), 1);
  v1::GetCIRequest get;
  get.set_id(id);
  v1::ConfigurationItem ci;
  auto ctx3 = Ctx();
  ASSERT_TRUE(cmdb_->GetCI(ctx3.get(), get, &ci).ok());
  EXPECT_TRUE(ci.stale());
  // The devices that answered in that range are not stale.
  for (const auto& d : Cis("attributes.management_ip = \"127.0.1.41\"")) EXPECT_FALSE(d.stale());
}

TEST_F(DiscoveryLab, NoSecretInAnyLogOrAnswer) {
  std::string everything = answers_;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().extension() == ".log") everything += Slurp(entry.path().string());
  }
  ASSERT_FALSE(everything.empty());
  // "public" is also an ordinary word; the v3 passphrases are not.
  EXPECT_EQ(everything.find(kV3Auth), std::string::npos);
  EXPECT_EQ(everything.find(kV3Priv), std::string::npos);
  EXPECT_EQ(everything.find("community: \"public\""), std::string::npos);
}

}  // namespace
