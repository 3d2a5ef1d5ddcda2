package database

import (
	"fmt"
	"time"
)

// Sync is how hard SQLite works to keep a committed write: the synchronous pragma of the
// writer connection. PostgreSQL ignores it; there the server's synchronous_commit decides
// (on by default, which is as safe as SyncFull).
type Sync string

// The durability levels, as the --sync flag spells them.
const (
	// SyncFull fsyncs the write-ahead log at every commit, so an acknowledged write survives a
	// power cut or a kernel crash, not only a crash of the server. It is the default; group
	// commit pays for it with one fsync per batch of writes rather than one per write.
	SyncFull Sync = "full"
	// SyncNormal fsyncs only at checkpoints. An acknowledged write survives a crash or kill -9
	// of the server, since it is in the operating system's cache, but the last commits before
	// a power cut or kernel crash may be lost (the database stays consistent).
	SyncNormal Sync = "normal"
)

// ParseSync reads a durability level as --sync or VERITY_SYNC spell it.
func ParseSync(s string) (Sync, error) {
	switch v := Sync(s); v {
	case SyncFull, SyncNormal:
		return v, nil
	}
	return "", fmt.Errorf("unknown durability %q: use %q or %q", s, SyncFull, SyncNormal)
}

// pragma is the value of SQLite's synchronous pragma for s.
func (s Sync) pragma() string {
	if s == SyncNormal {
		return "NORMAL"
	}
	return "FULL"
}

// The batch limits of group commit unless WithBatchLimits says otherwise.
const (
	// DefaultMaxBatchWrites bounds the writes of one batch. 64 keeps a batch's commit latency
	// at a few milliseconds of write functions, and on PostgreSQL keeps the savepoints of one
	// transaction within the 64 subtransactions a backend caches; beyond that every other
	// session's snapshot checks slow down (subtransaction overflow).
	DefaultMaxBatchWrites = 64
	// DefaultMaxBatchBytes bounds the statement bytes of one batch (see BatchStats.Bytes), so
	// that small writes do not wait behind the commit of several large uploads.
	DefaultMaxBatchBytes = 4 << 20
)

// options collects what Open's Options set.
type options struct {
	now       func() time.Time
	sync      Sync
	maxWrites int
	maxBytes  int64
	observe   func(BatchStats)
	mustExist bool
}

func defaultOptions() options {
	return options{now: time.Now, sync: SyncFull, maxWrites: DefaultMaxBatchWrites, maxBytes: DefaultMaxBatchBytes}
}

func (o options) check() error {
	if _, err := ParseSync(string(o.sync)); err != nil {
		return err
	}
	if o.maxWrites < 1 || o.maxBytes < 1 {
		return fmt.Errorf("batch limits must be positive, not %d writes and %d bytes", o.maxWrites, o.maxBytes)
	}
	return nil
}

// Option configures Open.
type Option func(*options)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// MustExist makes Open refuse a SQLite file that does not exist, with ErrNoDatabase,
// instead of creating an empty one: for tools that act on an existing database.
func MustExist() Option { return func(o *options) { o.mustExist = true } }

// WithSync sets SQLite's durability; the default is SyncFull.
func WithSync(s Sync) Option { return func(o *options) { o.sync = s } }

// WithBatchLimits bounds each group commit to maxWrites write functions and to about maxBytes
// bytes of statements: a batch takes no further write once its statements reach maxBytes,
// so it may exceed the bound by its last write. WithBatchLimits(1, …) commits every write
// alone, as Verity did before group commit.
func WithBatchLimits(maxWrites int, maxBytes int64) Option {
	return func(o *options) { o.maxWrites, o.maxBytes = maxWrites, maxBytes }
}

// WithBatchObserver has observe called after every batch, before its callers get their
// answers, on the goroutine that commits: it must be quick and must not call the database.
// It is meant for metrics (batch sizes, commit latency).
func WithBatchObserver(observe func(BatchStats)) Option {
	return func(o *options) { o.observe = observe }
}
