-- Staging of streamed reconcile payloads: StreamReconcile writes each chunk
-- here as it arrives (its own short transactions), then reconciles the
-- whole stream in one transaction that reads the chunks back slice by
-- slice, so a stream's size costs the server disk, not memory, and a
-- retried transaction can read the stream again. Rows live only while
-- their stream is being reconciled; the staleness sweep removes what a
-- crashed server left. Unlogged: nothing here must survive a crash or
-- reach a replica.
CREATE UNLOGGED TABLE reconcile_stage (
  stage_id   uuid NOT NULL,
  seq        integer NOT NULL CHECK (seq >= 0),
  chunk      bytea NOT NULL,
  staged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stage_id, seq)
);
