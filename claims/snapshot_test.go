package claims_test

import (
	"testing"

	"verity/claims"
	"verity/migrations/dbtest"
)

func TestAuditSnapshotsHoldEveryColumn(t *testing.T) {
	dbtest.WantSnapshotComplete(t, claims.Claim{})
	dbtest.WantSnapshotComplete(t, claims.Article{}, "body")
	dbtest.WantSnapshotComplete(t, claims.Evidence{})
	dbtest.WantSnapshotComplete(t, claims.ReviewEvent{})
}
