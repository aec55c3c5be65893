-- Core CMDB schema: classes, CIs, relationships, changesets and their history.
--
-- Current state lives in `ci` and `relationship` (fast reads, simple
-- indexes); every version lives in `ci_version` / `relationship_version`,
-- written in the same transaction, with [valid_from, valid_to) periods
-- (valid_to = 'infinity' for the live version). All rows of one changeset
-- share one timestamp: the writing transaction's now().

-- Microseconds since the Unix epoch, the form timestamps take on the wire.
CREATE FUNCTION epoch_us(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN isfinite(t) THEN (extract(epoch FROM t) * 1000000)::bigint END;

-- The text that free-text search looks in: the name and attribute values.
CREATE FUNCTION cmdb_search_text(name text, attributes jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN name || ' ' || coalesce(
    (SELECT string_agg(v.value, ' ') FROM jsonb_each_text(attributes) AS v), '');

------------------------------------------------------------------------------
-- Catalog: classes, their attributes, relationship types.

CREATE TABLE ci_class (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  parent      text REFERENCES ci_class (name),
  description text NOT NULL DEFAULT '',
  abstract    boolean NOT NULL DEFAULT false,
  system      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((name = 'ci') = (parent IS NULL))
);
CREATE INDEX ci_class_parent_idx ON ci_class (parent);

CREATE TABLE ci_attribute (
  class_name  text NOT NULL REFERENCES ci_class (name) ON DELETE CASCADE,
  -- At most 48 characters, so that ci_attr_<name>_idx fits an identifier.
  name        text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,47}$'),
  type        text NOT NULL CHECK (type IN ('string', 'integer', 'float', 'boolean',
                'datetime', 'ip_address', 'mac_address', 'string_list', 'json',
                'mac_address_list', 'ip_address_list')),
  required    boolean NOT NULL DEFAULT false,
  indexed     boolean NOT NULL DEFAULT false,
  description text NOT NULL DEFAULT '',
  position    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (class_name, name)
);

-- Bumped by every catalog change, so servers can tell when to reload.
CREATE TABLE catalog_state (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  generation bigint NOT NULL
);
INSERT INTO catalog_state VALUES (true, 1);

CREATE TABLE relationship_type (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  inverse_name text NOT NULL CHECK (inverse_name ~ '^[a-z][a-z0-9_]{0,62}$'),
  description  text NOT NULL DEFAULT '',
  impact       text NOT NULL DEFAULT 'target_to_source'
                 CHECK (impact IN ('target_to_source', 'source_to_target', 'both', 'none')),
  system       boolean NOT NULL DEFAULT false
);

------------------------------------------------------------------------------
-- Changesets. `id` is assigned at insert; `seq` is assigned just before
-- commit while holding a transaction-level advisory lock, so seq order is
-- commit order and a reader that sees seq N sees every seq below it: the
-- change feed's cursor can never skip a change.

CREATE TABLE changeset (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq          bigint UNIQUE,
  actor        text NOT NULL,
  source       text NOT NULL,
  comment      text NOT NULL DEFAULT '',
  external_ref text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX changeset_external_ref_idx ON changeset (external_ref) WHERE external_ref <> '';

CREATE SEQUENCE changeset_feed_seq;

-- Seals a changeset: call as the last statement before COMMIT.
CREATE FUNCTION cmdb_seal_changeset(changeset_id bigint) RETURNS bigint
  LANGUAGE plpgsql AS $$
DECLARE
  assigned bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7270001);
  UPDATE changeset SET seq = nextval('changeset_feed_seq')
   WHERE id = changeset_id RETURNING seq INTO assigned;
  PERFORM pg_notify('cmdb_changes', assigned::text);
  RETURN assigned;
END $$;

------------------------------------------------------------------------------
-- Configuration items.

CREATE TABLE ci (
  id           uuid PRIMARY KEY,
  class_name   text NOT NULL REFERENCES ci_class (name),
  name         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('planned', 'installed', 'in_use', 'maintenance', 'retired')),
  owner        text NOT NULL DEFAULT '',
  criticality  text NOT NULL DEFAULT '' CHECK (criticality IN ('', 'low', 'medium', 'high', 'critical')),
  attributes   jsonb NOT NULL DEFAULT '{}',
  provenance   jsonb NOT NULL DEFAULT '{}',
  version      integer NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  changeset_id bigint NOT NULL REFERENCES changeset (id)
);
CREATE INDEX ci_name_idx ON ci (name COLLATE "C", id);
CREATE INDEX ci_class_idx ON ci (class_name);
CREATE INDEX ci_status_idx ON ci (status);
CREATE INDEX ci_updated_idx ON ci (updated_at);
CREATE INDEX ci_attributes_idx ON ci USING gin (attributes jsonb_path_ops);
-- Free-text search: words and word prefixes of the name and attribute values.
CREATE INDEX ci_search_idx ON ci USING gin (to_tsvector('simple'::regconfig, cmdb_search_text(name, attributes)));

CREATE TABLE ci_version (
  ci_id        uuid NOT NULL,
  version      integer NOT NULL,
  valid_from   timestamptz NOT NULL,
  valid_to     timestamptz NOT NULL DEFAULT 'infinity',
  operation    text NOT NULL CHECK (operation IN ('create', 'update', 'retire', 'delete', 'restore', 'merge')),
  class_name   text NOT NULL,
  name         text NOT NULL,
  status       text NOT NULL,
  owner        text NOT NULL,
  criticality  text NOT NULL,
  attributes   jsonb NOT NULL,
  provenance   jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  changeset_id bigint NOT NULL REFERENCES changeset (id),
  PRIMARY KEY (ci_id, version),
  CONSTRAINT ci_version_period CHECK (valid_from <= valid_to)
);
CREATE INDEX ci_version_changeset_idx ON ci_version (changeset_id, ci_id, version);
CREATE INDEX ci_version_name_idx ON ci_version (name COLLATE "C", ci_id);

------------------------------------------------------------------------------
-- Relationships.

CREATE TABLE relationship (
  id           uuid PRIMARY KEY,
  type         text NOT NULL REFERENCES relationship_type (name),
  source_id    uuid NOT NULL REFERENCES ci (id),
  target_id    uuid NOT NULL REFERENCES ci (id),
  attributes   jsonb NOT NULL DEFAULT '{}',
  provenance   jsonb NOT NULL DEFAULT '{}',
  version      integer NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  changeset_id bigint NOT NULL REFERENCES changeset (id),
  CONSTRAINT relationship_unique UNIQUE (source_id, type, target_id),
  CONSTRAINT relationship_not_self CHECK (source_id <> target_id)
);
CREATE INDEX relationship_target_idx ON relationship (target_id, type);

CREATE TABLE relationship_version (
  rel_id       uuid NOT NULL,
  version      integer NOT NULL,
  valid_from   timestamptz NOT NULL,
  valid_to     timestamptz NOT NULL DEFAULT 'infinity',
  operation    text NOT NULL CHECK (operation IN ('create', 'update', 'delete', 'merge')),
  type         text NOT NULL,
  source_id    uuid NOT NULL,
  target_id    uuid NOT NULL,
  attributes   jsonb NOT NULL,
  provenance   jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  changeset_id bigint NOT NULL REFERENCES changeset (id),
  PRIMARY KEY (rel_id, version),
  CONSTRAINT relationship_version_period CHECK (valid_from <= valid_to)
);
CREATE INDEX relationship_version_changeset_idx ON relationship_version (changeset_id, rel_id, version);
CREATE INDEX relationship_version_source_idx ON relationship_version (source_id, valid_from);
CREATE INDEX relationship_version_target_idx ON relationship_version (target_id, valid_from);

------------------------------------------------------------------------------
-- History stays in time order. Two transactions that update the same row
-- serialise on its lock; if the one that started earlier commits later, its
-- now() would end the previous version before that version began. Raising
-- serialization_failure makes the server retry the whole transaction, which
-- then starts (and stamps its versions) after the other one committed.

CREATE FUNCTION cmdb_check_period() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.valid_to < NEW.valid_from THEN
    RAISE EXCEPTION 'history period out of order on %', TG_TABLE_NAME
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ci_version_period_order BEFORE UPDATE OF valid_to ON ci_version
  FOR EACH ROW EXECUTE FUNCTION cmdb_check_period();
CREATE TRIGGER relationship_version_period_order BEFORE UPDATE OF valid_to ON relationship_version
  FOR EACH ROW EXECUTE FUNCTION cmdb_check_period();
