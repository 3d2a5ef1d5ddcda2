package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

func appendN(t testing.TB, db *database.DB, n int) []audit.Event {
	t.Helper()
	var events []audit.Event
	for i := range n {
		err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
			e, err := audit.Append(ctx, tx, audit.Record{
				Actor: audit.Who{Name: "user:1", People: []int64{1}}, Action: "test.update", EntityType: "claim", EntityID: fmt.Sprint(i),
				Before: map[string]any{"n": i, "b": "x"}, After: map[string]any{"n": i + 1, "a": 1.50},
			})
			events = append(events, e)
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return events
}

func TestAppendLinksEvents(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	events := appendN(t, db, 3)
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Errorf("event %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.PrevHash != events[i-1].Hash {
			t.Errorf("event %d prev_hash %q, want %q", i, e.PrevHash, events[i-1].Hash)
		}
	}
	if got := events[0].After; got != `{"a":1.5,"n":1}` {
		t.Errorf("canonical after = %s", got)
	}
	r, err := audit.Verify(context.Background(), db.Reader(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Count != 3 || r.HeadHash != events[2].Hash {
		t.Errorf("verify = %+v", r)
	}
}

func TestAppendRollsBackWithItsTransaction(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	appendN(t, db, 1)
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: "a"}, Action: "b", EntityType: "c"}); err != nil {
			return err
		}
		return fault.New(fault.Invalid, "the change fails")
	})
	if !fault.Is(err, fault.Invalid) {
		t.Fatalf("err = %v", err)
	}
	r, _ := audit.Verify(context.Background(), db.Reader(), "")
	if !r.OK || r.Count != 1 {
		t.Errorf("after rollback verify = %+v", r)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		want   int64
	}{
		{"edited after", `UPDATE audit_events SET after = '{"n":99}' WHERE seq = 3`, 3},
		{"edited actor", `UPDATE audit_events SET actor = 'someone' WHERE seq = 2`, 2},
		{"deleted middle", `DELETE FROM audit_events WHERE seq = 4`, 4},
		// prev_hash is not stored: an event's link is its hash, which covers the hash before it.
		{"rehashed without relinking", `UPDATE audit_events SET hash = (SELECT p.hash FROM audit_events AS p WHERE p.seq = 4) WHERE seq = 5`, 5},
		{"truncated end", `DELETE FROM audit_events WHERE seq >= 5`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := dbtest.Open(t)
			appendN(t, db, 6)
			ctx := context.Background()
			// The append-only triggers stop ordinary writes; an attacker with the file drops them.
			dbtest.DropAuditGuards(t, db)
			if _, err := db.Bun().ExecContext(ctx, tt.tamper); err != nil {
				t.Fatalf("%s: %v", tt.tamper, err)
			}
			r, err := audit.Verify(ctx, db.Reader(), "")
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.BrokenSeq == nil || *r.BrokenSeq != tt.want {
				t.Errorf("verify = %+v, want broken at %d", r, tt.want)
			}
		})
	}
}

func TestAuditRowsAreAppendOnly(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	appendN(t, db, 2)
	for _, q := range []string{"UPDATE audit_events SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 2"} {
		_, err := db.Bun().ExecContext(context.Background(), q)
		if err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
}

func TestVerifyKnownHeadCatchesTruncation(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	events := appendN(t, db, 5)
	noted := events[4].Hash

	r, err := audit.Verify(ctx, db.Reader(), noted)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.KnownHeadFound == nil || !*r.KnownHeadFound {
		t.Fatalf("verify with present head = %+v", r)
	}

	// Truncating the end and rewinding the head row leaves a chain that is internally sound;
	// only the noted head shows that events are gone.
	dbtest.DropAuditGuards(t, db)
	for _, q := range []string{
		"DELETE FROM audit_events WHERE seq >= 4",
		fmt.Sprintf("UPDATE audit_head SET seq = 3, hash = '%s'", events[2].Hash),
	} {
		if _, err := db.Bun().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := audit.Verify(ctx, db.Reader(), ""); !r.OK {
		t.Fatalf("truncated chain without a known head should look sound: %+v", r)
	}
	r, _ = audit.Verify(ctx, db.Reader(), noted)
	if r.OK || r.KnownHeadFound == nil || *r.KnownHeadFound {
		t.Errorf("verify with removed head = %+v", r)
	}
}

// TestServersSharingADatabaseExtendOneChain appends from several handles on one database at
// once, as several servers would: the chain stays one chain, without gaps or forks.
func TestServersSharingADatabaseExtendOneChain(t *testing.T) {
	t.Parallel()
	dbs := dbtest.OpenMany(t, 3)
	const perServer = 40
	var wg sync.WaitGroup
	errs := make(chan error, len(dbs)*perServer)
	for s, db := range dbs {
		for i := range perServer {
			wg.Go(func() {
				errs <- db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
					_, err := audit.Append(ctx, tx, audit.Record{
						Actor: audit.Who{Name: fmt.Sprintf("server:%d", s)}, Action: "test.append", EntityType: "test", EntityID: fmt.Sprint(i),
					})
					return err
				})
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := audit.Verify(context.Background(), dbs[0].Reader(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Count != int64(len(dbs)*perServer) {
		t.Errorf("verify = %+v, want ok with %d events", r, len(dbs)*perServer)
	}
}

// TestVerifyWhileWriting verifies over and over while appends commit: a healthy chain must
// never be reported broken because it grew during the check.
func TestVerifyWhileWriting(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	appendN(t, db, 5)
	done := make(chan struct{})
	go func() {
		defer close(done)
		appendN(t, db, 150)
	}()
	checks := 0
	for running := true; running || checks == 0; checks++ {
		select {
		case <-done:
			running = false
		default:
		}
		r, err := audit.Verify(context.Background(), db.Reader(), "")
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Fatalf("verify during writes, check %d: %+v", checks, r)
		}
	}
	t.Logf("%d verifications during 150 appends", checks)
}
