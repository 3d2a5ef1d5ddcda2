// Package database opens Verity's storage (an embedded SQLite file by default, PostgreSQL for a
// postgres:// URL), routes every write through one writer that commits the writes of
// concurrent callers together (group commit), and translates driver errors into fault kinds
// for both dialects in one place.
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
	"sync"
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
// The writer is a single connection that commits the writes of concurrent callers in
// batches (see Write), so concurrent writers queue instead of failing with SQLITE_BUSY.
type DB struct {
	// writer is the one connection batches commit on; schema is the handle Bun returns, the
	// writer itself on SQLite and the shared pool on PostgreSQL.
	writer  *bun.DB
	reader  *bun.DB
	schema  *bun.DB
	dialect Dialect
	now     func() time.Time
	commits *committer
	// stmts are the writer's prepared statements, readStmts the reader pool's.
	stmts     prepared
	readStmts prepared
	// readHooks see the prepared reads, which bun does not run (AddReadHook).
	readHooks []bun.QueryHook
	// scanners are ScanPrepared's, by model type.
	scanners scanners

	closeOnce sync.Once
	closeErr  error
}

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
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	var db *DB
	var err error
	if IsPostgres(dsn) {
		db, err = openPostgres(ctx, dsn)
	} else {
		db, err = openSQLite(ctx, dsn, o)
	}
	if err != nil {
		return nil, err
	}
	db.now = o.now
	db.writer.AddQueryHook(statementBytes{})
	db.commits = startCommitter(db, o)
	return db, nil
}

// sqliteDSN gives every pooled connection its pragmas; busy_timeout comes before
// journal_mode so that switching to WAL waits for a lock instead of failing.
func sqliteDSN(path string, s Sync, extra string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(" + s.pragma() + ")" + extra
}

func openSQLite(ctx context.Context, path string, o options) (*DB, error) {
	if path == "" {
		return nil, errors.New("database path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q must not contain '?' or '#'", path)
	}
	// Opening the file ourselves first turns "unable to open database file (14)" into an
	// error that names the path and the reason.
	flags := os.O_RDWR | os.O_CREATE
	if o.mustExist {
		flags = os.O_RDWR
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if o.mustExist && errors.Is(err, os.ErrNotExist) {
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
	// temp_store=MEMORY keeps each write's savepoint sub-journal (the pages it changed, as
	// they were) in memory: otherwise SQLite spills it to a temporary file past 64 KiB, and a
	// claim with its citations and audit events passes that, so every savepoint wrote a file
	// while the other writers waited.
	wsql, err := sql.Open(sqliteshim.ShimName, sqliteDSN(path, o.sync, "&_txlock=immediate&_pragma=temp_store(MEMORY)"))
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

	rsql, err := sql.Open(sqliteshim.ShimName, sqliteDSN(path, o.sync, "&_pragma=query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, err
	}
	rsql.SetMaxOpenConns(readerConns)
	rsql.SetMaxIdleConns(readerConns)
	reader := bun.NewDB(rsql, sqlitedialect.New())
	return &DB{writer: writer, reader: reader, schema: writer, dialect: SQLite}, nil
}

// readerConns is the number of SQLite reader connections, each with SQLite's default page
// cache of 2 MiB. Four keep the two cores busy, and each serves more of the reads, so that
// its cache holds more of what they share (index pages, sources, users, tokens). In whole
// 100k-claim load runs on this 2-core machine (README, "Memory"), four readers read as fast
// as eight (get-claim 6,471/s and list 3,485/s, against 6,034 and 3,468) and the peak RSS,
// reached while eight exports stream, was 122 MiB instead of 144; eight readers with caches
// of 512 KiB peaked at 120 MiB but read 10% slower.
const readerConns = 4

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

// openPostgres gives the writer a connection of its own, so that readers filling the pool can
// never keep a batch from starting.
func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	sqldb.SetMaxOpenConns(16)
	pool := bun.NewDB(sqldb, pgdialect.New())
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	wsql := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	writer := bun.NewDB(wsql, pgdialect.New())
	if err := writer.PingContext(ctx); err != nil {
		pool.Close()
		writer.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	return &DB{writer: writer, reader: pool, schema: pool, dialect: Postgres}, nil
}

// Dialect returns the engine in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the current time as the database stores it: UTC, to the microsecond.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Reader returns the handle for queries that change nothing.
func (db *DB) Reader() bun.IDB { return db.reader }

// AddReadHook adds a bun query hook to the reads: the reader pool's statements and the
// prepared reads (Scope.QueryPrepared), which go to the database without bun. Add hooks
// before the database is used.
func (db *DB) AddReadHook(h bun.QueryHook) {
	db.reader.AddQueryHook(h)
	db.readHooks = append(db.readHooks, h)
}

// Bun returns a bun handle for migrations and tools that manage the schema. Changes made
// through it bypass Write: they are not batched and append no audit event.
func (db *DB) Bun() *bun.DB { return db.schema }

// WritesWaiting returns how many writes are queued for the next batch, a gauge for metrics.
func (db *DB) WritesWaiting() int { return db.commits.waiting() }

// Tx is one write inside a batch's transaction (in a savepoint of its own when the batch holds
// several), with the one clock reading that every row it writes shares. A write function
// must neither commit nor roll it back, nor use it after it returns.
type Tx struct {
	bun.Tx
	Now    time.Time
	Engine Dialect

	// stmts holds the statements of ExecPrepared, prepared on the writer.
	stmts *prepared
	// batch holds the work the batch's writes deferred to its end (Defer).
	batch *batchWork
}

// Write runs fn as one write on the writer and returns once it is committed, or rolled back
// when fn fails. The write is acknowledged (Write returns nil) only after the COMMIT that
// holds it; driver errors come back translated into fault kinds.
//
// Group commit: the writes of concurrent callers are committed together. A lone write
// begins, runs and commits at once, with no timer waiting for company; under load, the writes
// that queued while one batch committed make up the next, up to WithBatchLimits (by default
// DefaultMaxBatchWrites writes and DefaultMaxBatchBytes bytes of SQL), oldest first. The
// batch is one transaction in which each write runs in its own SAVEPOINT, in queue order, on
// its caller's goroutine; one COMMIT (and, with SyncFull, one fsync) serves them all. So:
//
//   - A write that fails is rolled back to its savepoint alone and its caller gets its error;
//     the other writes of the batch commit. Its answer, too, comes only after the COMMIT.
//   - A failed COMMIT fails every write of the batch: nothing is acknowledged that is not on
//     disk. (A write whose own function failed keeps its own error.)
//   - A panic in fn rolls its write back and comes back as a fault.Internal error whose cause
//     is a *PanicError holding the panic value and stack, for the log; the batch and the
//     writer carry on. A runtime.Goexit in fn (t.FailNow) rolls the write back too.
//   - A caller whose ctx is done before its function's turn gets ctx.Err() and fn never runs.
//     fn's own ctx carries the caller's values but not its cancellation (an interrupted
//     statement would roll back the whole batch); a write whose ctx ends while fn runs is
//     rolled back to its savepoint once fn returns, and its caller gets ctx.Err().
//   - Every write that ran in a batch waits for its COMMIT, even if its ctx ends meanwhile,
//     so that its answer is the truth.
//   - tx.Now is read once per write, just before fn runs, and never goes back: times follow
//     the order of the writes, which is the order of their audit events, since each append
//     reads the head that the previous savepoint advanced. (They are distinct as long as the
//     clock moves between two writes, which every real write takes long enough for; a test
//     clock that stands still gives equal times.)
//   - fn calling Write on the same database with the ctx it was given fails at once with a
//     fault.Internal error whose cause is ErrNestedWrite: the inner write could only run
//     after the outer one, which waits for it. Pass tx down instead. (With a ctx not derived
//     from fn's, the nested call cannot be told apart from another caller, and waits forever.)
//
// The same holds on PostgreSQL, over the writer's one connection: each batch first locks the
// audit chain's head row (SELECT … FOR UPDATE), which every write would lock anyway to append,
// so batching costs no concurrency, and one COMMIT per batch replaces one per write.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return db.commits.write(ctx, fn)
}

// Close finishes the writes already queued, refuses new ones (Write fails with a
// fault.Internal error whose cause is ErrClosed), and closes the connections. Calling it
// again returns the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.commits.close()
		db.stmts.close()
		db.readStmts.close()
		err := db.writer.Close()
		if db.reader != db.writer {
			err = errors.Join(err, db.reader.Close())
		}
		db.closeErr = err
	})
	return db.closeErr
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

// Optimize keeps the query planner's statistics current. On SQLite it runs PRAGMA optimize
// on the writer, which analyses the tables whose statistics are missing or describe a tenth
// of the rows they hold now or fewer (with SQLite's own bound on the rows it reads, so it
// takes milliseconds to a second); with all, it looks at every table rather than only those
// this connection has used, as on a connection just opened. It first asks SQLite what it
// would do, and does nothing when that is nothing. Reader connections load statistics when
// they open, so after an analysis the idle ones are closed and reopen with them. On
// PostgreSQL autovacuum analyses tables as they change; with all, Optimize runs ANALYZE
// itself (a fresh or restored database has no statistics until autovacuum gets to it).
func (db *DB) Optimize(ctx context.Context, all bool) error {
	if db.dialect == Postgres {
		if !all {
			return nil
		}
		// On the pool, not the writer's one connection: every batch would wait behind it.
		_, err := db.schema.ExecContext(ctx, "ANALYZE")
		return Translate(err)
	}
	// The mask's bits (sqlite.org/pragma.html#pragma_optimize): 0x2 analyse what needs it,
	// 0x1 only say what that would be, 0x10000 every table.
	mask := 0x2
	if all {
		mask |= 0x10000
	}
	var todo []string
	if err := db.writer.NewRaw(fmt.Sprintf("PRAGMA optimize=%#x", mask|0x1)).Scan(ctx, &todo); err != nil {
		return fmt.Errorf("PRAGMA optimize: %w", Translate(err))
	}
	if len(todo) == 0 {
		return nil
	}
	if _, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA optimize=%#x", mask)); err != nil {
		return fmt.Errorf("PRAGMA optimize: %w", Translate(err))
	}
	if err := db.dropShadowSamples(ctx); err != nil {
		return err
	}
	db.reader.SetMaxIdleConns(0)
	db.reader.SetMaxIdleConns(readerConns)
	return nil
}

// dropShadowSamples deletes the value samples (sqlite_stat4) that ANALYZE takes of the
// tables a virtual table keeps its data in, such as the full-text index's. The virtual table
// reads them through statements it prepares once and binds anew at every lookup, and a
// plan that a sample could change is planned again whenever a bound value changes: with
// samples of the index's segment table, opening a search's iterators parsed and planned
// SQLite's own statements at every seek, a third of a search's time. Their plans are one
// primary-key seek with or without samples; the per-table statistics (sqlite_stat1) stay.
func (db *DB) dropShadowSamples(ctx context.Context) error {
	var tables int
	if err := db.writer.NewRaw("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(ctx, &tables); err != nil {
		return fmt.Errorf("look for sqlite_stat4: %w", Translate(err))
	}
	if tables == 0 { // SQLite built without STAT4, or nothing analysed yet
		return nil
	}
	if _, err := db.writer.ExecContext(ctx,
		"DELETE FROM sqlite_stat4 WHERE tbl IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')"); err != nil {
		return fmt.Errorf("drop the samples of shadow tables: %w", Translate(err))
	}
	// The writer reloads the statistics now; readers do when they reopen, below.
	if _, err := db.writer.ExecContext(ctx, "ANALYZE sqlite_schema"); err != nil {
		return fmt.Errorf("reload the statistics: %w", Translate(err))
	}
	return nil
}

// OptimizeEvery is how often a serving process checks the planner's statistics. A check
// that finds nothing to do reads no table, and the statistics matter most while a database
// is young and grows tenfold in minutes: a server that starts on an empty database would
// otherwise plan a 100,000-claim desk with the statistics of its seed article.
const OptimizeEvery = time.Minute

// KeepOptimized runs Optimize over every table at once and then every interval until ctx
// ends, reporting failures to report (an optimisation that fails costs plan quality, not
// correctness, so it never stops the server). It returns when ctx is done.
func (db *DB) KeepOptimized(ctx context.Context, interval time.Duration, report func(error)) {
	if err := db.Optimize(ctx, true); err != nil && ctx.Err() == nil {
		report(err)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := db.Optimize(ctx, false); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}
