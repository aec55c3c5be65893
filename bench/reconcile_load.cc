// Reconciliation at scale: N discovered items (70% unchanged, 20% updated,
// 10% new) against a CMDB of M CIs, through StreamReconcile (gRPC on
// loopback, identification, per-field rules, history, provenance,
// sightings), against a SQL baseline on an identical copy of the database
// in the same run: COPY the items into a temp table, hash-join them to the
// identifiers, INSERT ... ON CONFLICT into ci (plus identifiers of the new
// CIs). Also checks that unchanged items wrote nothing.
//
//   bench_reconcile_load [--cis 1000000] [--items 100000] [--runs 1] [--fast]
#include <CLI/CLI.hpp>
#include <cstdio>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "bench_common.h"
#include "core/identification.h"
#include "core/patch.h"
#include "core/strings.h"
#include "core/uuid.h"
#include "db/catalog_store.h"

namespace cmdb::bench {
namespace {

// A discoverable device: everything a network sweep reports.
Ci Device(int i) {
  Ci ci;
  ci.class_name = i % 5 == 0 ? "switch" : "server";
  ci.name = StrCat(i % 5 == 0 ? "sw" : "srv", i);
  ci.status = "in_use";
  auto mac = [](int n, int k) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", k, (n >> 24) & 255, (n >> 16) & 255,
                  (n >> 8) & 255, n & 255);
    return std::string(buf);
  };
  ci.attributes = {{"serial_number", StrCat("SN", 10000000 + i)},
                   {"manufacturer", i % 5 == 0 ? "Cisco" : "Dell Inc."},
                   {"model", i % 5 == 0 ? "C9300-48P" : "PowerEdge R650"},
                   {"fqdn", StrCat(ci.name, ".dc", i % 9, ".example.net")},
                   {"management_ip", StrCat("10.", (i >> 16) & 255, ".", (i >> 8) & 255, ".", i & 255)},
                   {"mac_addresses", {mac(i, 1), mac(i, 2)}},
                   {"firmware_version", "1.0"}};
  if (i % 5 != 0) {
    ci.attributes["cpu_count"] = 8 << (i % 4);
    ci.attributes["memory_mb"] = 16384 << (i % 3);
    ci.attributes["os_name"] = "Debian";
    ci.attributes["os_version"] = "12";
  }
  return ci;
}

int64_t Scalar(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction txn(conn);
  return txn.exec1(sql)[0].as<int64_t>();
}

// Seeds `url` with `count` devices as snmp found them: CIs, first versions,
// identifiers and sightings, by COPY with secondary indexes built after.
void Seed(const std::string& url, int count) {
  auto db = db::Database::Connect({url, 1});
  std::shared_ptr<const Catalog> catalog;
  (void)(*db)->Read([&](db::Tx& tx) {
    catalog = *tx.catalog();
    return absl::OkStatus();
  });
  pqxx::connection conn(url);
  pqxx::work txn(conn);
  const std::vector<std::string> tables = {"ci", "ci_version", "ci_identifier", "ci_source"};
  std::vector<std::string> indexes;
  for (const auto& r : txn.exec(
           "SELECT indexdef, indexname FROM pg_indexes WHERE tablename IN ('ci', 'ci_version', 'ci_identifier', "
           "'ci_source') AND indexname NOT LIKE '%_pkey'")) {
    indexes.push_back(r[0].as<std::string>());
    txn.exec0("DROP INDEX " + r[1].as<std::string>());
  }
  txn.exec0("INSERT INTO source (name) VALUES ('snmp')");
  const int64_t cs =
      txn.exec1("INSERT INTO changeset (actor, source) VALUES ('seed', 'snmp') RETURNING id")[0].as<int64_t>();
  const std::string t0 = txn.exec1("SELECT now()::text")[0].as<std::string>();
  const Micros t0_us = txn.exec1("SELECT epoch_us(now())")[0].as<int64_t>();
  struct Row {
    std::string id, class_name, name, attrs, prov;
    std::vector<IdentifierKey> keys;
  };
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    Ci ci = Device(i);
    ci.id = NewUuid();
    StampProvenance({}, ProvenanceFields(ci), "snmp", t0_us, ci.provenance);
    rows.push_back({ci.id, ci.class_name, ci.name, ci.attributes.dump(), ci.provenance.dump(),
                    IdentifierKeys(*catalog, ci)});
  }
  // One COPY at a time: a transaction carries a single COPY stream.
  pqxx::stream_to cis_out(txn, "ci",
                          std::vector<std::string>{"id", "class_name", "name", "status", "attributes", "provenance",
                                                   "version", "created_at", "updated_at", "changeset_id"});
  for (const Row& r : rows) cis_out << std::make_tuple(r.id, r.class_name, r.name, "in_use", r.attrs, r.prov, 1, t0, t0, cs);
  cis_out.complete();
  pqxx::stream_to v(txn, "ci_version",
                    std::vector<std::string>{"ci_id", "version", "valid_from", "operation", "class_name", "name",
                                             "status", "owner", "criticality", "attributes", "provenance",
                                             "created_at", "changeset_id"});
  for (const Row& r : rows) {
    v << std::make_tuple(r.id, 1, t0, "create", r.class_name, r.name, "in_use", "", "", r.attrs, r.prov, t0, cs);
  }
  v.complete();
  pqxx::stream_to ids(txn, "ci_identifier", std::vector<std::string>{"kind", "value", "ci_id"});
  for (const Row& r : rows) {
    for (const auto& key : r.keys) ids << std::make_tuple(key.kind, key.value, r.id);
  }
  ids.complete();
  pqxx::stream_to seen(txn, "ci_source", std::vector<std::string>{"ci_id", "source", "first_seen", "last_seen"});
  for (const Row& r : rows) seen << std::make_tuple(r.id, "snmp", t0, t0);
  seen.complete();
  for (const auto& def : indexes) txn.exec0(def);
  txn.exec1("SELECT cmdb_seal_changeset(" + std::to_string(cs) + ")");
  txn.commit();
  pqxx::nontransaction(conn).exec0("VACUUM ANALYZE");
}

// The payload: unchanged, updated (cpu_count or firmware) and new devices.
std::vector<Ci> Items(int cis, int items) {
  std::vector<Ci> out;
  std::mt19937 rng(7);
  const int existing = items * 9 / 10;
  const int step = cis / existing;
  for (int k = 0; k < existing; ++k) {
    Ci ci = Device(k * step + static_cast<int>(rng() % static_cast<uint32_t>(step)));
    if (k % 9 < 2) ci.attributes["firmware_version"] = "2.0";  // 2 in 9 of 90%: 20% updated
    out.push_back(std::move(ci));
  }
  for (int k = 0; out.size() < static_cast<size_t>(items); ++k) out.push_back(Device(cis + k));
  return out;
}

struct Outcome {
  double seconds = 0;
  int64_t versions = 0, sightings = 0, wal = 0;
  std::string summary;
};

Outcome ThroughApi(const std::string& url, const std::vector<Ci>& items) {
  InProcessServer server(url, 8, 16);
  auto stub = v1::ReconciliationService::NewStub(
      grpc::CreateCustomChannel(server.target(), grpc::InsecureChannelCredentials(), server.channel_args()));
  std::vector<v1::ReconcileRequest> chunks;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i % 5000 == 0) {
      chunks.emplace_back();
      if (i == 0) chunks.back().set_source("snmp");
    }
    auto* item = chunks.back().add_items();
    item->set_ref(std::to_string(i));
    item->set_class_name(items[i].class_name);
    item->set_name(items[i].name);
    api::StructFromJson(items[i].attributes, item->mutable_attributes());
  }
  pqxx::connection conn(url);
  pqxx::nontransaction(conn).exec0("CHECKPOINT");  // both sides start from a clean checkpoint
  const int64_t v0 = Scalar(conn, "SELECT count(*) FROM ci_version");
  const int64_t s0 = Scalar(conn, "SELECT count(*) FROM ci_source WHERE last_seen > (SELECT min(first_seen) FROM ci_source)");
  const int64_t w0 = Scalar(conn, "SELECT pg_current_wal_lsn() - '0/0'");
  const auto start = Clock::now();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
  v1::ReconcileResponse resp;
  auto writer = stub->StreamReconcile(&ctx, &resp);
  for (const auto& chunk : chunks) writer->Write(chunk);
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  Outcome o;
  o.seconds = Seconds(Clock::now() - start);
  if (!st.ok()) throw std::runtime_error("StreamReconcile: " + st.error_message());
  o.versions = Scalar(conn, "SELECT count(*) FROM ci_version") - v0;
  o.sightings = Scalar(conn, "SELECT count(*) FROM ci_source WHERE last_seen > (SELECT min(first_seen) FROM ci_source)") - s0;
  o.wal = Scalar(conn, "SELECT pg_current_wal_lsn() - '0/0'") - w0;
  o.summary = StrCat("created ", resp.created(), ", updated ", resp.updated(), ", unchanged ", resp.unchanged(),
                     ", conflicts ", resp.conflicts(), ", rejected ", resp.rejected());
  return o;
}

Outcome ThroughSql(const std::string& url, const std::vector<Ci>& items) {
  pqxx::connection conn(url);
  pqxx::nontransaction(conn).exec0("CHECKPOINT");
  const int64_t w0 = Scalar(conn, "SELECT pg_current_wal_lsn() - '0/0'");
  // The items in the form the database compares: the normalised serial and the JSON.
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> rows;
  for (const Ci& ci : items) {
    rows.emplace_back(ci.attributes["serial_number"].get<std::string>(), ci.class_name, ci.name,
                      ci.attributes.dump());
  }
  const auto start = Clock::now();
  pqxx::work txn(conn);
  txn.exec0("CREATE TEMP TABLE found (serial text, class_name text, name text, attributes jsonb) ON COMMIT DROP");
  {
    pqxx::stream_to copy(txn, "found", std::vector<std::string>{"serial", "class_name", "name", "attributes"});
    for (const auto& r : rows) copy << r;
    copy.complete();
  }
  txn.exec0("ANALYZE found");
  const int64_t cs =
      txn.exec1("INSERT INTO changeset (actor, source) VALUES ('sql', 'snmp') RETURNING id")[0].as<int64_t>();
  txn.exec0(StrCat(
      "CREATE TEMP TABLE matched ON COMMIT DROP AS "
      "SELECT coalesce(i.ci_id, gen_random_uuid()) AS id, i.ci_id IS NULL AS fresh, f.* FROM found f "
      "LEFT JOIN ci_identifier i ON i.kind = 'serial_number' AND i.value = f.serial"));
  txn.exec0(StrCat(
      "INSERT INTO ci (id, class_name, name, status, attributes, version, created_at, updated_at, changeset_id) "
      "SELECT id, class_name, name, 'in_use', attributes, 1, now(), now(), ", cs, " FROM matched "
      "ON CONFLICT (id) DO UPDATE SET attributes = EXCLUDED.attributes, version = ci.version + 1, "
      "updated_at = now(), changeset_id = EXCLUDED.changeset_id WHERE ci.attributes IS DISTINCT FROM EXCLUDED.attributes"));
  txn.exec0("INSERT INTO ci_identifier (kind, value, ci_id) SELECT 'serial_number', serial, id FROM matched WHERE fresh "
            "ON CONFLICT DO NOTHING");
  txn.exec1("SELECT cmdb_seal_changeset(" + std::to_string(cs) + ")");
  txn.commit();
  Outcome o;
  o.seconds = Seconds(Clock::now() - start);
  o.wal = Scalar(conn, "SELECT pg_current_wal_lsn() - '0/0'") - w0;
  return o;
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  int cis = 1000000, items = 100000, runs = 1;
  bool fast = false;
  CLI::App app{"Reconcile discovered items vs a SQL upsert baseline"};
  app.add_option("--cis", cis, "CIs in the CMDB before the run")->capture_default_str();
  app.add_option("--items", items, "Discovered items (70% unchanged, 20% updated, 10% new)")->capture_default_str();
  app.add_option("--runs", runs, "Repetitions on fresh copies (the median is reported)")->capture_default_str();
  app.add_flag("--fast", fast, "Run PostgreSQL with fsync off");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(getenv("CMDB_BENCH_DEBUG") ? spdlog::level::debug : spdlog::level::warn);

  BenchCluster cluster(fast);
  const auto seed_start = bench::Clock::now();
  const std::string seed_url = cluster.NewDatabase("seed");
  Seed(seed_url, cis);
  std::printf("seeded %d CIs in %.0f s\n", cis, Seconds(bench::Clock::now() - seed_start));
  const std::vector<Ci> payload = Items(cis, items);

  std::vector<double> ours, base, ratio;
  for (int run = 1; run <= runs; ++run) {
    const std::string api_url = cluster.CopyDatabase("seed", "ours" + std::to_string(run));
    const std::string sql_url = cluster.CopyDatabase("seed", "base" + std::to_string(run));
    // Alternate which goes first, so neither always meets the warmer cache.
    Outcome a, b;
    if (run % 2 == 1) {
      a = ThroughApi(api_url, payload);
      b = ThroughSql(sql_url, payload);
    } else {
      b = ThroughSql(sql_url, payload);
      a = ThroughApi(api_url, payload);
    }
    std::printf("run %d: Reconcile %.2f s (%.0f items/s; %s; %lld new versions, %lld sightings written, %.1f MB WAL)\n",
                run, a.seconds, items / a.seconds, a.summary.c_str(), static_cast<long long>(a.versions),
                static_cast<long long>(a.sightings), a.wal / 1e6);
    std::printf("       SQL upsert %.2f s (%.0f items/s; %.1f MB WAL); ratio %.2fx\n", b.seconds, items / b.seconds,
                b.wal / 1e6, a.seconds / b.seconds);
    ours.push_back(a.seconds);
    base.push_back(b.seconds);
    ratio.push_back(a.seconds / b.seconds);
  }
  std::printf("\nmedian: Reconcile %.2f s (%.0f items/s), SQL %.2f s (%.0f items/s), ratio %.2fx\n", Median(ours),
              items / Median(ours), Median(base), items / Median(base), Median(ratio));
  return 0;
}
