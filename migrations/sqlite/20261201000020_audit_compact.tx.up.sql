-- The audit trail was 60% of the database. Each event now keeps its hash as the 32 bytes of
-- the SHA-256 rather than 64 hex characters, no longer keeps prev_hash (it is the hash of the
-- event before, which a reader takes from that row), and loses the UNIQUE index on hash that
-- no query read. New events store before and after zstd-compressed (audit.Append); the
-- events copied here keep their JSON text as it was, which readers tell apart from a
-- compressed snapshot by its first bytes. What the hash covers, and every value a reader
-- sees (hex hashes, the canonical JSON), is unchanged.
--
-- The index of actors by their text now holds only the actors that are not users (system,
-- cli:user@host): a user's events, under any actor text, are found through the index of
-- the users behind each event (audit_event_users), so the listing reads that one for them,
-- and the text index shrinks from one entry per event to one per event of an operator.
--
-- A hash that is not 64 hex digits (only a row edited by hand can hold one) is copied as
-- its text, so that verification still reports that event as broken rather than the
-- migration failing or hiding it.
DROP TRIGGER audit_events_no_update;
--bun:split
DROP TRIGGER audit_events_no_delete;
--bun:split
CREATE TABLE audit_events_compact (
    seq         INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      BLOB,
    after       BLOB,
    hash        BLOB NOT NULL
);
--bun:split
INSERT INTO audit_events_compact (seq, at, actor, action, entity_type, entity_id, before, after, hash)
SELECT seq, at, actor, action, entity_type, entity_id, before, after,
    CASE WHEN length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*' THEN unhex(hash) ELSE hash END
FROM audit_events ORDER BY seq;
--bun:split
DROP TABLE audit_events;
--bun:split
ALTER TABLE audit_events_compact RENAME TO audit_events;
--bun:split
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, seq);
--bun:split
CREATE INDEX audit_events_actor ON audit_events (actor, seq) WHERE substr(actor, 1, 5) <> 'user:';
--bun:split
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
--bun:split
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
