DROP TABLE audit_head;
--bun:split
DROP TABLE audit_events;
--bun:split
DROP FUNCTION audit_events_append_only;
--bun:split
DROP TABLE review_events;
--bun:split
DROP TABLE evidence;
--bun:split
DROP TABLE attachments;
--bun:split
DROP TABLE citations;
--bun:split
DROP TABLE source_derivations;
--bun:split
DROP TABLE sources;
DROP TABLE claims;
--bun:split
DROP TABLE article_revisions;
--bun:split
DROP TABLE articles;
--bun:split
DROP TABLE sessions;
--bun:split
DROP TABLE api_tokens;
--bun:split
DROP TABLE users;
