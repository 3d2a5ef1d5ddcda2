// Package database opens Verity's storage (an embedded SQLite file by default, PostgreSQL for a
// postgres:// URL), routes every write through one writer, and translates driver errors into
// fault kinds for both dialects in one place.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
	"modernc.org/sqlite"

	"verity/claims/fault"
)

// Dialect names a supported database engine.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is Verity's database: one writer that every mutation goes through and a pool of readers.
// On SQLite the writer is a single connection, so concurrent writers queue instead of failing
// with SQLITE_BUSY; on PostgreSQL both share one pool.
type DB struct {
	writer  *bun.DB
	reader  *bun.DB
	dialect Dialect
	now     func() time.Time

	// mustExist is set by MustExist, read by Open.
	mustExist bool
}

// Option configures Open.
type Option func(*DB)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// MustExist makes Open refuse a SQLite file that does not exist, with ErrNoDatabase,
// instead of creating an empty one: for tools that act on an existing database.
func MustExist() Option { return func(db *DB) { db.mustExist = true } }

// ErrNoDatabase is Open's error, under MustExist, for a SQLite file that is not there.
var ErrNoDatabase = errors.New("no database")

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn fit for messages and logs: a PostgreSQL URL without its password.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// Open opens the database named by dsn: a postgres:// URL or a SQLite file path, created if
// absent (unless MustExist). It does not migrate; see package migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	var o DB
	for _, opt := range opts {
		opt(&o)
	}
	var db *DB
	var err error
	if IsPostgres(dsn) {
		db, err = openPostgres(ctx, dsn)
	} else {
		db, err = openSQLite(ctx, dsn, o.mustExist)
	}
	if err != nil {
		return nil, err
	}
	db.now = time.Now
	for _, opt := range opts {
		opt(db)
	}
	return db, nil
}

// sqlitePragmas go in the DSN so that every pooled connection gets them; busy_timeout comes
// before journal_mode so that switching to WAL waits for a lock instead of failing.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func openSQLite(ctx context.Context, path string, mustExist bool) (*DB, error) {
	if path == "" {
		return nil, errors.New("database path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q must not contain '?' or '#'", path)
	}
	// Opening the file ourselves first turns "unable to open database file (14)" into an
	// error that names the path and the reason.
	flags := os.O_RDWR | os.O_CREATE
	if mustExist {
		flags = os.O_RDWR
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if mustExist && errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open database %s: %w", path, err)
	}
	f.Close()
	if err := checkWritableDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("cannot use database %s: %w", path, err)
	}

	// _txlock=immediate takes the write lock at BEGIN, so a transaction never fails halfway
	// when it upgrades from reading to writing.
	wsql, err := sql.Open(sqliteshim.ShimName, "file:"+path+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	wsql.SetConnMaxIdleTime(0)
	writer := bun.NewDB(wsql, sqlitedialect.New())
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("cannot open database %s: %w", path, err)
	}

	rsql, err := sql.Open(sqliteshim.ShimName, "file:"+path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	rsql.SetMaxOpenConns(8)
	rsql.SetMaxIdleConns(8)
	reader := bun.NewDB(rsql, sqlitedialect.New())
	return &DB{writer: writer, reader: reader, dialect: SQLite}, nil
}

// checkWritableDir fails early when SQLite could not create its -wal and -shm files.
func checkWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".verity-write-check-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	sqldb.SetMaxOpenConns(16)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	return &DB{writer: db, reader: db, dialect: Postgres}, nil
}

// Dialect returns the engine in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the current time as the database stores it: UTC, to the microsecond.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Reader returns the handle for queries that change nothing.
func (db *DB) Reader() bun.IDB { return db.reader }

// Bun returns the writer's bun handle, for migrations and tools that manage the schema.
func (db *DB) Bun() *bun.DB { return db.writer }

// Tx is a write transaction with the one clock reading that every row it writes shares.
type Tx struct {
	bun.Tx
	Now    time.Time
	Engine Dialect
}

// Write runs fn in one write transaction on the writer and commits it, or rolls it back when
// fn fails. The write is acknowledged (Write returns nil) only once it is committed. Driver
// errors come back translated into fault kinds.
//
// Every mutation goes through here so that the writes of concurrent requests can later be
// committed together (group commit) without touching any caller.
//
// On PostgreSQL every write transaction first locks the audit chain's head row. Every
// write appends to the chain, so writes serialize on that row anyway; taking it first gives
// all of them one lock order (no deadlocks between, say, an article edit re-anchoring claims
// and a transition on one of them) and makes each read-check-write safe against concurrent
// writers, as SQLite's single writer connection does.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	err := db.writer.RunInTx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
		if db.dialect == Postgres {
			if _, err := btx.ExecContext(ctx, "SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"); err != nil {
				return err
			}
		}
		return fn(ctx, &Tx{Tx: btx, Now: db.Now(), Engine: db.dialect})
	})
	return Translate(err)
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// NotFound translates err and, when it is a missing row, names what was looked for:
// NotFound(err, "claim %d", id) gives "claim 7 not found". Other errors pass through
// translated.
func NotFound(err error, format string, args ...any) error {
	err = Translate(err)
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, format+" not found", args...)
	}
	return err
}

// SQLite extended result codes for constraint failures.
const (
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintTrigger    = 1811
	sqliteConstraintUnique     = 2067
)

// Translate maps driver errors of both dialects to fault kinds: no rows is NotFound, a unique
// violation Conflict, other constraint failures Invalid. Errors that already carry a kind, and
// nil, pass through unchanged; anything else becomes Internal with its cause kept for logs.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Wrap(fault.NotFound, err, "not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return fault.Wrap(fault.Conflict, err, "already exists")
		case sqliteConstraintForeignKey:
			return fault.Wrap(fault.Invalid, err, "refers to something that does not exist")
		case sqliteConstraintCheck, sqliteConstraintNotNull, sqliteConstraintTrigger:
			return fault.Wrap(fault.Invalid, err, "violates a storage rule")
		}
	}
	var pe pgdriver.Error
	if errors.As(err, &pe) {
		switch pe.Field('C') {
		case "23505":
			return fault.Wrap(fault.Conflict, err, "already exists")
		case "23503":
			return fault.Wrap(fault.Invalid, err, "refers to something that does not exist")
		case "23514", "23502", "P0001":
			return fault.Wrap(fault.Invalid, err, "violates a storage rule")
		}
	}
	return fault.Wrap(fault.Internal, err, "internal error")
}

// WriteValue is Write for a transaction that produces a value: the value is returned only
// once the transaction has committed (or, in a bound Scope, once fn succeeded).
func WriteValue[T any](ctx context.Context, w Writer, fn func(ctx context.Context, tx *Tx) (T, error)) (T, error) {
	var v T
	err := w.Write(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		v, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
