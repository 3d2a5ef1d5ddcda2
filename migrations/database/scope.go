package database

import (
	"context"

	"github.com/uptrace/bun"
)

// Scope is where a store's reads and writes go: the database itself, where each write runs
// in a transaction of its own and reads use the reader pool; or one write transaction that
// is already open, where writes join it and reads see what it wrote so far. A store bound
// to a transaction lets a loader or a batch compose several domain calls atomically through
// the very methods the request path uses.
type Scope struct {
	db *DB
	tx *Tx
}

// Scope returns the database's own scope.
func (db *DB) Scope() Scope { return Scope{db: db} }

// In returns the scope bound to tx.
func (s Scope) In(tx *Tx) Scope { return Scope{db: s.db, tx: tx} }

// DB returns the database behind the scope.
func (s Scope) DB() *DB { return s.db }

// Read returns the handle for queries: the open transaction, or the reader pool.
func (s Scope) Read() bun.IDB {
	if s.tx != nil {
		return s.tx
	}
	return s.db.Reader()
}

// Write runs fn in the open transaction, or in a write transaction of its own through
// DB.Write. Inside a transaction a failure is the caller's to roll back: it returns the
// error and the whole transaction fails.
func (s Scope) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if s.tx != nil {
		return Translate(fn(ctx, s.tx))
	}
	return s.db.Write(ctx, fn)
}

// Writer is what runs write transactions: a *DB or a Scope.
type Writer interface {
	Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
}

// Trim cuts a page read with limit+1 rows to limit; more reports whether a row was cut,
// that is whether another page follows.
func Trim[T any](items []T, limit int) (page []T, more bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
