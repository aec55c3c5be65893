-- Drift: what a source last reported for a field it may not write (a more
-- authoritative source, or a person, owns the value) where that differs
-- from the record. Reconciliation keeps it for every CI a payload reports:
-- the rows of that CI and source are replaced each time, so a row says what
-- the source reports now. The audit (rule kind source_drift, the discovery
-- audit) compares it with the record as it is when the audit runs.
CREATE TABLE ci_drift (
  ci_id       uuid NOT NULL REFERENCES ci (id) ON DELETE CASCADE,
  source      text NOT NULL REFERENCES source (name) ON DELETE CASCADE,
  field       text NOT NULL,  -- name, status, owner, criticality, attributes.<name>
  reported    jsonb,          -- NULL: reported as absent
  reported_at timestamptz NOT NULL,
  PRIMARY KEY (ci_id, source, field)
);

INSERT INTO audit_rule (name, category, kind, class_name, severity, params, description) VALUES
  ('no-drift', 'correctness', 'source_drift', 'ci', 'medium', '{}',
   'No recorded value differs from what a discovery source last reported');
