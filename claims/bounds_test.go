package claims_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// TestCollectionsOfAClaimAreBounded: what one request reads or rewrites for a claim or an
// article stays bounded however much is added to it.
func TestCollectionsOfAClaimAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("evidence per claim", func(t *testing.T) {
		f := newFixture(t)
		c := f.claim(t)
		rita := f.as(t, "rita")
		for range claims.MaxEvidencePerClaim {
			f.evidence(t, c, rita)
		}
		before := f.state(t, c.ID)
		_, err := f.s.AddEvidence(ctx, rita, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/one-more", Stance: claims.StanceContext})
		dbtest.WantKind(t, err, fault.Conflict, "")
		f.unchanged(t, before)
	})
	t.Run("claims per article", func(t *testing.T) {
		db := dbtest.Open(t)
		s := claims.NewStore(db)
		var b strings.Builder
		for i := range claims.MaxClaimsPerArticle + 1 {
			fmt.Fprintf(&b, "Statement %04d is checkable. ", i)
		}
		a, err := s.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "many", Body: b.String()})
		if err != nil {
			t.Fatal(err)
		}
		batch := make([]claims.NewClaim, claims.MaxClaimsPerArticle)
		for i := range batch {
			batch[i] = claims.NewClaim{ArticleID: a.ID, Quote: fmt.Sprintf("Statement %04d", i)}
		}
		if _, err := s.CreateClaims(ctx, identity.System(), batch); err != nil {
			t.Fatal(err)
		}
		n := dbtest.AuditCount(t, db)
		_, err = s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: fmt.Sprintf("Statement %04d", claims.MaxClaimsPerArticle)})
		dbtest.WantKind(t, err, fault.Conflict, "")
		if dbtest.AuditCount(t, db) != n {
			t.Error("a refused claim was audited")
		}
	})
}
