-- Every article body was stored twice: as the article's current body and as its revision.
-- The revision alone keeps it now, and an article reads its body from its current revision.
-- An article whose current revision row is missing (only a row made by hand lacks one) gets
-- it first, so that no body is lost. New revisions store the body zstd-compressed (claims'
-- insertRevision); the bodies already stored stay text, which readers tell apart from a
-- compressed body by its first bytes. The length in characters, which the revision listing
-- shows, is kept beside the body so that listing need not decompress it.
INSERT INTO article_revisions (article_id, revision, body, body_sha256, created_by, created_at)
SELECT a.id, a.revision, a.body, a.body_sha256, a.created_by, a.updated_at FROM articles AS a
WHERE NOT EXISTS (SELECT 1 FROM article_revisions AS r WHERE r.article_id = a.id AND r.revision = a.revision);
--bun:split
ALTER TABLE articles DROP COLUMN body;
--bun:split
ALTER TABLE article_revisions ADD COLUMN body_length INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE article_revisions SET body_length = length(body);
