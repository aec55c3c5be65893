#include "db/embedded_postgres.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "core/status.h"
#include "core/strings.h"
#include "db/process.h"

namespace cmdb::db {
namespace fs = std::filesystem;

namespace {

std::string QuoteConf(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

absl::Status Chown(const std::string& path, const std::string& user) {
  struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return absl::FailedPreconditionError(StrCat("no user named ", user));
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return absl::FailedPreconditionError(StrCat("cannot give ", path, " to user ", user));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EmbeddedPostgres::Run(const std::vector<std::string>& argv, std::string_view what) {
  auto result = RunProcess(argv, ProcessOptions{user_});
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(StrCat(what, " failed (exit ", result->exit_code, "): ", result->output));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> EmbeddedPostgres::Start(Options options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required for the embedded PostgreSQL");
  if (options.bin_dir.empty()) {
    const char* env = std::getenv("CMDB_PG_BIN");
    options.bin_dir = env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
  }
  if (access((options.bin_dir + "/initdb").c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(StrCat(
        "PostgreSQL 15 not found in ", options.bin_dir,
        " (install postgresql-15, set CMDB_PG_BIN, or pass --db-url to use an existing server)"));
  }
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return absl::FailedPreconditionError(StrCat("cannot create data dir ", options.data_dir, ": ", ec.message()));
  options.data_dir = fs::canonical(options.data_dir).string();

  std::unique_ptr<EmbeddedPostgres> pg(new EmbeddedPostgres(std::move(options)));
  const std::string socket = pg->run_dir() + "/.s.PGSQL.5432";
  if (socket.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::FailedPreconditionError(
        StrCat("data dir path too long for a Unix socket (", socket.size(), " bytes): choose a shorter one"));
  }
  if (RunningAsRoot()) {
    // PostgreSQL refuses to run as root.
    pg->user_ = "postgres";
    if (getpwnam("postgres") == nullptr) {
      return absl::FailedPreconditionError("running as root needs the user postgres (install postgresql-15)");
    }
    if (auto st = Chown(pg->options_.data_dir, pg->user_); !st.ok()) return st;
    auto reach = RunProcess({"test", "-x", pg->options_.data_dir}, ProcessOptions{pg->user_});
    if (!reach.ok()) return reach.status();
    if (reach->exit_code != 0) {
      return absl::FailedPreconditionError(StrCat(
          "user postgres cannot reach ", pg->options_.data_dir,
          " (a parent directory is private): choose a data dir such as /var/lib/cmdb"));
    }
  }
  chmod(pg->options_.data_dir.c_str(), 0700);

  if (!fs::exists(pg->pgdata() + "/PG_VERSION")) {
    spdlog::info("initialising PostgreSQL cluster in {}", pg->pgdata());
    std::vector<std::string> argv = {pg->Bin("initdb"), "-D", pg->pgdata(), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"};
    if (!pg->options_.durable) argv.push_back("--no-sync");
    if (auto st = pg->Run(argv, "initdb"); !st.ok()) return st;
    std::ofstream conf(pg->pgdata() + "/postgresql.conf", std::ios::app);
    conf << "\ninclude_if_exists = 'cmdb.conf'\n";
  }
  // Rewritten on every start, so a moved data dir or changed options apply.
  {
    std::ofstream conf(pg->pgdata() + "/cmdb.conf", std::ios::trunc);
    conf << "# Written by cmdbd at every start.\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = " << QuoteConf(pg->run_dir()) << "\n"
         << "unix_socket_permissions = 0700\n"
         << "max_connections = 200\n";
    if (!pg->options_.durable) conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
    for (const auto& line : pg->options_.settings) conf << line << "\n";
    if (!conf) return absl::InternalError("cannot write cmdb.conf in the cluster directory");
  }
  if (!pg->user_.empty()) {
    if (auto st = Chown(pg->pgdata() + "/cmdb.conf", pg->user_); !st.ok()) return st;
  }
  fs::create_directories(pg->run_dir(), ec);
  chmod(pg->run_dir().c_str(), 0700);
  if (!pg->user_.empty()) {
    if (auto st = Chown(pg->run_dir(), pg->user_); !st.ok()) return st;
  }

  if (pg->Alive()) {
    spdlog::warn("PostgreSQL already running on {}; using it", pg->pgdata());
  } else if (auto st = pg->StartServer(); !st.ok()) {
    return st;
  }
  pg->running_ = true;

  try {
    pqxx::connection admin(pg->Url("postgres"));
    pqxx::nontransaction txn(admin);
    if (txn.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", pg->options_.database).empty()) {
      txn.exec0("CREATE DATABASE " + txn.quote_name(pg->options_.database));
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(StrCat("embedded PostgreSQL started but is not usable: ", e.what()));
  }
  return pg;
}

bool EmbeddedPostgres::Alive() const {
  auto status = RunProcess({Bin("pg_ctl"), "-D", pgdata(), "status"}, ProcessOptions{user_});
  return status.ok() && status->exit_code == 0;
}

absl::Status EmbeddedPostgres::StartServer() {
  auto st =
      Run({Bin("pg_ctl"), "-D", pgdata(), "-l", options_.data_dir + "/postgresql.log", "-w", "-t", "120", "start"},
          "pg_ctl start");
  if (!st.ok()) return absl::InternalError(StrCat(st.message(), " (see ", options_.data_dir, "/postgresql.log)"));
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::Restart() {
  if (Alive()) return absl::OkStatus();
  CMDB_RETURN_IF_ERROR(StartServer());
  running_ = true;
  return absl::OkStatus();
}

EmbeddedPostgres::~EmbeddedPostgres() {
  if (auto st = Stop(); !st.ok()) spdlog::error("stopping PostgreSQL: {}", ToStd(st.message()));
}

absl::Status EmbeddedPostgres::Stop() {
  if (!running_) return absl::OkStatus();
  running_ = false;
  return Run({Bin("pg_ctl"), "-D", pgdata(), "-m", "fast", "-w", "-t", "120", "stop"}, "pg_ctl stop");
}

std::string EmbeddedPostgres::Url(std::string_view database) const {
  return StrCat("host=", run_dir(), " port=5432 user=postgres dbname=", database);
}

absl::Status EmbeddedPostgres::CreateDatabase(std::string_view name, std::string_view template_db) {
  try {
    pqxx::connection admin(Url("postgres"));
    pqxx::nontransaction txn(admin);
    std::string sql = "CREATE DATABASE " + txn.quote_name(std::string(name));
    if (!template_db.empty()) sql += " TEMPLATE " + txn.quote_name(std::string(template_db)) + " STRATEGY FILE_COPY";
    txn.exec0(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("CREATE DATABASE ", name, ": ", e.what()));
  }
}

absl::Status EmbeddedPostgres::DropDatabase(std::string_view name) {
  try {
    pqxx::connection admin(Url("postgres"));
    pqxx::nontransaction txn(admin);
    txn.exec0("DROP DATABASE IF EXISTS " + txn.quote_name(std::string(name)) + " WITH (FORCE)");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("DROP DATABASE ", name, ": ", e.what()));
  }
}

}  // namespace cmdb::db
