package audit_test

import (
	"testing"

	"verity/provenance/audit"
)

// claimSnapshot is a claim's after as the load command's claims have it (850 bytes).
const claimSnapshot = `{"anchor_end":609,"anchor_prefix":"sed into Islamabad since March. ","anchor_start":534,"anchor_state":"anchored","anchor_suffix":" Two officials in Doha, who spok","article_id":24,"article_revision":1,"assignee_id":null,"created_at":"2026-12-01T14:56:46.755477Z","created_by":9,"id":501,"kind":"event","proposed_at":null,"proposed_by":null,"proposed_rationale":"","proposed_status":null,"proposed_via":null,"quantities":[],"quote":"Fighters took control of Ghazni on May 25, 2023, after 39 days of fighting.","rationale":"","signed_off_at":null,"signed_off_by":null,"stage":"open","status":"unverified","text":"Fighters took control of Ghazni on 2023-05-25.","updated_at":"2026-12-01T14:56:46.755477Z","version":1}`

// BenchmarkSnapshot is what storing a snapshot compressed costs an append, and reading it
// back a listing or a verification, per event.
func BenchmarkSnapshot(b *testing.B) {
	stored, err := audit.StoreSnapshot(claimSnapshot)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if _, err := audit.StoreSnapshot(claimSnapshot); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(stored)), "stored-bytes")
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			got, err := audit.ReadSnapshot(stored)
			if err != nil || got != claimSnapshot {
				b.Fatalf("read back %q, %v", got, err)
			}
		}
	})
}
