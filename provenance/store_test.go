package provenance_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/audit"
	"verity/provenance/provtest"
)

// mustOpenDB returns a migrated database of the test's own (see dbtest.Open for PostgreSQL).
func mustOpenDB(t *testing.T, opts ...database.Option) *database.DB {
	t.Helper()
	return dbtest.Open(t, opts...)
}

func mustSource(t *testing.T, st *provenance.Store, kind provenance.SourceKind, name string) *provenance.Source {
	t.Helper()
	return provtest.Source(t, st, kind, name)
}

func mustClaim(t *testing.T, db *database.DB, body, quote string) *claims.Claim {
	t.Helper()
	return provtest.Claim(t, db, body, quote)
}

// mustUser adds a user row, so that created_by can refer to it.
func mustUser(t *testing.T, db *database.DB, email string) identity.Actor {
	t.Helper()
	var id int64
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		return tx.NewRaw("INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, 'editor', ?, ?) RETURNING id",
			email, email, tx.Now, tx.Now).Scan(ctx, &id)
	})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return identity.Actor{UserID: id, Role: identity.RoleEditor}
}

func countRows(t *testing.T, db *database.DB, table string) int {
	t.Helper()
	n, err := db.Reader().NewSelect().TableExpr("?", bun.Ident(table)).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// events returns the audit events after seq, oldest first.
func events(t *testing.T, db *database.DB, afterSeq int64) []audit.Event {
	t.Helper()
	es, _, err := audit.Find(context.Background(), db.Reader(), audit.Filter{AfterSeq: afterSeq, Limit: 1000})
	if err != nil {
		t.Fatalf("audit events: %v", err)
	}
	return es
}

func headSeq(t *testing.T, db *database.DB) int64 {
	t.Helper()
	es := events(t, db, 0)
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Seq
}

// expectOneEvent checks that exactly one audit event followed seq, for the given action and
// entity, and returns it.
func expectOneEvent(t *testing.T, db *database.DB, seq int64, action, entityType, entityID string) audit.Event {
	t.Helper()
	es := events(t, db, seq)
	if len(es) != 1 {
		t.Fatalf("%d audit events after seq %d, want 1: %+v", len(es), seq, es)
	}
	e := es[0]
	if e.Action != action || e.EntityType != entityType || e.EntityID != entityID {
		t.Errorf("audit event = %s %s %s, want %s %s %s", e.Action, e.EntityType, e.EntityID, action, entityType, entityID)
	}
	return e
}

func verifyAudit(t *testing.T, db *database.DB) {
	t.Helper()
	r, err := audit.Verify(context.Background(), db.Reader(), "")
	if err != nil {
		t.Fatalf("verify audit: %v", err)
	}
	if !r.OK {
		t.Errorf("audit chain broken: %+v", r)
	}
}

// wantFields checks that err is Invalid and names at least these fields.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	dbtest.WantKind(t, err, fault.Invalid, "")
	got := fault.As(err).Fields
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Errorf("error %v does not name field %q", err, f)
		}
	}
}
