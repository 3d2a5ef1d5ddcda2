-- The audit trail was 60% of the database. Each event now keeps its hash as the 32 bytes of
-- the SHA-256 rather than 64 hex characters, no longer keeps prev_hash (it is the hash of the
-- event before, which a reader takes from that row), and loses the UNIQUE index on hash that
-- no query read. New events store before and after zstd-compressed (audit.Append); the
-- events converted here keep their JSON text as it was (as UTF-8 bytes), which readers tell
-- apart from a compressed snapshot by its first bytes. What the hash covers, and every value
-- a reader sees (hex hashes, the canonical JSON), is unchanged.
--
-- The index of actors by their text now holds only the actors that are not users (system,
-- cli:user@host): a user's events, under any actor text, are found through the index of
-- the users behind each event (audit_event_users), so the listing reads that one for them,
-- and the text index shrinks from one entry per event to one per event of an operator.
--
-- A hash that is not 64 hex digits (only a row edited by hand can hold one) is kept as its
-- text's bytes, so that verification still reports that event as broken rather than the
-- migration failing or hiding it.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_hash_key;
--bun:split
ALTER TABLE audit_events DROP COLUMN prev_hash;
--bun:split
ALTER TABLE audit_events
    ALTER COLUMN hash TYPE BYTEA USING CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN decode(hash, 'hex') ELSE convert_to(hash, 'UTF8') END,
    ALTER COLUMN before TYPE BYTEA USING convert_to(before, 'UTF8'),
    ALTER COLUMN after TYPE BYTEA USING convert_to(after, 'UTF8');
--bun:split
DROP INDEX audit_events_actor;
--bun:split
CREATE INDEX audit_events_actor ON audit_events (actor, seq) WHERE substr(actor, 1, 5) <> 'user:';
