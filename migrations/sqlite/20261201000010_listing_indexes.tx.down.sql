DROP TABLE claims_fts_terms;
--bun:split
DROP INDEX claims_assignee_id;
--bun:split
DROP INDEX claims_article_id;
