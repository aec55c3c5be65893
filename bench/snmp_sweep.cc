// Discovery: an SNMP sweep of a /24 by our engine against the pipeline an
// administrator would script with net-snmp's own tools, side by side in one
// run, alternating, N rounds; reports medians and the ratio.
//
// Ours: SnmpEngine::Run over the addresses with credentials [v2c public,
// v3 labv3 SHA-256/AES], timeout 1 s, retries 1, once with the worker's walk
// plan (mib::RequiredScalars/RequiredSubtrees and the classifier's probes)
// and once with exactly the tables the baseline walks; and a third time with
// the baseline's tables and the baseline's probing: the one community it
// knows (no v3 credential) and probes not resent (probe_retries 0, as
// onesixtyone sends one packet per address), walks still retried once.
// Baseline: `onesixtyone` (community public) finds the responders, then
// `snmpbulkwalk -v2c -c public -Cr25 -t 1 -r 1` of each table for each
// responder, 16 at a time (xargs -P). Its PDUs are estimated from the lines
// it prints: floor(varbinds/25)+1 GETBULKs per walk (2 for an empty walk,
// which snmpbulkwalk follows with a GET of the root), plus one per address
// for onesixtyone; retries are not seen.
//
// Configurations: `lab` (scripts/lab.sh start: recorded devices served by
// snmpsimd and one snmpd on 127.0.1.0/24), and `snmpd` (24 Debian snmpd
// agents this benchmark starts on 127.0.4.1-24 and stops at the end).
//
//   bench_snmp_sweep [--rounds 3] [--config lab,snmpd] [--parallel 16]
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "classify/classifier.h"
#include "mib/decoders.h"
#include "snmp/engine.h"

namespace cmdb::discovery {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The tables the baseline walks (and our restricted variant): system,
// ifTable, ifXTable, IP-MIB address and neighbour tables, entPhysicalTable,
// LLDP local ports, remotes and their management addresses, CDP cache.
const std::vector<std::string> kTables = {
    "1.3.6.1.2.1.1",           "1.3.6.1.2.1.2.2",         "1.3.6.1.2.1.31.1.1",      "1.3.6.1.2.1.4.20",
    "1.3.6.1.2.1.4.34",        "1.3.6.1.2.1.4.22",        "1.3.6.1.2.1.4.35",        "1.3.6.1.2.1.47.1.1.1",
    "1.0.8802.1.1.2.1.3.7",    "1.0.8802.1.1.2.1.4.1",    "1.0.8802.1.1.2.1.4.2",    "1.3.6.1.4.1.9.9.23.1.2.1"};

struct Figures {
  double seconds = 0;
  int64_t pdus = 0;
  int64_t varbinds = 0;  // kept (in the subtrees / scalars asked for)
  int64_t received = 0;  // ours: every varbind received, end-of-walk ones included
  int64_t timeouts = 0;  // ours: requests unanswered after every retry
  int responders = 0;
};

Figures RunOurs(const std::vector<std::string>& addresses, const std::vector<SnmpCredential>& credentials,
                const WalkPlan& plan, const SnmpOptions& options) {
  SnmpEngine engine;
  Figures f;
  const auto start = Clock::now();
  engine.Run(addresses, credentials, plan, options, [&](TargetResult r) {
    if (r.status.ok()) ++f.responders;
    f.varbinds += static_cast<int64_t>(r.walk.size());
  });
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.pdus = engine.stats().pdus_sent;
  f.received = engine.stats().varbinds_received;
  f.timeouts = engine.stats().timeouts;
  return f;
}

// The administrator's pipeline, as a shell script run by /bin/sh.
std::string PipelineScript(int parallel) {
  std::string tables;
  for (const std::string& t : kTables) tables += " " + t;
  return absl::StrCat(
      "#!/bin/sh\n"
      "# $1: work dir with `hosts`; writes `found`, `responders` and one file per walk under out/\n"
      "set -u\n"
      "d=$1\n"
      "rm -rf \"$d/out\" && mkdir -p \"$d/out\"\n"
      "onesixtyone -i \"$d/hosts\" public > \"$d/found\" 2>/dev/null\n"
      "grep -oE '^[0-9.]+ \\[public\\]' \"$d/found\" | cut -d' ' -f1 | sort -u > \"$d/responders\"\n"
      "export d\n"
      "for a in $(cat \"$d/responders\"); do for t in",
      tables,
      "; do echo \"$a $t\"; done; done |\n"
      "  xargs -P ",
      parallel,
      " -n 2 sh -c 'snmpbulkwalk -v2c -c public -Cr25 -t 1 -r 1 -On \"$0\" \"$1\" > \"$d/out/$0_$1\" 2>/dev/null'\n");
}

// Runs the pipeline (fork/exec of /bin/sh) and counts what it printed.
Figures RunBaseline(const std::string& dir, const std::string& script, size_t addresses) {
  Figures f;
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", script.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "baseline pipeline exited with status %d\n", status);
  }
  f.pdus = static_cast<int64_t>(addresses);  // onesixtyone: one GET per address
  {
    std::ifstream in(dir + "/responders");
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) {
        ++f.responders;
        ++f.varbinds;  // onesixtyone's sysDescr.0
      }
    }
  }
  for (const auto& entry : fs::directory_iterator(dir + "/out")) {
    std::ifstream in(entry.path());
    std::string line;
    int64_t n = 0;
    while (std::getline(in, line)) {
      if (line.size() < 2 || line[0] != '.' || line[1] < '0' || line[1] > '9') continue;  // a continuation
      if (line.find("= No Such") != std::string::npos || line.find("No more variables") != std::string::npos) {
        continue;
      }
      ++n;
    }
    f.varbinds += n;
    f.pdus += n == 0 ? 2 : n / 25 + 1;
  }
  return f;
}

// --- 24 snmpd agents -------------------------------------------------------

class SnmpdFarm {
 public:
  explicit SnmpdFarm(const std::string& dir) : dir_(dir) {}
  ~SnmpdFarm() { Stop(); }

  bool Start(int count, const std::string& subnet) {
    const std::string conf = dir_ + "/snmpd.conf";
    std::ofstream(conf) << "dontLogTCPWrappersConnects yes\n"
                        << "rocommunity public 127.0.0.0/8\n"
                        << "sysLocation cmdb bench\nsysContact bench@example.org\n";
    for (int i = 1; i <= count; ++i) {
      const std::string address = absl::StrCat(subnet, ".", i);
      const std::string persist = absl::StrCat(dir_, "/persist-", i);
      fs::create_directories(persist);
      pid_t pid = fork();
      if (pid == 0) {
        setpgid(0, 0);
        setenv("SNMP_PERSISTENT_DIR", persist.c_str(), 1);
        setenv("MIBS", "", 1);
        const std::string log = absl::StrCat(dir_, "/snmpd-", i, ".log");
        const std::string pidfile = absl::StrCat(dir_, "/snmpd-", i, ".pid");
        const std::string listen = absl::StrCat("udp:", address, ":161");
        if (freopen("/dev/null", "w", stdout) == nullptr || freopen("/dev/null", "w", stderr) == nullptr) _exit(126);
        execl("/usr/sbin/snmpd", "snmpd", "-f", "-Lf", log.c_str(), "-C", "-c", conf.c_str(), "-p",
              pidfile.c_str(), "-I", "-smux,mteTrigger,mteTriggerConf", listen.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      pids_.push_back(pid);
    }
    // Up when every agent answers sysDescr.0.
    std::vector<std::string> addresses;
    for (int i = 1; i <= count; ++i) addresses.push_back(absl::StrCat(subnet, ".", i));
    SnmpCredential v2c;
    v2c.id = "public";
    v2c.community = "public";
    SnmpOptions options;
    options.timeout_ms = 500;
    options.retries = 0;
    for (int attempt = 0; attempt < 40; ++attempt) {
      int up = 0;
      SnmpEngine engine;
      engine.Run(addresses, {v2c}, {}, options, [&](TargetResult r) { up += r.status.ok(); });
      if (up == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  void Stop() {
    for (pid_t pid : pids_) kill(pid, SIGTERM);
    for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
    pids_.clear();
  }

 private:
  std::string dir_;
  std::vector<pid_t> pids_;
};

SnmpdFarm* g_farm = nullptr;
void StopFarmAndExit(int sig) {
  if (g_farm != nullptr) g_farm->Stop();
  signal(sig, SIG_DFL);
  raise(sig);
}

struct Row {
  std::vector<Figures> full, tables, alike, base;
};

Figures MedianOf(const std::vector<Figures>& runs) {
  std::vector<double> s, p, v, r, n, t;
  for (const Figures& f : runs) {
    s.push_back(f.seconds);
    p.push_back(static_cast<double>(f.pdus));
    v.push_back(static_cast<double>(f.varbinds));
    r.push_back(static_cast<double>(f.received));
    n.push_back(f.responders);
    t.push_back(static_cast<double>(f.timeouts));
  }
  Figures m;
  m.seconds = Median(s);
  m.pdus = static_cast<int64_t>(Median(p));
  m.varbinds = static_cast<int64_t>(Median(v));
  m.received = static_cast<int64_t>(Median(r));
  m.responders = static_cast<int>(Median(n));
  m.timeouts = static_cast<int64_t>(Median(t));
  return m;
}

void PrintRun(const char* what, int round, const Figures& f) {
  std::printf("| %-26s | %5d | %8.2f s | %7lld | %8lld | %8lld | %8lld | %4d |\n", what, round, f.seconds,
              static_cast<long long>(f.pdus), static_cast<long long>(f.varbinds), static_cast<long long>(f.received),
              static_cast<long long>(f.timeouts), f.responders);
  std::fflush(stdout);
}

void Sweep(const std::string& name, const std::vector<std::string>& addresses, const std::string& work,
           int rounds, int parallel, const WalkPlan& full_plan, const WalkPlan& table_plan,
           const std::vector<SnmpCredential>& credentials, const SnmpOptions& options) {
  // The baseline's probing: its one community, each probe sent once.
  const std::vector<SnmpCredential> alike_credentials = {credentials.front()};
  SnmpOptions alike_options = options;
  alike_options.probe_retries = 0;
  const std::string dir = work + "/" + name;
  fs::create_directories(dir);
  {
    std::ofstream hosts(dir + "/hosts");
    for (const std::string& a : addresses) hosts << a << "\n";
  }
  const std::string script = dir + "/pipeline.sh";
  std::ofstream(script) << PipelineScript(parallel);
  std::printf("\n## %s: %zu addresses (%s .. %s)\n\n", name.c_str(), addresses.size(), addresses.front().c_str(),
              addresses.back().c_str());
  std::printf("| side                       | round |      time  |    PDUs | varbinds | received | timeouts | resp |\n");
  std::printf("|----------------------------|-------|------------|---------|----------|----------|----------|------|\n");
  Row row;
  for (int round = 1; round <= rounds; ++round) {
    auto ours = [&] {
      row.full.push_back(RunOurs(addresses, credentials, full_plan, options));
      PrintRun("ours, worker plan", round, row.full.back());
      row.tables.push_back(RunOurs(addresses, credentials, table_plan, options));
      PrintRun("ours, baseline's tables", round, row.tables.back());
      row.alike.push_back(RunOurs(addresses, alike_credentials, table_plan, alike_options));
      PrintRun("ours, baseline's probing", round, row.alike.back());
    };
    auto base = [&] {
      row.base.push_back(RunBaseline(dir, script, addresses.size()));
      PrintRun("onesixtyone + snmpbulkwalk", round, row.base.back());
    };
    if (round % 2) {
      ours();
      base();
    } else {
      base();
      ours();
    }
  }
  const Figures full = MedianOf(row.full), tables = MedianOf(row.tables), alike = MedianOf(row.alike),
                base = MedianOf(row.base);
  std::printf("\nmedians of %d rounds (%s):\n", rounds, name.c_str());
  PrintRun("ours, worker plan", 0, full);
  PrintRun("ours, baseline's tables", 0, tables);
  PrintRun("ours, baseline's probing", 0, alike);
  PrintRun("onesixtyone + snmpbulkwalk", 0, base);
  std::printf("ratio ours/baseline, baseline's tables: time %.2fx, PDUs %.2fx (goal: time <= 0.75x, PDUs <= 1.1x)\n",
              tables.seconds / base.seconds, static_cast<double>(tables.pdus) / static_cast<double>(base.pdus));
  std::printf("ratio ours/baseline, baseline's probing: time %.2fx, PDUs %.2fx\n", alike.seconds / base.seconds,
              static_cast<double>(alike.pdus) / static_cast<double>(base.pdus));
  std::printf("ratio ours/baseline, worker plan:       time %.2fx, PDUs %.2fx\n", full.seconds / base.seconds,
              static_cast<double>(full.pdus) / static_cast<double>(base.pdus));
  std::fflush(stdout);
}

}  // namespace
}  // namespace cmdb::discovery

int main(int argc, char** argv) {
  using namespace cmdb::discovery;
  int rounds = 3;
  int parallel = 16;
  std::vector<std::string> configs = {"lab", "snmpd"};
  std::string lab_subnet = "127.0.1";
  std::string snmpd_subnet = "127.0.4";
  int agents = 24;
  std::string rules = std::string(CMDB_SOURCE_DIR) + "/discovery/rules/classify.toml";
  CLI::App app{"SNMP sweep of a /24: SnmpEngine vs onesixtyone + snmpbulkwalk"};
  app.add_option("--rounds", rounds, "Rounds (each runs both sides; the order alternates)")->capture_default_str();
  app.add_option("--config", configs, "lab (scripts/lab.sh start first) and/or snmpd")->delimiter(',');
  app.add_option("--parallel", parallel, "Baseline: snmpbulkwalk processes at once (xargs -P)")->capture_default_str();
  app.add_option("--agents", agents, "snmpd configuration: agents started on <snmpd-subnet>.1..N")
      ->capture_default_str();
  app.add_option("--lab-subnet", lab_subnet, "First three octets of the lab /24")->capture_default_str();
  app.add_option("--snmpd-subnet", snmpd_subnet, "First three octets of the snmpd agents' /24")
      ->capture_default_str();
  app.add_option("--rules", rules, "Classification rules (their probes join the worker plan)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto classifier = Classifier::Load(rules);
  if (!classifier.ok()) {
    std::fprintf(stderr, "%s\n", std::string(classifier.status().message()).c_str());
    return 2;
  }
  WalkPlan full_plan;
  full_plan.scalars = mib::RequiredScalars();
  full_plan.subtrees = mib::RequiredSubtrees();
  const Probes& probes = classifier->probes();
  full_plan.scalars.insert(full_plan.scalars.end(), probes.values.begin(), probes.values.end());
  full_plan.subtrees.insert(full_plan.subtrees.end(), probes.subtrees.begin(), probes.subtrees.end());
  WalkPlan table_plan;
  for (const std::string& t : kTables) table_plan.subtrees.push_back(*Oid::Parse(t));

  std::vector<SnmpCredential> credentials(2);
  credentials[0].id = "v2c-public";
  credentials[0].version = SnmpCredential::Version::kV2c;
  credentials[0].community = "public";
  credentials[1].id = "v3-labv3";
  credentials[1].version = SnmpCredential::Version::kV3;
  credentials[1].user = "labv3";
  credentials[1].auth = SnmpCredential::Auth::kSha256;
  credentials[1].auth_key = "cmdb-lab-auth";
  credentials[1].priv = SnmpCredential::Priv::kAes128;
  credentials[1].priv_key = "cmdb-lab-priv";
  SnmpOptions options;
  options.timeout_ms = 1000;
  options.retries = 1;

  char tmpl[] = "/tmp/cmdb-bench-snmp-XXXXXX";
  const std::string work = mkdtemp(tmpl);
  std::printf("worker plan: %zu scalars, %zu subtrees; baseline's tables: %zu; timeout 1 s, retries 1; "
              "baseline xargs -P %d; load average at start: ",
              full_plan.scalars.size(), full_plan.subtrees.size(), table_plan.subtrees.size(), parallel);
  {
    std::ifstream load("/proc/loadavg");
    std::string line;
    std::getline(load, line);
    std::printf("%s\n", line.c_str());
  }
  std::printf("command: bench_snmp_sweep --rounds %d --config ", rounds);
  for (size_t i = 0; i < configs.size(); ++i) std::printf("%s%s", i ? "," : "", configs[i].c_str());
  std::printf("\n");

  int rc = 0;
  for (const std::string& config : configs) {
    std::vector<std::string> addresses;
    if (config == "lab") {
      for (int i = 1; i <= 254; ++i) addresses.push_back(absl::StrCat(lab_subnet, ".", i));
      Sweep("lab", addresses, work, rounds, parallel, full_plan, table_plan, credentials, options);
    } else if (config == "snmpd") {
      SnmpdFarm farm(work + "/snmpd");
      fs::create_directories(work + "/snmpd");
      g_farm = &farm;
      signal(SIGINT, StopFarmAndExit);
      signal(SIGTERM, StopFarmAndExit);
      if (!farm.Start(agents, snmpd_subnet)) {
        std::fprintf(stderr, "the %d snmpd agents did not all answer\n", agents);
        rc = 1;
      } else {
        for (int i = 1; i <= 254; ++i) addresses.push_back(absl::StrCat(snmpd_subnet, ".", i));
        Sweep("snmpd", addresses, work, rounds, parallel, full_plan, table_plan, credentials, options);
      }
      farm.Stop();
      g_farm = nullptr;
    } else {
      std::fprintf(stderr, "unknown configuration '%s'\n", config.c_str());
      rc = 2;
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  std::printf("load average at end: ");
  std::ifstream load("/proc/loadavg");
  std::string line;
  std::getline(load, line);
  std::printf("%s\n", line.c_str());
  return rc;
}
