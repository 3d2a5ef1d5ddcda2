package database_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// TestSyncSetsTheWritersPragma reads SQLite's synchronous pragma on the writer connection:
// 2 is FULL, 1 is NORMAL.
func TestSyncSetsTheWritersPragma(t *testing.T) {
	tests := []struct {
		name string
		opts []database.Option
		want int
	}{
		{"default is full", nil, 2},
		{"full", []database.Option{database.WithSync(database.SyncFull)}, 2},
		{"normal", []database.Option{database.WithSync(database.SyncNormal)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := dbtest.Open(t, tt.opts...)
			if db.Dialect() != database.SQLite {
				t.Skip("PostgreSQL's durability is the server's synchronous_commit")
			}
			var got int
			if err := db.Bun().QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("synchronous = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseSync(t *testing.T) {
	for in, want := range map[string]database.Sync{"full": database.SyncFull, "normal": database.SyncNormal} {
		if got, err := database.ParseSync(in); err != nil || got != want {
			t.Errorf("ParseSync(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "FULL", "off", "extra", " full"} {
		if _, err := database.ParseSync(in); err == nil || !strings.Contains(err.Error(), `use "full" or "normal"`) {
			t.Errorf("ParseSync(%q) = %v, want an error naming the accepted values", in, err)
		}
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  database.Option
		want string
	}{
		{"sync", database.WithSync("off"), "unknown durability"},
		{"no writes per batch", database.WithBatchLimits(0, 1<<20), "batch limits must be positive"},
		{"no bytes per batch", database.WithBatchLimits(8, 0), "batch limits must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "verity.db")
			db, err := database.Open(context.Background(), path, tt.opt)
			if err == nil {
				db.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, want an error mentioning %q", err, tt.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a refused option left a database file (%v)", err)
			}
		})
	}
}
