package database

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
)

// BatchStats describes one group commit, for WithBatchObserver.
type BatchStats struct {
	// Writes counts the write functions that ran in the batch, committed or rolled back alone.
	Writes int
	// Failed counts those of Writes that were rolled back to their savepoint: they returned an
	// error, panicked, or their context ended while they ran.
	Failed int
	// Skipped counts writes whose functions never ran: their caller's context ended before
	// their turn, or the batch could not begin (then Err says why).
	Skipped int
	// Bytes is the length of the SQL the batch's write functions sent, values included (bun
	// formats them into the statement; a blob counts twice its size, as hex). It is what the
	// batch's byte limit is checked against.
	Bytes int64
	// Run is the time from BEGIN until the last write function of the batch returned.
	Run time.Duration
	// Commit is the time the COMMIT took, with the work the writes deferred to it (Deferred):
	// with SyncFull, mostly the fsync of the log.
	Commit time.Duration
	// Err is why the batch did not commit, or nil. Every write that ran in a failed batch
	// failed with it.
	Err error
}

// PanicError is the cause kept, for logs, in the fault.Internal error that Write returns when
// the write function panicked. Its write was rolled back; the other writes of its batch were
// not affected.
type PanicError struct {
	Value any
	// Stack is the panicking goroutine's stack, as debug.Stack gives it.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("write function panicked: %v\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// writeError is the type of the errors this package defines, so that they can be constants.
type writeError string

func (e writeError) Error() string { return string(e) }

// The causes of the fault.Internal errors Write returns for misuse.
const (
	// ErrNestedWrite is the cause when a write function calls Write on its own database with
	// the context it was given. The writer runs one function at a time and waits for it, so
	// the inner call could never run: pass the *Tx down instead.
	ErrNestedWrite = writeError("database.Write called inside a write function of the same database; pass the *Tx down instead")
	// ErrClosed is the cause when Write is called after Close.
	ErrClosed = writeError("database.Write called after Close")
)

// writeKey marks the context a write function is given, so that a nested Write is caught.
type writeKey struct{}

// The states of a queued write: the caller may abandon it until the committer claims it.
const (
	queued int32 = iota
	claimed
	abandoned
)

// write is one caller's write function on its way through the committer.
type write struct {
	c     *committer
	ctx   context.Context
	fn    func(ctx context.Context, tx *Tx) error
	state atomic.Int32
	// running is true while fn runs, for the nested-Write check.
	running atomic.Bool
	// bytes adds up the statements fn sends (statementBytes).
	bytes atomic.Int64

	turn chan *Tx   // committer → caller: run fn in this savepoint now
	ran  chan error // caller → committer: what fn returned
	done chan error // committer → caller: the answer, once the batch has committed
}

// committer is the single writer: one goroutine that takes the writes queued while the
// previous batch committed and runs them as one transaction on the writer connection, each in
// its own savepoint. Each write function runs on its caller's goroutine, while the committer
// waits for it; the committer only issues BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO and COMMIT.
type committer struct {
	db        *DB
	maxWrites int
	maxBytes  int64
	observe   func(BatchStats)

	mu     sync.Mutex
	wake   *sync.Cond
	queue  []*write
	closed bool
	exited chan struct{}

	// last is the previous write's clock reading; only the committer goroutine touches it.
	last time.Time
}

func startCommitter(db *DB, o options) *committer {
	c := &committer{db: db, maxWrites: o.maxWrites, maxBytes: o.maxBytes, observe: o.observe, exited: make(chan struct{})}
	c.wake = sync.NewCond(&c.mu)
	go c.loop()
	return c
}

// write is DB.Write on the caller's side: queue fn, run it when its turn comes, and wait for
// the commit.
func (c *committer) write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if outer, ok := ctx.Value(writeKey{}).(*write); ok && outer.c == c && outer.running.Load() {
		return fault.Wrap(fault.Internal, ErrNestedWrite, "internal error")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &write{c: c, ctx: ctx, fn: fn, turn: make(chan *Tx, 1), ran: make(chan error, 1), done: make(chan error, 1)}
	if err := c.enqueue(w); err != nil {
		return err
	}
	var tx *Tx
	select {
	case tx = <-w.turn:
	case err := <-w.done:
		return err
	case <-ctx.Done():
		if w.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		// The committer claimed the write just now; it will answer.
		select {
		case tx = <-w.turn:
		case err := <-w.done:
			return err
		}
	}
	w.run(tx)
	return <-w.done
}

// run calls the write function and reports what it did to the committer, even when it panics
// or exits its goroutine (runtime.Goexit, as t.FailNow does): then the committer rolls the
// write back and goes on with the batch.
//
// The function's context keeps the caller's values but not its cancellation: SQLite answers
// an interrupted INSERT, UPDATE or DELETE inside a transaction by rolling back the whole
// transaction, which would take the other writes of the batch with it (and a PostgreSQL
// cancel request can land on the next statement of the connection). A write whose context
// ends while it runs is rolled back to its savepoint once it returns.
func (w *write) run(tx *Tx) {
	returned := false
	defer func() {
		w.running.Store(false)
		if returned {
			return
		}
		if v := recover(); v != nil {
			w.ran <- fault.Wrap(fault.Internal, &PanicError{Value: v, Stack: debug.Stack()}, "internal error")
			return
		}
		w.ran <- fault.New(fault.Internal, "the write function exited its goroutine")
	}()
	ctx := context.WithValue(context.WithoutCancel(w.ctx), writeKey{}, w)
	w.running.Store(true)
	err := w.fn(ctx, tx)
	returned = true
	w.ran <- err
}

func (c *committer) enqueue(w *write) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fault.Wrap(fault.Internal, ErrClosed, "the database is closed")
	}
	c.queue = append(c.queue, w)
	c.wake.Signal()
	return nil
}

// waiting counts the writes queued for the next batch.
func (c *committer) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.queue {
		if w.state.Load() == queued {
			n++
		}
	}
	return n
}

// close lets the committer finish every queued write and waits for it to stop.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.wake.Broadcast()
	c.mu.Unlock()
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	for {
		batch := c.take()
		if batch == nil {
			return
		}
		if rest := c.commit(batch); len(rest) > 0 {
			c.mu.Lock()
			c.queue = append(rest, c.queue...)
			c.mu.Unlock()
		}
		c.db.stmts.prepareWanted(c.db.writer.DB)
	}
}

// take waits for queued writes and returns up to maxWrites of them, oldest first; nil once
// the committer is closed and nothing is left. It never waits for more writes to come: a lone
// write commits at once, and under load a batch is what queued up while the previous one ran.
func (c *committer) take() []*write {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for len(c.queue) == 0 && !c.closed {
			c.wake.Wait()
		}
		if len(c.queue) == 0 {
			return nil
		}
		var batch []*write
		n := 0
		for n < len(c.queue) && len(batch) < c.maxWrites {
			if w := c.queue[n]; w.state.Load() != abandoned {
				batch = append(batch, w)
			}
			n++
		}
		c.queue = append(c.queue[:0], c.queue[n:]...)
		if len(batch) > 0 {
			return batch
		}
	}
}

// outcome is a write that ran, and what its own function made of it.
type outcome struct {
	w   *write
	err error
}

// commit runs batch as one transaction, each write in a savepoint of its own (a batch of one
// write needs none: the transaction is its savepoint), and answers every caller once the
// COMMIT is done. It returns the writes it left for the next batch, because the batch reached
// its byte limit or its transaction was lost before their turn.
func (c *committer) commit(batch []*write) (rest []*write) {
	var stats BatchStats
	start := time.Now()
	btx, err := c.begin()
	if err != nil {
		stats.Err = err
		for _, w := range batch {
			if w.claim() {
				w.done <- err
				stats.Skipped++
			}
		}
		c.report(stats)
		return nil
	}
	alone := len(batch) == 1
	work := &batchWork{}
	var ran []outcome
	var lost error // a savepoint statement failed: the transaction is gone or unknown
	for i, w := range batch {
		if i > 0 && stats.Bytes >= c.maxBytes {
			rest = batch[i:]
			break
		}
		if !w.claim() {
			stats.Skipped++
			continue
		}
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			stats.Skipped++
			continue
		}
		if !alone {
			if err := c.exec(btx, savepoint); err != nil {
				// The write has not run: it goes first in the next batch.
				lost = err
				w.state.Store(queued)
				rest = batch[i:]
				break
			}
		}
		before := work.mark()
		w.turn <- c.tx(btx, c.clock(), work)
		err := <-w.ran
		if err == nil {
			err = w.ctx.Err()
		}
		if err != nil {
			work.rollback(before)
		}
		stats.Writes++
		stats.Bytes += w.bytes.Load()
		ran = append(ran, outcome{w: w, err: Translate(err)})
		if err != nil {
			stats.Failed++
		}
		if alone {
			break
		}
		if err != nil {
			err = c.exec(btx, rollbackToSavepoint)
		}
		if err == nil {
			err = c.exec(btx, releaseSavepoint)
		}
		if err != nil {
			lost = err
			rest = batch[i+1:]
			break
		}
	}
	stats.Run = time.Since(start)

	committing := lost == nil && stats.Writes > stats.Failed
	commitStart := time.Now()
	var failure error
	switch {
	case lost != nil:
		btx.Rollback() // the transaction may be gone already; there is nothing to keep
		failure = fault.Wrap(fault.Internal, lost, "the transaction holding this write was lost")
	case committing:
		// The flush reads no clock (it writes what the writes made, at their times) and has
		// no later point to defer work to.
		err := work.flush(context.Background(), c.tx(btx, c.last, nil))
		if err != nil {
			btx.Rollback()
		} else {
			err = btx.Commit()
		}
		if err != nil {
			failure = Translate(err)
			if len(ran) > 1 {
				failure = fault.Wrap(fault.Internal, err, "the batch holding this write failed to commit")
			}
		}
	default:
		err = btx.Rollback() // every write failed alone: nothing to commit or fsync
		if err != nil {
			failure = Translate(err)
		}
	}
	stats.Commit = time.Since(commitStart)
	stats.Err = failure
	c.report(stats)
	for _, o := range ran {
		switch {
		case o.err != nil:
			o.w.done <- o.err
		case lost != nil || committing:
			o.w.done <- failure
		default:
			o.w.done <- nil
		}
	}
	return rest
}

// The statements that put each write of a batch in a savepoint of its own. The name is
// always the same, since a batch's savepoints never nest (each is released before the next
// begins; one rolled back is released too), so that the statements are prepared once rather
// than parsed for every write under a random name, as bun's nested transactions are.
const (
	savepoint           = "SAVEPOINT write"
	rollbackToSavepoint = "ROLLBACK TO SAVEPOINT write"
	releaseSavepoint    = "RELEASE SAVEPOINT write"
)

// exec runs one of the committer's own statements in the batch, prepared once it has run
// (prepareWanted prepares it between batches).
func (c *committer) exec(btx bun.Tx, query string) error {
	ctx := context.Background()
	var err error
	if s := c.db.stmts.get(query); s != nil {
		_, err = btx.Tx.StmtContext(ctx, s).ExecContext(ctx)
	} else {
		_, err = btx.Tx.ExecContext(ctx, query)
	}
	return err
}

// begin starts a batch's transaction. Its context is never done: the batch belongs to no one
// caller, and database/sql rolls back a transaction whose context ends.
func (c *committer) begin() (bun.Tx, error) {
	ctx := context.Background()
	btx, err := c.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return bun.Tx{}, Translate(err)
	}
	if c.db.dialect == Postgres {
		// Every write appends to the audit chain, so writes serialize on its head row anyway;
		// taking it first gives all of them one lock order (no deadlocks between, say, an
		// article edit re-anchoring claims and a transition on one of them) and makes each
		// read-check-write safe against the writers of other servers, as SQLite's single
		// writer connection does.
		if _, err := btx.ExecContext(ctx, "SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"); err != nil {
			btx.Rollback()
			return bun.Tx{}, Translate(err)
		}
	}
	return btx, nil
}

// tx is a Tx of the batch btx: a write's, with the batch's work, or its flush's.
func (c *committer) tx(btx bun.Tx, now time.Time, work *batchWork) *Tx {
	return &Tx{Tx: btx, Now: now, Engine: c.db.dialect, stmts: &c.db.stmts, batch: work}
}

// claim takes a queued write for the batch, unless its caller has given up on it.
func (w *write) claim() bool { return w.state.CompareAndSwap(queued, claimed) }

// clock reads the clock for one write: never earlier than the previous write's reading, so
// that times follow the audit chain's order even if the wall clock steps back.
func (c *committer) clock() time.Time {
	now := c.db.Now()
	if now.Before(c.last) {
		now = c.last
	}
	c.last = now
	return now
}

func (c *committer) report(s BatchStats) {
	if c.observe != nil {
		c.observe(s)
	}
}

// statementBytes is a bun query hook that adds the length of each statement a write function
// sends to its write's byte count.
type statementBytes struct{}

func (statementBytes) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if w, ok := ctx.Value(writeKey{}).(*write); ok {
		w.bytes.Add(int64(len(e.Query)))
	}
	return ctx
}

func (statementBytes) AfterQuery(context.Context, *bun.QueryEvent) {}
