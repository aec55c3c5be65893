-- Health scores and baselines.
--
-- audit_result_class splits each rule's counts by the class of the CIs
-- checked, so that scores can be given per class; audit_health keeps the
-- scores of each run (class '' is the whole CMDB).
--
-- A baseline is a named point in time and a scope: the configuration it
-- records is read back from the history tables (ci_version,
-- relationship_version), which already hold every version, so creating one
-- copies nothing.

CREATE TABLE audit_result_class (
  run_id       bigint NOT NULL,
  rule_name    text NOT NULL,
  class_name   text NOT NULL,
  checked      bigint NOT NULL,
  failed       bigint NOT NULL,
  acknowledged bigint NOT NULL,
  PRIMARY KEY (run_id, rule_name, class_name),
  FOREIGN KEY (run_id, rule_name) REFERENCES audit_result (run_id, rule_name) ON DELETE CASCADE
);

CREATE TABLE audit_health (
  run_id       bigint NOT NULL REFERENCES audit_run (id) ON DELETE CASCADE,
  class_name   text NOT NULL,  -- '' for the whole CMDB
  cis          bigint NOT NULL,
  -- Percentages of passing checks; NULL when no rule of the kind applied.
  completeness double precision,
  correctness  double precision,
  compliance   double precision,
  PRIMARY KEY (run_id, class_name)
);

CREATE TABLE baseline (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  description text NOT NULL DEFAULT '',
  filter      text NOT NULL DEFAULT '',
  as_of       timestamptz NOT NULL,
  cis         bigint NOT NULL,
  relationships bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL
);

-- Audits that run by themselves: every interval, all rules or a category's.
-- The cmdbd holding the leader lock runs those due, and prunes runs older
-- than its --audit-retention-days (the latest run is always kept).
CREATE TABLE audit_schedule (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  category    text NOT NULL DEFAULT '',  -- '' for all categories
  interval_s  bigint NOT NULL CHECK (interval_s BETWEEN 300 AND 31622400),
  enabled     boolean NOT NULL DEFAULT true,
  next_run_at timestamptz NOT NULL,
  last_run_id bigint,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL DEFAULT 'cmdbd'
);

-- By default, the whole rule set once a day, the first a day after the
-- CMDB was made.
INSERT INTO audit_schedule (name, interval_s, next_run_at) VALUES ('daily', 86400, now() + interval '1 day');
