DROP INDEX sessions_expires;
--bun:split
DROP INDEX sessions_user;
--bun:split
ALTER TABLE sessions DROP COLUMN last_seen_at;
