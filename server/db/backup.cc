#include "db/backup.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "core/status.h"
#include "core/strings.h"
#include "db/embedded_postgres.h"
#include "db/migrator.h"
#include "db/process.h"

namespace cmdb::db {
namespace fs = std::filesystem;

namespace {

// The migrator's session lock (migrator.cc). A restore holds it from its
// checks to its end, so a cmdbd started meanwhile waits in its migration
// step instead of writing into a half-replaced schema.
constexpr int64_t kMigrationLock = 7270000;
// Where a restore keeps the schema it replaces until the new one committed.
constexpr char kSetAside[] = "cmdb_pre_restore";
constexpr char kEmbeddedDatabase[] = "cmdb";

std::string PgBin(const BackupTarget& target, std::string_view tool) {
  std::string dir = target.bin_dir;
  if (dir.empty()) {
    const char* env = std::getenv("CMDB_PG_BIN");
    dir = env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
  }
  return StrCat(dir, "/", tool);
}

// What a tool printed, on one line and bounded: the reason a command gives.
std::string OneLine(std::string_view output) {
  std::string out;
  for (char c : output) {
    if (c == '\n') {
      if (!out.empty() && !out.ends_with("; ")) out += "; ";
    } else if (c != '\r') {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  if (out.size() > 1500) out = out.substr(0, 1500) + " ...";
  return out;
}

// A libpq connection string split for a child program: everything but the
// password as key=value words (safe on argv, where ps shows it), and the
// password apart, for PGPASSWORD.
struct SplitUrl {
  std::string without_password;
  std::string password;
};

absl::StatusOr<SplitUrl> SplitPassword(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    if (error != nullptr) PQfreemem(error);
    return absl::InvalidArgumentError(StrCat("--db-url: not a PostgreSQL connection string: ", OneLine(why)));
  }
  SplitUrl split;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "password") == 0) {
      split.password = o->val;
      continue;
    }
    std::string quoted = "'";
    for (const char* c = o->val; *c != '\0'; ++c) {
      if (*c == '\'' || *c == '\\') quoted.push_back('\\');
      quoted.push_back(*c);
    }
    split.without_password += StrCat(split.without_password.empty() ? "" : " ", o->keyword, "=", quoted, "'");
  }
  PQconninfoFree(options);
  return split;
}

// Sets PGPASSWORD for the programs started while it lives, and puts back
// what was there before. The password is in this process already (the URL);
// the environment of a process is readable only by its user and root, unlike
// its arguments.
class ScopedPassword {
 public:
  explicit ScopedPassword(const std::string& password) : active_(!password.empty()) {
    if (!active_) return;
    if (const char* old = std::getenv("PGPASSWORD")) old_ = old;
    setenv("PGPASSWORD", password.c_str(), 1);
  }
  ~ScopedPassword() {
    if (!active_) return;
    if (old_) {
      setenv("PGPASSWORD", old_->c_str(), 1);
    } else {
      unsetenv("PGPASSWORD");
    }
  }
  ScopedPassword(const ScopedPassword&) = delete;
  ScopedPassword& operator=(const ScopedPassword&) = delete;

 private:
  bool active_;
  std::optional<std::string> old_;
};

// The database an operation works on, with the embedded cluster started for
// it (and stopped when this goes) if it was not running.
struct OpenDatabase {
  std::string url;  // for our own connections (may hold the password)
  SplitUrl split;   // for pg_dump / pg_restore
  std::unique_ptr<EmbeddedPostgres> started;
};

// `create`: a data directory without a cluster gets one (restore into a new
// data dir); otherwise that is an error (nothing to back up).
absl::StatusOr<OpenDatabase> Open(const BackupTarget& target, bool create) {
  OpenDatabase db;
  if (!target.url.empty()) {
    db.url = target.url;
  } else {
    if (target.data_dir.empty()) return absl::InvalidArgumentError("--data-dir or --db-url: one is required");
    std::error_code ec;
    const bool has_cluster = fs::exists(target.data_dir + "/pgdata/PG_VERSION", ec);
    if (!has_cluster && !create) {
      return absl::FailedPreconditionError(
          StrCat("no embedded PostgreSQL cluster in ", target.data_dir, " (no pgdata/PG_VERSION): wrong --data-dir?"));
    }
    std::string data_dir = target.data_dir;
    if (has_cluster) data_dir = fs::canonical(target.data_dir, ec).string();
    // A running cluster belongs to a cmdbd (or to someone who started it):
    // use it through its socket and leave it running. Adopting it through
    // EmbeddedPostgres would rewrite its cmdb.conf and stop it afterwards.
    bool alive = false;
    if (has_cluster) {
      auto status = RunProcess({PgBin(target, "pg_ctl"), "-D", data_dir + "/pgdata", "status"},
                               ProcessOptions{RunningAsRoot() ? "postgres" : ""});
      if (!status.ok()) return status.status();
      alive = status->exit_code == 0;
    }
    if (alive) {
      // The socket EmbeddedPostgres::Url names: <data-dir>/run, port 5432.
      db.url = StrCat("host=", data_dir, "/run port=5432 user=postgres dbname=", kEmbeddedDatabase);
    } else {
      spdlog::info("the embedded PostgreSQL in {} is not running: starting it for this command", data_dir);
      EmbeddedPostgres::Options options;
      options.data_dir = data_dir;
      options.bin_dir = target.bin_dir;
      options.database = kEmbeddedDatabase;
      options.settings = target.pg_settings;
      CMDB_ASSIGN_OR_RETURN(db.started, EmbeddedPostgres::Start(std::move(options)));
      db.url = db.started->url();
    }
  }
  CMDB_ASSIGN_OR_RETURN(db.split, SplitPassword(db.url));
  return db;
}

std::unique_ptr<pqxx::connection> Connect(const std::string& url, absl::Status* error) {
  try {
    return std::make_unique<pqxx::connection>(url);
  } catch (const std::exception& e) {
    *error = absl::UnavailableError(StrCat("cannot connect to the database: ", OneLine(e.what())));
    return nullptr;
  }
}

// Rows of a table of the CMDB schema, 0 when the table does not exist (an
// older schema, or none). `table` is one of the constants below, never input.
int64_t CountRows(pqxx::transaction_base& txn, std::string_view table) {
  const std::string qualified = StrCat("public.", table);
  if (txn.exec_params1("SELECT to_regclass($1) IS NULL", qualified)[0].as<bool>()) return 0;
  return txn.exec1(StrCat("SELECT count(*) FROM ", qualified))[0].as<int64_t>();
}

BackupFigures ReadFigures(pqxx::transaction_base& txn) {
  BackupFigures f;
  f.changesets = CountRows(txn, "changeset");
  if (f.changesets > 0) f.latest_seq = txn.exec1("SELECT coalesce(max(seq), 0) FROM public.changeset")[0].as<int64_t>();
  f.cis = CountRows(txn, "ci");
  f.ci_versions = CountRows(txn, "ci_version");
  f.relationships = CountRows(txn, "relationship");
  f.credentials = CountRows(txn, "credential");
  if (!txn.exec1("SELECT to_regclass('public.schema_migrations') IS NULL")[0].as<bool>()) {
    f.schema_version = txn.exec1("SELECT coalesce(max(version), 0) FROM public.schema_migrations")[0].as<int>();
  }
  return f;
}

// Makes a completed file durable before and after it takes its name.
absl::Status SyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(StrCat("cannot open ", path, ": ", std::strerror(errno)));
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return absl::InternalError(StrCat("cannot sync ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupReport> Backup(const BackupTarget& target, const std::string& file) {
  if (file.empty()) return absl::InvalidArgumentError("FILE: required");
  const fs::path final_path = fs::absolute(file);
  const std::string dir = final_path.parent_path().string();
  // The temporary file lives beside the target, so the rename is atomic.
  std::string temp = StrCat(dir, "/.", final_path.filename().string(), ".tmp-XXXXXX");
  const int fd = mkstemp(temp.data());  // mode 0600
  if (fd < 0) {
    return absl::FailedPreconditionError(StrCat("cannot create a file in ", dir, ": ", std::strerror(errno)));
  }
  close(fd);
  struct RemoveUnlessKept {
    std::string path;
    bool keep = false;
    ~RemoveUnlessKept() {
      if (!keep) unlink(path.c_str());
    }
  } cleanup{temp};

  CMDB_ASSIGN_OR_RETURN(OpenDatabase db, Open(target, /*create=*/false));
  BackupReport report;
  report.file = final_path.string();
  report.started_cluster = db.started != nullptr;
  absl::Status error;
  auto conn = Connect(db.url, &error);
  if (!conn) return error;
  try {
    // pg_dump reads in the snapshot this transaction exports, so the
    // figures read here are exactly those of the file, however busy cmdbd is.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn(*conn);
    const std::string snapshot = txn.exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
    if (txn.exec1("SELECT to_regclass('public.schema_migrations') IS NULL")[0].as<bool>()) {
      return absl::FailedPreconditionError(
          "the database holds no CMDB schema (cmdbd never ran on it): nothing to back up");
    }
    report.figures = ReadFigures(txn);
    ScopedPassword password(db.split.password);
    // --lock-wait-timeout: a schema change holding a table (a migration)
    // fails the backup instead of stalling it and, behind it, every writer.
    auto dumped = RunProcess({PgBin(target, "pg_dump"), "--format=custom", "--no-password", "--snapshot=" + snapshot,
                              "--lock-wait-timeout=60000", StrCat("--exclude-schema=", kSetAside), "--file=" + temp,
                              "--dbname=" + db.split.without_password});
    if (!dumped.ok()) return dumped.status();
    if (dumped->exit_code != 0) {
      return absl::InternalError(StrCat("pg_dump failed (exit ", dumped->exit_code, "): ", OneLine(dumped->output)));
    }
    txn.commit();
  } catch (const std::exception& e) {
    return absl::UnavailableError(StrCat("reading the database failed: ", OneLine(e.what())));
  }
  conn.reset();

  chmod(temp.c_str(), 0600);
  CMDB_RETURN_IF_ERROR(SyncPath(temp));
  if (rename(temp.c_str(), report.file.c_str()) != 0) {
    return absl::FailedPreconditionError(
        StrCat("cannot rename ", temp, " to ", report.file, ": ", std::strerror(errno)));
  }
  cleanup.keep = true;
  CMDB_RETURN_IF_ERROR(SyncPath(dir));
  struct stat st {};
  if (stat(report.file.c_str(), &st) == 0) report.bytes = st.st_size;
  if (db.started) CMDB_RETURN_IF_ERROR(db.started->Stop());
  return report;
}

absl::StatusOr<RestoreReport> Restore(const BackupTarget& target, const std::string& file,
                                      const RestoreOptions& options) {
  if (file.empty()) return absl::InvalidArgumentError("FILE: required");
  if (access(file.c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(StrCat("cannot read ", file, ": ", std::strerror(errno)));
  }
  // Reading the archive's table of contents checks it is one pg_restore
  // understands before anything in the database is touched.
  auto listed = RunProcess({PgBin(target, "pg_restore"), "--list", file});
  if (!listed.ok()) return listed.status();
  if (listed->exit_code != 0) {
    return absl::FailedPreconditionError(
        StrCat(file, " is not a pg_dump custom-format archive: ", OneLine(listed->output)));
  }

  CMDB_ASSIGN_OR_RETURN(OpenDatabase db, Open(target, /*create=*/true));
  absl::Status error;
  auto conn = Connect(db.url, &error);
  if (!conn) return error;
  try {
    {
      pqxx::nontransaction session(*conn);
      session.exec0("SET client_min_messages = warning");
      // A session lock: it outlives this statement's transaction object.
      if (!session.exec_params1("SELECT pg_try_advisory_lock($1)", kMigrationLock)[0].as<bool>()) {
        return absl::FailedPreconditionError("a cmdbd is migrating this database right now: stop it before restoring");
      }
      // Restoring under a running cmdbd would leave it serving from caches
      // and a change feed that no longer match the database.
      const auto others = session.exec1(
          "SELECT count(*), coalesce(string_agg(DISTINCT usename || coalesce('@' || host(client_addr), ''), ', '), '') "
          "FROM pg_stat_activity "
          "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
      if (const int64_t n = others[0].as<int64_t>(); n > 0) {
        return absl::FailedPreconditionError(StrCat(n, " other session", n == 1 ? " is" : "s are",
                                                    " connected to the database (", others[1].c_str(),
                                                    "): stop cmdbd (and anything else using it) before restoring"));
      }
      const int64_t cis = CountRows(session, "ci");
      const int64_t changesets = CountRows(session, "changeset");
      if ((cis > 0 || changesets > 0) && !options.force) {
        return absl::FailedPreconditionError(
            StrCat("the database already holds CMDB data (", cis, " CIs, ", changesets,
                   " changesets): restore only into an empty database, or pass --force to replace it"));
      }
      if (!session.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", kSetAside).empty()) {
        return absl::FailedPreconditionError(
            StrCat("schema ", kSetAside,
                   " exists: an interrupted restore left the data it was replacing there; "
                   "inspect it, then DROP SCHEMA ",
                   kSetAside, " CASCADE"));
      }
      session.commit();
    }
    // The old schema (tables of a migrated but empty database, or the data
    // --force replaces) is renamed, not dropped: pg_restore runs in a
    // transaction of its own, and if it fails the old schema comes back.
    // Dropping only what the archive holds (--clean) would leave tables an
    // older backup does not have, which the migrations then collide with.
    {
      pqxx::work txn(*conn);
      if (!txn.exec("SELECT 1 FROM pg_namespace WHERE nspname = 'public'").empty()) {
        txn.exec0(StrCat("ALTER SCHEMA public RENAME TO ", kSetAside));
      }
      txn.exec0("CREATE SCHEMA public");
      txn.commit();
    }
    ScopedPassword password(db.split.password);
    // --no-owner, --no-privileges: the restoring user owns everything, so a
    // backup restores into another server whose roles differ.
    auto restored = RunProcess({PgBin(target, "pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                                "--no-privileges", "--no-password", "--dbname=" + db.split.without_password, file});
    if (!restored.ok() || restored->exit_code != 0) {
      const std::string why =
          restored.ok() ? StrCat("pg_restore failed (exit ", restored->exit_code, "): ", OneLine(restored->output))
                        : std::string(restored.status().message());
      pqxx::work txn(*conn);
      txn.exec0("DROP SCHEMA public CASCADE");
      if (!txn.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", kSetAside).empty()) {
        txn.exec0(StrCat("ALTER SCHEMA ", kSetAside, " RENAME TO public"));
      } else {
        txn.exec0("CREATE SCHEMA public");
      }
      txn.commit();
      return absl::InternalError(StrCat(why, " (the database was left as it was)"));
    }
    {
      pqxx::work txn(*conn);
      txn.exec0(StrCat("DROP SCHEMA IF EXISTS ", kSetAside, " CASCADE"));
      txn.commit();
    }
    pqxx::nontransaction unlock(*conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("restore failed: ", OneLine(e.what())));
  }
  conn.reset();

  // An older backup is brought up to the schema of this binary.
  RestoreReport report;
  auto migrated = Migrate(db.url);
  if (!migrated.ok()) {
    return absl::InternalError(StrCat("restored, but the schema migrations failed: ", migrated.status().message()));
  }
  report.migrations = migrated->applied;
  report.schema_version = migrated->current_version;
  conn = Connect(db.url, &error);
  if (!conn) return error;
  try {
    pqxx::read_transaction txn(*conn);
    report.figures = ReadFigures(txn);
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("restored, but reading it back failed: ", OneLine(e.what())));
  }
  conn.reset();
  if (db.started) CMDB_RETURN_IF_ERROR(db.started->Stop());
  return report;
}

}  // namespace cmdb::db
