package provenance_test

import (
	"testing"

	"verity/migrations/dbtest"
	"verity/provenance"
)

func TestAuditSnapshotsHoldEveryColumn(t *testing.T) {
	dbtest.WantSnapshotComplete(t, provenance.Source{})
	dbtest.WantSnapshotComplete(t, provenance.Citation{})
	dbtest.WantSnapshotComplete(t, provenance.Derivation{})
}
