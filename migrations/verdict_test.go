package migrations_test

import (
	"context"
	"testing"
	"time"

	"verity/migrations"
	"verity/migrations/dbtest"
)

// TestVerdictMigrationMovesProposalsOutOfStatus builds claims the way the first schema
// stored them (a pending or rejected proposal in status) and checks that the migration
// leaves status as the verdict in force only.
func TestVerdictMigrationMovesProposalsOutOfStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.OpenBare(t)
	migrateBefore(t, db, "20261201000001_verdict_apart_from_proposal") // the first schema only

	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Bun().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES (1, 'r@x.org', 'R', 'reviewer', ?, ?), (2, 'e@x.org', 'E', 'editor', ?, ?)", at, at, at, at)
	exec("INSERT INTO articles (id, title, revision, body, body_sha256, version, created_at, updated_at) VALUES (1, 't', 1, 'a b c d', 'x', 1, ?, ?)", at, at)
	claim := "INSERT INTO claims (id, article_id, article_revision, quote, anchor_start, anchor_end, anchor_prefix, anchor_suffix, text, kind, stage, status, rationale, assignee_id, proposed_by, signed_off_by, version, created_at, updated_at) VALUES (?, 1, 1, 'a', 0, 1, '', ' b c', 'a', 'other', ?, ?, ?, 1, ?, ?, 3, ?, ?)"
	exec(claim, 1, "awaiting_signoff", "verified", "the report says so", 1, nil, at, at)
	exec(claim, 2, "in_review", "disputed", "rejected reasoning", nil, nil, at, at)
	exec(claim, 3, "closed", "false", "13, not 79", 1, 2, at, at)
	event := "INSERT INTO review_events (claim_id, actor_id, action, from_stage, to_stage, status, rationale, claim_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?)"
	exec(event, 1, 1, "propose", "in_review", "awaiting_signoff", "verified", "the report says so", at)
	exec(event, 3, 1, "propose", "in_review", "awaiting_signoff", "false", "13, not 79", at)
	exec(event, 3, 2, "sign_off", "awaiting_signoff", "closed", "false", "", at.Add(time.Hour))

	if _, err := migrations.Apply(ctx, db.Bun()); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID                int64
		Stage             string
		Status            string
		Rationale         string
		ProposedStatus    *string
		ProposedRationale string
		ProposedAt        *time.Time
		SignedOffBy       *int64
		SignedOffAt       *time.Time
	}
	var rows []row
	if err := db.Bun().NewRaw("SELECT id, stage, status, rationale, proposed_status, proposed_rationale, proposed_at, signed_off_by, signed_off_at FROM claims ORDER BY id").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	awaiting, rejected, closed := rows[0], rows[1], rows[2]
	if awaiting.Status != "unverified" || awaiting.Rationale != "" || awaiting.ProposedStatus == nil || *awaiting.ProposedStatus != "verified" ||
		awaiting.ProposedRationale != "the report says so" || awaiting.ProposedAt == nil {
		t.Errorf("awaiting sign-off: %+v", awaiting)
	}
	if rejected.Status != "unverified" || rejected.Rationale != "" || rejected.ProposedStatus != nil {
		t.Errorf("rejected: %+v", rejected)
	}
	if closed.Status != "false" || closed.Rationale != "13, not 79" || closed.ProposedStatus != nil || closed.SignedOffBy == nil ||
		closed.SignedOffAt == nil || !closed.SignedOffAt.Equal(at.Add(time.Hour)) || closed.ProposedAt == nil {
		t.Errorf("closed: %+v", closed)
	}
}
