package audit_test

import (
	"context"
	"testing"

	"verity/claims/fault"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

func TestFindPagesAfterASeq(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	appendN(t, db, 5)
	ctx := context.Background()
	var seqs []int64
	f := audit.Filter{EntityType: "claim", Limit: 2}
	for {
		events, more, err := audit.Find(ctx, db.Reader(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) > f.Limit {
			t.Fatalf("page of %d, limit %d", len(events), f.Limit)
		}
		for _, e := range events {
			seqs = append(seqs, e.Seq)
		}
		if !more {
			break
		}
		f.AfterSeq = events[len(events)-1].Seq
	}
	if len(seqs) != 5 || seqs[0] != 1 || seqs[4] != 5 {
		t.Errorf("paged seqs = %v, want 1 to 5", seqs)
	}
	if events, more, err := audit.Find(ctx, db.Reader(), audit.Filter{Limit: 5}); err != nil || more || len(events) != 5 {
		t.Errorf("a page that holds everything: %d events, more %v, %v", len(events), more, err)
	}
	_, _, err := audit.Find(ctx, db.Reader(), audit.Filter{})
	dbtest.WantKind(t, err, fault.Invalid, "limit")
}
