-- The claim listings order by id. Without these, a page of one article's claims or of one
-- assignee's read every match and sorted it in a temporary b-tree (claims_article is in text
-- order, claims_assignee puts the stage before the id), and the planner was tempted to walk
-- a status or stage index in id order instead, reading thousands of rows to find an
-- article's 25. (assignee_id, id) also serves the unassigned view: IS NULL is an equality
-- to the index.
CREATE INDEX claims_article_id ON claims (article_id, id);
--bun:split
CREATE INDEX claims_assignee_id ON claims (assignee_id, id);
--bun:split
-- The words of the full-text index, one row per occurrence, read by search to turn a word
-- typed as a prefix into the few whole words it stands for: a prefix query merges the
-- postings of every match before the first row comes back (1.6 ms for a word in 40% of
-- 100,000 claims), whole words are read lazily in id order and stop after a page (80 µs).
-- Only a seek on term is ever asked of it, which costs one lookup, not a scan.
CREATE VIRTUAL TABLE claims_fts_terms USING fts5vocab(claims_fts, instance);
