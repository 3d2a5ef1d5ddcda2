-- Bodies compressed since the up migration cannot be decompressed in SQL, so going down
-- refuses while there are any (a zstd frame starts with the bytes 28 b5 2f fd).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM article_revisions WHERE substring(body FROM 1 FOR 4) = '\x28b52ffd'::bytea) THEN
        RAISE EXCEPTION 'article revisions hold compressed bodies; this migration cannot undo them';
    END IF;
END;
$$;
--bun:split
ALTER TABLE article_revisions ALTER COLUMN body TYPE TEXT USING convert_from(body, 'UTF8');
--bun:split
ALTER TABLE article_revisions DROP COLUMN body_length;
--bun:split
ALTER TABLE articles ADD COLUMN body TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE articles SET body = (SELECT r.body FROM article_revisions AS r WHERE r.article_id = articles.id AND r.revision = articles.revision);
