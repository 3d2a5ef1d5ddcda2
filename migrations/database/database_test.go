package database_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// TestTranslate runs real statements that fail in each way storage can fail and checks the
// kind they come back as; with VERITY_TEST_POSTGRES set the same table covers PostgreSQL.
func TestTranslate(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	now := db.Now()
	insertUser := func(ctx context.Context, tx *database.Tx, email, role string) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, 'n', ?, ?, ?)", email, role, now, now)
		return err
	}
	if err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		return insertUser(ctx, tx, "a@example.org", "viewer")
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func(ctx context.Context, tx *database.Tx) error
		want fault.Kind
	}{
		{"no rows", func(ctx context.Context, tx *database.Tx) error {
			var id int64
			return tx.NewSelect().Table("users").Column("id").Where("email = ?", "nobody").Scan(ctx, &id)
		}, fault.NotFound},
		{"unique", func(ctx context.Context, tx *database.Tx) error {
			return insertUser(ctx, tx, "a@example.org", "viewer")
		}, fault.Conflict},
		{"check", func(ctx context.Context, tx *database.Tx) error {
			return insertUser(ctx, tx, "b@example.org", "overlord")
		}, fault.Invalid},
		{"foreign key", func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (999, 'h', ?)", now)
			return err
		}, fault.Invalid},
		{"append-only audit", func(ctx context.Context, tx *database.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, hash) VALUES (1, ?, 'a', 'b', 'c', 'd', 'h')", now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "DELETE FROM audit_events WHERE seq = 1")
			return err
		}, fault.Invalid},
		{"kind kept", func(context.Context, *database.Tx) error { return fault.New(fault.Forbidden, "no") }, fault.Forbidden},
		{"other", func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT * FROM no_such_table")
			return err
		}, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Write(ctx, tt.fn)
			if got := fault.KindOf(err); got != tt.want {
				t.Errorf("kind = %s (%v), want %s", got, err, tt.want)
			}
		})
	}
	if database.Translate(nil) != nil {
		t.Error("Translate(nil) != nil")
	}
	if err := database.Translate(context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("cancellation must pass through: %v", err)
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	now := db.Now()
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES ('x@example.org', 'n', 'viewer', ?, ?)", now, now); err != nil {
			return err
		}
		return fault.New(fault.Invalid, "changed my mind")
	})
	if !fault.Is(err, fault.Invalid) {
		t.Fatal(err)
	}
	var n int
	err = db.Reader().NewSelect().ColumnExpr("count(*)").Table("users").Scan(ctx, &n)
	if err != nil || n != 0 {
		t.Errorf("users after rollback: %d %v", n, err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"verity.db": "verity.db",
		"postgres://verity:s3cret@db.example.org:5432/verity?sslmode=require": "postgres://verity:xxxxx@db.example.org:5432/verity?sslmode=require",
		"postgres://verity@127.0.0.1/test":                                    "postgres://verity@127.0.0.1/test",
	} {
		if got := database.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriterKeepsSubJournalsInMemory checks the writer's temp_store: each write's savepoint
// journal must not be spilled to a temporary file while the other writers wait.
func TestWriterKeepsSubJournalsInMemory(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	if db.Dialect() != database.SQLite {
		t.Skip("temp_store is SQLite's")
	}
	var store int
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&store)
	})
	if err != nil {
		t.Fatal(err)
	}
	if store != 2 {
		t.Fatalf("the writer's temp_store is %d, want 2 (MEMORY)", store)
	}
}

// TestReaderPoolSize checks the SQLite reader pool's bound: the server's memory grows with
// its connections' page caches.
func TestReaderPoolSize(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	if db.Dialect() != database.SQLite {
		t.Skip("the reader pool is SQLite's")
	}
	if n := db.Reader().(*bun.DB).Stats().MaxOpenConnections; n != database.ReaderConns {
		t.Errorf("the reader pool opens up to %d connections, want %d", n, database.ReaderConns)
	}
}

// TestOptimizeKeepsNoSamplesOfShadowTables checks that the statistics Optimize leaves have
// value samples of ordinary indexes but none of the tables a full-text index keeps its
// segments in, whose lookups SQLite would otherwise plan again at every seek.
func TestOptimizeKeepsNoSamplesOfShadowTables(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	if db.Dialect() != database.SQLite {
		t.Skip("sqlite_stat4 is SQLite's")
	}
	ctx := context.Background()
	if err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY, tag TEXT);
			CREATE INDEX notes_tag ON notes (tag);
			CREATE VIRTUAL TABLE notes_fts USING fts5(body)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 40 { // one transaction each, so that the index holds many segments
		if err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO notes (tag) VALUES (?)", []string{"a", "b", "c"}[i%3]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO notes_fts (body) VALUES (?)", "note number "+strconv.Itoa(i))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Optimize(ctx, true); err != nil {
		t.Fatal(err)
	}
	samples := func(where string) int {
		var n int
		if err := db.Reader().NewRaw("SELECT count(*) FROM sqlite_stat4 WHERE "+where).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := samples("idx = 'notes_tag'"); n == 0 {
		t.Error("ANALYZE kept no samples of notes_tag; the test no longer shows anything")
	}
	if n := samples("tbl LIKE 'notes_fts%'"); n != 0 {
		t.Errorf("%d samples of the full-text index's shadow tables are left", n)
	}
	// A second run, as every minute, leaves none either.
	if err := db.Optimize(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := samples("tbl LIKE 'notes_fts%'"); n != 0 {
		t.Errorf("after a second Optimize, %d samples of the shadow tables are left", n)
	}
}
