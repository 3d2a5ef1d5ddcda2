package provenance_test

import (
	"context"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/provenance"
)

func TestGraphCarriesEvidence(t *testing.T) {
	t.Parallel()
	db := mustOpenDB(t)
	ctx := context.Background()
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "The report counted 2,200 fighters.", "2,200 fighters")
	rev := identity.Actor{UserID: mustUser(t, db, "rev@example.org").UserID, Role: identity.RoleReviewer}
	cs := claims.NewStore(db)
	kept, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/r", Title: "Report", Stance: claims.StanceSupports})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: c.ID, Excerpt: "about 2,000", Stance: claims.StanceRefutes})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WithdrawEvidence(ctx, rev, gone.ID, "misread"); err != nil {
		t.Fatal(err)
	}
	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Evidence) != 2 || g.Evidence[0].ID != kept.ID || g.Evidence[1].WithdrawnAt == nil || g.Evidence[1].WithdrawalReason != "misread" {
		t.Fatalf("graph evidence = %+v", g.Evidence)
	}
}
