-- Verity's schema, designed once for the whole product: identity, articles with revisions,
-- claims with anchors and workflow, sources with derivations, citations, evidence with
-- content-addressed attachments, review events and the hash-chained audit trail.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'editor', 'auditor', 'admin')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    disabled_at   TIMESTAMP
);
--bun:split
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
--bun:split
CREATE INDEX api_tokens_user ON api_tokens (user_id);
--bun:split
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    slug         TEXT UNIQUE,
    title        TEXT NOT NULL,
    outlet       TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP,
    revision     INTEGER NOT NULL,
    body         TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE article_revisions (
    article_id  INTEGER NOT NULL REFERENCES articles (id),
    revision    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, revision)
);
--bun:split
CREATE TABLE claims (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id       INTEGER NOT NULL REFERENCES articles (id),
    article_revision INTEGER NOT NULL,
    quote            TEXT NOT NULL,
    anchor_start     INTEGER NOT NULL,
    anchor_end       INTEGER NOT NULL,
    anchor_prefix    TEXT NOT NULL,
    anchor_suffix    TEXT NOT NULL,
    anchor_state     TEXT NOT NULL DEFAULT 'anchored' CHECK (anchor_state IN ('anchored', 'orphaned')),
    text             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('casualty_count', 'estimate', 'report_finding', 'quote', 'attribution', 'event', 'date', 'affiliation', 'other')),
    quantities       TEXT NOT NULL DEFAULT '[]',
    stage            TEXT NOT NULL DEFAULT 'open' CHECK (stage IN ('open', 'in_review', 'awaiting_signoff', 'closed')),
    status           TEXT NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'verified', 'misleading', 'false', 'disputed', 'outdated', 'unverifiable')),
    rationale        TEXT NOT NULL DEFAULT '',
    assignee_id      INTEGER REFERENCES users (id),
    proposed_by      INTEGER REFERENCES users (id),
    proposed_via     INTEGER REFERENCES users (id),
    signed_off_by    INTEGER REFERENCES users (id),
    version          INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (anchor_start >= 0 AND anchor_end > anchor_start)
);
--bun:split
CREATE INDEX claims_article ON claims (article_id, anchor_start, id);
--bun:split
CREATE INDEX claims_stage ON claims (stage, id);
--bun:split
CREATE INDEX claims_status ON claims (status, id);
--bun:split
CREATE INDEX claims_kind ON claims (kind, id);
--bun:split
CREATE INDEX claims_stage_status ON claims (stage, status, id);
--bun:split
CREATE INDEX claims_assignee ON claims (assignee_id, stage, id);
--bun:split
CREATE VIRTUAL TABLE claims_fts USING fts5 (
    quote, text,
    content = 'claims', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
--bun:split
CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_fts (rowid, quote, text) VALUES (new.id, new.quote, new.text);
END;
--bun:split
CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, quote, text) VALUES ('delete', old.id, old.quote, old.text);
END;
--bun:split
CREATE TRIGGER claims_fts_update AFTER UPDATE OF quote, text ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, quote, text) VALUES ('delete', old.id, old.quote, old.text);
    INSERT INTO claims_fts (rowid, quote, text) VALUES (new.id, new.quote, new.text);
END;
--bun:split
CREATE TABLE sources (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('report', 'named_person', 'anonymous_official', 'organisation', 'government', 'news_agency', 'photo_agency', 'dataset', 'document')),
    name         TEXT NOT NULL,
    affiliation  TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    publisher    TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP,
    reliability  TEXT NOT NULL DEFAULT 'F' CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    notes        TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX sources_kind ON sources (kind, id);
--bun:split
CREATE TABLE source_derivations (
    source_id       INTEGER NOT NULL REFERENCES sources (id),
    derived_from_id INTEGER NOT NULL REFERENCES sources (id),
    note            TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, derived_from_id),
    CHECK (source_id <> derived_from_id)
);
--bun:split
CREATE INDEX source_derivations_upstream ON source_derivations (derived_from_id);
--bun:split
CREATE TABLE citations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id    INTEGER NOT NULL REFERENCES claims (id),
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    attribution TEXT NOT NULL DEFAULT '',
    locator     TEXT NOT NULL DEFAULT '',
    relation    TEXT NOT NULL CHECK (relation IN ('attributed_to', 'quoted_from', 'derived_from')),
    created_by  INTEGER REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX citations_claim ON citations (claim_id, id);
--bun:split
CREATE INDEX citations_source ON citations (source_id, id);
--bun:split
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    content    BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE evidence (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id          INTEGER NOT NULL REFERENCES claims (id),
    url               TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    excerpt           TEXT NOT NULL DEFAULT '',
    stance            TEXT NOT NULL CHECK (stance IN ('supports', 'refutes', 'context')),
    source_id         INTEGER REFERENCES sources (id),
    attachment_sha256 TEXT REFERENCES attachments (sha256),
    attachment_name   TEXT NOT NULL DEFAULT '',
    added_by          INTEGER REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    withdrawn_at      TIMESTAMP,
    withdrawn_by      INTEGER REFERENCES users (id),
    withdrawal_reason TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX evidence_claim ON evidence (claim_id, id);
--bun:split
CREATE TABLE review_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id      INTEGER NOT NULL REFERENCES claims (id),
    actor_id      INTEGER REFERENCES users (id),
    action        TEXT NOT NULL,
    from_stage    TEXT NOT NULL,
    to_stage      TEXT NOT NULL,
    status        TEXT NOT NULL,
    rationale     TEXT NOT NULL DEFAULT '',
    assignee_id   INTEGER REFERENCES users (id),
    claim_version INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX review_events_claim ON review_events (claim_id, id);
--bun:split
CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
--bun:split
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, seq);
--bun:split
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
--bun:split
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
--bun:split
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
--bun:split
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
