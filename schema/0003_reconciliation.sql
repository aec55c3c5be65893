-- Identification and reconciliation: dependent CIs, identification rules
-- and the normalised identifiers they produce, per-field source authority,
-- per-source sightings and staleness, duplicate candidates and merges.

------------------------------------------------------------------------------
-- CIs: a parent for dependent CIs (interfaces, addresses, software
-- installs), staleness (not versioned: bookkeeping) and merges.

ALTER TABLE ci
  ADD COLUMN parent_id   uuid REFERENCES ci (id),
  ADD COLUMN stale       boolean NOT NULL DEFAULT false,
  ADD COLUMN stale_since timestamptz,
  ADD COLUMN merged_into uuid,
  ADD CONSTRAINT ci_not_own_parent CHECK (parent_id <> id);
CREATE INDEX ci_parent_idx ON ci (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX ci_stale_idx ON ci (id) WHERE stale;

ALTER TABLE ci_version
  ADD COLUMN parent_id   uuid,
  ADD COLUMN merged_into uuid;

------------------------------------------------------------------------------
-- Identification rules: per class, ordered identifier sets. A class without
-- rules of its own uses its nearest ancestor's.

CREATE TABLE identification_rule (
  class_name    text NOT NULL REFERENCES ci_class (name) ON DELETE CASCADE,
  position      integer NOT NULL,
  fields        text[] NOT NULL CHECK (cardinality(fields) BETWEEN 1 AND 4),
  within_parent boolean NOT NULL DEFAULT false,
  PRIMARY KEY (class_name, position)
);

-- The normalised identifiers of every CI, kept in step with its attributes
-- on every write. kind names the identifier set ("serial_number",
-- "management_ip+name", "parent:if_name"); values of within-parent sets
-- start with the parent's id; "source:<name>" rows hold source keys.
CREATE TABLE ci_identifier (
  kind  text NOT NULL,
  value text NOT NULL,
  ci_id uuid NOT NULL REFERENCES ci (id) ON DELETE CASCADE,
  PRIMARY KEY (kind, value, ci_id)
);
CREATE INDEX ci_identifier_ci_idx ON ci_identifier (ci_id);

------------------------------------------------------------------------------
-- Reconciliation rules: which sources may write a field, highest first.

CREATE TABLE reconciliation_rule (
  class_name text NOT NULL REFERENCES ci_class (name) ON DELETE CASCADE,
  field      text NOT NULL CHECK (field = '*' OR field IN ('name', 'owner', 'status', 'criticality', 'parent_id')
                                  OR field ~ '^attributes\.[a-z][a-z0-9_]{0,47}$'),
  sources    text[] NOT NULL CHECK (cardinality(sources) >= 1),
  PRIMARY KEY (class_name, field)
);

------------------------------------------------------------------------------
-- Sources and what they have seen. A sighting row is written when a source
-- first reports a CI, when a missing CI reappears, or when last_seen is
-- older than the refresh interval: reporting unchanged data again writes
-- nothing.

CREATE TABLE source (
  name             text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  stale_after_runs integer NOT NULL DEFAULT 3 CHECK (stale_after_runs >= 0),
  stale_after      interval,
  runs             bigint NOT NULL DEFAULT 0,
  last_run_at      timestamptz
);

CREATE TABLE ci_source (
  ci_id       uuid NOT NULL REFERENCES ci (id) ON DELETE CASCADE,
  source      text NOT NULL REFERENCES source (name),
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  missed_runs integer NOT NULL DEFAULT 0,
  stale       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (ci_id, source)
);
CREATE INDEX ci_source_source_idx ON ci_source (source, last_seen);

------------------------------------------------------------------------------
-- Duplicate candidates: CIs sharing an identifier, found by an ambiguous
-- match or by a scan.

CREATE TABLE duplicate_candidate (
  kind        text NOT NULL,
  value       text NOT NULL,
  ci_ids      uuid[] NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  detected_by text NOT NULL,
  PRIMARY KEY (kind, value)
);

------------------------------------------------------------------------------
-- Defaults.

INSERT INTO identification_rule (class_name, position, fields, within_parent) VALUES
  ('hardware',         1, '{serial_number}', false),
  ('hardware',         2, '{mac_addresses}', false),
  ('hardware',         3, '{fqdn}', false),
  ('hardware',         4, '{management_ip,name}', false),
  ('virtual_machine',  1, '{vm_uuid}', false),
  ('virtual_machine',  2, '{mac_addresses}', false),
  ('virtual_machine',  3, '{fqdn}', false),
  ('virtual_machine',  4, '{management_ip,name}', false),
  ('interface',        1, '{if_name}', true),
  ('interface',        2, '{mac_address,if_index}', true),
  ('ip_address',       1, '{address}', true),
  ('software',         1, '{name,version}', true),
  ('application',      1, '{url}', false),
  ('application',      2, '{name}', true),
  ('business_service', 1, '{name}', false),
  ('certificate',      1, '{fingerprint_sha256}', false),
  ('certificate',      2, '{serial,issuer}', false),
  ('location',         1, '{site_code}', false),
  ('location',         2, '{name}', false);

-- People outrank discovery for the fields they curate; on the hardware
-- facts a source reads from the device, the device readers outrank imports.
INSERT INTO reconciliation_rule (class_name, field, sources) VALUES
  ('ci',       'name',                     '{manual}'),
  ('ci',       'owner',                    '{manual}'),
  ('ci',       'criticality',              '{manual}'),
  ('ci',       'status',                   '{manual}'),
  ('ci',       'attributes.description',   '{manual}'),
  ('hardware', 'attributes.serial_number', '{manual,snmp,redfish,http}'),
  ('hardware', 'attributes.manufacturer',  '{manual,snmp,redfish,http}'),
  ('hardware', 'attributes.model',         '{manual,snmp,redfish,http}');
