package database

import (
	"context"
	"fmt"
)

// Deferred is work that the writes of one batch hand to the batch itself, to be done in its
// transaction once they have all run, just before its COMMIT: statements many writes would
// each run (the audit chain's head row, advanced once for the batch rather than at every
// event) or rows that are cheaper inserted many at a time. Its state follows the writes:
// when a write is rolled back to its savepoint, whatever it added is rolled back too, so
// Flush only ever sees what the batch commits.
//
// A Deferred is used from one goroutine at a time: the write whose turn it is, then the
// committer. Flush's error fails every write of the batch, as a failed COMMIT does.
type Deferred interface {
	// Mark returns where the state stands before a write runs.
	Mark() int
	// Rollback returns the state to mark, taken before the write that failed.
	Rollback(mark int)
	// Flush does the work in the batch's transaction, after its last write.
	Flush(ctx context.Context, tx *Tx) error
}

// batchWork holds the Deferred of one batch, in the order the writes first asked for them.
type batchWork struct {
	keys  []any
	works []Deferred
}

// batchMark is where a batch's deferred work stood before one write.
type batchMark struct {
	works int
	marks []int
}

func (b *batchWork) mark() batchMark {
	m := batchMark{works: len(b.works), marks: make([]int, len(b.works))}
	for i, d := range b.works {
		m.marks[i] = d.Mark()
	}
	return m
}

// rollback forgets what a failed write added: the work it first asked for, and its share
// of the work asked for before it.
func (b *batchWork) rollback(m batchMark) {
	b.keys, b.works = b.keys[:m.works], b.works[:m.works]
	for i, d := range b.works {
		d.Rollback(m.marks[i])
	}
}

func (b *batchWork) flush(ctx context.Context, tx *Tx) error {
	for _, d := range b.works {
		if err := d.Flush(ctx, tx); err != nil {
			return fmt.Errorf("finish the batch's deferred writes: %w", err)
		}
	}
	return nil
}

// Defer returns the batch's Deferred under key, made with create the first time a write of
// the batch asks for it. In the Tx of the batch's own flush it returns nil: there is no
// later point to defer to.
func (tx *Tx) Defer(key any, create func() Deferred) Deferred {
	if tx.batch == nil {
		return nil
	}
	for i, k := range tx.batch.keys {
		if k == key {
			return tx.batch.works[i]
		}
	}
	d := create()
	tx.batch.keys = append(tx.batch.keys, key)
	tx.batch.works = append(tx.batch.works, d)
	return d
}

// CountBytes adds n bytes to the size of the write running in ctx, for what a write hands
// to Deferred work rather than sending itself: the batch's byte limit counts it.
func CountBytes(ctx context.Context, n int) {
	if w, ok := ctx.Value(writeKey{}).(*write); ok {
		w.bytes.Add(int64(n))
	}
}
