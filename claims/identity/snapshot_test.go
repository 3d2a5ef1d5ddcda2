package identity_test

import (
	"testing"

	"verity/claims/identity"
	"verity/migrations/dbtest"
)

func TestAuditSnapshotsHoldEveryColumn(t *testing.T) {
	// Secrets and their hashes never enter the trail.
	dbtest.WantSnapshotComplete(t, identity.User{}, "password_hash")
	dbtest.WantSnapshotComplete(t, identity.Token{}, "token_hash")
}
