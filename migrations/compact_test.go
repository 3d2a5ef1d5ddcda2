package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun/migrate"

	"verity/claims"
	"verity/migrations"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// migrateBefore applies the migrations whose names sort before name, as a database made by
// an earlier version of Verity has them.
func migrateBefore(t *testing.T, db *database.DB, name string) {
	t.Helper()
	ctx := context.Background()
	dir := "sqlite"
	if db.Dialect() == database.Postgres {
		dir = "postgres"
	}
	all, err := migrations.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	earlier := fstest.MapFS{}
	err = fs.WalkDir(all, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path >= name {
			return err
		}
		b, err := fs.ReadFile(all, path)
		earlier[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	set := migrate.NewMigrations()
	if err := set.Discover(earlier); err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(db.Bun(), set, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestCompactAuditMigrationKeepsTheChain builds a chain the way the code before the compact
// format stored it (hex hashes, prev_hash, JSON text), migrates, and checks that the chain
// reads back with the same values, verifies, and goes on verifying as new events (stored
// compressed) extend it; and that the article bodies, now kept once, read back the same.
func TestCompactAuditMigrationKeepsTheChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.OpenBare(t)
	migrateBefore(t, db, "20261201000020")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Bun().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	snapshots := []struct{ before, after string }{
		{"", ""},
		{"", `{"id":1,"quote":"at least 79 Afghans","text":"Kabul: «79» killed — \u003c 100 \u0026 more"}`},
		{`{"id":1,"stage":"open","version":1}`, `{"id":1,"stage":"in_review","version":2}`},
		{`{"id":1,"stage":"in_review","version":2}`, ""},
	}
	// Enough events that the copy of the table frees a good part of the file.
	for i := range 300 {
		snapshots = append(snapshots, struct{ before, after string }{"", fmt.Sprintf(`{"id":%d,"text":%q}`, i, strings.Repeat("x", 1000))})
	}
	var old []audit.Event
	prev := ""
	for i, s := range snapshots {
		e := audit.Event{Seq: int64(i + 1), At: at.Add(time.Duration(i) * time.Second), Actor: "user:1", Action: "claim.update",
			EntityType: "claim", EntityID: "1", Before: s.before, After: s.after, PrevHash: prev}
		e.Hash = audit.Hash(e)
		exec("INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, e.At, e.Actor, e.Action, e.EntityType, e.EntityID, nullable(e.Before), nullable(e.After), e.PrevHash, e.Hash)
		old = append(old, e)
		prev = e.Hash
	}
	exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", len(old), prev)
	// One article whose revision 2 is current, and one made by hand without its revision row.
	exec("INSERT INTO articles (id, title, revision, body, body_sha256, version, created_at, updated_at) VALUES (1, 'a', 2, 'second body', 's2', 2, ?, ?), (2, 'b', 1, 'only body', 's', 1, ?, ?)", at, at, at, at)
	exec("INSERT INTO article_revisions (article_id, revision, body, body_sha256, created_at) VALUES (1, 1, 'first body', 's1', ?), (1, 2, 'second body', 's2', ?)", at, at)

	applied, err := migrations.Apply(ctx, db.Bun())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) < 2 || !strings.HasPrefix(applied[0], "20261201000020_") || !strings.HasPrefix(applied[1], "20261201000021_") {
		t.Fatalf("applied %v", applied)
	}

	r, err := audit.Verify(ctx, db.Reader(), old[len(old)-1].Hash)
	if err != nil || !r.OK || r.Count != int64(len(old)) || r.HeadHash != prev {
		t.Fatalf("verify after the migration = %+v, %v", r, err)
	}
	got, _, err := audit.Find(ctx, db.Reader(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(old) {
		t.Fatalf("%d events, want %d", len(got), len(old))
	}
	for i, e := range got {
		if !e.At.Equal(old[i].At) {
			t.Errorf("event %d at %v, want %v", e.Seq, e.At, old[i].At)
		}
		e.At = old[i].At
		if e != old[i] {
			t.Errorf("event %d reads back as\n%+v, want\n%+v", e.Seq, e, old[i])
		}
	}

	for i := range 3 {
		err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: "user:1", People: []int64{1}}, Action: "claim.update",
				EntityType: "claim", EntityID: "1", After: map[string]any{"id": 1, "version": 3 + i, "text": strings.Repeat("compressible ", 20)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err = audit.Verify(ctx, db.Reader(), "")
	if err != nil || !r.OK || r.Count != int64(len(old))+3 {
		t.Fatalf("verify after appending = %+v, %v", r, err)
	}
	got, _, err = audit.Find(ctx, db.Reader(), audit.Filter{AfterSeq: int64(len(old)) - 1, Limit: 2})
	if err != nil || len(got) != 2 || got[1].PrevHash != prev || got[0].Hash != prev {
		t.Fatalf("the first new event's prev_hash: %+v %v, want %s", got, err, prev)
	}
	var sizes []struct {
		Seq   int64
		Hash  int
		After int
	}
	if err := db.Bun().NewRaw("SELECT seq, length(hash) AS hash, coalesce(length(after), 0) AS after FROM audit_events ORDER BY seq").Scan(ctx, &sizes); err != nil {
		t.Fatal(err)
	}
	for _, s := range sizes {
		if s.Hash != 32 {
			t.Errorf("event %d stores a hash of %d bytes, want 32", s.Seq, s.Hash)
		}
		if s.Seq > int64(len(old)) && s.After >= len(`"text":`)+20*len("compressible ") {
			t.Errorf("event %d stores its after in %d bytes: not compressed", s.Seq, s.After)
		}
	}

	if db.Dialect() == database.SQLite {
		// The pages the copied table freed are given back to the file.
		var pages, free int64
		if err := db.Bun().QueryRowContext(ctx, "SELECT page_count, freelist_count FROM pragma_page_count(), pragma_freelist_count()").Scan(&pages, &free); err != nil {
			t.Fatal(err)
		}
		if free*4 >= pages {
			t.Errorf("%d of %d pages free after the migrations", free, pages)
		}
	}

	s := claims.NewStore(db)
	for id, want := range map[int64]string{1: "second body", 2: "only body"} {
		a, err := s.FindArticleByID(ctx, id)
		if err != nil || a.Body != want {
			t.Errorf("article %d: %+v, %v; want body %q", id, a, err, want)
		}
	}
	if rev, err := s.FindRevision(ctx, 1, 1); err != nil || rev.Body != "first body" {
		t.Errorf("revision 1 of article 1: %+v, %v", rev, err)
	}
	if rev, err := s.FindRevision(ctx, 2, 1); err != nil || rev.Body != "only body" {
		t.Errorf("revision 1 of article 2, made by the migration: %+v, %v", rev, err)
	}
	if revs, _, err := s.FindRevisions(ctx, 1, 0, 10); err != nil || len(revs) != 2 || revs[0].BodyLength != len("first body") || revs[1].BodyLength != len("second body") {
		t.Errorf("revisions of article 1 after the migration: %+v, %v", revs, err)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
