-- Going back folds a pending proposal into status again, as before.
UPDATE claims SET status = proposed_status, rationale = proposed_rationale WHERE proposed_status IS NOT NULL;
--bun:split
ALTER TABLE claims DROP COLUMN signed_off_at;
--bun:split
ALTER TABLE claims DROP COLUMN proposed_at;
--bun:split
ALTER TABLE claims DROP COLUMN proposed_rationale;
--bun:split
ALTER TABLE claims DROP COLUMN proposed_status;
