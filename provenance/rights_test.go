package provenance_test

import (
	"context"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

// TestEveryWriteChecksItsRight calls each mutating method as a role without the edit right:
// the domain refuses it itself (Forbidden, nothing written).
func TestEveryWriteChecksItsRight(t *testing.T) {
	t.Parallel()
	db := mustOpenDB(t)
	ctx := context.Background()
	st := provenance.NewStore(db)
	a, b := mustSource(t, st, provenance.KindReport, "a"), mustSource(t, st, provenance.KindReport, "b")
	c := mustClaim(t, db, "The attacks killed at least 79 Afghans.", "at least 79 Afghans")
	actor := identity.Actor{Role: identity.RoleReviewer}
	tests := []struct {
		name string
		call func(identity.Actor) error
	}{
		{"create source", func(actor identity.Actor) error {
			_, err := st.CreateSource(ctx, actor, provenance.SourceFields{Kind: provenance.KindReport, Name: "x"})
			return err
		}},
		{"update source", func(actor identity.Actor) error {
			_, err := st.UpdateSource(ctx, actor, a.ID, nil, provenance.SourceUpdate{Name: new("y")})
			return err
		}},
		{"derive", func(actor identity.Actor) error {
			_, err := st.AddDerivation(ctx, actor, a.ID, b.ID, "")
			return err
		}},
		{"cite", func(actor identity.Actor) error {
			_, err := st.CreateCitation(ctx, actor, provenance.NewCitation{ClaimID: c.ID, SourceID: a.ID})
			return err
		}},
		{"create cited claims", func(actor identity.Actor) error {
			_, err := st.CreateClaims(ctx, actor, []provenance.CitedClaim{{NewClaim: claims.NewClaim{ArticleID: c.ArticleID, Quote: "The attacks"}}})
			return err
		}},
	}
	for _, tt := range tests {
		for _, role := range []identity.Role{identity.RoleViewer, identity.RoleReviewer, identity.RoleAuditor} {
			t.Run(tt.name+" as "+string(role), func(t *testing.T) {
				actor.Role = role
				n := dbtest.AuditCount(t, db)
				dbtest.WantKind(t, tt.call(actor), fault.Forbidden, "")
				if got := dbtest.AuditCount(t, db); got != n {
					t.Errorf("audit events %d -> %d after a refused call", n, got)
				}
			})
		}
	}
}
