-- status becomes the verdict in force alone: the one signed off, while a claim is closed. A
-- pending proposal moves to proposed_status and proposed_rationale; a claim that is not closed
-- (rejected, reopened, or never signed) has no verdict in force, so its status becomes
-- unverified. The review events keep every proposal and verdict there was, and earlier audit
-- snapshots keep the old meaning of status.
ALTER TABLE claims ADD COLUMN proposed_status TEXT CHECK (proposed_status IS NULL OR proposed_status IN ('verified', 'misleading', 'false', 'disputed', 'outdated', 'unverifiable'));
--bun:split
ALTER TABLE claims ADD COLUMN proposed_rationale TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE claims ADD COLUMN proposed_at TIMESTAMP;
--bun:split
ALTER TABLE claims ADD COLUMN signed_off_at TIMESTAMP;
--bun:split
UPDATE claims SET
    proposed_status = status,
    proposed_rationale = rationale,
    proposed_at = (SELECT max(e.created_at) FROM review_events e WHERE e.claim_id = claims.id AND e.action = 'propose')
WHERE stage = 'awaiting_signoff';
--bun:split
UPDATE claims SET status = 'unverified', rationale = '', signed_off_by = NULL WHERE stage <> 'closed';
--bun:split
UPDATE claims SET
    signed_off_at = (SELECT max(e.created_at) FROM review_events e WHERE e.claim_id = claims.id AND e.action = 'sign_off'),
    proposed_at = (SELECT max(e.created_at) FROM review_events e WHERE e.claim_id = claims.id AND e.action = 'propose')
WHERE stage = 'closed';
