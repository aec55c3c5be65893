-- Room on every history page for the one update each version row gets: the
-- closing of its period (valid_to) when the next version is written. That
-- column is in no index, so with free space on the page the update is a
-- heap-only (HOT) update: the row is rewritten in place and no index entry
-- is added. Without it, each new version also rewrote its predecessor on
-- another page and added an entry to each of the table's indexes.
-- Applies to pages written from now on.

ALTER TABLE ci_version SET (fillfactor = 85);
ALTER TABLE relationship_version SET (fillfactor = 85);
