// SQL for identification and reconciliation: identifier lookups under
// stripe locks, source keys, per-source sightings and staleness, duplicate
// candidates, and the moves a merge makes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/identification.h"
#include "core/model.h"
#include "core/queries.h"
#include "db/database.h"

namespace cmdb::db {

// Takes the transaction advisory locks of `stripes` in ascending order, so
// that reconciles touching the same identifiers run one after the other and
// never both create the same CI.
void LockIdentifierStripes(Tx& tx, std::vector<uint32_t> stripes);

struct IdentifierMatch {
  std::string kind, value, ci_id;
};
// Every stored identifier equal to one of `keys`.
std::vector<IdentifierMatch> FindIdentifiers(Tx& tx, const std::vector<IdentifierKey>& keys);

// Stores source keys (kind "source:<name>") for CIs.
void AddSourceKeys(Tx& tx, const std::vector<IdentifierKey>& keys, const std::vector<std::string>& ci_ids);

// What a finding claims about a CI's attributes: these values, and these
// attributes absent.
struct AttributeProbe {
  std::string ci_id;
  Json present = Json::object();
  std::vector<std::string> absent;
};

// A CI's scalar fields, and whether its attributes agree with a probe.
struct CiSummary {
  std::string id, class_name, name, status, owner, criticality, parent_id;
  int64_t version = 0;
  bool attributes_agree = false;
};

// For each probe whose CI exists: its summary. The attribute comparison
// runs in the database, so agreeing CIs are neither sent nor parsed.
std::vector<CiSummary> CompareCis(Tx& tx, const std::vector<AttributeProbe>& probes);

// Of `ids`, the live CIs (id -> class), for parent checks.
std::vector<std::pair<std::string, std::string>> CiClasses(Tx& tx, const std::vector<std::string>& ids);

// --- Sources and sightings -------------------------------------------------

// Creates the source row with default policy if missing; returns its policy.
SourcePolicy EnsureSource(Tx& tx, const std::string& name);
std::vector<SourcePolicy> ListSources(Tx& tx);
void SetSourcePolicy(Tx& tx, const SourcePolicy& policy);

// The functions below take the time from the caller (`now`, from a Clock),
// never from PostgreSQL's now(): sightings are stamped, and staleness
// windows measured, on one clock that tests can set.

// Records that `source` reported `ci_ids` at `now`. Writes only what
// changed: a first sighting, a CI that had been missed or was stale, or a
// last_seen older than `now - refresh`. Clears the stale mark of CIs no
// source holds stale any more. Returns how many sighting rows were written.
int64_t RecordSightings(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids, Micros refresh,
                        Micros now);

// A field `source` reported and could not write, with a value that differs
// from the record's (core/reconciliation.h SkippedField).
struct ReportedDrift {
  std::string ci_id, field;
  std::optional<Json> reported;  // nullopt: reported as absent
  Micros reported_at = 0;
};

// Replaces the drift `source` reported for `ci_ids` with `drift` (table
// ci_drift).
void RecordDrift(Tx& tx, const std::string& source, const std::vector<std::string>& ci_ids,
                 const std::vector<ReportedDrift>& drift);

// Ends, at `now`, a complete run of `source` that reported `seen`: every
// other CI the source had reported counts a missed run, and those past the
// source's limits (missed runs, or last seen stale_after or longer before
// `now`) are marked stale (their relationships read as stale too). Returns
// how many CIs became stale.
int64_t EndCompleteRun(Tx& tx, const std::string& source, const std::vector<std::string>& seen, Micros now);

// Notes a (partial) run of `source` at `now`.
void NoteRun(Tx& tx, const std::string& source, Micros now);

// Marks stale the CIs a source last reported stale_after or longer before
// `now`. Returns how many CIs became stale.
int64_t SweepStaleByTime(Tx& tx, Micros now);

// --- Duplicate candidates ----------------------------------------------------

// Records that the CIs in `ci_ids` share identifier (kind, value).
void RecordDuplicate(Tx& tx, const std::string& kind, const std::string& value, std::vector<std::string> ci_ids,
                     const std::string& detected_by);
// Records every identifier that two or more live CIs share. Returns how many.
int64_t ScanDuplicates(Tx& tx);
// Candidates that still name two or more live, unmerged CIs, after the
// keyset position (kind, value), at most `limit`.
std::vector<DuplicateRow> ListDuplicates(Tx& tx, const std::string& after_kind, const std::string& after_value,
                                         int limit);

// --- Merge -------------------------------------------------------------------

// Moves the duplicate's source keys and sightings to the survivor and drops
// the pair from duplicate candidates.
void MoveIdentityToSurvivor(Tx& tx, const std::string& survivor, const std::string& duplicate);
// Live CIs whose parent is `parent_id`, locked.
std::vector<Ci> LockDependents(Tx& tx, const std::string& parent_id);

}  // namespace cmdb::db
