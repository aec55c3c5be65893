// Reads under concurrent clients: GetCI by id and a filtered ListCIs page,
// through gRPC (auth check, service, SQL, conversion), against the floor:
// the same SQL sent straight to PostgreSQL over libpqxx by the same number
// of client threads, in the same run. Reports requests/s and p50/p99. With
// --rounds N each cell is measured N times, ours and the baseline taking
// turns, and the medians are reported (for a machine with other load).
// Also, per client count, the gRPC floor: the server's health check (no
// database, an empty answer) through the same kind of blocking client, what
// any gRPC call costs the client and the server before it does any work.
//
//   bench_read_load [--cis 100000] [--clients 1,4,16] [--seconds 10] [--rounds 1] [--ops get,floor,list]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "bench_common.h"
#include "core/strings.h"

namespace cmdb::bench {
namespace {

struct Result {
  double rps = 0, p50_ms = 0, p99_ms = 0;
};

// Runs `clients` threads for `seconds`; each calls op(thread, rng) in a loop.
template <typename Setup>
Result Drive(int clients, double seconds, Setup setup) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto op = setup(c);
      std::mt19937 rng(static_cast<uint32_t>(c) * 7919 + 1);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        op(rng);
        latencies[c].push_back(Seconds(Clock::now() - t0) * 1000);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Result r;
  r.rps = static_cast<double>(all.size()) / seconds;
  r.p50_ms = Percentile(all, 50);
  r.p99_ms = Percentile(all, 99);
  return r;
}

constexpr char kCiColumns[] =
    "c.id::text, c.class_name, c.name, c.status, c.owner, c.criticality, c.attributes::text, "
    "c.provenance::text, c.version, epoch_us(c.created_at), epoch_us(c.updated_at)";

// What the baseline does with a row: what any client would, parse it.
int ParseRows(const pqxx::result& rows) {
  int n = 0;
  for (const auto& r : rows) {
    Json attrs = Json::parse(r[6].c_str());
    Json prov = Json::parse(r[7].c_str());
    n += static_cast<int>(attrs.size() + prov.size() + r[2].size());
  }
  return n;
}

// Runs ours and then the baseline, `rounds` times; the medians of each.
template <typename Ours, typename Base>
std::pair<Result, Result> SideBySide(int rounds, Ours ours, Base base) {
  std::vector<Result> a, b;
  for (int i = 0; i < rounds; ++i) {
    a.push_back(ours());
    b.push_back(base());
  }
  auto median = [](const std::vector<Result>& rs) {
    std::vector<double> rps, p50, p99;
    for (const auto& r : rs) {
      rps.push_back(r.rps);
      p50.push_back(r.p50_ms);
      p99.push_back(r.p99_ms);
    }
    return Result{Median(rps), Median(p50), Median(p99)};
  };
  return {median(a), median(b)};
}

void Report(const char* op, int clients, const Result& ours, const Result& base) {
  std::printf("| %-10s | %3d | %8.0f | %6.2f | %6.2f | %8.0f | %6.2f | %6.2f | %5.2f |\n", op, clients, ours.rps,
              ours.p50_ms, ours.p99_ms, base.rps, base.p50_ms, base.p99_ms, ours.rps / base.rps);
  std::fflush(stdout);
}

}  // namespace
}  // namespace cmdb::bench

int main(int argc, char** argv) {
  using namespace cmdb;
  using namespace cmdb::bench;
  int cis = 100000;
  double seconds = 10;
  int rounds = 1;
  std::vector<int> client_counts = {1, 4, 16};
  std::vector<std::string> ops = {"get", "floor", "list"};
  CLI::App app{"GetCI and ListCIs under concurrent clients vs the same SQL over libpqxx"};
  app.add_option("--cis", cis, "CIs in the database")->capture_default_str();
  app.add_option("--clients", client_counts, "Client thread counts")->delimiter(',');
  app.add_option("--seconds", seconds, "Seconds per measurement")->capture_default_str();
  app.add_option("--ops", ops, "What to measure: get (GetCI), floor (the gRPC floor), list (ListCIs)")
      ->delimiter(',')
      ->check(CLI::IsMember({"get", "floor", "list"}));
  app.add_option("--rounds", rounds, "Measurements per cell, ours and baseline alternating; medians reported")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  BenchCluster cluster(/*fast=*/true);
  const std::string url = cluster.NewDatabase("reads");
  InProcessServer server(url, 16, 64);
  std::vector<std::string> ids;
  {
    Estate estate = MakeEstate(cis, 0, 42);
    auto stub = server.NewStub();
    for (size_t i = 0; i < estate.cis.size(); i += 10000) {
      v1::BatchWriteRequest req;
      for (size_t k = i; k < std::min(estate.cis.size(), i + 10000); ++k) {
        auto* c = req.add_creates();
        c->mutable_ci()->set_class_name(estate.cis[k].class_name);
        c->mutable_ci()->set_name(estate.cis[k].name);
        api::StructFromJson(estate.cis[k].attributes, c->mutable_ci()->mutable_attributes());
      }
      grpc::ClientContext ctx;
      v1::BatchWriteResponse resp;
      if (grpc::Status st = stub->BatchWrite(&ctx, req, &resp); !st.ok()) {
        std::fprintf(stderr, "load failed: %s\n", st.error_message().c_str());
        return 1;
      }
      for (const auto& c : resp.created()) ids.push_back(c.id());
    }
    pqxx::connection conn(url);
    pqxx::nontransaction(conn).exec0("VACUUM ANALYZE");
  }
  const std::string filter = "class = server AND attributes.cpu_count >= 32";
  const std::string list_sql = StrCat(
      "SELECT ", kCiColumns,
      " FROM ci c WHERE c.class_name = ANY('{server,virtual_machine,hypervisor}'::text[]) "
      "AND c.attributes ? 'cpu_count' AND (c.attributes -> 'cpu_count') >= '32'::jsonb "
      "ORDER BY c.name COLLATE \"C\", c.id LIMIT 51");

  std::printf("%d CIs; %.0f s per cell, median of %d; List filter: %s, page_size 50\n\n", cis, seconds, rounds,
              filter.c_str());
  std::printf("| op         | cli | ours r/s | p50 ms | p99 ms | base r/s | p50 ms | p99 ms | ratio |\n");
  std::printf("|------------|-----|----------|--------|--------|----------|--------|--------|-------|\n");
  for (int clients : client_counts) {
    auto grpc_get = [&] {
      return Drive(clients, seconds, [&](int) {
        auto stub = server.NewStub();
        return [&ids, stub = std::shared_ptr<v1::CmdbService::Stub>(std::move(stub))](std::mt19937& rng) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          v1::GetCIRequest req;
          req.set_id(ids[rng() % ids.size()]);
          v1::ConfigurationItem out;
          if (!stub->GetCI(&ctx, req, &out).ok()) std::abort();
        };
      });
    };
    auto sql_get = [&] {
      return Drive(clients, seconds, [&](int) {
        auto conn = std::make_shared<pqxx::connection>(url);
        conn->prepare("get", StrCat("SELECT ", kCiColumns, " FROM ci c WHERE c.id = $1::uuid"));
        return [&ids, conn](std::mt19937& rng) {
          pqxx::read_transaction txn(*conn);
          if (ParseRows(txn.exec_prepared("get", ids[rng() % ids.size()])) == 0) std::abort();
        };
      });
    };
    auto wanted = [&](const char* op) { return std::find(ops.begin(), ops.end(), op) != ops.end(); };
    if (wanted("get")) {
      const auto [ours_get, base_get] = SideBySide(rounds, grpc_get, sql_get);
      Report("GetCI", clients, ours_get, base_get);
    }
    // The health check (bench_common.h).
    auto grpc_floor = [&] {
      return Drive(clients, seconds, [&](int) {
        auto channel = grpc::CreateCustomChannel(server.target(), grpc::InsecureChannelCredentials(),
                                                 server.channel_args());
        return [channel](std::mt19937&) {
          if (!HealthCheck(*channel).ok()) std::abort();
        };
      });
    };
    if (wanted("floor")) {
      const auto [floor, base_get] = SideBySide(rounds, grpc_floor, sql_get);
      Report("gRPC floor", clients, floor, base_get);
    }
    auto grpc_list = [&] {
      return Drive(clients, seconds, [&](int) {
        auto stub = server.NewStub();
        return [&filter, stub = std::shared_ptr<v1::CmdbService::Stub>(std::move(stub))](std::mt19937&) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          v1::ListCIsRequest req;
          req.set_filter(filter);
          req.set_page_size(50);
          v1::ListCIsResponse out;
          if (!stub->ListCIs(&ctx, req, &out).ok() || out.cis_size() != 50) std::abort();
        };
      });
    };
    auto sql_list = [&] {
      return Drive(clients, seconds, [&](int) {
        auto conn = std::make_shared<pqxx::connection>(url);
        return [&list_sql, conn](std::mt19937&) {
          pqxx::read_transaction txn(*conn);
          if (ParseRows(txn.exec(list_sql)) == 0) std::abort();
        };
      });
    };
    if (wanted("list")) {
      const auto [ours_list, base_list] = SideBySide(rounds, grpc_list, sql_list);
      Report("ListCIs", clients, ours_list, base_list);
    }
  }
  return 0;
}
