-- The claim listings order by id. Without these, a page of one article's claims or of one
-- assignee's read every match and sorted it in a temporary b-tree (claims_article is in text
-- order, claims_assignee puts the stage before the id), and the planner was tempted to walk
-- a status or stage index in id order instead, reading thousands of rows to find an
-- article's 25. (assignee_id, id) also serves the unassigned view: IS NULL is an equality
-- to the index.
CREATE INDEX claims_article_id ON claims (article_id, id);
--bun:split
CREATE INDEX claims_assignee_id ON claims (assignee_id, id);
