// Discovery: an HTTP/TLS probe of many HTTPS endpoints by our engine against
// curl's own parallel mode, side by side in one run, alternating, N rounds;
// reports medians and the ratio.
//
// Endpoints: an nginx this benchmark starts in a temporary directory (and
// stops at the end, also on failure or a signal) serves `--endpoints`
// HTTPS endpoints on 127.0.6.1-16, ports 9441 and up (endpoint k on
// 127.0.6.(k%16+1), port 9441+k/16: 16 x 16 for the default 256), with
// HTTP/1.1 and h2, a leaf certificate (RSA 2048, SANs for the 16 addresses)
// signed by a CA the openssl command makes at start. Every endpoint answers
// `/` with 200 and an HTML page titled "Bench <address>:<port>".
//
// Ours: one HttpEngine::Run over the URLs (default HttpOptions, the bench
// CA as extra_ca_file so verification is real, max_in_flight 256); per
// answer the status, ExtractTitle(body) and the engine's parsed Certificate
// (subject, issuer, serial, SANs, dates, SHA-256, key, chain and host
// verification).
// Baseline: `curl --parallel --parallel-max 256 --cacert ca.pem` over the
// same URLs, each body saved to a file, `-w` printing status, HTTP version,
// URL and `%{certs}` (libcurl's text dump of the chain, with the PEM); then
// `grep -o '<title>[^<]*</title>'` over the saved bodies. A second baseline
// figure adds what curl does not compute, the SHA-256 fingerprint of each
// leaf: an awk script splits the leaves out of curl's output and
// `openssl x509 -noout -fingerprint -sha256` runs once per leaf (xargs -P
// <cores>). Both are launched by this benchmark (fork/exec), their output
// captured and read back within the timed region.
//
//   bench_http_probe [--rounds 5] [--endpoints 256] [--in-flight 256] [--nginx-workers 2] [--keep]
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "http/engine.h"
#include "http/probe.h"
#include "support/nginx.h"

namespace cmdb::discovery::http {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using cmdb::testing::ReadFile;
using cmdb::testing::WriteFile;

constexpr char kSubnet[] = "127.0.6";  // .1 to .16
constexpr int kAddresses = 16;
constexpr int kFirstPort = 9441;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// User + system CPU seconds of this process (RUSAGE_SELF) or of its
// children that ended and were waited for (RUSAGE_CHILDREN).
double CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds (user + system) of process `pid` and of its children now
// alive, from /proc: nginx's master and workers.
double ProcessTreeCpuSeconds(pid_t pid) {
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* entry = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    std::ifstream in(absl::StrCat("/proc/", entry->d_name, "/stat"));
    std::string stat;
    std::getline(in, stat);
    const size_t paren = stat.rfind(')');  // the command name may hold spaces
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state, skip;
    long ppid = 0;
    unsigned long long utime = 0, stime = 0;
    fields >> state >> ppid;
    for (int i = 0; i < 9; ++i) fields >> skip;  // pgrp .. cmajflt
    fields >> utime >> stime;
    if (std::atol(entry->d_name) == pid || ppid == pid) total += static_cast<double>(utime + stime) / tick;
  }
  closedir(proc);
  return total;
}

std::string LoadAverage() {
  std::string line;
  std::ifstream in("/proc/loadavg");
  std::getline(in, line);
  return line;
}

struct Endpoint {
  std::string address;
  int port = 0;
  std::string url;    // https://address:port/
  std::string title;  // what its page's <title> says
};

std::vector<Endpoint> Endpoints(int count) {
  std::vector<Endpoint> out;
  for (int k = 0; k < count; ++k) {
    Endpoint e;
    e.address = absl::StrCat(kSubnet, ".", k % kAddresses + 1);
    e.port = kFirstPort + k / kAddresses;
    e.url = absl::StrCat("https://", e.address, ":", e.port, "/");
    e.title = absl::StrCat("Bench ", e.address, ":", e.port);
    out.push_back(std::move(e));
  }
  return out;
}

// The process group of the command RunProcess is waiting for, so that a
// signal can stop it with everything it started (xargs, openssl...).
volatile sig_atomic_t g_running_group = 0;

// Runs `argv` in a process group of its own, with its standard output and
// error in files (or /dev/null when empty); returns the wait status, or -1
// when it could not start. The child gets SIGTERM if this process dies
// first.
int RunProcess(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  std::fflush(nullptr);  // or the child's freopen writes our buffered output again
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    if (freopen(out.empty() ? "/dev/null" : out.c_str(), "w", stdout) == nullptr ||
        freopen(err.empty() ? "/dev/null" : err.c_str(), "w", stderr) == nullptr) {
      _exit(126);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);  // (both sides set it: no race with a signal)
  g_running_group = pid;
  int status = 0;
  waitpid(pid, &status, 0);
  g_running_group = 0;
  return status;
}

// --- the nginx serving the endpoints ----------------------------------------

class BenchNginx {
 public:
  // Makes the temporary directory, the CA and the leaf, writes nginx.conf
  // and starts nginx; true when every endpoint accepts TCP connections.
  bool Start(const std::vector<Endpoint>& endpoints, int workers, std::string* error) {
    if (!nginx_.MakeDir("cmdb-bench-http")) {
      *error = nginx_.error();
      return false;
    }
    return MakeCertificates(error) && StartNginx(endpoints, workers, error);
  }

  // Stops nginx and removes the directory (unless kept); safe to call twice.
  void Stop() { nginx_.Stop(); }

  const fs::path& dir() const { return nginx_.dir(); }
  pid_t pid() const { return nginx_.pid(); }
  void keep() { nginx_.Keep(); }
  fs::path ca() const { return dir() / "ca.pem"; }

 private:
  bool Sh(const std::string& command, std::string* error) {
    const std::string line = absl::StrCat("cd '", dir().string(), "' && (", command, ") >>commands.log 2>&1");
    if (std::system(line.c_str()) == 0) return true;
    *error = absl::StrCat("failed: ", command, "\n", ReadFile(dir() / "commands.log"));
    return false;
  }

  bool MakeCertificates(std::string* error) {
    std::vector<std::string> sans = {"DNS:bench.cmdb.test"};
    for (int i = 1; i <= kAddresses; ++i) sans.push_back(absl::StrCat("IP:", kSubnet, ".", i));
    WriteFile(dir() / "req.cnf", "[req]\ndistinguished_name = dn\n[dn]\n");
    WriteFile(dir() / "leaf.ext", absl::StrCat("basicConstraints = CA:FALSE\n"
                                               "keyUsage = digitalSignature, keyEncipherment\n"
                                               "extendedKeyUsage = serverAuth\nsubjectAltName = ",
                                               absl::StrJoin(sans, ", "), "\n"));
    const std::string rsa = " -newkey rsa:2048 -nodes -config req.cnf";
    for (const std::string& c : {
             "openssl req -x509" + rsa + " -keyout ca.key -out ca.pem -days 30" +
                 " -subj '/O=CMDB Bench/CN=CMDB Bench CA' -addext 'basicConstraints=critical,CA:TRUE'" +
                 " -addext 'keyUsage=critical,keyCertSign,cRLSign'",
             "openssl req -new" + rsa + " -keyout leaf.key -out leaf.csr -subj '/O=CMDB Bench/CN=bench.cmdb.test'",
             std::string("openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x0BE4C4 -days 30") +
                 " -sha256 -extfile leaf.ext -out leaf.pem",
         }) {
      if (!Sh(c, error)) return false;
    }
    return true;
  }

  bool StartNginx(const std::vector<Endpoint>& endpoints, int workers, std::string* error) {
    const std::string d = dir().string();
    std::string listen;
    std::vector<std::pair<std::string, int>> listeners;
    for (const Endpoint& e : endpoints) {
      absl::StrAppend(&listen, "    listen ", e.address, ":", e.port, " ssl http2;\n");
      listeners.emplace_back(e.address, e.port);
    }
    // About 1 KB, like a small landing page.
    std::string filler;
    for (int i = 0; i < 12; ++i) absl::StrAppend(&filler, "<p>Configuration item ", i, " of the bench estate.</p>");
    const std::string conf = nginx_.Conf(
        absl::StrCat("  server {\n", listen, "    ssl_certificate ", d, "/leaf.pem;\n    ssl_certificate_key ", d,
                     "/leaf.key;\n",
                     "    location / { return 200 '<html><head><title>Bench $server_addr:$server_port</title></head>"
                     "<body>",
                     filler, "</body></html>\\n'; }\n  }\n"),
        8192, absl::StrCat("worker_processes ", workers, ";\nworker_rlimit_nofile 16384;\n"));
    std::fflush(nullptr);
    if (!nginx_.Start("/usr/sbin/nginx", conf, listeners)) {
      *error = nginx_.error();
      return false;
    }
    return true;
  }

  cmdb::testing::NginxServer nginx_;
};

BenchNginx* g_nginx = nullptr;
void StopNginxAndExit(int sig) {
  if (const pid_t group = g_running_group; group > 0) kill(-group, SIGTERM);
  if (g_nginx != nullptr) g_nginx->Stop();
  signal(sig, SIG_DFL);
  raise(sig);
}

// --- the two sides ------------------------------------------------------------

struct Figures {
  double seconds = 0;
  double cpu = 0;         // client CPU seconds: ours this process, the baseline its processes and this one
  double server_cpu = 0;  // nginx's CPU seconds (master and workers) meanwhile
  int status_ok = 0;      // status 200
  int titled = 0;         // the endpoint's own title
  int certificate = 0;    // ours: parsed, 64-char SHA-256; curl: its certinfo text (Subject:) and the PEM
  int fingerprint = 0;    // a SHA-256 fingerprint of the leaf (curl: only with openssl x509)
  int verified = 0;       // ours: chain_verified && hostname_matches; curl: the transfer succeeded with --cacert
  int h2 = 0;             // answered over HTTP/2
  int complete = 0;       // status 200, the title and a certificate (and for curl + openssl, the SHA-256)
};

Figures RunOurs(const std::vector<Endpoint>& endpoints, const std::string& ca, int in_flight, pid_t server) {
  std::map<std::string, const Endpoint*> by_url;
  for (const Endpoint& e : endpoints) by_url[e.url] = &e;
  Figures f;
  const double server_start = ProcessTreeCpuSeconds(server);
  const double cpu_start = CpuSeconds(RUSAGE_SELF);
  const auto start = Clock::now();
  HttpOptions options;
  options.max_in_flight = in_flight;
  options.extra_ca_file = ca;
  HttpEngine engine(options);
  std::vector<HttpRequest> requests(endpoints.size());
  for (size_t i = 0; i < endpoints.size(); ++i) requests[i].url = endpoints[i].url;
  engine.Run(std::move(requests), [&](HttpResponse r, HttpEngine::Queue&) {
    const Endpoint& e = *by_url.at(r.url);
    const bool ok = r.status == 200;
    const bool titled = ExtractTitle(r.body) == e.title;
    const bool certificate = r.certificate && r.certificate->fingerprint_sha256.size() == 64 &&
                             !r.certificate->subject.empty() && !r.certificate->subject_alt_names.empty();
    f.status_ok += ok;
    f.titled += titled;
    f.certificate += certificate;
    f.fingerprint += certificate;
    f.verified += r.certificate && r.certificate->chain_verified && r.certificate->hostname_matches;
    f.h2 += r.http_version == "2";
    f.complete += ok && titled && certificate;
  });
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.cpu = CpuSeconds(RUSAGE_SELF) - cpu_start;
  f.server_cpu = ProcessTreeCpuSeconds(server) - server_start;
  return f;
}

// The curl command line (without the URLs and their -o).
std::vector<std::string> CurlCommand(const fs::path& dir, const std::string& ca, int in_flight) {
  return {"curl",
          "-q",  // no ~/.curlrc
          "--noproxy",
          "*",
          "--parallel",
          "--parallel-max",
          std::to_string(in_flight),
          "--cacert",
          ca,
          "-s",
          "--no-progress-meter",  // -s alone still draws the --parallel meter (curl 7.88)
          "--output-dir",
          (dir / "bodies").string(),
          "-w",
          "== %{http_code} %{http_version} %{url}\\n%{certs}"};
}

std::string BodyFile(const Endpoint& e) { return absl::StrCat(e.address, "_", e.port, ".html"); }

// Splits the first certificate of each transfer out of curl's output into
// leaf/<rank>.pem and fingerprints each with openssl, `parallel` at once.
std::string FingerprintScript(int parallel) {
  return absl::StrCat(
      "#!/bin/sh\n"
      "# $1: work dir with curl.out; writes leaf/<rank>.pem and leaf/<rank>.pem.fp, rank from 1 in curl.out\n"
      "set -u\n"
      "d=$1\n"
      "rm -rf \"$d/leaf\" && mkdir -p \"$d/leaf\"\n"
      "awk -v d=\"$d/leaf\" '/^== /{k++; c=0} /^-----BEGIN CERTIFICATE-----/{c++; if (c == 1) {f = d \"/\" k "
      "\".pem\"; p = 1}} p{print > f} /^-----END CERTIFICATE-----/{if (p) close(f); p = 0}' \"$d/curl.out\"\n"
      "ls \"$d/leaf\" | sed \"s|^|$d/leaf/|\" |\n"
      "  xargs -P ",
      parallel, " -I{} openssl x509 -noout -fingerprint -sha256 -in {} -out {}.fp\n");
}

// 64 hex digits after "Fingerprint=", colons aside.
bool HasFingerprint(const std::string& text) {
  const size_t at = text.find("Fingerprint=");
  if (at == std::string::npos) return false;
  int digits = 0;
  for (size_t i = at + 12; i < text.size() && text[i] != '\n'; ++i) {
    if (std::isxdigit(static_cast<unsigned char>(text[i]))) {
      ++digits;
    } else if (text[i] != ':') {
      return false;
    }
  }
  return digits == 64;
}

// Both baseline figures from one execution: curl + grep, then (its time
// added to the first) the fingerprints by openssl.
struct BaselineFigures {
  Figures curl;
  Figures with_openssl;
};

BaselineFigures RunBaseline(const std::vector<Endpoint>& endpoints, const fs::path& dir, const std::string& ca,
                            int in_flight, const std::string& script, pid_t server) {
  std::error_code ignored;
  fs::remove_all(dir / "bodies", ignored);
  fs::create_directories(dir / "bodies");
  std::vector<std::string> argv = CurlCommand(dir, ca, in_flight);
  for (const Endpoint& e : endpoints) {
    argv.push_back("-o");
    argv.push_back(BodyFile(e));
    argv.push_back(e.url);
  }
  std::map<std::string, const Endpoint*> by_url, by_file;
  for (const Endpoint& e : endpoints) {
    by_url[e.url] = &e;
    by_file[BodyFile(e)] = &e;
  }

  BaselineFigures b;
  Figures& f = b.curl;
  const double server_start = ProcessTreeCpuSeconds(server);
  const double cpu_start = CpuSeconds(RUSAGE_CHILDREN) + CpuSeconds(RUSAGE_SELF);
  const auto start = Clock::now();
  const int curl_status = RunProcess(argv, (dir / "curl.out").string(), (dir / "curl.err").string());
  const std::string bodies = (dir / "bodies").string();
  RunProcess({"grep", "-r", "-o", "-H", "<title>[^<]*</title>", bodies}, (dir / "titles").string(), {});
  // What they printed: the transfers in curl's order, then the titles.
  struct Transfer {
    const Endpoint* endpoint = nullptr;
    bool ok = false, certificate = false, h2 = false;
  };
  std::vector<Transfer> transfers;
  {
    std::istringstream in(ReadFile(dir / "curl.out"));
    std::string line;
    bool subject = false;
    while (std::getline(in, line)) {
      if (line.rfind("== ", 0) == 0) {
        std::istringstream fields(line.substr(3));
        std::string code, version, url;
        fields >> code >> version >> url;
        Transfer t;
        auto it = by_url.find(url);
        t.endpoint = it == by_url.end() ? nullptr : it->second;
        t.ok = code == "200";
        t.h2 = version == "2";
        transfers.push_back(t);
        subject = false;
      } else if (!transfers.empty()) {
        if (line.rfind("Subject:", 0) == 0) subject = true;
        if (line == "-----BEGIN CERTIFICATE-----" && subject) transfers.back().certificate = true;
      }
    }
  }
  std::set<const Endpoint*> titled;
  {
    std::istringstream in(ReadFile(dir / "titles"));
    std::string line;
    while (std::getline(in, line)) {
      // <dir>/bodies/<file>:<title>...</title>
      const size_t colon = line.find(":<title>");
      if (colon == std::string::npos || line.size() < colon + 16) continue;
      const std::string file = fs::path(line.substr(0, colon)).filename().string();
      const std::string title = line.substr(colon + 8, line.size() - colon - 8 - 8);
      auto it = by_file.find(file);
      if (it != by_file.end() && title == it->second->title) titled.insert(it->second);
    }
  }
  for (const Transfer& t : transfers) {
    if (t.endpoint == nullptr) continue;
    const bool has_title = titled.count(t.endpoint) > 0;
    f.status_ok += t.ok;
    f.titled += has_title;
    f.certificate += t.certificate;
    f.verified += t.ok;  // --cacert: a certificate that does not verify fails the transfer
    f.h2 += t.h2;
    f.complete += t.ok && has_title && t.certificate;
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.cpu = CpuSeconds(RUSAGE_CHILDREN) + CpuSeconds(RUSAGE_SELF) - cpu_start;
  f.server_cpu = ProcessTreeCpuSeconds(server) - server_start;
  if (!WIFEXITED(curl_status) || WEXITSTATUS(curl_status) != 0) {
    std::fprintf(stderr, "curl exited with status %d: %s\n", curl_status, ReadFile(dir / "curl.err").c_str());
  }

  const double openssl_cpu_start = CpuSeconds(RUSAGE_CHILDREN) + CpuSeconds(RUSAGE_SELF);
  const auto openssl_start = Clock::now();
  RunProcess({"/bin/sh", script, dir.string()}, {}, (dir / "fingerprint.err").string());
  Figures& g = b.with_openssl;
  g = f;
  g.complete = 0;
  for (size_t rank = 1; rank <= transfers.size(); ++rank) {
    const Transfer& t = transfers[rank - 1];
    if (t.endpoint == nullptr) continue;
    const bool fingerprint = HasFingerprint(ReadFile(dir / "leaf" / absl::StrCat(rank, ".pem.fp")));
    g.fingerprint += fingerprint;
    g.complete += t.ok && titled.count(t.endpoint) > 0 && t.certificate && fingerprint;
  }
  g.seconds = f.seconds + std::chrono::duration<double>(Clock::now() - openssl_start).count();
  g.cpu = f.cpu + CpuSeconds(RUSAGE_CHILDREN) + CpuSeconds(RUSAGE_SELF) - openssl_cpu_start;
  g.server_cpu = ProcessTreeCpuSeconds(server) - server_start;
  return b;
}

Figures MedianOf(const std::vector<Figures>& runs) {
  std::vector<double> s, cpu, server, ok, ti, ce, fp, ve, h2, co;
  for (const Figures& f : runs) {
    s.push_back(f.seconds);
    cpu.push_back(f.cpu);
    server.push_back(f.server_cpu);
    ok.push_back(f.status_ok);
    ti.push_back(f.titled);
    ce.push_back(f.certificate);
    fp.push_back(f.fingerprint);
    ve.push_back(f.verified);
    h2.push_back(f.h2);
    co.push_back(f.complete);
  }
  Figures m;
  m.seconds = Median(s);
  m.cpu = Median(cpu);
  m.server_cpu = Median(server);
  m.status_ok = static_cast<int>(Median(ok));
  m.titled = static_cast<int>(Median(ti));
  m.certificate = static_cast<int>(Median(ce));
  m.fingerprint = static_cast<int>(Median(fp));
  m.verified = static_cast<int>(Median(ve));
  m.h2 = static_cast<int>(Median(h2));
  m.complete = static_cast<int>(Median(co));
  return m;
}

void PrintHeader() {
  std::printf(
      "| side                          | round |     time |      CPU |  nginx CPU |  200 | title | cert | SHA-256 | "
      "verified |   h2 | complete |\n");
  std::printf(
      "|-------------------------------|-------|----------|----------|------------|------|-------|------|---------|"
      "----------|------|----------|\n");
}

void PrintRun(const char* what, const std::string& round, const Figures& f) {
  std::printf("| %-29s | %5s | %6.3f s | %6.3f s |   %6.3f s | %4d | %5d | %4d | %7d | %8d | %4d | %8d |\n", what,
              round.c_str(), f.seconds, f.cpu, f.server_cpu, f.status_ok, f.titled, f.certificate, f.fingerprint,
              f.verified, f.h2, f.complete);
  std::fflush(stdout);
}

constexpr char kOurs[] = "ours (HttpEngine)";
constexpr char kCurl[] = "curl --parallel + grep";
constexpr char kCurlOpenssl[] = "curl + grep + openssl x509";

}  // namespace
}  // namespace cmdb::discovery::http

int main(int argc, char** argv) {
  using namespace cmdb::discovery::http;
  int rounds = 5;
  int endpoint_count = 256;
  int in_flight = 256;
  int nginx_workers = 2;
  bool keep = false;
  CLI::App app{"HTTP/TLS probe of HTTPS endpoints: HttpEngine vs curl --parallel (+ openssl x509)"};
  app.add_option("--rounds", rounds, "Rounds (each runs both sides; the order alternates)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--endpoints", endpoint_count, "HTTPS endpoints: 127.0.6.1-16 x ports 9441 and up")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--in-flight", in_flight, "Transfers at once, both sides (max_in_flight, --parallel-max)")
      ->capture_default_str()
      ->check(CLI::Range(1, 300));
  app.add_option("--nginx-workers", nginx_workers, "nginx worker processes")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag("--keep", keep, "Keep the temporary directory (certificates, nginx.conf, the last outputs)");
  CLI11_PARSE(app, argc, argv);

  const std::vector<Endpoint> endpoints = Endpoints(endpoint_count);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("command: bench_http_probe --rounds %d --endpoints %d --in-flight %d --nginx-workers %d\n", rounds,
              endpoint_count, in_flight, nginx_workers);
  std::printf("load average at start: %s\n", LoadAverage().c_str());

  BenchNginx nginx;
  if (keep) nginx.keep();
  g_nginx = &nginx;
  signal(SIGINT, StopNginxAndExit);
  signal(SIGTERM, StopNginxAndExit);
  signal(SIGHUP, StopNginxAndExit);
  std::string error;
  if (!nginx.Start(endpoints, nginx_workers, &error)) {
    std::fprintf(stderr, "cannot start the endpoints: %s\n", error.c_str());
    nginx.Stop();
    return 1;
  }
  const fs::path dir = nginx.dir();
  const std::string ca = nginx.ca().string();
  const std::string script = (dir / "fingerprint.sh").string();
  WriteFile(script, FingerprintScript(cores));
  {
    std::vector<std::string> shown = CurlCommand("DIR", "ca.pem", in_flight);
    for (std::string& a : shown) {
      if (a.find_first_of(" *%\\") != std::string::npos) a = "'" + a + "'";
    }
    std::printf("endpoints: %zu (%s .. %s), nginx workers %d, %d cores\n", endpoints.size(),
                endpoints.front().url.c_str(), endpoints.back().url.c_str(), nginx_workers, cores);
    std::printf("baseline: %s -o ADDR_PORT.html URL ... (x%zu); grep -r -o -H '<title>[^<]*</title>' DIR/bodies\n",
                absl::StrJoin(shown, " ").c_str(), endpoints.size());
    std::printf(
        "fingerprints: awk (first certificate per transfer) | xargs -P %d -I{} openssl x509 -noout "
        "-fingerprint -sha256 -in {} -out {}.fp\n",
        cores);
  }

  {
    // What starting curl costs on this machine, for reading the figures.
    std::vector<double> starts;
    for (int i = 0; i < 5; ++i) {
      const auto t = Clock::now();
      RunProcess({"curl", "-q", "-V"}, {}, {});
      starts.push_back(std::chrono::duration<double>(Clock::now() - t).count());
    }
    std::printf("curl process start and exit (curl -q -V), median of 5: %.1f ms\n\n", Median(starts) * 1000);
  }
  std::vector<Figures> ours, curl, curl_openssl;
  PrintHeader();
  // One of each first, not counted: binaries and libraries in the page cache.
  PrintRun(kOurs, "warm", RunOurs(endpoints, ca, in_flight, nginx.pid()));
  {
    const BaselineFigures b = RunBaseline(endpoints, dir, ca, in_flight, script, nginx.pid());
    PrintRun(kCurl, "warm", b.curl);
    PrintRun(kCurlOpenssl, "warm", b.with_openssl);
  }
  for (int round = 1; round <= rounds; ++round) {
    auto run_ours = [&] {
      ours.push_back(RunOurs(endpoints, ca, in_flight, nginx.pid()));
      PrintRun(kOurs, std::to_string(round), ours.back());
    };
    auto run_base = [&] {
      const BaselineFigures b = RunBaseline(endpoints, dir, ca, in_flight, script, nginx.pid());
      curl.push_back(b.curl);
      curl_openssl.push_back(b.with_openssl);
      PrintRun(kCurl, std::to_string(round), b.curl);
      PrintRun(kCurlOpenssl, std::to_string(round), b.with_openssl);
    };
    if (round % 2) {
      run_ours();
      run_base();
    } else {
      run_base();
      run_ours();
    }
  }
  const Figures o = MedianOf(ours), c = MedianOf(curl), co = MedianOf(curl_openssl);
  std::printf("\nmedians of %d rounds:\n", rounds);
  PrintHeader();
  PrintRun(kOurs, "med", o);
  PrintRun(kCurl, "med", c);
  PrintRun(kCurlOpenssl, "med", co);
  std::printf(
      "ratio ours/baseline (time): %.2fx against curl + grep, %.2fx against curl + grep + openssl x509 "
      "(goal: <= 1.0x against curl)\n",
      o.seconds / c.seconds, o.seconds / co.seconds);
  std::printf("ratio ours/baseline (client CPU): %.2fx against curl + grep, %.2fx against curl + grep + openssl x509\n",
              o.cpu / c.cpu, o.cpu / co.cpu);

  const int expected = static_cast<int>(endpoints.size());
  const bool all =
      o.complete == expected && o.verified == expected && c.complete == expected && co.complete == expected;
  nginx.Stop();
  g_nginx = nullptr;
  if (keep) std::printf("kept: %s\n", dir.string().c_str());
  std::printf("load average at end: %s\n", LoadAverage().c_str());
  if (!all) {
    std::fprintf(stderr, "not every endpoint answered completely on every side (expected %d)\n", expected);
    return 1;
  }
  return 0;
}
