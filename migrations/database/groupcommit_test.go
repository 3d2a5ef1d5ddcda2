package database_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// batchLog collects what WithBatchObserver reports.
type batchLog struct {
	mu   sync.Mutex
	list []database.BatchStats
}

func (l *batchLog) observe(s database.BatchStats) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, s)
}

func (l *batchLog) all() []database.BatchStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]database.BatchStats(nil), l.list...)
}

// last returns the latest batch; with hold and queue, the one the queued writes made up.
func (l *batchLog) last(t *testing.T) database.BatchStats {
	t.Helper()
	all := l.all()
	if len(all) == 0 {
		t.Fatal("no batch was reported")
	}
	return all[len(all)-1]
}

func openObserved(t *testing.T, opts ...database.Option) (*database.DB, *batchLog) {
	t.Helper()
	log := &batchLog{}
	return dbtest.Open(t, append(opts, database.WithBatchObserver(log.observe))...), log
}

// hold keeps the writer busy with a write of its own until release is called, so that the
// writes queued meanwhile make up the next batch, deterministically.
func hold(t *testing.T, db *database.DB) (release func()) {
	t.Helper()
	entered, unblock, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.Write(context.Background(), func(context.Context, *database.Tx) error {
			close(entered)
			<-unblock
			return nil
		})
	}()
	<-entered
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			t.Errorf("held write: %v", err)
		}
	}
}

// queue starts db.Write(ctx, fn) on a goroutine of its own and returns once the write waits in
// the queue, so that writes queue in the order they are started.
func queue(t *testing.T, db *database.DB, ctx context.Context, fn func(context.Context, *database.Tx) error) <-chan error {
	t.Helper()
	before := db.WritesWaiting()
	res := make(chan error, 1)
	go func() { res <- db.Write(ctx, fn) }()
	waitQueued(t, db, before+1, res)
	return res
}

// waitQueued waits until n writes are queued. It fails if the write behind res returns first.
func waitQueued(t *testing.T, db *database.DB, n int, res <-chan error) {
	t.Helper()
	for db.WritesWaiting() < n {
		select {
		case err := <-res:
			t.Fatalf("the write returned (%v) before it was queued", err)
		case <-time.After(time.Millisecond):
		}
	}
}

func insertUser(ctx context.Context, tx *database.Tx, email, role string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, 'n', ?, ?, ?)", email, role, tx.Now, tx.Now)
	return err
}

func addUser(email string) func(context.Context, *database.Tx) error {
	return func(ctx context.Context, tx *database.Tx) error { return insertUser(ctx, tx, email, "viewer") }
}

// emails lists the users there are, read through the reader pool.
func emails(t *testing.T, db *database.DB) []string {
	t.Helper()
	var list []string
	if err := db.Reader().NewSelect().Table("users").Column("email").Order("email").Scan(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

func wantEmails(t *testing.T, db *database.DB, want ...string) {
	t.Helper()
	if got := emails(t, db); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("users = %v, want %v", got, want)
	}
}

func wantBatch(t *testing.T, got database.BatchStats, writes, failed, skipped int) {
	t.Helper()
	if got.Writes != writes || got.Failed != failed || got.Skipped != skipped {
		t.Errorf("batch = %d writes, %d failed, %d skipped; want %d, %d, %d (%+v)", got.Writes, got.Failed, got.Skipped, writes, failed, skipped, got)
	}
}

func TestFailingWriteRollsBackAloneInItsBatch(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	first := queue(t, db, ctx, addUser("a@example.org"))
	failing := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		if err := insertUser(ctx, tx, "b@example.org", "viewer"); err != nil {
			return err
		}
		return insertUser(ctx, tx, "c@example.org", "overlord") // the role check fails
	})
	duplicate := queue(t, db, ctx, addUser("a@example.org")) // sees the first write's row
	last := queue(t, db, ctx, addUser("d@example.org"))
	release()

	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-failing; !fault.Is(err, fault.Invalid) {
		t.Errorf("failing: %v, want invalid", err)
	}
	if err := <-duplicate; !fault.Is(err, fault.Conflict) {
		t.Errorf("duplicate: %v, want conflict", err)
	}
	if err := <-last; err != nil {
		t.Errorf("last: %v", err)
	}
	wantBatch(t, log.last(t), 4, 2, 0)
	if b := log.last(t); b.Err != nil || b.Bytes <= 0 {
		t.Errorf("batch = %+v, want committed with its bytes counted", b)
	}
	wantEmails(t, db, "a@example.org", "d@example.org")
}

func TestLoneWriteCommitsAlone(t *testing.T) {
	db, log := openObserved(t)
	if err := db.Write(context.Background(), addUser("a@example.org")); err != nil {
		t.Fatal(err)
	}
	wantBatch(t, log.last(t), 1, 0, 0)
	wantEmails(t, db, "a@example.org")
}

func TestCancellation(t *testing.T) {
	t.Run("before the write is queued", func(t *testing.T) {
		db, _ := openObserved(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := db.Write(ctx, func(context.Context, *database.Tx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Errorf("err = %v, ran = %v; want context.Canceled without running", err, ran)
		}
	})

	t.Run("while queued", func(t *testing.T) {
		db, log := openObserved(t)
		release := hold(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{}, 1)
		gone := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
			ran <- struct{}{}
			return insertUser(ctx, tx, "gone@example.org", "viewer")
		})
		kept := queue(t, db, context.Background(), addUser("kept@example.org"))
		cancel()
		// The caller leaves at once, without waiting for the writer to come to its write.
		if err := <-gone; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled write: %v", err)
		}
		release()
		if err := <-kept; err != nil {
			t.Errorf("kept write: %v", err)
		}
		select {
		case <-ran:
			t.Error("the function of a write cancelled while queued ran")
		default:
		}
		wantBatch(t, log.last(t), 1, 0, 0)
		wantEmails(t, db, "kept@example.org")
	})

	t.Run("while its function runs", func(t *testing.T) {
		db, log := openObserved(t)
		release := hold(t, db)
		first := queue(t, db, context.Background(), addUser("a@example.org"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var seenInside error
		cancelled := queue(t, db, ctx, func(fctx context.Context, tx *database.Tx) error {
			if err := insertUser(fctx, tx, "b@example.org", "viewer"); err != nil {
				return err
			}
			cancel()
			// The function's context lets it finish its statements; the write is dropped after.
			seenInside = fctx.Err()
			return insertUser(fctx, tx, "c@example.org", "viewer")
		})
		last := queue(t, db, context.Background(), addUser("d@example.org"))
		release()
		if err := <-first; err != nil {
			t.Errorf("first: %v", err)
		}
		if err := <-cancelled; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v, want context.Canceled", err)
		}
		if seenInside != nil {
			t.Errorf("the function's own context was cancelled (%v): its statements could interrupt the batch", seenInside)
		}
		if err := <-last; err != nil {
			t.Errorf("last: %v", err)
		}
		wantBatch(t, log.last(t), 3, 1, 0)
		wantEmails(t, db, "a@example.org", "d@example.org")
	})
}

func TestPanicInAWriteFunction(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	first := queue(t, db, ctx, addUser("a@example.org"))
	panicking := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		if err := insertUser(ctx, tx, "b@example.org", "viewer"); err != nil {
			return err
		}
		panic("boom")
	})
	last := queue(t, db, ctx, addUser("c@example.org"))
	release()

	err := <-panicking
	var pe *database.PanicError
	if !fault.Is(err, fault.Internal) || !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("panicking write: %v, want internal with the panic value", err)
	}
	if !strings.Contains(string(pe.Stack), "TestPanicInAWriteFunction") {
		t.Errorf("the stack does not show where the panic was:\n%s", pe.Stack)
	}
	if msg := fault.As(err).Message; strings.Contains(msg, "boom") {
		t.Errorf("the client-safe message shows the panic: %q", msg)
	}
	for name, res := range map[string]<-chan error{"first": first, "last": last} {
		if err := <-res; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	wantBatch(t, log.last(t), 3, 1, 0)
	wantEmails(t, db, "a@example.org", "c@example.org")

	// A panic with an error keeps it reachable, and the writer carries on.
	sentinel := errors.New("broken invariant")
	err = db.Write(ctx, func(context.Context, *database.Tx) error { panic(sentinel) })
	if !errors.Is(err, sentinel) {
		t.Errorf("panic(err): %v", err)
	}
	if err := db.Write(ctx, addUser("d@example.org")); err != nil {
		t.Fatal(err)
	}
}

func TestGoexitInAWriteFunction(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	first := queue(t, db, ctx, addUser("a@example.org"))
	exited := make(chan struct{})
	before := db.WritesWaiting()
	go func() {
		defer close(exited)
		db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			if err := insertUser(ctx, tx, "b@example.org", "viewer"); err != nil {
				return err
			}
			runtime.Goexit() // as t.FailNow does
			return nil
		})
		t.Error("Write returned after its function called runtime.Goexit")
	}()
	waitQueued(t, db, before+1, nil)
	last := queue(t, db, ctx, addUser("c@example.org"))
	release()
	<-exited
	for name, res := range map[string]<-chan error{"first": first, "last": last} {
		if err := <-res; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	wantBatch(t, log.last(t), 3, 1, 0)
	wantEmails(t, db, "a@example.org", "c@example.org")
}

// TestFailedCommitFailsEveryWrite makes COMMIT itself fail with a deferred foreign key, which
// both dialects check only at COMMIT: a write that broke it succeeded in its savepoint.
func TestFailedCommitFailsEveryWrite(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	if _, err := db.Bun().ExecContext(ctx, "CREATE TABLE commit_probe (user_id BIGINT REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED)"); err != nil {
		t.Fatal(err)
	}
	breakCommit := func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO commit_probe (user_id) VALUES (999)")
		return err
	}

	release := hold(t, db)
	first := queue(t, db, ctx, addUser("a@example.org"))
	breaking := queue(t, db, ctx, breakCommit)
	failing := queue(t, db, ctx, func(context.Context, *database.Tx) error { return fault.New(fault.Forbidden, "no") })
	last := queue(t, db, ctx, addUser("b@example.org"))
	release()
	for name, res := range map[string]<-chan error{"first": first, "breaking": breaking, "last": last} {
		if err := <-res; !fault.Is(err, fault.Internal) {
			t.Errorf("%s: %v, want the failed commit as an internal error", name, err)
		}
	}
	if err := <-failing; !fault.Is(err, fault.Forbidden) {
		t.Errorf("a write that failed on its own keeps its error: %v", err)
	}
	if b := log.last(t); b.Writes != 4 || b.Err == nil {
		t.Errorf("batch = %+v, want 4 writes and the commit error", b)
	}
	wantEmails(t, db)

	// Alone, a write gets the commit's error translated, as before group commit.
	if err := db.Write(ctx, breakCommit); !fault.Is(err, fault.Invalid) {
		t.Errorf("lone write breaking the commit: %v, want invalid", err)
	}
	// The writer connection is clean again.
	if err := db.Write(ctx, addUser("c@example.org")); err != nil {
		t.Fatal(err)
	}
	wantEmails(t, db, "c@example.org")
}

// TestLostTransactionFailsItsWrites ends the batch's transaction under the committer's feet,
// as SQLite does itself on a full disk or an I/O error: the writes that ran in it fail, and
// the writes that had not run yet go into the next batch.
func TestLostTransactionFailsItsWrites(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	first := queue(t, db, ctx, addUser("a@example.org"))
	losing := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.ExecContext(ctx, "ROLLBACK")
		return err
	})
	later := queue(t, db, ctx, addUser("b@example.org"))
	release()
	for name, res := range map[string]<-chan error{"first": first, "losing": losing} {
		if err := <-res; !fault.Is(err, fault.Internal) {
			t.Errorf("%s: %v, want internal: its transaction was lost", name, err)
		}
	}
	if err := <-later; err != nil {
		t.Errorf("a write that had not run when the transaction was lost: %v", err)
	}
	all := log.all()
	if len(all) != 3 || all[1].Err == nil || all[1].Writes != 2 || all[2].Err != nil || all[2].Writes != 1 {
		t.Errorf("batches = %+v, want the lost one of 2 writes, then 1 committed", all)
	}
	wantEmails(t, db, "b@example.org")
}

func TestNestedWriteFailsLoudly(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	var inner error
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		inner = db.Write(ctx, addUser("inner@example.org"))
		return insertUser(ctx, tx, "outer@example.org", "viewer")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !fault.Is(inner, fault.Internal) || !errors.Is(inner, database.ErrNestedWrite) {
		t.Errorf("nested Write: %v, want internal with ErrNestedWrite", inner)
	}
	wantEmails(t, db, "outer@example.org")
}

// TestAuditChainUnderConcurrentWriters has many writers append to the chain at once: one
// chain, without gaps, in the order of the writes, and each writer reads its own write through
// the reader pool as soon as Write returns.
func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	const writers, rounds = 24, 5
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	seqs := make([][]int64, writers)
	errs := make(chan error, writers*rounds)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for r := range rounds {
				email := fmt.Sprintf("w%02d-%d@example.org", i, r)
				var e audit.Event
				err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
					if err := insertUser(ctx, tx, email, "viewer"); err != nil {
						return err
					}
					var err error
					e, err = audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: audit.System}, Action: "user.create", EntityType: "user", EntityID: email})
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", email, err)
					return
				}
				var n int
				if err := db.Reader().NewSelect().Table("users").ColumnExpr("count(*)").Where("email = ?", email).Scan(ctx, &n); err != nil || n != 1 {
					errs <- fmt.Errorf("%s right after Write: %d rows (%v)", email, n, err)
				}
				var head int64
				if err := db.Reader().NewSelect().Table("audit_head").Column("seq").Where("id = 1").Scan(ctx, &head); err != nil || head < e.Seq {
					errs <- fmt.Errorf("%s right after Write: audit head %d, before its event %d (%v)", email, head, e.Seq, err)
				}
				seqs[i] = append(seqs[i], e.Seq)
			}
		})
	}
	waitQueued(t, db, writers, nil)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	r, err := audit.Verify(ctx, db.Reader(), "")
	if err != nil || !r.OK || r.Count != writers*rounds {
		t.Fatalf("verify = %+v, %v; want an intact chain of %d events", r, err, writers*rounds)
	}
	seen := map[int64]bool{}
	for i, list := range seqs {
		for j, seq := range list {
			if seen[seq] {
				t.Errorf("seq %d twice", seq)
			}
			seen[seq] = true
			if j > 0 && seq <= list[j-1] {
				t.Errorf("writer %d: seq %d after %d", i, seq, list[j-1])
			}
		}
	}
	var events []audit.Event
	if err := db.Reader().NewSelect().Model(&events).Order("seq ASC").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.At.Before(events[i-1].At) {
			t.Errorf("seq %d at %v, before seq %d at %v", e.Seq, e.At, e.Seq-1, events[i-1].At)
		}
	}
	// The first round queued behind the held write: one batch of all of them.
	if all := log.all(); len(all) < 2 || all[1].Writes != writers {
		t.Errorf("batches = %+v, want the second to hold %d writes", all, writers)
	}
}

// TestEachWriteReadsTheClock gives every write its own clock reading, never earlier than the
// previous write's, even when the clock steps back.
func TestEachWriteReadsTheClock(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	readings := []time.Duration{0, 10 * time.Second, 5 * time.Second, 20 * time.Second}
	var mu sync.Mutex
	calls := 0
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		d := readings[min(calls, len(readings)-1)]
		calls++
		return base.Add(d)
	}
	db, log := openObserved(t, database.WithClock(clock))
	ctx := context.Background()
	release := hold(t, db) // reads 0s
	times := make([]time.Time, 3)
	var results []<-chan error
	for i := range times {
		results = append(results, queue(t, db, ctx, func(_ context.Context, tx *database.Tx) error {
			times[i] = tx.Now
			return nil
		}))
	}
	release()
	for _, res := range results {
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Time{base.Add(10 * time.Second), base.Add(10 * time.Second), base.Add(20 * time.Second)}
	for i := range times {
		if !times[i].Equal(want[i]) {
			t.Errorf("write %d: Now = %v, want %v", i, times[i], want[i])
		}
	}
	wantBatch(t, log.last(t), 3, 0, 0)
}

func TestBatchLimits(t *testing.T) {
	long := strings.Repeat("x", 2000)
	tests := []struct {
		name     string
		limits   database.Option
		queued   int
		want     []int // writes per batch after the held one
		payloads bool
	}{
		{"by count", database.WithBatchLimits(2, 1<<20), 5, []int{2, 2, 1}, false},
		{"by bytes: each write alone", database.WithBatchLimits(64, 1000), 3, []int{1, 1, 1}, true},
		{"by bytes: small writes fit", database.WithBatchLimits(64, 1000), 4, []int{4}, false},
		{"one write at a time", database.WithBatchLimits(1, 1<<20), 3, []int{1, 1, 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, log := openObserved(t, tt.limits)
			ctx := context.Background()
			release := hold(t, db)
			var results []<-chan error
			for i := range tt.queued {
				email := fmt.Sprintf("u%d@example.org", i)
				results = append(results, queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
					name := "n"
					if tt.payloads {
						name = long
					}
					_, err := tx.ExecContext(ctx, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, 'viewer', ?, ?)", email, name, tx.Now, tx.Now)
					return err
				}))
			}
			release()
			for _, res := range results {
				if err := <-res; err != nil {
					t.Fatal(err)
				}
			}
			var got []int
			for _, b := range log.all()[1:] {
				got = append(got, b.Writes)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("batches of %v, want %v", got, tt.want)
			}
			if n := len(emails(t, db)); n != tt.queued {
				t.Errorf("%d users, want %d", n, tt.queued)
			}
		})
	}
}

func TestCloseFinishesQueuedWrites(t *testing.T) {
	t.Parallel()
	dbs := dbtest.OpenMany(t, 2)
	db, other := dbs[0], dbs[1]
	ctx := context.Background()
	release := hold(t, db)
	var results []<-chan error
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		results = append(results, queue(t, db, ctx, addUser(email)))
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	release()
	for _, res := range results {
		if err := <-res; err != nil {
			t.Errorf("queued write: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, addUser("late@example.org"))
	if !fault.Is(err, fault.Internal) || !errors.Is(err, database.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	wantEmails(t, other, "a@example.org", "b@example.org", "c@example.org")
}

// appendEvent appends one event for entity, as a write function's step.
func appendEvent(ctx context.Context, tx *database.Tx, entity string) (audit.Event, error) {
	return audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: audit.System}, Action: "user.create", EntityType: "user", EntityID: entity})
}

// TestRolledBackWritesTakeTheirAuditEventsWithThem runs, in one batch, writes that append to
// the chain and then fail, panic or succeed: the events of the writes that were rolled back
// are not written (the chain's events are written when the batch commits), and the writes
// after them take the next seqs, so the chain has no gap.
func TestRolledBackWritesTakeTheirAuditEventsWithThem(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	seqs := make([]int64, 3)
	appendAs := func(i int, entity string, then func() error) func(context.Context, *database.Tx) error {
		return func(ctx context.Context, tx *database.Tx) error {
			e, err := appendEvent(ctx, tx, entity)
			if err != nil {
				return err
			}
			seqs[i] = e.Seq
			return then()
		}
	}
	ok := func() error { return nil }
	first := queue(t, db, ctx, appendAs(0, "first", ok))
	failing := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		for _, entity := range []string{"failing-1", "failing-2"} {
			if _, err := appendEvent(ctx, tx, entity); err != nil {
				return err
			}
		}
		return fault.New(fault.Invalid, "refused after appending")
	})
	panicking := queue(t, db, ctx, appendAs(1, "panicking", func() error { panic("after appending") }))
	last := queue(t, db, ctx, appendAs(2, "last", ok))
	release()

	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-failing; !fault.Is(err, fault.Invalid) {
		t.Errorf("failing: %v, want invalid", err)
	}
	if err := <-panicking; !fault.Is(err, fault.Internal) {
		t.Errorf("panicking: %v, want internal", err)
	}
	if err := <-last; err != nil {
		t.Errorf("last: %v", err)
	}
	wantBatch(t, log.last(t), 4, 2, 0)
	if seqs[2] != seqs[0]+1 {
		t.Errorf("the last write's event has seq %d, want %d, right after the first write's", seqs[2], seqs[0]+1)
	}
	var entities []string
	if err := db.Reader().NewSelect().Table("audit_events").Column("entity_id").Where("action = 'user.create'").Order("seq").Scan(ctx, &entities); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(entities, " "); got != "first last" {
		t.Errorf("events written for %q, want first and last", got)
	}
	if r, err := audit.Verify(ctx, db.Reader(), ""); err != nil || !r.OK {
		t.Fatalf("verify = %+v, %v; want an intact chain", r, err)
	}
}

// TestBatchFailsWhenTheAuditHeadMovesUnderIt has a write move the head row by hand while
// another write's event waits to be written in the same batch: the batch fails as a whole
// rather than write a fork of the chain.
func TestBatchFailsWhenTheAuditHeadMovesUnderIt(t *testing.T) {
	db, log := openObserved(t)
	ctx := context.Background()
	release := hold(t, db)
	appending := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := appendEvent(ctx, tx, "appending")
		return err
	})
	moving := queue(t, db, ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = seq + 5 WHERE id = 1")
		return err
	})
	release()
	for name, res := range map[string]<-chan error{"appending": appending, "moving": moving} {
		if err := <-res; !fault.Is(err, fault.Internal) {
			t.Errorf("%s: %v, want the batch's internal error", name, err)
		}
	}
	if b := log.last(t); b.Err == nil {
		t.Errorf("batch = %+v, want failed", b)
	}
	var n int
	if err := db.Reader().NewSelect().Table("audit_events").ColumnExpr("count(*)").Where("entity_id = 'appending'").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("%d events of the failed batch written (%v), want none", n, err)
	}
}
