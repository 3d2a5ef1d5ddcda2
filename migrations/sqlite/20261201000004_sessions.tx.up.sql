-- Web sign-in sessions expire after a time without use as well as at a fixed end, so each
-- session records when it was last used. No session was ever stored before this, but a row
-- made by hand is kept, counted as last used when it was made; one inserted later without
-- the column is read the same way, so the column may be NULL on both engines.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
--bun:split
UPDATE sessions SET last_seen_at = created_at;
--bun:split
CREATE INDEX sessions_user ON sessions (user_id);
--bun:split
CREATE INDEX sessions_expires ON sessions (expires_at);
