// Package migrations owns Verity's database schema: one embedded, versioned set of SQL
// migrations per dialect (SQLite and PostgreSQL, with the same file names), applied with
// bun/migrate under its lock.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Files returns the migration files of a dialect ("sqlite" or "postgres").
func Files(dir string) (fs.FS, error) { return fs.Sub(files, dir) }

// migrationSet reads the migrations of db's dialect.
func migrationSet(db bun.IDB) (*migrate.Migrations, error) {
	dir := "sqlite"
	if db.Dialect().Name() == dialect.PG {
		dir = "postgres"
	}
	fsys, err := Files(dir)
	if err != nil {
		return nil, err
	}
	set := migrate.NewMigrations()
	if err := set.Discover(fsys); err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", dir, err)
	}
	return set, nil
}

func migrator(db *bun.DB) (*migrate.Migrator, error) {
	set, err := migrationSet(db)
	if err != nil {
		return nil, err
	}
	// Marking a migration applied only once it succeeded keeps a failed one retryable.
	return migrate.NewMigrator(db, set, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Apply brings the schema up to date and returns the names of the migrations it applied
// (none when the schema is current, so it is safe to run at every start).
func Apply(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := migrator(db)
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations (another process may be migrating): %w", err)
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // best effort; the lock error is reported at the next start

	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, mig := range group.Migrations {
		applied = append(applied, mig.Name+"_"+mig.Comment)
	}
	if len(applied) > 0 && db.Dialect().Name() == dialect.SQLite {
		if err := reclaim(ctx, db); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// reclaim gives the file back the pages a migration freed, when they are a quarter of it or
// more: a migration that rebuilds a table (20261201000020 copies the audit trail) leaves the
// old copy's pages free, and SQLite reuses free pages but never shrinks the file by itself.
// VACUUM cannot run in a migration's transaction, so it runs here, once, after them; the
// WAL it wrote through is then checkpointed and truncated, so that it does not stay as large
// as the database on disk.
func reclaim(ctx context.Context, db *bun.DB) error {
	var pages, free int64
	if err := db.QueryRowContext(ctx, "SELECT page_count, freelist_count FROM pragma_page_count(), pragma_freelist_count()").Scan(&pages, &free); err != nil {
		return fmt.Errorf("read the database's free pages: %w", err)
	}
	if free*4 < pages {
		return nil
	}
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("vacuum the %d pages the migrations freed: %w", free, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("truncate the log after vacuum: %w", err)
	}
	return nil
}

// Migration is one migration and whether it has been applied.
type Migration struct {
	Name    string
	Applied bool
}

// Status lists every known migration with whether it is applied. It changes nothing, not
// even on a database that was never migrated, and only reads, through any handle: a pool of
// readers will do, so that readiness probes need not wait for the writer.
func Status(ctx context.Context, db bun.IDB) ([]Migration, error) {
	set, err := migrationSet(db)
	if err != nil {
		return nil, err
	}
	exists, err := bookkeepingExists(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	// Without the bookkeeping table nothing was ever applied.
	applied := map[string]bool{}
	if exists {
		var names []string
		if err := db.NewSelect().Table("bun_migrations").Column("name").Scan(ctx, &names); err != nil {
			return nil, fmt.Errorf("read migration status: %w", err)
		}
		for _, n := range names {
			applied[n] = true
		}
	}
	all := set.Sorted()
	out := make([]Migration, 0, len(all))
	for _, mig := range all {
		out = append(out, Migration{Name: mig.Name + "_" + mig.Comment, Applied: applied[mig.Name]})
	}
	return out, nil
}

// Pending lists the migrations this build knows that db has not applied, oldest first
// (see Status).
func Pending(ctx context.Context, db bun.IDB) ([]string, error) {
	all, err := Status(ctx, db)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, m := range all {
		if !m.Applied {
			pending = append(pending, m.Name)
		}
	}
	return pending, nil
}

// bookkeepingExists asks the catalogue whether bun/migrate's table is there, so that any
// other failure (no permission, a locked file) is reported rather than read as "never
// migrated".
func bookkeepingExists(ctx context.Context, db bun.IDB) (bool, error) {
	var n int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'bun_migrations'"
	if db.Dialect().Name() == dialect.PG {
		q = "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'bun_migrations' AND schemaname = ANY (current_schemas(false))"
	}
	err := db.NewRaw(q).Scan(ctx, &n)
	return n > 0, err
}
