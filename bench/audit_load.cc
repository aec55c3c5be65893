// A whole configuration audit over a large CMDB: the shipped rule set (11
// rules) run by AuditService (one set-based statement per rule that finds
// and stores every failing CI with its reason, in one transaction, plus the
// run's bookkeeping), against the same checks written by hand as plain SQL
// queries that count each rule's scope and fetch the failing CI ids to the
// client, in the same run, on the same database. The estate (servers,
// switches, applications, interfaces; runs_on, connected_to, contains,
// depends_on, uses) is loaded through BatchWrite; some of it is made to fail
// rules (missing manufacturers, stale CIs, duplicate serials, no location).
//
// Then the configuration status report of the last run, through the real
// cmdbd and cmdbctl binaries: the time `cmdbctl audit report` takes to make
// the HTML page against the JSON of the same report (the rendering's cost),
// the page's size, and the time headless Chromium takes to load and lay it
// out (--dump-dom, which returns once the page's scripts ran) against a blank
// page (Chromium's own start).
//
//   build/bin/bench_audit_load [--cis 100000] [--links 200000] [--runs 5]
#include <CLI/CLI.hpp>
#include <cstdio>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bench_common.h"
#include "cmdbd_child.h"
#include "core/strings.h"
#include "core/time.h"
#include "service/audit_service.h"

namespace cmdb::bench {
namespace {

void Load(InProcessServer& server, const Estate& estate) {
  auto stub = server.NewStub();
  std::vector<std::string> ids(estate.cis.size());
  auto call = [&](const v1::BatchWriteRequest& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::BatchWriteResponse resp;
    grpc::Status st = stub->BatchWrite(&ctx, req, &resp);
    if (!st.ok()) throw std::runtime_error("BatchWrite: " + st.error_message());
    return resp;
  };
  for (size_t i = 0; i < estate.cis.size(); i += 5000) {
    v1::BatchWriteRequest req;
    for (size_t k = i; k < std::min(estate.cis.size(), i + 5000); ++k) {
      auto* c = req.add_creates();
      c->set_ref(std::to_string(k));
      c->mutable_ci()->set_class_name(estate.cis[k].class_name);
      c->mutable_ci()->set_name(estate.cis[k].name);
      Json attributes = estate.cis[k].attributes;
      if (k % 97 == 0) attributes.erase("manufacturer");                            // incomplete
      if (k % 211 == 0 && attributes.contains("serial_number")) attributes["serial_number"] = "SN-DUP";  // shared
      api::StructFromJson(attributes, c->mutable_ci()->mutable_attributes());
    }
    const v1::BatchWriteResponse resp = call(req);
    for (const auto& created : resp.created()) ids[std::stoul(created.ref())] = created.id();
  }
  for (size_t i = 0; i < estate.links.size(); i += 10000) {
    v1::BatchWriteRequest req;
    for (size_t k = i; k < std::min(estate.links.size(), i + 10000); ++k) {
      auto* r = req.add_relationships();
      r->set_source_id(ids[estate.links[k].from]);
      r->set_type(estate.links[k].type);
      r->set_target_id(ids[estate.links[k].to]);
    }
    call(req);
  }
}

// The shipped rules as plain SQL: per rule the scope's count and the failing
// ids, fetched. $1 is now (every statement names it).
struct Check {
  const char* rule;
  const char* scope;  // a WHERE over ci c
  const char* fails;  // a WHERE over ci c, within the scope
};

// `alias` is a hardware CI (the class or a subclass).
std::string Hardware(const char* alias) {
  return StrCat(alias, ".class_name = ANY(ARRAY(WITH RECURSIVE t(n) AS (SELECT 'hardware'::text UNION ALL "
                "SELECT k.name FROM ci_class k JOIN t ON k.parent = t.n) SELECT n FROM t))");
}

std::vector<Check> Checks() {
  static const std::string hw = StrCat(Hardware("c"), " AND c.status <> 'retired'");
  static const std::string unique = StrCat(
      "c.attributes -> 'serial_number' IN (SELECT x.attributes -> 'serial_number' FROM ci x WHERE ", Hardware("x"),
      " AND x.status <> 'retired' AND x.attributes ? 'serial_number' AND x.attributes -> 'serial_number' NOT IN "
      "('null', '\"\"') GROUP BY 1 HAVING count(*) > 1)");
  return {
      {"hardware-has-serial", hw.c_str(),
       "coalesce(c.attributes -> 'serial_number' IN ('null', '\"\"', '[]', '{}'), true)"},
      {"hardware-has-manufacturer", hw.c_str(),
       "coalesce(c.attributes -> 'manufacturer' IN ('null', '\"\"', '[]', '{}'), true)"},
      {"server-located", "c.class_name = 'server' AND c.status <> 'retired'",
       "NOT EXISTS (SELECT 1 FROM relationship r JOIN ci o ON o.id = r.target_id WHERE r.type = 'located_in' "
       "AND r.source_id = c.id AND o.class_name = 'location')"},
      {"application-runs-on", "c.class_name = 'application' AND c.status <> 'retired'",
       "NOT EXISTS (SELECT 1 FROM relationship r WHERE r.type = 'runs_on' AND r.source_id = c.id)"},
      {"one-location", "c.status <> 'retired'",
       "(SELECT count(*) FROM relationship r WHERE r.type = 'located_in' AND r.source_id = c.id) > 1"},
      {"unique-serial", hw.c_str(), unique.c_str()},
      {"not-stale", "c.status <> 'retired'", "c.stale"},
      {"no-open-duplicates", "c.status <> 'retired'",
       "EXISTS (SELECT 1 FROM duplicate_candidate d WHERE c.id = ANY(d.ci_ids))"},
      {"application-not-orphaned", "c.class_name = 'application' AND c.status <> 'retired'",
       "c.parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM relationship r WHERE r.source_id = c.id) AND NOT EXISTS "
       "(SELECT 1 FROM relationship r WHERE r.target_id = c.id) AND NOT EXISTS (SELECT 1 FROM ci d WHERE "
       "d.parent_id = c.id)"},
      {"certificate-not-expiring", "c.class_name = 'certificate' AND c.status <> 'retired'",
       "c.attributes ? 'not_after' AND (c.attributes ->> 'not_after')::timestamptz < $1::timestamptz + interval "
       "'30 days'"},
      {"hardware-verified", hw.c_str(),
       "coalesce((SELECT max(cs.last_seen) FROM ci_source cs WHERE cs.ci_id = c.id) < $1::timestamptz - interval "
       "'30 days', true)"},
      {"no-drift", "c.status <> 'retired'",
       "EXISTS (SELECT 1 FROM ci_drift d WHERE d.ci_id = c.id AND (CASE d.field WHEN 'name' THEN to_jsonb(c.name) "
       "WHEN 'status' THEN to_jsonb(c.status) WHEN 'owner' THEN to_jsonb(c.owner) WHEN 'criticality' THEN "
       "to_jsonb(c.criticality) ELSE c.attributes -> substr(d.field, 12) END) IS DISTINCT FROM d.reported)"},
  };
}

struct Tally {
  double seconds = 0;
  int64_t failures = 0;
};

Tally PlainSql(const std::string& url) {
  pqxx::connection conn(url);
  const auto start = Clock::now();
  Tally t;
  pqxx::work txn(conn);
  const std::string now = ToSqlTimestamp(NowMicros());
  for (const Check& c : Checks()) {
    txn.exec_params(StrCat("SELECT count(*) FROM ci c WHERE ", c.scope, " AND $1::text IS NOT NULL"), now);
    t.failures += static_cast<int64_t>(
        txn.exec_params(StrCat("SELECT c.id::text FROM ci c WHERE ", c.scope, " AND ", c.fails,
                               " AND $1::text IS NOT NULL"),
                        now)
            .size());
  }
  txn.commit();
  t.seconds = Seconds(Clock::now() - start);
  return t;
}

Tally Ours(AuditService& audit) {
  const auto start = Clock::now();
  auto report = audit.Run(WriteContext{.actor = "bench"}, "", 0);
  if (!report.ok()) throw std::runtime_error(std::string(report.status().message()));
  Tally t;
  t.seconds = Seconds(Clock::now() - start);
  for (const auto& r : report->results) t.failures += r.failed + r.acknowledged;
  return t;
}

// Runs `command` through the shell; its wall time, or -1 when it failed.
double Timed(const std::string& command) {
  const auto start = Clock::now();
  const int status = std::system(command.c_str());
  if (status != 0) return -1;
  return Seconds(Clock::now() - start);
}

void ReportFigures(const std::string& url, int runs) {
  const std::string dir = std::filesystem::temp_directory_path() / "cmdb-bench-report";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string listen = "127.0.0.1:" + std::to_string(FreePort());
  const pid_t pid = StartCmdbd(CMDBD_PATH, url, listen, 4, dir + "/cmdbd.log");
  const std::string ctl = StrCat(CMDBCTL_PATH, " --server ", listen, " audit report");
  const std::string html = dir + "/report.html", json = dir + "/report.json", blank = dir + "/blank.html";
  bool up = false;
  for (int i = 0; i < 240 && !up; ++i) {  // the impact graph of the whole estate loads first
    up = Timed(StrCat(ctl, " --format json --out ", json, " 2>/dev/null")) >= 0;
    if (!up) usleep(500000);
  }
  if (!up) {
    kill(pid, SIGTERM);
    throw std::runtime_error("cmdbd did not answer; see " + dir + "/cmdbd.log");
  }
  std::ofstream(blank) << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>blank</title></head>"
                          "<body></body></html>";
  const std::string chromium = StrCat("timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu "
                                      "--user-data-dir=", dir, "/profile --dump-dom file://");
  std::vector<double> make_html, make_json, load_page, load_blank;
  for (int run = 1; run <= runs; ++run) {
    make_json.push_back(Timed(StrCat(ctl, " --format json --out ", json, " 2>/dev/null")));
    make_html.push_back(Timed(StrCat(ctl, " --format html --out ", html, " 2>/dev/null")));
    load_blank.push_back(Timed(StrCat(chromium, blank, " >/dev/null 2>&1")));
    load_page.push_back(Timed(StrCat(chromium, html, " >", dir, "/dom.html 2>/dev/null")));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  for (const auto* sample : {&make_html, &make_json, &load_page, &load_blank}) {
    for (double t : *sample) {
      if (t < 0) throw std::runtime_error("a report or browser command failed; see " + dir);
    }
  }
  const auto size = std::filesystem::file_size(html);
  const auto dom = std::filesystem::file_size(dir + "/dom.html");
  std::printf("report: HTML %.1f KiB (JSON %.1f KiB); cmdbctl audit report --format html %.3f s vs --format json "
              "%.3f s (ratio %.2fx)\n",
              static_cast<double>(size) / 1024, static_cast<double>(std::filesystem::file_size(json)) / 1024,
              Median(make_html), Median(make_json), Median(make_html) / Median(make_json));
  std::printf("report: headless Chromium loads it in %.3f s vs a blank page %.3f s: %.3f s for the page itself "
              "(DOM after scripts %.1f KiB); median of %d\n",
              Median(load_page), Median(load_blank), Median(load_page) - Median(load_blank),
              static_cast<double>(dom) / 1024, runs);
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  int cis = 100000, links = 200000, runs = 5;
  CLI::App app{"The shipped audit rules over a large CMDB vs the same checks as plain SQL"};
  app.add_option("--cis", cis, "CIs in the CMDB")->capture_default_str();
  app.add_option("--links", links, "Relationships")->capture_default_str();
  app.add_option("--runs", runs, "Repetitions, taking turns (medians reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  BenchCluster cluster(/*fast=*/false);
  const std::string url = cluster.NewDatabase("audit");
  InProcessServer server(url, 8, 16);
  const auto load_start = bench::Clock::now();
  Load(server, MakeEstate(cis, links, 42));
  {
    pqxx::connection conn(url);
    pqxx::work txn(conn);
    // Some stale CIs and an open duplicate candidate, as a discovery would leave.
    txn.exec0("UPDATE ci SET stale = true, stale_since = now() WHERE abs(hashtext(id::text)) % 50 = 0");
    txn.exec0("INSERT INTO duplicate_candidate (kind, value, ci_ids, detected_by) SELECT 'serial_number', 'sn-dup', "
              "array_agg(id), 'bench' FROM ci WHERE attributes ->> 'serial_number' = 'SN-DUP'");
    // Drift on 1 CI in 100: a serial SNMP reported and could not write.
    txn.exec0("INSERT INTO source (name) VALUES ('snmp') ON CONFLICT DO NOTHING");
    txn.exec0("INSERT INTO ci_drift (ci_id, source, field, reported, reported_at) SELECT id, 'snmp', "
              "'attributes.serial_number', '\"SN-SEEN\"', now() FROM ci WHERE abs(hashtext(id::text)) % 100 = 1");
    txn.commit();
    pqxx::nontransaction(conn).exec0("VACUUM ANALYZE");
  }
  std::printf("loaded %d CIs and %d relationships in %.0f s\n", cis, links, Seconds(bench::Clock::now() - load_start));
  AuditService audit(server.database(), SystemClock::Instance());
  std::vector<double> ours, base, ratio;
  for (int run = 1; run <= runs; ++run) {
    Tally a, b;
    if (run % 2 == 1) {
      a = Ours(audit);
      b = PlainSql(url);
    } else {
      b = PlainSql(url);
      a = Ours(audit);
    }
    {
      // Untimed: the vacuum the stored findings call for, which autovacuum
      // would otherwise run during the next measurements.
      pqxx::connection conn(url);
      pqxx::nontransaction(conn).exec0("VACUUM ANALYZE audit_failure, audit_result, audit_result_class, audit_run");
    }
    std::printf("run %d: audit %.3f s (%lld failures stored), plain SQL %.3f s (%lld failing ids fetched), "
                "ratio %.2fx\n",
                run, a.seconds, static_cast<long long>(a.failures), b.seconds, static_cast<long long>(b.failures),
                a.seconds / b.seconds);
    std::fflush(stdout);
    ours.push_back(a.seconds);
    base.push_back(b.seconds);
    ratio.push_back(a.seconds / b.seconds);
  }
  std::printf("median of %d runs: audit %.3f s, plain SQL %.3f s, ratio %.2fx\n", runs, Median(ours), Median(base),
              Median(ratio));
  std::fflush(stdout);
  ReportFigures(url, runs);
  return 0;
}
