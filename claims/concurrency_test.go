package claims_test

import (
	"sync"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// These races are where PostgreSQL, with many connections writing at once, differs from
// SQLite's single writer; run them with VERITY_TEST_POSTGRES set to see that the lock order
// in database.Write holds.

// TestProposeRacingWithdrawal: a verdict must never await sign-off on evidence that was
// withdrawn while it was being proposed.
func TestProposeRacingWithdrawal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita := f.as(t, "rita")
	for range 20 {
		c := f.claim(t)
		e := f.evidence(t, c, rita)
		c = f.move(t, rita, c, start)
		var wg sync.WaitGroup
		var proposeErr, withdrawErr error
		wg.Go(func() { _, _, proposeErr = f.s.Transition(f.ctx, rita, c.ID, c.Version, propose) })
		wg.Go(func() { _, withdrawErr = f.s.WithdrawEvidence(f.ctx, rita, e.ID, "wrong report") })
		wg.Wait()
		for _, err := range []error{proposeErr, withdrawErr} {
			if fault.Is(err, fault.Internal) {
				t.Fatalf("internal error: %v", err)
			}
		}
		got, err := f.s.FindClaimByID(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.s.ClaimEvidence(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stage == claims.StageAwaitingSignoff && list[0].WithdrawnAt != nil {
			t.Fatalf("claim %d awaits sign-off with its only evidence withdrawn", c.ID)
		}
	}
}

// TestArticleEditRacingTransitions: re-anchoring every claim of an article while reviewers
// move those claims must neither deadlock nor fail inside the database.
func TestArticleEditRacingTransitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita := f.as(t, "rita")
	var cs []*claims.Claim
	for range 5 {
		cs = append(cs, f.claim(t))
	}
	for round := range 10 {
		a, err := f.s.FindArticleByID(f.ctx, f.art.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(cs)+1)
		wg.Go(func() {
			_, errs[0] = f.s.ReplaceArticle(f.ctx, identity.System(), a.ID, nil, claims.ArticleFields{Title: a.Title, Body: "Edit. " + a.Body})
		})
		for i, c := range cs {
			wg.Go(func() {
				fresh, err := f.s.FindClaimByID(f.ctx, c.ID)
				if err != nil {
					errs[i+1] = err
					return
				}
				tr := start
				if fresh.Stage == claims.StageInReview {
					tr = claims.Transition{Action: claims.ActionPropose, Status: claims.StatusUnverifiable, Rationale: "no record"}
				}
				if fresh.Stage == claims.StageOpen || fresh.Stage == claims.StageInReview {
					_, _, errs[i+1] = f.s.Transition(f.ctx, rita, fresh.ID, fresh.Version, tr)
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !fault.Is(err, fault.PreconditionFailed) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// TestReplaceArticleWithOneVersionOnceOnly: two edits made from the same version cannot both
// win; the second must reload.
func TestReplaceArticleWithOneVersionOnceOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for round := range 10 {
		a, err := f.s.FindArticleByID(f.ctx, f.art.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = f.s.ReplaceArticle(f.ctx, identity.System(), a.ID, &a.Version, claims.ArticleFields{Title: a.Title, Body: a.Body + " More."})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !fault.Is(err, fault.PreconditionFailed):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d edits from version %d succeeded", round, ok, a.Version)
		}
	}
}

func TestStatementIsFrozenFromProposalOn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	text := "A different statement."
	for _, stage := range []claims.Stage{claims.StageAwaitingSignoff, claims.StageClosed} {
		c := f.at(t, stage)
		_, err := f.s.UpdateClaim(f.ctx, f.as(t, "eve"), c.ID, c.Version, claims.ClaimUpdate{Text: &text})
		dbtest.WantKind(t, err, fault.Conflict, "")
	}
	c := f.at(t, claims.StageInReview)
	if _, err := f.s.UpdateClaim(f.ctx, f.as(t, "eve"), c.ID, c.Version, claims.ClaimUpdate{Text: &text}); err != nil {
		t.Errorf("in review: %v", err)
	}
}

func TestMissingRightComesBeforeStaleVersionOrStage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.at(t, claims.StageInReview)
	// A reviewer may never sign off: 403, whatever the version or stage says.
	_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version+7, signOff)
	dbtest.WantKind(t, err, fault.Forbidden, "")
	_, _, err = f.s.Transition(f.ctx, f.as(t, "vic"), c.ID, c.Version, start)
	dbtest.WantKind(t, err, fault.Forbidden, "")
}

func TestTransitionRefusesFieldsItDoesNotUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.claim(t)
	rita := f.as(t, "rita")
	_, _, err := f.s.Transition(f.ctx, rita, c.ID, c.Version, claims.Transition{Action: claims.ActionStart, Status: claims.StatusFalse})
	dbtest.WantKind(t, err, fault.Invalid, "status")
	id := rita.UserID
	c = f.move(t, rita, c, start)
	_, _, err = f.s.Transition(f.ctx, rita, c.ID, c.Version, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusUnverifiable, Rationale: "r", AssigneeID: &id})
	dbtest.WantKind(t, err, fault.Invalid, "assignee_id")
}
