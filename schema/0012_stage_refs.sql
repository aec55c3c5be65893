-- Each staged chunk keeps, beside its bytes, the ref of each of its items
-- ('' for an item without one, in item order) and how many relations it
-- holds, so that the reconciling transaction learns the whole stream's
-- refs and positions in one statement instead of decoding every chunk a
-- second time.
ALTER TABLE reconcile_stage
  ADD COLUMN item_refs text[] NOT NULL DEFAULT '{}',
  ADD COLUMN relations integer NOT NULL DEFAULT 0 CHECK (relations >= 0);
