-- Every user behind an audit event: the user who acted and the admin who made the token
-- they acted through. The actor filter of the audit listing reads this index, so that
-- ?actor=user:1 finds events taken through tokens user 1 made for others without scanning
-- the chain. audit.Append writes it in the same transaction as the event. It is an index
-- derived from the chain, not part of it: no foreign key ties it to audit_events.
CREATE TABLE audit_event_users (
    user_id BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (user_id, seq)
);
--bun:split
CREATE TRIGGER audit_event_users_no_change BEFORE UPDATE OR DELETE ON audit_event_users
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--bun:split
-- Events written before this table existed, read from their actor text: "user:5" and
-- "user:5 via token from user:1".
INSERT INTO audit_event_users (user_id, seq)
SELECT substring(actor FROM '^user:([0-9]+)')::bigint, seq FROM audit_events
WHERE actor ~ '^user:[0-9]+'
ON CONFLICT DO NOTHING;
--bun:split
INSERT INTO audit_event_users (user_id, seq)
SELECT substring(actor FROM ' via token from user:([0-9]+)')::bigint, seq FROM audit_events
WHERE actor ~ ' via token from user:[0-9]+'
ON CONFLICT DO NOTHING;
--bun:split
-- Other actors (system, cli:user@host) are filtered by their exact text.
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
