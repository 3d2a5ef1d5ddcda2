package audit_test

// Benchmarks of the audit chain on a real SQLite file. Run them with
//
//	go test -run '^$' -bench . -benchmem ./provenance/audit/
//
// They measure; they assert nothing about time.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// benchClaimState is an audit payload the size and shape of a claim's (claims.claimAudit).
func benchClaimState(i, version int) map[string]any {
	quote := fmt.Sprintf("district %04d officials counted %d displaced families", i%400, 100+i%9000)
	start := 3 + 75*(i%400)
	return map[string]any{
		"id":               i / 6,
		"article_id":       1,
		"article_revision": 1,
		"quote":            quote,
		"anchor": map[string]any{
			"start": start, "end": start + len(quote), "exact": quote,
			"prefix": "the storm. In ", "suffix": " after the storm. In district",
		},
		"anchor_state":  "anchored",
		"text":          "Officials counted the displaced families in the district.",
		"kind":          "casualty_count",
		"quantities":    []any{map[string]any{"value": 100 + i%9000, "unit": "families", "as_of": "2026-11-02"}},
		"stage":         "in_review",
		"status":        "unverified",
		"rationale":     "",
		"assignee_id":   2,
		"proposed_by":   nil,
		"signed_off_by": nil,
		"version":       version,
	}
}

// benchChain appends n events to db's chain through audit.Append, 1,000 per write
// transaction, so the fixture is a real chain with the payload sizes of claim events.
func benchChain(b *testing.B, db *database.DB, n int) {
	b.Helper()
	ctx := context.Background()
	actions := []struct{ action, entity string }{
		{"claim.create", "claim"}, {"claim.start", "claim"}, {"evidence.add", "evidence"},
		{"claim.propose", "claim"}, {"citation.create", "citation"}, {"claim.sign_off", "claim"},
	}
	const batch = 1000
	for off := 0; off < n; off += batch {
		err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			for i := off; i < min(n, off+batch); i++ {
				act := actions[i%len(actions)]
				r := audit.Record{
					Actor: audit.Who{Name: fmt.Sprintf("user:%d", 1+i%5), People: []int64{int64(1 + i%5)}}, Action: act.action, EntityType: act.entity, EntityID: fmt.Sprint(i / 6),
					After: benchClaimState(i, 2),
				}
				if act.action != "claim.create" {
					r.Before = benchClaimState(i, 1)
				}
				if _, err := audit.Append(ctx, tx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("append events %d..: %v", off, err)
		}
	}
}

// BenchmarkVerify100k recomputes a chain of 100,000 events per op with audit.Verify over the
// database's reader, as `verity audit verify` and GET /api/v1/audit/verify do; the known-head
// case also looks for the head an auditor noted at event 50,000.
func BenchmarkVerify100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	db := dbtest.Open(b)
	began := time.Now()
	benchChain(b, db, n)
	b.Logf("fixture: %d audit events appended in %v", n, time.Since(began).Round(time.Millisecond))
	noted, _, err := audit.Find(ctx, db.Reader(), audit.Filter{AfterSeq: n / 2, Limit: 1})
	if err != nil || len(noted) != 1 {
		b.Fatalf("find event %d: %v", n/2+1, err)
	}

	for _, tc := range []struct{ name, knownHead string }{
		{"chain", ""},
		{"known-head", noted[0].Hash},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ops := 0
			for b.Loop() {
				r, err := audit.Verify(ctx, db.Reader(), tc.knownHead)
				if err != nil {
					b.Fatal(err)
				}
				if !r.OK || r.Count != n {
					b.Fatalf("verify: %+v", r)
				}
				ops++
			}
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(float64(ops*n)/s, "events/s")
			}
		})
	}
}
