package claims_test

import (
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// TestEveryWriteChecksItsRight calls each mutating method as a role below the one it needs:
// the domain refuses it itself (Forbidden, nothing written), whoever the caller is.
func TestEveryWriteChecksItsRight(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	viewer := f.user(t, "vic", identity.RoleViewer).Actor()
	auditor := f.user(t, "aud", identity.RoleAuditor).Actor()
	reviewer := f.as(t, "rita")
	c := f.claim(t)
	e := f.evidence(t, c, identity.System())
	tests := []struct {
		name  string
		actor identity.Actor
		call  func(identity.Actor) error
	}{
		{"create article", reviewer, func(a identity.Actor) error {
			_, err := f.s.CreateArticle(f.ctx, a, claims.ArticleFields{Title: "t", Body: "b"})
			return err
		}},
		{"replace article", reviewer, func(a identity.Actor) error {
			_, err := f.s.ReplaceArticle(f.ctx, a, f.art.ID, nil, claims.ArticleFields{Title: "t", Body: "b"})
			return err
		}},
		{"create claim", reviewer, func(a identity.Actor) error {
			_, err := f.s.CreateClaim(f.ctx, a, claims.NewClaim{ArticleID: f.art.ID, Quote: "Statement 119"})
			return err
		}},
		{"create claims", auditor, func(a identity.Actor) error {
			_, err := f.s.CreateClaims(f.ctx, a, []claims.NewClaim{{ArticleID: f.art.ID, Quote: "Statement 119"}})
			return err
		}},
		{"update claim", reviewer, func(a identity.Actor) error {
			_, err := f.s.UpdateClaim(f.ctx, a, c.ID, c.Version, claims.ClaimUpdate{Text: new("x")})
			return err
		}},
		{"add evidence", viewer, func(a identity.Actor) error {
			_, err := f.s.AddEvidence(f.ctx, a, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org", Stance: claims.StanceSupports})
			return err
		}},
		{"add evidence as auditor", auditor, func(a identity.Actor) error {
			_, err := f.s.AddEvidence(f.ctx, a, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org", Stance: claims.StanceSupports})
			return err
		}},
		{"withdraw evidence", viewer, func(a identity.Actor) error {
			_, err := f.s.WithdrawEvidence(f.ctx, a, e.ID, "wrong page")
			return err
		}},
		{"withdraw another's evidence", reviewer, func(a identity.Actor) error {
			_, err := f.s.WithdrawEvidence(f.ctx, a, e.ID, "wrong page")
			return err
		}},
		{"start", viewer, func(a identity.Actor) error {
			_, _, err := f.s.Transition(f.ctx, a, c.ID, c.Version, claims.Transition{Action: claims.ActionStart})
			return err
		}},
		{"reopen", reviewer, func(a identity.Actor) error {
			_, _, err := f.s.Transition(f.ctx, a, c.ID, c.Version, claims.Transition{Action: claims.ActionReopen, Rationale: "x"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.state(t, c.ID)
			n := dbtest.AuditCount(t, f.db)
			dbtest.WantKind(t, tt.call(tt.actor), fault.Forbidden, "")
			f.unchanged(t, before)
			if got := dbtest.AuditCount(t, f.db); got != n {
				t.Errorf("audit events %d -> %d after a refused call", n, got)
			}
		})
	}
}
