// Bulk load: N CIs and M relationships written through the BatchWrite API
// (gRPC on loopback, validation, history, identifiers, changeset) against the
// floor: PostgreSQL COPY of the same rows into the same tables (same
// indexes, constraints and triggers), in the same run on the same cluster.
//
//   bench_bulk_load [--cis 100000] [--relationships 200000] [--batch 10000] [--runs 3] [--fast]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "bench_common.h"
#include "core/patch.h"
#include "core/strings.h"
#include "core/identification.h"
#include "core/uuid.h"

namespace cmdb::bench {
namespace {

struct RunResult {
  double api_seconds = 0;
  double copy_seconds = 0;
};

// Loads the estate through BatchWrite: CIs in batches, then relationships.
double LoadThroughApi(const std::string& url, const Estate& estate, int batch) {
  InProcessServer server(url, 8, 16);
  auto stub = server.NewStub();
  {
    pqxx::connection conn(url);
    pqxx::nontransaction(conn).exec0("CHECKPOINT");  // both sides start from a clean checkpoint
  }
  // Requests for the CIs are built before the clock starts: building them is the client's cost.
  std::vector<v1::BatchWriteRequest> ci_batches;
  for (size_t i = 0; i < estate.cis.size(); ++i) {
    if (i % batch == 0) ci_batches.emplace_back().mutable_change()->set_comment("bulk load benchmark");
    auto* c = ci_batches.back().add_creates();
    c->set_ref(std::to_string(i));
    c->mutable_ci()->set_class_name(estate.cis[i].class_name);
    c->mutable_ci()->set_name(estate.cis[i].name);
    api::StructFromJson(estate.cis[i].attributes, c->mutable_ci()->mutable_attributes());
  }
  std::vector<std::string> ids(estate.cis.size());
  const auto start = Clock::now();
  for (const auto& request : ci_batches) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::BatchWriteResponse response;
    grpc::Status st = stub->BatchWrite(&ctx, request, &response);
    if (!st.ok()) throw std::runtime_error("BatchWrite (CIs): " + st.error_message());
    for (const auto& created : response.created()) ids[std::stoul(created.ref())] = created.id();
  }
  v1::BatchWriteRequest rels;
  auto flush = [&] {
    if (rels.relationships_size() == 0) return;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::BatchWriteResponse response;
    grpc::Status st = stub->BatchWrite(&ctx, rels, &response);
    if (!st.ok()) throw std::runtime_error("BatchWrite (relationships): " + st.error_message());
    rels.Clear();
  };
  for (const auto& link : estate.links) {
    auto* r = rels.add_relationships();
    r->set_source_id(ids[link.from]);
    r->set_type(link.type);
    r->set_target_id(ids[link.to]);
    if (rels.relationships_size() == batch) flush();
  }
  flush();
  return Seconds(Clock::now() - start);
}

// COPYs the rows the API path writes into the same tables.
double LoadThroughCopy(const std::string& url, const Estate& estate) {
  // Rows are prepared before the clock starts, in the stored form.
  const std::string now = "2026-01-01 00:00:00+00";
  std::vector<std::string> ids(estate.cis.size());
  std::vector<std::string> attrs(estate.cis.size()), provenance(estate.cis.size());
  for (size_t i = 0; i < estate.cis.size(); ++i) {
    ids[i] = NewUuid();
    Ci ci;
    ci.class_name = estate.cis[i].class_name;
    ci.name = estate.cis[i].name;
    ci.status = "in_use";
    ci.attributes = estate.cis[i].attributes;
    Json prov = Json::object();
    StampProvenance({}, ProvenanceFields(ci), "manual", 1767225600000000, prov);
    attrs[i] = ci.attributes.dump();
    provenance[i] = prov.dump();
  }
  // The identifier rows the server keeps for every CI.
  std::vector<std::tuple<std::string, std::string, std::string>> identifiers;
  {
    auto db = db::Database::Connect({url, 1});
    std::shared_ptr<const Catalog> catalog;
    (void)(*db)->Read([&](db::Tx& tx) {
      catalog = *tx.catalog();
      return absl::OkStatus();
    });
    for (size_t i = 0; i < estate.cis.size(); ++i) {
      Ci ci;
      ci.id = ids[i];
      ci.class_name = estate.cis[i].class_name;
      ci.name = estate.cis[i].name;
      ci.attributes = estate.cis[i].attributes;
      for (auto& key : IdentifierKeys(*catalog, ci)) identifiers.emplace_back(key.kind, key.value, ci.id);
    }
  }
  std::vector<std::string> rel_ids(estate.links.size());
  for (auto& id : rel_ids) id = NewUuid();
  const std::string rel_prov = R"({"type":{"source":"manual","set_at":1767225600000000}})";

  pqxx::connection conn(url);
  pqxx::nontransaction(conn).exec0("CHECKPOINT");
  const auto start = Clock::now();
  auto lap = start;
  std::string phases;
  auto mark = [&](const char* what) {
    const auto now_t = Clock::now();
    phases += StrCat(" ", what, "=", static_cast<int>(Seconds(now_t - lap) * 1000), "ms");
    lap = now_t;
  };
  pqxx::work txn(conn);
  const int64_t cs = txn.exec1("INSERT INTO changeset (actor, source, comment) VALUES ('bench', 'manual', 'copy') "
                               "RETURNING id")[0]
                         .as<int64_t>();
  {
    pqxx::stream_to ci(txn, "ci",
                       std::vector<std::string>{"id", "class_name", "name", "status", "owner", "criticality",
                                                "attributes", "provenance", "version", "created_at", "updated_at",
                                                "changeset_id"});
    for (size_t i = 0; i < estate.cis.size(); ++i) {
      ci << std::make_tuple(ids[i], estate.cis[i].class_name, estate.cis[i].name, "in_use", "", "", attrs[i],
                            provenance[i], 1, now, now, cs);
    }
    ci.complete();
  }
  mark("ci");
  {
    pqxx::stream_to v(txn, "ci_version",
                      std::vector<std::string>{"ci_id", "version", "valid_from", "operation", "class_name", "name",
                                               "status", "owner", "criticality", "attributes", "provenance",
                                               "created_at", "changeset_id"});
    for (size_t i = 0; i < estate.cis.size(); ++i) {
      v << std::make_tuple(ids[i], 1, now, "create", estate.cis[i].class_name, estate.cis[i].name, "in_use", "", "",
                           attrs[i], provenance[i], now, cs);
    }
    v.complete();
  }
  mark("ci_version");
  {
    pqxx::stream_to out(txn, "ci_identifier", std::vector<std::string>{"kind", "value", "ci_id"});
    for (const auto& row : identifiers) out << row;
    out.complete();
  }
  mark("ci_identifier");
  {
    pqxx::stream_to r(txn, "relationship",
                      std::vector<std::string>{"id", "type", "source_id", "target_id", "attributes", "provenance",
                                               "version", "created_at", "updated_at", "changeset_id"});
    for (size_t i = 0; i < estate.links.size(); ++i) {
      const auto& l = estate.links[i];
      r << std::make_tuple(rel_ids[i], l.type, ids[l.from], ids[l.to], "{}", rel_prov, 1, now, now, cs);
    }
    r.complete();
  }
  mark("relationship");
  {
    pqxx::stream_to v(txn, "relationship_version",
                      std::vector<std::string>{"rel_id", "version", "valid_from", "operation", "type", "source_id",
                                               "target_id", "attributes", "provenance", "created_at",
                                               "changeset_id"});
    for (size_t i = 0; i < estate.links.size(); ++i) {
      const auto& l = estate.links[i];
      v << std::make_tuple(rel_ids[i], 1, now, "create", l.type, ids[l.from], ids[l.to], "{}", rel_prov, now, cs);
    }
    v.complete();
  }
  mark("relationship_version");
  txn.exec1("SELECT cmdb_seal_changeset(" + std::to_string(cs) + ")");
  txn.commit();
  mark("commit");
  std::fprintf(stderr, "  COPY phases:%s\n", phases.c_str());
  return Seconds(Clock::now() - start);
}

int64_t CountRows(const std::string& url, const std::string& table) {
  pqxx::connection conn(url);
  pqxx::nontransaction txn(conn);
  return txn.exec1("SELECT count(*) FROM " + table)[0].as<int64_t>();
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb::bench;
  int cis = 100000, relationships = 200000, batch = 10000, runs = 3;
  bool fast = false;
  CLI::App app{"Bulk load through BatchWrite vs PostgreSQL COPY"};
  app.add_option("--cis", cis, "CIs to load")->capture_default_str();
  app.add_option("--relationships", relationships, "Relationships to load")->capture_default_str();
  app.add_option("--batch", batch, "Items per BatchWrite")->capture_default_str();
  app.add_option("--runs", runs, "Repetitions (the median is reported)")->capture_default_str();
  app.add_flag("--fast", fast, "Run PostgreSQL with fsync off");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  BenchCluster cluster(fast);
  std::vector<double> api_s, copy_s, ratios;
  std::printf("run  api_s   copy_s  ratio  (CIs %d, relationships %d, batch %d, fsync %s)\n", cis, relationships,
              batch, fast ? "off" : "on");
  for (int run = 1; run <= runs; ++run) {
    Estate estate = MakeEstate(cis, relationships, static_cast<uint32_t>(run));
    // Alternate which goes first, so neither always meets a warmer cache.
    const std::string api_url = cluster.NewDatabase("api_" + std::to_string(run));
    const std::string copy_url = cluster.NewDatabase("copy_" + std::to_string(run));
    double a = 0, c = 0;
    if (run % 2 == 1) {
      a = LoadThroughApi(api_url, estate, batch);
      c = LoadThroughCopy(copy_url, estate);
    } else {
      c = LoadThroughCopy(copy_url, estate);
      a = LoadThroughApi(api_url, estate, batch);
    }
    for (const char* table : {"ci", "ci_version", "ci_identifier", "relationship", "relationship_version"}) {
      if (CountRows(api_url, table) != CountRows(copy_url, table)) {
        std::fprintf(stderr, "row counts differ in %s\n", table);
        return 1;
      }
    }
    api_s.push_back(a);
    copy_s.push_back(c);
    ratios.push_back(a / c);
    std::printf("%-4d %-7.2f %-7.2f %.2f\n", run, a, c, a / c);
  }
  const double a = Median(api_s), c = Median(copy_s);
  std::printf("\nmedian: BatchWrite %.2f s (%.0f CIs/s, %.0f relationships+CIs rows/s); COPY %.2f s; ratio %.2fx\n", a,
              cis / a, (cis + relationships) / a, c, Median(ratios));
  return 0;
}
