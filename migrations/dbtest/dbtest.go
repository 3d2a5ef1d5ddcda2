// Package dbtest gives tests a real, fully migrated database of their own.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"verity/migrations"
	"verity/migrations/database"
)

// Open returns a migrated SQLite database in a file under t.TempDir(), closed when t ends.
func Open(t testing.TB, opts ...database.Option) *database.DB {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "verity.db"), opts...)
}

// OpenAt is Open with a chosen file, for tests that reopen the same database.
func OpenAt(t testing.TB, path string, opts ...database.Option) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, path, opts...)
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
