// Backup and restore of the CMDB database with PostgreSQL's own pg_dump and
// pg_restore (custom format), for an external database (a connection
// string) and for the embedded cluster in a data directory alike.
//
// A backup is one pg_dump snapshot: pg_dump runs inside a snapshot exported
// by a transaction of ours, so the figures reported with it (the newest
// changeset seq, counts) describe exactly what the file holds, and cmdbd may
// keep writing meanwhile. Changeset seqs are kept by a restore, so change
// feed cursors up to the backup's seq stay valid against the restored copy.
//
// Neither holds the key that seals discovery credentials (--secret-key-file):
// it must be kept with the backups by the operator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cmdb::db {

// Which database: `url` when set (a libpq URI or key=value string), else the
// embedded cluster in `data_dir`.
struct BackupTarget {
  std::string url;
  std::string data_dir;
  // Extra postgresql.conf lines, used when the embedded cluster has to be
  // started for the operation (the --pg-setting flags cmdbd runs with).
  std::vector<std::string> pg_settings;
  // Where pg_dump and pg_restore live; empty: $CMDB_PG_BIN or
  // /usr/lib/postgresql/15/bin.
  std::string bin_dir;
};

// What a backup holds, or what a restore brought back.
struct BackupFigures {
  int64_t latest_seq = 0;  // the newest changeset seq: the feed position "<seq>"
  int64_t changesets = 0;
  int64_t cis = 0;  // current CIs (retired ones included)
  int64_t ci_versions = 0;
  int64_t relationships = 0;
  int64_t credentials = 0;  // sealed discovery credentials: unusable without the key
  int schema_version = 0;
};

struct BackupReport {
  std::string file;
  int64_t bytes = 0;
  BackupFigures figures;
  bool started_cluster = false;  // the embedded cluster was not running and was started for the backup
};

// Writes a pg_dump custom-format archive of the whole database to `file`
// (mode 0600): into a temporary file beside it, renamed over `file` only once
// complete and synced, so `file` is never a partial backup. An embedded
// cluster that is running (cmdbd up) is used through its socket; one that is
// not is started for the backup and stopped again. The password of `url`
// reaches pg_dump through its environment, never its arguments.
// FAILED_PRECONDITION when the data directory has no cluster or `file`'s
// directory is not writable; UNAVAILABLE when the database cannot be reached;
// INTERNAL with pg_dump's message when it fails.
absl::StatusOr<BackupReport> Backup(const BackupTarget& target, const std::string& file);

struct RestoreOptions {
  // Replace a database that already holds CMDB data (its old objects are
  // dropped once the restore has committed).
  bool force = false;
};

struct RestoreReport {
  BackupFigures figures;                // read back from the restored database
  std::vector<std::string> migrations;  // applied after the restore to bring an older backup up to date
  int schema_version = 0;               // after those
};

// Restores `file` (written by Backup) into the target database with
// pg_restore --single-transaction --exit-on-error --no-owner --no-privileges,
// then applies the schema migrations. The old contents of the public schema
// are set aside first and dropped only after the restore committed; a failed
// restore puts them back. An embedded cluster is created when the data
// directory has none, and started and stopped again when it is not running.
// FAILED_PRECONDITION, changing nothing, when the database holds CIs or
// changesets and !force (the message gives the counts), when another session
// is connected to it (cmdbd running), or when `file` is missing;
// INTERNAL with pg_restore's message when the restore fails, or with the
// migrator's when the restored schema cannot be brought up to date.
absl::StatusOr<RestoreReport> Restore(const BackupTarget& target, const std::string& file,
                                      const RestoreOptions& options);

}  // namespace cmdb::db
