// cmdbd: the CMDB server.
//
//   cmdbd [serve flags]                  run the server (the default)
//   cmdbd migrate [--db-url URL]         apply schema migrations and exit
//   cmdbd token create --role R --name N [--tokens FILE]
//   cmdbd token hash < FILE              SHA-256 of the token on stdin
//   cmdbd backup FILE [--db-url URL | --data-dir DIR]             pg_dump of the database
//   cmdbd restore FILE [--db-url URL | --data-dir DIR] [--force]  pg_restore into an empty one
//
// Every flag can also come from an environment variable (CMDB_<FLAG>) or a
// TOML config file (--config FILE, keys named like the flags); unknown keys
// are an error. docs/OPERATIONS.md lists them with their defaults.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/cmdb_api.h"
#include "absl/synchronization/mutex.h"
#include "api/discovery_api.h"
#include "api/audit_api.h"
#include "api/impact_api.h"
#include "api/reconcile_api.h"
#include "api/server.h"
#include "core/strings.h"
#include "db/backup.h"
#include "db/database.h"
#include "db/embedded_postgres.h"
#include "db/leader_lock.h"
#include "db/migrator.h"
#include "service/change_feed.h"
#include "service/ci_service.h"
#include "service/discovery_service.h"
#include "service/health_monitor.h"
#include "service/impact_service.h"
#include "service/secret_box.h"
#include "service/class_service.h"
#include "service/reconcile_service.h"
#include "service/relationship_service.h"
#include "service/worker_pool.h"

namespace {

struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string db_url;
  std::string read_db_url;
  std::string data_dir = "cmdb-data";
  std::string tokens;
  std::string tls_cert;
  std::string tls_key;
  std::string log_level = "info";
  int db_pool_size = 16;
  int max_threads = 64;
  int audit_retention_days = 365;
  int shutdown_grace_seconds = 30;
  cmdb::Limits limits;
  int max_message_mb = 16;
  int max_memory_mb = 256;
  std::vector<std::string> pg_settings;
  std::string secret_key_file;  // default with the embedded PostgreSQL: <data-dir>/secret.key
  cmdb::DiscoveryOptions discovery;
  int discovery_tick_seconds = 5;
};

void SetUpLogging(const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  for (const char* name : {"cmdbd", "request", "db", "discovery"}) {
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    spdlog::register_logger(logger);
  }
  spdlog::set_default_logger(spdlog::get("cmdbd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

// The database to use: --db-url, or an embedded cluster in the data dir.
struct DatabaseTarget {
  std::string url;
  std::unique_ptr<cmdb::db::EmbeddedPostgres> embedded;
};

std::optional<DatabaseTarget> OpenTarget(const Config& config) {
  DatabaseTarget target;
  if (!config.db_url.empty()) {
    target.url = config.db_url;
    return target;
  }
  spdlog::info("no --db-url: using the embedded PostgreSQL in {}", config.data_dir);
  cmdb::db::EmbeddedPostgres::Options options;
  options.data_dir = config.data_dir;
  options.settings = config.pg_settings;
  auto pg = cmdb::db::EmbeddedPostgres::Start(options);
  if (!pg.ok()) {
    spdlog::critical("cannot start the embedded PostgreSQL: {}", cmdb::ToStd(pg.status().message()));
    return std::nullopt;
  }
  target.embedded = std::move(*pg);
  target.url = target.embedded->url();
  return target;
}

bool RunMigrations(const std::string& url) {
  auto report = cmdb::db::Migrate(url);
  if (!report.ok()) {
    spdlog::critical("schema migration failed: {}", cmdb::ToStd(report.status().message()));
    return false;
  }
  for (const auto& name : report->applied) spdlog::info("applied migration {}", name);
  spdlog::info("schema at version {}", report->current_version);
  return true;
}

// The key that seals credentials: --secret-key-file, or with the embedded
// PostgreSQL <data-dir>/secret.key, created (mode 0600) on first start.
// Without either, discovery credentials cannot be stored or leased.
std::optional<cmdb::SecretBox> LoadSecretKey(const Config& config, bool* failed) {
  *failed = false;
  std::string path = config.secret_key_file;
  if (path.empty() && config.db_url.empty()) {
    path = config.data_dir + "/secret.key";
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      const mode_t old = umask(077);
      std::ofstream out(path);
      umask(old);
      if (!(out << cmdb::SecretBox::NewKeyHex() << "\n")) {
        spdlog::critical("cannot write the secret key file {}", path);
        *failed = true;
        return std::nullopt;
      }
      spdlog::info("created the credential key {} (keep it with backups of the database)", path);
    }
  }
  if (path.empty()) {
    spdlog::warn("no --secret-key-file: discovery credentials cannot be stored or used");
    return std::nullopt;
  }
  std::ifstream in(path);
  std::string hex;
  if (!in || !std::getline(in, hex)) {
    spdlog::critical("cannot read the secret key file {}", path);
    *failed = true;
    return std::nullopt;
  }
  auto box = cmdb::SecretBox::FromHex(hex);
  if (!box.ok()) {
    spdlog::critical("{}: {}", path, cmdb::ToStd(box.status().message()));
    *failed = true;
    return std::nullopt;
  }
  return std::move(*box);
}

// Overwrites, in place, the password of a --db-url or --read-db-url given on the command
// line (URI user:password@ or a password= word), so that the process list
// no longer shows it. Returns whether there was one.
bool HidePasswordsInArguments(int argc, char** argv) {
  bool hid = false;
  auto blank = [&](char* text) {
    std::string_view s(text);
    auto wipe = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) text[i] = 'x';
      hid = hid || to > from;
    };
    if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
      const size_t at = s.find('@', scheme + 3);
      const size_t colon = s.find(':', scheme + 3);
      if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) wipe(colon + 1, at);
    }
    for (size_t p = s.find("password="); p != std::string_view::npos; p = s.find("password=", p + 1)) {
      const size_t from = p + strlen("password=");
      size_t to = s.find_first_of(" &", from);
      if (to == std::string_view::npos) to = s.size();
      wipe(from, to);
    }
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    for (const std::string_view flag : {"--db-url", "--read-db-url"}) {
      if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=') {
        blank(argv[i] + flag.size() + 1);
      } else if (arg == flag && i + 1 < argc) {
        blank(argv[++i]);
      }
    }
  }
  return hid;
}

int CreateToken(const std::string& role_name, const std::string& name, const std::string& tokens_file) {
  auto role = cmdb::api::RoleFromName(role_name);
  if (!role) {
    std::cerr << "cmdbd: unknown role \"" << role_name << "\" (viewer, discovery, editor, admin)\n";
    return 2;
  }
  if (name.empty() || name.find_first_of(" \t\n") != std::string::npos) {
    std::cerr << "cmdbd: --name must be one word\n";
    return 2;
  }
  const std::string token = cmdb::api::NewToken();
  const std::string line = cmdb::StrCat(cmdb::api::TokenHash(token), " ", role_name, " ", name, "\n");
  if (!tokens_file.empty()) {
    const mode_t old = umask(077);
    std::ofstream out(tokens_file, std::ios::app);
    umask(old);
    if (!(out << line)) {
      std::cerr << "cmdbd: cannot write " << tokens_file << "\n";
      return 1;
    }
    std::cerr << "added " << role_name << " token for " << name << " to " << tokens_file
              << " (send SIGHUP to a running cmdbd to reload)\n";
  } else {
    std::cerr << "tokens file line: " << line;
  }
  std::cout << token << "\n";
  return 0;
}

// Where backup and restore find the database: as Serve does, --db-url or
// the embedded cluster in --data-dir.
cmdb::db::BackupTarget BackupTargetOf(const Config& config) {
  cmdb::db::BackupTarget target;
  target.url = config.db_url;
  target.data_dir = config.data_dir;
  target.pg_settings = config.pg_settings;
  return target;
}

// The credential key file cmdbd would use with this configuration ("" when
// it has none): it is not in the database, so not in a backup.
std::string SecretKeyPath(const Config& config) {
  if (!config.secret_key_file.empty()) return config.secret_key_file;
  return config.db_url.empty() ? config.data_dir + "/secret.key" : "";
}

int RunBackup(const Config& config, const std::string& file) {
  auto report = cmdb::db::Backup(BackupTargetOf(config), file);
  if (!report.ok()) {
    std::cerr << "cmdbd: backup failed: " << report.status().message() << "\n";
    return 1;
  }
  const cmdb::db::BackupFigures& f = report->figures;
  std::cout << "wrote " << report->file << " (" << report->bytes << " bytes, pg_dump custom format, schema version "
            << f.schema_version << ")\n"
            << "feed position " << f.latest_seq << " (newest changeset seq): change feed cursors up to \""
            << f.latest_seq << "\" resume on a restored copy\n"
            << "holds " << f.cis << " CIs, " << f.ci_versions << " CI versions, " << f.relationships
            << " relationships, " << f.changesets << " changesets, " << f.credentials << " discovery credentials\n";
  const std::string key = SecretKeyPath(config);
  std::cerr << "cmdbd: note: the backup does not hold the key that seals discovery credentials; keep "
            << (key.empty() ? "the file given to cmdbd as --secret-key-file" : key) << " with it\n";
  return 0;
}

int RunRestore(const Config& config, const std::string& file, bool force) {
  cmdb::db::RestoreOptions options;
  options.force = force;
  auto report = cmdb::db::Restore(BackupTargetOf(config), file, options);
  if (!report.ok()) {
    std::cerr << "cmdbd: restore failed: " << report.status().message() << "\n";
    return 1;
  }
  const cmdb::db::BackupFigures& f = report->figures;
  for (const auto& name : report->migrations) std::cout << "applied migration " << name << "\n";
  std::cout << "restored " << file << ": " << f.cis << " CIs, " << f.ci_versions << " CI versions, " << f.relationships
            << " relationships, " << f.changesets << " changesets; schema version " << report->schema_version << "\n"
            << "feed position " << f.latest_seq << " (newest changeset seq): watchers resume from cursors up to \""
            << f.latest_seq << "\"; a cursor beyond it names changes this backup does not have\n";
  if (f.credentials > 0) {
    const std::string key = SecretKeyPath(config);
    std::cerr << "cmdbd: note: " << f.credentials
              << " discovery credentials are sealed with the key of the server backed up: put that key in "
              << (key.empty() ? "a file given as --secret-key-file" : key) << " before starting cmdbd\n";
  }
  return 0;
}

int Serve(const Config& config, sigset_t signals) {
  std::optional<cmdb::api::TokenStore> tokens;
  if (!config.tokens.empty()) {
    auto loaded = cmdb::api::TokenStore::Load(config.tokens);
    if (!loaded.ok()) {
      spdlog::critical("{}", cmdb::ToStd(loaded.status().message()));
      return 1;
    }
    tokens = std::move(*loaded);
  }
  std::optional<DatabaseTarget> target = OpenTarget(config);
  if (!target) return 1;
  if (!RunMigrations(target->url)) return 1;

  cmdb::db::Database::Options db_options;
  db_options.url = target->url;
  db_options.pool_size = config.db_pool_size;
  db_options.read_url = config.read_db_url;
  db_options.read_pool_size = config.db_pool_size;
  if (!config.read_db_url.empty()) {
    spdlog::info("reads of CIs and relationships go to the read replica once it has each caller's writes");
  }
  auto db = cmdb::db::Database::Connect(db_options);
  if (!db.ok()) {
    spdlog::critical("{}", cmdb::ToStd(db.status().message()));
    return 1;
  }
  cmdb::CiService cis(**db, config.limits);
  cmdb::RelationshipService relationships(**db, config.limits);
  cmdb::ClassService classes(**db);
  const cmdb::SystemClock clock;  // sightings and the staleness sweep take "now" from it
  cmdb::ReconcileService reconcile(**db, config.limits, clock);
  bool key_failed = false;
  const std::optional<cmdb::SecretBox> secrets = LoadSecretKey(config, &key_failed);
  if (key_failed) return 1;
  cmdb::DiscoveryService discovery(**db, clock, secrets ? &*secrets : nullptr, config.discovery);
  cmdb::ChangeFeed feed(**db, target->url);
  feed.Start();
  cmdb::WorkerPool feed_pool(2);
  // The impact graph: every current CI and relationship, loaded now and
  // kept in step with the change feed.
  cmdb::ImpactService impact(**db, feed, clock);
  cmdb::AuditService audit(**db, clock);
  if (absl::Status loaded = impact.Start(); !loaded.ok()) {
    spdlog::critical("impact graph: {}", cmdb::ToStd(loaded.message()));
    return 1;
  }
  if (auto stats = impact.Stats(); stats.ok()) {
    spdlog::info("impact graph loaded: {} CIs, {} relationships, {} edges, {:.0f} ms, {:.1f} MB", stats->nodes,
                 stats->relationships, stats->edges, stats->load_millis,
                 static_cast<double>(stats->memory_bytes) / (1024.0 * 1024.0));
  }

  cmdb::api::Authenticator auth = tokens ? cmdb::api::Authenticator(std::move(*tokens)) : cmdb::api::Authenticator();
  if (!auth.enabled()) {
    spdlog::warn("**************************************************************");
    spdlog::warn("* AUTHENTICATION IS OFF: every caller is an administrator.    *");
    spdlog::warn("* Start with --tokens FILE (see `cmdbd token create`).        *");
    spdlog::warn("**************************************************************");
  }
  cmdb::api::CmdbApi api({cis, relationships, classes, feed, feed_pool, auth, config.limits});
  cmdb::api::ReconcileApi reconcile_api(reconcile, auth);
  cmdb::api::DiscoveryApi discovery_api(discovery, auth);
  cmdb::api::ImpactApi impact_api(impact, auth);
  cmdb::api::AuditApi audit_api(audit, auth);
  cmdb::api::ServerOptions server_options;
  server_options.listen = config.listen;
  server_options.tls_cert_file = config.tls_cert;
  server_options.tls_key_file = config.tls_key;
  server_options.max_threads = config.max_threads;
  server_options.max_memory_mb = config.max_memory_mb;
  auto server = cmdb::api::GrpcServer::Start(server_options, {&api, &reconcile_api, &discovery_api, &impact_api, &audit_api},
                                             config.limits);
  if (!server.ok()) {
    spdlog::critical("{}", cmdb::ToStd(server.status().message()));
    return 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  spdlog::info("cmdbd listening on {}:{} ({}, authentication {})", host, (*server)->port(),
               config.tls_cert.empty() ? "plaintext" : "TLS", auth.enabled() ? "on" : "OFF");

  // Health follows the database, probed twice a second on a connection of
  // its own.
  cmdb::api::GrpcServer& grpc_server = **server;
  cmdb::HealthMonitor health(**db, [&grpc_server](bool healthy) {
    grpc_server.SetServing(healthy);
    spdlog::log(healthy ? spdlog::level::info : spdlog::level::err, "database {}",
                healthy ? "reachable again: serving" : "unreachable: health NOT_SERVING");
  });
  health.Start();

  // Wait for a signal; every few seconds, run the discovery scheduler; every
  // minute, mark stale what sources have not reported for too long. When
  // the embedded PostgreSQL's postmaster has died (kill -9, a PANIC on a
  // full disk), start it again, backing off from 1 s to a minute between
  // attempts; cmdbd serves again by itself once the database answers.
  // Several cmdbd may share one database: the discovery scheduler and the
  // staleness sweep run only in the one holding the leader lock.
  cmdb::db::LeaderLock leader(target->url);
  bool leading = false;
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now();
  auto next_sweep = Clock::now();
  auto next_restart = Clock::now();
  auto restart_delay = std::chrono::seconds(1);
  while (true) {
    const bool serving = health.healthy();
    if (const bool now_leading = serving && leader.Check(); now_leading != leading) {
      leading = now_leading;
      spdlog::info(leading ? "leader: this cmdbd runs the discovery scheduler, the staleness sweep and scheduled audits"
                           : "no longer the leader: the discovery scheduler, the staleness sweep and scheduled audits stop here");
    }
    if (leading && Clock::now() >= next_tick) {
      next_tick = Clock::now() + std::chrono::seconds(config.discovery_tick_seconds);
      if (absl::Status ticked = discovery.Tick(); !ticked.ok()) {
        spdlog::warn("discovery scheduler: {}", cmdb::ToStd(ticked.message()));
      }
    }
    if (!serving && target->embedded && Clock::now() >= next_restart) {
      next_restart = Clock::now() + restart_delay;
      if (!target->embedded->Alive()) {
        spdlog::error("the embedded PostgreSQL is not running (its postmaster died): starting it again");
        if (absl::Status restarted = target->embedded->Restart(); restarted.ok()) {
          spdlog::info("embedded PostgreSQL started again");
          restart_delay = std::chrono::seconds(1);
        } else {
          restart_delay = std::min<std::chrono::seconds>(restart_delay * 2, std::chrono::minutes(1));
          spdlog::error("starting the embedded PostgreSQL failed: {}; next attempt in {} s",
                        cmdb::ToStd(restarted.message()), restart_delay.count());
          next_restart = Clock::now() + restart_delay;
        }
      }
    }
    if (leading && Clock::now() >= next_sweep) {
      next_sweep = Clock::now() + std::chrono::minutes(1);
      if (auto audited = audit.Tick(config.audit_retention_days); !audited.ok()) {
        spdlog::warn("audit scheduler: {}", cmdb::ToStd(audited.status().message()));
      }
      auto marked = reconcile.SweepStale();
      if (!marked.ok()) {
        spdlog::warn("staleness sweep failed: {}", cmdb::ToStd(marked.status().message()));
      } else if (*marked > 0) {
        spdlog::info("marked {} CIs stale (not reported within their source's window)", *marked);
      }
    }
    timespec timeout{1, 0};
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGHUP) {
      if (config.tokens.empty()) continue;
      auto reloaded = cmdb::api::TokenStore::Load(config.tokens);
      if (reloaded.ok()) {
        spdlog::info("reloaded {} tokens from {}", reloaded->size(), config.tokens);
        auth.Replace(std::move(*reloaded));
      } else {
        spdlog::error("token reload failed, keeping the old tokens: {}", cmdb::ToStd(reloaded.status().message()));
      }
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("signal {}: shutting down (grace {}s)", sig, config.shutdown_grace_seconds);
      break;
    }
  }
  leader.Release();  // another cmdbd on the database takes over at its next check
  health.Stop();
  impact.Stop();
  feed.Stop();  // ends watch streams, which resume from their cursor elsewhere
  (*server)->Shutdown(std::chrono::seconds(config.shutdown_grace_seconds));
  (*server)->Wait();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken synchronously by the main thread; block them first so
  // every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Debian's absl checks every mutex acquisition for lock-order cycles (a
  // debugging aid with a global lock); gRPC's locks would all pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  Config config;
  CLI::App app{"cmdbd: configuration management database server"};
  app.set_config("--config", "", "TOML file with any of the flags below (keys without the leading --)");
  app.allow_config_extras(false);
  app.add_option("--listen", config.listen, "gRPC address HOST:PORT")->envname("CMDB_LISTEN")->capture_default_str();
  app.add_option("--db-url", config.db_url, "PostgreSQL connection URL; absent: embedded PostgreSQL in --data-dir")
      ->envname("CMDB_DB_URL");
  app.add_option("--read-db-url", config.read_db_url,
                 "A streaming replica of the database for Get, List, history and as-of reads (read-your-writes "
                 "per caller); absent: all reads on the primary")
      ->envname("CMDB_READ_DB_URL");
  app.add_option("--data-dir", config.data_dir, "Directory of the embedded PostgreSQL")
      ->envname("CMDB_DATA_DIR")
      ->capture_default_str();
  app.add_option("--tokens", config.tokens, "Tokens file (<sha256> <role> <name> per line); absent: auth OFF")
      ->envname("CMDB_TOKENS");
  app.add_option("--tls-cert", config.tls_cert, "TLS certificate chain (PEM)")->envname("CMDB_TLS_CERT");
  app.add_option("--tls-key", config.tls_key, "TLS private key (PEM)")->envname("CMDB_TLS_KEY");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->envname("CMDB_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--db-pool-size", config.db_pool_size, "Database connections")
      ->envname("CMDB_DB_POOL_SIZE")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  app.add_option("--max-threads", config.max_threads, "Threads serving requests")
      ->envname("CMDB_MAX_THREADS")
      ->check(CLI::Range(2, 4096))
      ->capture_default_str();
  app.add_option("--max-page-size", config.limits.max_page_size, "Largest page a List returns")
      ->envname("CMDB_MAX_PAGE_SIZE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-batch", config.limits.max_batch_items, "Most items in one BatchWrite")
      ->envname("CMDB_MAX_BATCH")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_option("--max-stream-items", config.limits.max_stream_items, "Most items in one StreamReconcile")
      ->envname("CMDB_MAX_STREAM_ITEMS")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--max-stream-results", config.limits.max_stream_results,
                 "Most item (and relation) results a StreamReconcile answer lists")
      ->envname("CMDB_MAX_STREAM_RESULTS")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--max-large-reconciles", config.limits.max_large_reconciles,
                 "Reconcile payloads of over 10000 items run this many at a time; others wait their turn")
      ->envname("CMDB_MAX_LARGE_RECONCILES")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-message-mb", config.max_message_mb,
                 "Largest request message, MiB (answers: 64 MiB or this if larger)")
      ->envname("CMDB_MAX_MESSAGE_MB")
      ->check(CLI::Range(1, 2000))
      ->capture_default_str();
  app.add_option("--max-memory-mb", config.max_memory_mb,
                 "MiB gRPC may hold for requests being read, across all calls (at least 2x --max-message-mb)")
      ->envname("CMDB_MAX_MEMORY_MB")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  app.add_option("--shutdown-grace", config.shutdown_grace_seconds, "Seconds in-flight calls get at shutdown")
      ->envname("CMDB_SHUTDOWN_GRACE")
      ->capture_default_str();
  app.add_option("--pg-setting", config.pg_settings, "Extra postgresql.conf line for the embedded PostgreSQL");
  app.add_option("--secret-key-file", config.secret_key_file,
                 "File with the 64-hex-digit key that seals discovery credentials "
                 "(default with the embedded PostgreSQL: <data-dir>/secret.key, created on first start)")
      ->envname("CMDB_SECRET_KEY_FILE");
  app.add_option("--discovery-lease", config.discovery.lease_seconds,
                 "Seconds a worker's job lease lasts without a heartbeat")
      ->envname("CMDB_DISCOVERY_LEASE")
      ->check(CLI::Range(3, 3600))
      ->capture_default_str();
  app.add_option("--discovery-job-size", config.discovery.job_size, "Target addresses per discovery job")
      ->envname("CMDB_DISCOVERY_JOB_SIZE")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--discovery-retention-days", config.discovery.retention_days,
                 "Days ended discovery runs and their logs are kept")
      ->envname("CMDB_DISCOVERY_RETENTION_DAYS")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  app.add_option("--audit-retention-days", config.audit_retention_days,
                 "Days audit runs are kept (the latest is always kept)")
      ->envname("CMDB_AUDIT_RETENTION_DAYS")
      ->check(CLI::Range(1, 36600))
      ->capture_default_str();
  app.add_option("--discovery-tick", config.discovery_tick_seconds,
                 "Seconds between scheduler passes (due schedules, lost workers, retention)")
      ->envname("CMDB_DISCOVERY_TICK")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();

  CLI::App* migrate = app.add_subcommand("migrate", "Apply schema migrations and exit");
  CLI::App* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  std::string role, name, tokens_file, plain;
  CLI::App* token_create = token->add_subcommand("create", "Create a token: prints it, stores only its hash");
  token_create->add_option("--role", role, "viewer, discovery, editor or admin")->required();
  token_create->add_option("--name", name, "Who or what uses it")->required();
  token_create->add_option("--tokens", tokens_file, "Tokens file to append to (else the line is printed)");
  CLI::App* token_hash = token->add_subcommand(
      "hash", "Print the SHA-256 of the token read from stdin (never on the command line, where ps shows it)");
  // fallthrough: the database flags may follow the verb (cmdbd backup FILE --db-url-file F).
  std::string backup_file;
  bool restore_force = false;
  CLI::App* backup =
      app.add_subcommand("backup", "Write a consistent pg_dump (custom format) of the database to FILE")->fallthrough();
  backup->add_option("file", backup_file, "Archive to write (atomically, mode 0600)")->required();
  CLI::App* restore =
      app.add_subcommand("restore", "Restore a backup into an empty database, then apply migrations")->fallthrough();
  restore->add_option("file", backup_file, "Archive written by cmdbd backup")->required();
  restore->add_flag("--force", restore_force, "Replace a database that already holds CMDB data");
  std::string db_url_file;
  app.add_option("--db-url-file", db_url_file,
                 "File whose first line is the PostgreSQL URL (keeps a password out of the process list)")
      ->envname("CMDB_DB_URL_FILE");
  CLI11_PARSE(app, argc, argv);
  if (HidePasswordsInArguments(argc, argv)) {
    std::cerr << "cmdbd: warning: a database URL on the command line holds a password; it is hidden from the "
                 "process list now, but use --db-url-file, CMDB_DB_URL / CMDB_READ_DB_URL or a ~/.pgpass file "
                 "instead\n";
  }
  if (!db_url_file.empty()) {
    if (!config.db_url.empty()) {
      std::cerr << "cmdbd: give --db-url or --db-url-file, not both\n";
      return 2;
    }
    std::ifstream in(db_url_file);
    if (!in || !std::getline(in, config.db_url) || config.db_url.empty()) {
      std::cerr << "cmdbd: cannot read a URL from " << db_url_file << "\n";
      return 2;
    }
  }
  config.limits.max_message_bytes = config.max_message_mb << 20;
  if (config.max_memory_mb < 2 * config.max_message_mb) {
    std::cerr << "cmdbd: --max-memory-mb (" << config.max_memory_mb << ") must be at least twice --max-message-mb ("
              << config.max_message_mb << ")\n";
    return 2;
  }

  if (token_create->parsed()) return CreateToken(role, name, tokens_file);
  if (token_hash->parsed()) {
    if (!std::getline(std::cin, plain) || plain.empty()) {
      std::cerr << "cmdbd: token hash reads the token from stdin (echo \"$TOKEN\" | cmdbd token hash)\n";
      return 2;
    }
    std::cout << cmdb::api::TokenHash(plain) << "\n";
    return 0;
  }
  SetUpLogging(config.log_level);
  if (migrate->parsed()) {
    auto target = OpenTarget(config);
    if (!target) return 1;
    return RunMigrations(target->url) ? 0 : 1;
  }
  if (backup->parsed()) return RunBackup(config, backup_file);
  if (restore->parsed()) return RunRestore(config, backup_file, restore_force);
  return Serve(config, signals);
}
