DROP INDEX audit_events_actor;
--bun:split
DROP TABLE audit_event_users;
