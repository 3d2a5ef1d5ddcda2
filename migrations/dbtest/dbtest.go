// Package dbtest gives tests a real, fully migrated database of their own, and the checks
// that tests of every package share.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations"
	"verity/migrations/database"
	"verity/provenance/audit"
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
	dsn := DSN(t)
	dbs := make([]*database.DB, n)
	for i := range dbs {
		dbs[i] = OpenAt(t, dsn, opts...)
	}
	return dbs
}

// DSN names a database of the test's own that nothing has opened yet, for tests that hand
// it to a server process: a SQLite path under t.TempDir(), or, when VERITY_TEST_POSTGRES is
// set, a fresh empty PostgreSQL database that is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	if admin := os.Getenv(PostgresEnv); admin != "" {
		return createPostgres(t, admin)
	}
	return filepath.Join(t.TempDir(), "verity.db")
}

// OpenBare returns a database of the test's own as Open does, but without migrating it, for
// tests of the migrations themselves.
func OpenBare(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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

// WantSnapshotComplete fails t unless the JSON form of model, the snapshot the audit trail
// records, carries every stored column of the bun model under the column's own name. except
// lists columns deliberately left out (a body its hash stands for, a password hash), and each
// of those must be tagged json:"-". A column added without its snapshot fails here.
func WantSnapshotComplete(t testing.TB, model any, except ...string) {
	t.Helper()
	typ := reflect.TypeOf(model)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		bunTag := f.Tag.Get("bun")
		column, opts, _ := strings.Cut(bunTag, ",")
		if f.Anonymous || bunTag == "" || strings.HasPrefix(column, "table:") || strings.Contains(opts, "rel:") || strings.HasPrefix(bunTag, "rel:") {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case slices.Contains(except, column):
			if name != "-" {
				t.Errorf("%s.%s (column %s) is left out of the snapshot but not tagged json:\"-\"", typ.Name(), f.Name, column)
			}
		case name != column:
			t.Errorf("%s.%s (column %s) appears in the audit snapshot as %q, want %q", typ.Name(), f.Name, column, name, column)
		}
	}
}

// WantKind fails t unless err has kind k and, when field is set, a message for that field.
func WantKind(t testing.TB, err error, k fault.Kind, field string) {
	t.Helper()
	if !fault.Is(err, k) {
		t.Errorf("err = %v, want %s", err, k)
		return
	}
	if field != "" && fault.As(err).Fields[field] == "" {
		t.Errorf("err = %v, want a message on field %s", err, field)
	}
}

// AuditCount verifies db's audit chain and returns how many events it holds.
func AuditCount(t testing.TB, db *database.DB) int64 {
	t.Helper()
	r, err := audit.Verify(context.Background(), db.Reader(), "")
	if err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
	return r.Count
}
