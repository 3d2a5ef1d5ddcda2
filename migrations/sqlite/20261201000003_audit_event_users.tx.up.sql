-- Every user behind an audit event: the user who acted and the admin who made the token
-- they acted through. The actor filter of the audit listing reads this index, so that
-- ?actor=user:1 finds events taken through tokens user 1 made for others without scanning
-- the chain. audit.Append writes it in the same transaction as the event. It is an index
-- derived from the chain, not part of it: no foreign key ties it to audit_events.
CREATE TABLE audit_event_users (
    user_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
--bun:split
CREATE TRIGGER audit_event_users_no_update BEFORE UPDATE ON audit_event_users BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
--bun:split
CREATE TRIGGER audit_event_users_no_delete BEFORE DELETE ON audit_event_users BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
--bun:split
-- Events written before this table existed, read from their actor text: "user:5" and
-- "user:5 via token from user:1" (CAST reads the leading digits and stops at the first
-- character that is not one).
INSERT OR IGNORE INTO audit_event_users (user_id, seq)
SELECT CAST(substr(actor, 6) AS INTEGER), seq FROM audit_events
WHERE actor GLOB 'user:[0-9]*';
--bun:split
INSERT OR IGNORE INTO audit_event_users (user_id, seq)
SELECT CAST(substr(actor, instr(actor, ' via token from user:') + 21) AS INTEGER), seq FROM audit_events
WHERE actor GLOB '* via token from user:[0-9]*';
--bun:split
-- Other actors (system, cli:user@host) are filtered by their exact text.
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
