-- Configuration audit: rules as data (a rule kind is code in
-- server/core/audit.h, a rule is a row here), runs that check every rule
-- over the whole CMDB in set-based SQL and keep, per rule, what was checked,
-- what failed and why, and acknowledgements (an accepted risk: the finding
-- no longer fails the audit, but stays listed).

CREATE TABLE audit_rule (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  category    text NOT NULL CHECK (category ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  kind        text NOT NULL,
  class_name  text NOT NULL REFERENCES ci_class (name),
  filter      text NOT NULL DEFAULT '',
  severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  params      jsonb NOT NULL DEFAULT '{}',
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL DEFAULT 'cmdbd'
);

CREATE TABLE audit_run (
  id          bigserial PRIMARY KEY,
  category    text NOT NULL DEFAULT '',  -- '' for all categories
  actor       text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL
);

-- Per run and rule: the rule as it was run, and its counts.
CREATE TABLE audit_result (
  run_id       bigint NOT NULL REFERENCES audit_run (id) ON DELETE CASCADE,
  rule_name    text NOT NULL,
  category     text NOT NULL,
  kind         text NOT NULL,
  severity     text NOT NULL,
  checked      bigint NOT NULL,
  failed       bigint NOT NULL,  -- not counting acknowledged findings
  acknowledged bigint NOT NULL,
  PRIMARY KEY (run_id, rule_name)
);

CREATE TABLE audit_failure (
  run_id       bigint NOT NULL,
  rule_name    text NOT NULL,
  ci_id        uuid NOT NULL,
  reason       text NOT NULL,
  acknowledged boolean NOT NULL DEFAULT false,
  PRIMARY KEY (run_id, rule_name, ci_id),
  FOREIGN KEY (run_id, rule_name) REFERENCES audit_result (run_id, rule_name) ON DELETE CASCADE
);

CREATE TABLE audit_acknowledgement (
  rule_name  text NOT NULL,
  ci_id      uuid NOT NULL,
  actor      text NOT NULL,
  reason     text NOT NULL CHECK (reason <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,  -- NULL: until withdrawn
  PRIMARY KEY (rule_name, ci_id)
);

-- The default rule set: what a configuration manager checks first.
INSERT INTO audit_rule (name, category, kind, class_name, severity, params, description) VALUES
  ('hardware-has-serial', 'completeness', 'required_attribute', 'hardware', 'medium',
   '{"attribute": "serial_number"}', 'Every device records its serial number'),
  ('hardware-has-manufacturer', 'completeness', 'required_attribute', 'hardware', 'low',
   '{"attribute": "manufacturer"}', 'Every device records its manufacturer'),
  ('server-located', 'relationships', 'required_relationship', 'server', 'low',
   '{"type": "located_in", "direction": "outgoing", "target_class": "location"}',
   'Every server is located_in a location'),
  ('application-runs-on', 'relationships', 'required_relationship', 'application', 'high',
   '{"type": "runs_on", "direction": "outgoing"}', 'Every application runs_on something'),
  ('one-location', 'relationships', 'max_relationships', 'ci', 'medium',
   '{"type": "located_in", "direction": "outgoing", "max": 1}', 'A CI is located in at most one place'),
  ('unique-serial', 'correctness', 'unique_attribute', 'hardware', 'high',
   '{"attribute": "serial_number"}', 'No two devices share a serial number'),
  ('not-stale', 'correctness', 'not_stale', 'ci', 'medium', '{}',
   'No CI its sources stopped reporting'),
  ('no-open-duplicates', 'correctness', 'no_duplicates', 'ci', 'high', '{}',
   'No CI is an open duplicate candidate'),
  ('application-not-orphaned', 'relationships', 'no_orphan', 'application', 'low', '{}',
   'Every application relates to something'),
  ('certificate-not-expiring', 'compliance', 'certificate_expiry', 'certificate', 'critical',
   '{"attribute": "not_after", "days": 30}', 'No certificate expires within 30 days'),
  ('hardware-verified', 'correctness', 'verified_within', 'hardware', 'low', '{"days": 30}',
   'Every device was seen by discovery in the last 30 days');
