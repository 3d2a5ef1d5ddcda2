package audit_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/migrations"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// appendAs appends one event by actor with the users behind it and returns its seq.
func appendAs(t testing.TB, db *database.DB, actor string, people ...int64) int64 {
	t.Helper()
	var seq int64
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		e, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: actor, People: people}, Action: "test.act", EntityType: "test", EntityID: "1"})
		seq = e.Seq
		return err
	})
	if err != nil {
		t.Fatalf("append by %s: %v", actor, err)
	}
	return seq
}

func seqsOf(t testing.TB, db *database.DB, f audit.Filter) []int64 {
	t.Helper()
	events, _, err := audit.Find(context.Background(), db.Reader(), f)
	if err != nil {
		t.Fatalf("find %+v: %v", f, err)
	}
	out := []int64{}
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}

// TestActorFilterFindsEveryEventAUserIsBehind: user:1 finds what user 1 did, what others
// did through tokens user 1 made, and what user 1 did through a token someone made for
// them; other actors match exactly.
func TestActorFilterFindsEveryEventAUserIsBehind(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	own := appendAs(t, db, "user:1", 1)
	appendAs(t, db, "user:2", 2)
	throughTheirs := appendAs(t, db, "user:5 via token from user:1", 5, 1)
	throughOthers := appendAs(t, db, "user:1 via token from user:3", 1, 3)
	viaCLI := appendAs(t, db, "user:1 via cli token from root@desk-1", 1)
	sys := appendAs(t, db, audit.System)
	cli := appendAs(t, db, "cli:root@desk-1")
	appendAs(t, db, "user:11", 11)
	for _, tt := range []struct {
		actor string
		want  []int64
	}{
		{"user:1", []int64{own, throughTheirs, throughOthers, viaCLI}},
		{"user:5", []int64{throughTheirs}},
		{"user:3", []int64{throughOthers}},
		{"system", []int64{sys}},
		{"cli:root@desk-1", []int64{cli}},
		{"user:5 via token from user:1", []int64{throughTheirs}},
		{"user:1 via cli token from root@desk-1", []int64{viaCLI}},
		{"user:1 via token from user:5", nil},
		{"user", nil},
	} {
		t.Run(tt.actor, func(t *testing.T) {
			got := seqsOf(t, db, audit.Filter{Actor: tt.actor, Limit: 50})
			if !slices.Equal(got, append([]int64{}, tt.want...)) {
				t.Errorf("actor=%s: %v, want %v", tt.actor, got, tt.want)
			}
		})
	}
	// A user actor is spelled as the trail spells it, or refused: none of these names anyone.
	for _, actor := range []string{"user:01", "user:", "user:1%", "user:+1", "user:01 via token from user:1"} {
		_, _, err := audit.Find(context.Background(), db.Reader(), audit.Filter{Actor: actor, Limit: 50})
		dbtest.WantKind(t, err, fault.Invalid, "actor")
	}
	// Pages of a user's events continue after the last one seen, and combine with filters.
	if got := seqsOf(t, db, audit.Filter{Actor: "user:1", AfterSeq: own, Limit: 2}); !slices.Equal(got, []int64{throughTheirs, throughOthers}) {
		t.Errorf("second page = %v", got)
	}
	if got := seqsOf(t, db, audit.Filter{Actor: "user:1", AfterSeq: throughOthers, Limit: 2}); !slices.Equal(got, []int64{viaCLI}) {
		t.Errorf("last page = %v", got)
	}
	if got := seqsOf(t, db, audit.Filter{Actor: "user:1", Action: "none", Limit: 2}); len(got) != 0 {
		t.Errorf("user with an action no event has = %v", got)
	}
}

// TestAppendRefusesAUserWithoutPeople: an event by a user that names nobody behind it would
// be missing from that user's listing, so it is refused and nothing is appended.
func TestAppendRefusesAUserWithoutPeople(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: "user:4"}, Action: "test.act", EntityType: "test"})
		return err
	})
	dbtest.WantKind(t, err, fault.Internal, "")
	if n := dbtest.AuditCount(t, db); n != 0 {
		t.Errorf("%d events appended", n)
	}
}

// TestAppendRefusesAUserNotAmongItsPeople: a user's actor texts are found through the user
// who acted, so an event that does not name that user among its people is refused.
func TestAppendRefusesAUserNotAmongItsPeople(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: "user:4 via token from user:1", People: []int64{1}}, Action: "test.act", EntityType: "test"})
		return err
	})
	dbtest.WantKind(t, err, fault.Internal, "")
	if n := dbtest.AuditCount(t, db); n != 0 {
		t.Errorf("%d events appended", n)
	}
}

// TestActorFilterReadsAnIndex: no actor filter reads the whole chain, on either dialect.
func TestActorFilterReadsAnIndex(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	for i := range 20 {
		appendAs(t, db, fmt.Sprintf("user:%d", 1+i%4), int64(1+i%4))
		appendAs(t, db, audit.System)
	}
	for _, f := range []audit.Filter{
		{Actor: "user:1", Limit: 51},
		{Actor: "user:1", AfterSeq: 7, Limit: 51},
		{Actor: "user:1", Action: "test.act", Limit: 51},
		{Actor: "system", Limit: 51},
		{Actor: "cli:root@desk-1", AfterSeq: 7, Limit: 51},
		{Actor: "user:5 via token from user:1", Limit: 51},
	} {
		t.Run(fmt.Sprintf("actor=%s after=%d action=%s", f.Actor, f.AfterSeq, f.Action), func(t *testing.T) {
			query := audit.FindQuery(db.Reader(), f).String()
			plan := explain(t, db, query)
			for _, line := range plan {
				if strings.Contains(line, "SCAN event") || strings.Contains(line, "Seq Scan on audit_events") || strings.Contains(line, "TEMP B-TREE") {
					t.Errorf("%s\nplan:\n%s", query, strings.Join(plan, "\n"))
					break
				}
			}
		})
	}
}

// explain returns the plan of query, forbidding sequential scans on PostgreSQL where an
// index would do (the tables are too small for the planner to prefer an index otherwise).
func explain(t *testing.T, db *database.DB, query string) []string {
	t.Helper()
	ctx := context.Background()
	var plan []string
	if db.Dialect() == database.SQLite {
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := db.Reader().NewRaw("EXPLAIN QUERY PLAN "+query).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			plan = append(plan, r.Detail)
		}
		return plan
	}
	tx, err := db.Bun().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	if err := tx.NewRaw("EXPLAIN "+query).Scan(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestMigrationIndexesEventsWrittenBeforeIt: on a database whose events were written before
// the index existed, the migration fills it from the actor text.
func TestMigrationIndexesEventsWrittenBeforeIt(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	const name = "20261201000003"
	dir := "sqlite"
	if db.Dialect() == database.Postgres {
		dir = "postgres"
	}
	// Back to the schema before the migration...
	fsys, err := migrations.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	down, err := fs.ReadFile(fsys, name+"_audit_event_users.tx.down.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(down), "--bun:split") {
		if _, err := db.Bun().ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if _, err := db.Bun().ExecContext(ctx, "DELETE FROM bun_migrations WHERE name = ?", name); err != nil {
		t.Fatal(err)
	}
	// ...events as the code before it wrote them: rows of the chain and nothing else...
	actors := []string{
		"user:1", audit.System, "user:5 via token from user:1", "user:12", "cli:root@desk-1",
		"user:12 via token from user:5", "user:1",
	}
	prev := ""
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, actor := range actors {
		e := audit.Event{Seq: int64(i + 1), At: at, Actor: actor, Action: "test.act", EntityType: "test", EntityID: "1", PrevHash: prev}
		e.Hash = audit.Hash(e)
		hash, _ := hex.DecodeString(e.Hash)
		if _, err := db.Bun().ExecContext(ctx, "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
			e.Seq, e.At, e.Actor, e.Action, e.EntityType, e.EntityID, hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	if _, err := db.Bun().ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", len(actors), prev); err != nil {
		t.Fatal(err)
	}
	// ...then migrate.
	applied, err := migrations.Apply(ctx, db.Bun())
	if err != nil || len(applied) != 1 || !strings.HasPrefix(applied[0], name) {
		t.Fatalf("migrate: %v %v", applied, err)
	}
	for _, tt := range []struct {
		actor string
		want  []int64
	}{
		{"user:1", []int64{1, 3, 7}},
		{"user:5", []int64{3, 6}},
		{"user:12", []int64{4, 6}},
		{"system", []int64{2}},
		{"cli:root@desk-1", []int64{5}},
	} {
		if got := seqsOf(t, db, audit.Filter{Actor: tt.actor, Limit: 50}); !slices.Equal(got, tt.want) {
			t.Errorf("actor=%s after the migration: %v, want %v", tt.actor, got, tt.want)
		}
	}
	if n := dbtest.AuditCount(t, db); n != int64(len(actors)) {
		t.Errorf("chain of %d events after the migration, want %d", n, len(actors))
	}
	// New events are indexed as they are appended.
	next := appendAs(t, db, "user:5 via token from user:12", 5, 12)
	if got := seqsOf(t, db, audit.Filter{Actor: "user:12", Limit: 50}); !slices.Equal(got, []int64{4, 6, next}) {
		t.Errorf("actor=user:12 after a new event: %v", got)
	}
}
