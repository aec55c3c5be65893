-- Discovery: credentials (secrets encrypted by cmdbd), schedules, runs, the
-- jobs workers lease, and the per-target run log. Also the catalog
-- attributes that discovered devices carry.

------------------------------------------------------------------------------
-- Credentials. `secret` is AES-256-GCM (nonce || ciphertext || tag) of the
-- secret fields, sealed by cmdbd with the key from its configuration and the
-- credential's name as associated data; the database never sees a secret.

CREATE TABLE credential (
  name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  kind          smallint NOT NULL CHECK (kind BETWEEN 1 AND 3),  -- 1 SNMPv1, 2 SNMPv2c, 3 SNMPv3
  description   text NOT NULL DEFAULT '',
  username      text NOT NULL DEFAULT '',
  auth_protocol smallint NOT NULL DEFAULT 0,
  priv_protocol smallint NOT NULL DEFAULT 0,
  secret        bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

------------------------------------------------------------------------------
-- Schedules. The scheduler starts a run when next_run_at has passed and the
-- schedule has no run queued or running.

CREATE TABLE discovery_schedule (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  description text NOT NULL DEFAULT '',
  targets     text[] NOT NULL,
  exclusions  text[] NOT NULL DEFAULT '{}',
  credentials text[] NOT NULL,
  interval_s  bigint CHECK (interval_s IS NULL OR interval_s >= 60),
  cron        text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  limits      jsonb NOT NULL DEFAULT '{}',
  next_run_at timestamptz,
  last_run_id uuid,
  version     bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discovery_schedule_due_idx ON discovery_schedule (next_run_at) WHERE enabled;

------------------------------------------------------------------------------
-- Runs and their jobs. state: 1 queued, 2 running, 3 succeeded, 4 failed,
-- 5 cancelled (as cmdb.v1.RunState).

CREATE TABLE discovery_run (
  id            uuid PRIMARY KEY,
  schedule      text REFERENCES discovery_schedule (name) ON DELETE SET NULL,
  state         smallint NOT NULL CHECK (state BETWEEN 1 AND 5),
  targets       text[] NOT NULL,
  exclusions    text[] NOT NULL DEFAULT '{}',
  credentials   text[] NOT NULL,
  limits        jsonb NOT NULL DEFAULT '{}',
  requested_by  text NOT NULL,
  error         text NOT NULL DEFAULT '',
  targets_total integer NOT NULL,
  jobs_total    integer NOT NULL,
  marked_stale  integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  ended_at      timestamptz
);
CREATE INDEX discovery_run_created_idx ON discovery_run (created_at DESC, id DESC);
CREATE INDEX discovery_run_schedule_idx ON discovery_run (schedule, created_at DESC);
-- At most one active run per schedule.
CREATE UNIQUE INDEX discovery_run_active_idx ON discovery_run (schedule) WHERE state IN (1, 2);

-- state: 1 queued, 2 leased, 3 done, 4 failed (gave up after repeated lost
-- leases), 5 cancelled. lease_token fences a lease: it changes whenever the
-- job is leased, so a worker whose lease was taken over is refused.
CREATE TABLE discovery_job (
  id               uuid PRIMARY KEY,
  run_id           uuid NOT NULL REFERENCES discovery_run (id) ON DELETE CASCADE,
  seq              integer NOT NULL,
  targets          text[] NOT NULL,
  state            smallint NOT NULL CHECK (state BETWEEN 1 AND 5),
  lease_token      bigint NOT NULL DEFAULT 0,
  worker           text NOT NULL DEFAULT '',
  lease_expires_at timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  UNIQUE (run_id, seq)
);
CREATE INDEX discovery_job_pending_idx ON discovery_job (lease_expires_at, run_id, seq) WHERE state IN (1, 2);
CREATE SEQUENCE discovery_lease_token_seq;

-- One row per target of a run, written when a worker reports it (a report
-- for the same target replaces the earlier one). outcome as
-- cmdb.v1.TargetOutcome.
CREATE TABLE discovery_target_log (
  run_id        uuid NOT NULL REFERENCES discovery_run (id) ON DELETE CASCADE,
  address       inet NOT NULL,
  job_id        uuid NOT NULL,
  outcome       smallint NOT NULL,
  credential    text NOT NULL DEFAULT '',
  snmp_version  text NOT NULL DEFAULT '',
  sys_object_id text NOT NULL DEFAULT '',
  sys_name      text NOT NULL DEFAULT '',
  class_name    text NOT NULL DEFAULT '',
  device_id     uuid,
  errors        text[] NOT NULL DEFAULT '{}',
  varbinds      integer NOT NULL DEFAULT 0,
  requests      integer NOT NULL DEFAULT 0,
  seconds       double precision NOT NULL DEFAULT 0,
  worker        text NOT NULL DEFAULT '',
  reported_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, address)
);

------------------------------------------------------------------------------
-- Catalog: what discovery reports. The operating system and SNMP identity
-- apply to every kind of hardware (printers, UPSes and storage run firmware
-- with a name and version too), so they move up from computer and
-- network_device to hardware; CIs keep their values (attributes are JSONB).

UPDATE ci_attribute SET class_name = 'hardware', position = 10
 WHERE class_name = 'computer' AND name = 'os_name';
UPDATE ci_attribute SET class_name = 'hardware', position = 11
 WHERE class_name = 'computer' AND name = 'os_version';
UPDATE ci_attribute SET class_name = 'hardware', position = 12
 WHERE class_name = 'network_device' AND name = 'sys_object_id';
UPDATE ci_attribute SET class_name = 'hardware', position = 13
 WHERE class_name = 'network_device' AND name = 'sys_descr';

INSERT INTO ci_attribute (class_name, name, type, required, indexed, description, position) VALUES
  ('hardware',   'last_boot',        'datetime', false, false, 'When the device last started (from its uptime)', 14),
  ('hardware',   'location_text',    'string',   false, false, 'Location the device reports (sysLocation)', 15),
  ('hardware',   'contact',          'string',   false, false, 'Contact the device reports (sysContact)', 16),
  ('hardware',   'hardware_version', 'string',   false, false, 'Hardware revision', 17),
  ('hardware',   'storage_gb',       'float',    false, false, 'Total fixed storage in GB', 18),
  ('interface',  'if_alias',         'string',   false, false, 'Interface alias (ifAlias)', 8),
  ('interface',  'if_type',          'integer',  false, false, 'IANA ifType', 9),
  ('interface',  'mtu',              'integer',  false, false, 'MTU in bytes', 10),
  ('ip_address', 'family',           'string',   false, false, 'ipv4 or ipv6', 3);

-- People keep the last word on what they curate; discovery owns the facts it
-- reads from the device.
INSERT INTO reconciliation_rule (class_name, field, sources) VALUES
  ('hardware', 'attributes.os_name',          '{manual,snmp,redfish,http}'),
  ('hardware', 'attributes.os_version',       '{manual,snmp,redfish,http}'),
  ('hardware', 'attributes.firmware_version', '{manual,redfish,snmp,http}')
ON CONFLICT DO NOTHING;


-- A package the host reports without a version is still found again by its
-- name; a package whose version changed is the same install, upgraded.
INSERT INTO identification_rule (class_name, position, fields, within_parent) VALUES
  ('software', 2, '{name}', true);

UPDATE catalog_state SET generation = generation + 1;
