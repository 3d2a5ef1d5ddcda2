package migrations_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"verity/migrations"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	fsys, err := migrations.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// Where the dialects differ they keep the same file names, so that both apply the same
// versions in the same order.
func TestDialectsHaveTheSameMigrations(t *testing.T) {
	sqlite, postgres := names(t, "sqlite"), names(t, "postgres")
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Errorf("sqlite %v\npostgres %v", sqlite, postgres)
	}
	for _, n := range sqlite {
		if !(len(n) > 15 && (hasSuffix(n, ".tx.up.sql") || hasSuffix(n, ".tx.down.sql"))) {
			t.Errorf("%s: every migration runs in a transaction (.tx.up.sql / .tx.down.sql)", n)
		}
	}
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

func TestApplyIsRerunnableAndStatusReportsIt(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t) // applies every migration
	ctx := context.Background()
	again, err := migrations.Apply(ctx, db.Bun())
	if err != nil || len(again) != 0 {
		t.Fatalf("second apply: %v %v", again, err)
	}
	status, err := migrations.Status(ctx, db.Bun())
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != len(names(t, "sqlite"))/2 {
		t.Errorf("status lists %d migrations", len(status))
	}
	for _, m := range status {
		if !m.Applied {
			t.Errorf("%s is not applied", m.Name)
		}
	}
}

func TestStatusChangesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status, err := migrations.Status(ctx, db.Bun())
	if err != nil {
		t.Fatal(err)
	}
	if len(status) == 0 {
		t.Fatal("no migrations listed")
	}
	for _, m := range status {
		if m.Applied {
			t.Errorf("%s applied on a fresh database", m.Name)
		}
	}
	var n int
	if err := db.Reader().NewRaw("SELECT count(*) FROM sqlite_master").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("status created %d schema objects (%v)", n, err)
	}
}
