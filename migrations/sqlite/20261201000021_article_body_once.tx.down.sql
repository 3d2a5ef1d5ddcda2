-- Bodies compressed since the up migration cannot be decompressed in SQL, so going down
-- refuses while there are any (the CHECK fails).
CREATE TEMP TABLE article_body_guard (compressed INTEGER CHECK (compressed = 0));
--bun:split
INSERT INTO article_body_guard SELECT count(*) FROM article_revisions WHERE substr(body, 1, 4) = x'28b52ffd';
--bun:split
DROP TABLE article_body_guard;
--bun:split
ALTER TABLE article_revisions DROP COLUMN body_length;
--bun:split
ALTER TABLE articles ADD COLUMN body TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE articles SET body = (SELECT CAST(r.body AS TEXT) FROM article_revisions AS r WHERE r.article_id = articles.id AND r.revision = articles.revision);
