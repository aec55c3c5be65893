-- Impact analysis: how impact propagates (per relationship type, per class,
-- per CI) and the external ITSM records (changes, incidents, problems)
-- linked to CIs.

------------------------------------------------------------------------------
-- Propagation. relationship_type.impact (0001) says in which direction
-- impact flows; `impact_effect` says what the dependant becomes when its
-- input is down: down too, or only degraded.

ALTER TABLE relationship_type
  ADD COLUMN impact_effect text NOT NULL DEFAULT 'down'
    CHECK (impact_effect IN ('down', 'degraded'));

-- Peers on a link and users of a thing are weakened, not stopped, by its
-- loss; a member's loss reaches its group, whose redundancy rule decides.
UPDATE relationship_type SET impact_effect = 'degraded' WHERE name IN ('connected_to', 'uses');
UPDATE relationship_type SET impact = 'source_to_target' WHERE name = 'member_of';

-- A group whose members provide one function together.
INSERT INTO ci_class (name, parent, description, abstract, system) VALUES
  ('cluster', 'ci', 'A cluster or pool whose members provide one function together (members are member_of it)', false, true);

-- Redundancy: a CI needs at least `min_up` (or `min_up_percent` %) of the
-- inputs that reach it over `relationship_types` (all its impact inputs
-- when empty). Fewer up: down; some lost but enough up: degraded. A class
-- rule applies to CIs of the class and its subclasses that have no rule of
-- their own (the nearest class's rule wins).
CREATE TABLE impact_class_redundancy (
  class_name         text PRIMARY KEY REFERENCES ci_class (name) ON DELETE CASCADE,
  min_up             integer NOT NULL DEFAULT 0 CHECK (min_up >= 0),
  min_up_percent     integer NOT NULL DEFAULT 0 CHECK (min_up_percent BETWEEN 0 AND 100),
  relationship_types text[] NOT NULL DEFAULT '{}',
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((min_up > 0) <> (min_up_percent > 0))
);

CREATE TABLE impact_ci_redundancy (
  ci_id              uuid PRIMARY KEY,
  min_up             integer NOT NULL DEFAULT 0 CHECK (min_up >= 0),
  min_up_percent     integer NOT NULL DEFAULT 0 CHECK (min_up_percent BETWEEN 0 AND 100),
  relationship_types text[] NOT NULL DEFAULT '{}',
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((min_up > 0) <> (min_up_percent > 0))
);

-- Shipped defaults: a cluster keeps working while one member does; a
-- business service is degraded, not down, while one of what it depends on
-- still works.
INSERT INTO impact_class_redundancy (class_name, min_up, relationship_types) VALUES
  ('cluster', 1, '{member_of}'),
  ('business_service', 1, '{}');

-- Bumped by every rule change, so each server reloads its rules.
CREATE TABLE impact_rules_state (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  generation bigint NOT NULL
);
INSERT INTO impact_rules_state VALUES (true, 1);

------------------------------------------------------------------------------
-- External records: changes, incidents and problems kept in other ITSM
-- tools, linked to CIs.

CREATE TABLE external_record (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system     text NOT NULL CHECK (system ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  kind       text NOT NULL CHECK (kind IN ('change', 'incident', 'problem')),
  key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
  title      text NOT NULL DEFAULT '',
  url        text NOT NULL DEFAULT '',
  state      text NOT NULL DEFAULT '',
  -- Derived from state at write time: not resolved/closed/cancelled/...
  is_open    boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (system, kind, key)
);
CREATE INDEX external_record_key_idx ON external_record (kind, key);

CREATE TABLE external_record_ci (
  record_id bigint NOT NULL REFERENCES external_record (id) ON DELETE CASCADE,
  ci_id     uuid NOT NULL,
  PRIMARY KEY (record_id, ci_id)
);
CREATE INDEX external_record_ci_ci_idx ON external_record_ci (ci_id);
