// Package dbtest gives tests a real, fully migrated database of their own.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"verity/migrations"
	"verity/migrations/database"
)

// PostgresEnv names the environment variable that moves the tests to PostgreSQL: a
// postgres:// URL of a server where the user may create databases.
const PostgresEnv = "VERITY_TEST_POSTGRES"

// Open returns a migrated database of the test's own, closed when t ends: a SQLite file under
// t.TempDir(), or, when VERITY_TEST_POSTGRES is set, a fresh PostgreSQL database that is
// dropped afterwards. The same tests thus cover both dialects.
func Open(t testing.TB, opts ...database.Option) *database.DB {
	t.Helper()
	return OpenMany(t, 1, opts...)[0]
}

// OpenMany is Open with n handles on the same database, each with its own pools, as n
// servers sharing one database would have.
func OpenMany(t testing.TB, n int, opts ...database.Option) []*database.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "verity.db")
	if admin := os.Getenv(PostgresEnv); admin != "" {
		dsn = createPostgres(t, admin)
	}
	dbs := make([]*database.DB, n)
	for i := range dbs {
		dbs[i] = OpenAt(t, dsn, opts...)
	}
	return dbs
}

// createPostgres creates a fresh database on the server at admin, dropped when t ends, and
// returns its URL.
func createPostgres(t testing.TB, admin string) string {
	t.Helper()
	ctx := context.Background()
	adminDB, err := database.Open(ctx, admin)
	if err != nil {
		t.Fatalf("open %s: %v", admin, err)
	}
	t.Cleanup(func() { adminDB.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "verity_test_" + hex.EncodeToString(b[:])
	if _, err := adminDB.Bun().ExecContext(ctx, "CREATE DATABASE ?", bun.Ident(name)); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := adminDB.Bun().ExecContext(ctx, "DROP DATABASE ? WITH (FORCE)", bun.Ident(name)); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenAt opens and migrates the database at dsn (a SQLite path or a postgres:// URL), for
// tests that reopen the same database; it is closed when t ends.
func OpenAt(t testing.TB, dsn string, opts ...database.Option) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dsn, opts...)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Apply(ctx, db.Bun()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Clock is a settable clock for database.WithClock.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.T = c.T.Add(d) }

// DropAuditGuards removes the triggers that make audit rows append-only, as an attacker with
// write access to the database could, so that tests can tamper with the chain and show that
// verification catches it.
func DropAuditGuards(t testing.TB, db *database.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}
	if db.Dialect() == database.Postgres {
		stmts = []string{"DROP TRIGGER audit_events_no_change ON audit_events"}
	}
	for _, q := range stmts {
		if _, err := db.Bun().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
