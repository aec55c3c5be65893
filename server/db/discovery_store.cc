// Discovery storage: credentials and schedules, and the row helpers that
// runs share (discovery_rows.h). Runs, jobs, the log and staleness inputs
// are in discovery_run_store.cc.
#include "db/discovery_store.h"

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "db/discovery_rows.h"
#include "db/sql.h"
#include "db/sql_util.h"

namespace cmdb::db {

std::vector<int> ParseIntArray(const pqxx::field& f) {
  std::vector<int> out;
  for (const std::string& v : ParseTextArray(f)) out.push_back(std::stoi(v));
  return out;
}

std::string IntArrayLiteral(const std::vector<int>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "}";
}

std::optional<Micros> OptionalMicros(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

ScanLimits LimitsFromJson(const std::string& text) {
  ScanLimits limits;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return limits;
  limits.targets_in_flight = j.value("targets_in_flight", 0);
  limits.packets_per_second = j.value("packets_per_second", 0);
  limits.timeout_ms = j.value("timeout_ms", int64_t{0});
  limits.retries = j.value("retries", -1);
  limits.probe_retries = j.value("probe_retries", -1);
  return limits;
}

std::string LimitsToJson(const ScanLimits& limits) {
  nlohmann::json j = nlohmann::json::object();
  if (limits.targets_in_flight > 0) j["targets_in_flight"] = limits.targets_in_flight;
  if (limits.packets_per_second > 0) j["packets_per_second"] = limits.packets_per_second;
  if (limits.timeout_ms > 0) j["timeout_ms"] = limits.timeout_ms;
  if (limits.retries >= 0) j["retries"] = limits.retries;
  if (limits.probe_retries >= 0) j["probe_retries"] = limits.probe_retries;
  return j.dump();
}

std::optional<std::string> OptionalTimestamp(std::optional<Micros> t) {
  if (!t) return std::nullopt;
  return ToSqlTimestamp(*t);
}

namespace {

// --- Credentials

#define CMDB_CREDENTIAL_COLUMNS                                                             \
  "name, kind, description, username, auth_protocol, priv_protocol, epoch_us(created_at), " \
  "epoch_us(updated_at), encode(secret, 'hex'), allow_unverified_tls"

const Statement kInsertCredential{
    "cred_insert",
    "INSERT INTO credential (name, kind, description, username, auth_protocol, priv_protocol, secret, "
    "  allow_unverified_tls) "
    "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8) ON CONFLICT (name) DO NOTHING RETURNING name"};
const Statement kReplaceCredential{
    "cred_replace",
    "INSERT INTO credential (name, kind, description, username, auth_protocol, priv_protocol, secret, "
    "  allow_unverified_tls) "
    "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8) "
    "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, description = EXCLUDED.description, "
    "  username = EXCLUDED.username, auth_protocol = EXCLUDED.auth_protocol, "
    "  priv_protocol = EXCLUDED.priv_protocol, secret = EXCLUDED.secret, "
    "  allow_unverified_tls = EXCLUDED.allow_unverified_tls, updated_at = now() "
    "RETURNING name"};
const Statement kListCredentials{"cred_list", "SELECT " CMDB_CREDENTIAL_COLUMNS " FROM credential ORDER BY name"};
const Statement kGetCredentials{
    "cred_get", "SELECT " CMDB_CREDENTIAL_COLUMNS " FROM credential WHERE name = ANY($1::text[])"};
const Statement kDeleteCredential{"cred_delete", "DELETE FROM credential WHERE name = $1 RETURNING name"};
const Statement kSchedulesUsing{
    "cred_schedules_using",
    "SELECT name FROM discovery_schedule WHERE $1 = ANY(credentials) ORDER BY name"};

SealedCredential CredentialFromRow(const pqxx::row& r) {
  SealedCredential c;
  c.credential.name = r[0].as<std::string>();
  c.credential.kind = static_cast<CredentialKind>(r[1].as<int>());
  c.credential.description = r[2].as<std::string>();
  c.credential.user = r[3].as<std::string>();
  c.credential.auth_protocol = r[4].as<int>();
  c.credential.priv_protocol = r[5].as<int>();
  c.credential.created_at = r[6].as<int64_t>();
  c.credential.updated_at = r[7].as<int64_t>();
  const std::string hex = r[8].as<std::string>();
  c.credential.has_secret = !hex.empty();
  c.credential.allow_unverified_tls = r[9].as<bool>();
  c.sealed.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    c.sealed.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return c;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// --- Schedules

#define CMDB_SCHEDULE_COLUMNS                                                                                     \
  "name, description, targets, exclusions, credentials, interval_s, cron, enabled, limits::text, "                \
  "epoch_us(next_run_at), coalesce(last_run_id::text, ''), version, epoch_us(created_at), epoch_us(updated_at), " \
  "protocols, http_ports"

const Statement kInsertSchedule{
    "sched_insert",
    "INSERT INTO discovery_schedule (name, description, targets, exclusions, credentials, interval_s, cron, "
    "  enabled, limits, next_run_at, protocols, http_ports) "
    "VALUES ($1, $2, $3::text[], $4::text[], $5::text[], $6, $7, $8, $9::jsonb, $10::timestamptz, $11::text[], "
    "  $12::integer[]) "
    "ON CONFLICT (name) DO NOTHING RETURNING name"};
const Statement kGetSchedule{"sched_get",
                             "SELECT " CMDB_SCHEDULE_COLUMNS " FROM discovery_schedule WHERE name = $1"};
const Statement kLockSchedule{
    "sched_lock", "SELECT " CMDB_SCHEDULE_COLUMNS " FROM discovery_schedule WHERE name = $1 FOR UPDATE"};
const Statement kListSchedules{"sched_list",
                               "SELECT " CMDB_SCHEDULE_COLUMNS " FROM discovery_schedule ORDER BY name"};
const Statement kUpdateSchedule{
    "sched_update",
    "UPDATE discovery_schedule SET description = $2, targets = $3::text[], exclusions = $4::text[], "
    "  credentials = $5::text[], interval_s = $6, cron = $7, enabled = $8, limits = $9::jsonb, "
    "  next_run_at = $10::timestamptz, protocols = $11::text[], http_ports = $12::integer[], "
    "  version = version + 1, updated_at = now() WHERE name = $1"};
const Statement kDeleteSchedule{"sched_delete", "DELETE FROM discovery_schedule WHERE name = $1 RETURNING name"};
const Statement kDueSchedules{
    "sched_due",
    "SELECT " CMDB_SCHEDULE_COLUMNS " FROM discovery_schedule "
    "WHERE enabled AND next_run_at <= $1::timestamptz ORDER BY next_run_at FOR UPDATE SKIP LOCKED"};
const Statement kSetScheduleRun{
    "sched_set_run",
    "UPDATE discovery_schedule SET next_run_at = $2::timestamptz, "
    "  last_run_id = coalesce(nullif($3, '')::uuid, last_run_id) WHERE name = $1"};

Schedule ScheduleFromRow(const pqxx::row& r) {
  Schedule s;
  s.name = r[0].as<std::string>();
  s.description = r[1].as<std::string>();
  s.targets = ParseTextArray(r[2]);
  s.exclusions = ParseTextArray(r[3]);
  s.credentials = ParseTextArray(r[4]);
  if (!r[5].is_null()) s.interval_seconds = r[5].as<int64_t>();
  s.cron = r[6].as<std::string>();
  s.enabled = r[7].as<bool>();
  s.limits = LimitsFromJson(r[8].as<std::string>());
  s.next_run_at = OptionalMicros(r[9]);
  s.last_run_id = r[10].as<std::string>();
  s.version = r[11].as<int64_t>();
  s.created_at = r[12].as<int64_t>();
  s.updated_at = r[13].as<int64_t>();
  s.protocols = ParseTextArray(r[14]);
  s.http_ports = ParseIntArray(r[15]);
  return s;
}

std::optional<int64_t> OptionalInterval(const Schedule& s) { return s.interval_seconds; }

}  // namespace

// --- Credentials

bool PutCredential(Tx& tx, const SealedCredential& c, bool replace) {
  const Credential& cr = c.credential;
  auto r = Exec(tx, replace ? kReplaceCredential : kInsertCredential, cr.name, static_cast<int>(cr.kind),
                cr.description, cr.user, cr.auth_protocol, cr.priv_protocol, Hex(c.sealed), cr.allow_unverified_tls);
  return !r.empty();
}

std::vector<Credential> ListCredentials(Tx& tx) {
  std::vector<Credential> out;
  for (const auto& r : Exec(tx, kListCredentials)) out.push_back(CredentialFromRow(r).credential);
  return out;
}

std::vector<SealedCredential> GetSealedCredentials(Tx& tx, const std::vector<std::string>& names) {
  std::vector<SealedCredential> out;
  for (const auto& r : Exec(tx, kGetCredentials, ArrayLiteral(names))) out.push_back(CredentialFromRow(r));
  return out;
}

bool DeleteCredential(Tx& tx, const std::string& name) { return !Exec(tx, kDeleteCredential, name).empty(); }

std::vector<std::string> SchedulesUsingCredential(Tx& tx, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& r : Exec(tx, kSchedulesUsing, name)) out.push_back(r[0].as<std::string>());
  return out;
}

// --- Schedules

bool InsertSchedule(Tx& tx, const Schedule& s) {
  return !Exec(tx, kInsertSchedule, s.name, s.description, ArrayLiteral(s.targets), ArrayLiteral(s.exclusions),
               ArrayLiteral(s.credentials), OptionalInterval(s), s.cron, s.enabled, LimitsToJson(s.limits),
               OptionalTimestamp(s.next_run_at), ArrayLiteral(s.protocols), IntArrayLiteral(s.http_ports))
              .empty();
}

std::optional<Schedule> GetSchedule(Tx& tx, const std::string& name, bool lock) {
  auto r = Exec(tx, lock ? kLockSchedule : kGetSchedule, name);
  if (r.empty()) return std::nullopt;
  return ScheduleFromRow(r[0]);
}

std::vector<Schedule> ListSchedules(Tx& tx) {
  std::vector<Schedule> out;
  for (const auto& r : Exec(tx, kListSchedules)) out.push_back(ScheduleFromRow(r));
  return out;
}

void UpdateSchedule(Tx& tx, const Schedule& s) {
  Exec(tx, kUpdateSchedule, s.name, s.description, ArrayLiteral(s.targets), ArrayLiteral(s.exclusions),
       ArrayLiteral(s.credentials), OptionalInterval(s), s.cron, s.enabled, LimitsToJson(s.limits),
       OptionalTimestamp(s.next_run_at), ArrayLiteral(s.protocols), IntArrayLiteral(s.http_ports));
}

bool DeleteSchedule(Tx& tx, const std::string& name) { return !Exec(tx, kDeleteSchedule, name).empty(); }

std::vector<Schedule> LockDueSchedules(Tx& tx, Micros now) {
  std::vector<Schedule> out;
  for (const auto& r : Exec(tx, kDueSchedules, ToSqlTimestamp(now))) out.push_back(ScheduleFromRow(r));
  return out;
}

void SetScheduleRun(Tx& tx, const std::string& name, std::optional<Micros> next_run_at,
                    const std::string& last_run_id) {
  Exec(tx, kSetScheduleRun, name, OptionalTimestamp(next_run_at), last_run_id);
}

}  // namespace cmdb::db
