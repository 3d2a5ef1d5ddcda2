package claims_test

import (
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/migrations/dbtest"
)

// listed reports whether a status filter lists the claim.
func (f *fixture) listed(t *testing.T, status claims.Status, id int64) bool {
	t.Helper()
	list, _, err := f.s.FindClaims(f.ctx, claims.Filter{Status: status, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}

// TestStatusIsTheSignedVerdictOnly follows a claim through every stage: only a sign-off
// gives it a status other than unverified, and a status filter never lists a proposal, a
// rejected proposal or a reopened verdict as a verdict.
func TestStatusIsTheSignedVerdictOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.at(t, claims.StageAwaitingSignoff)
	if c.Status != claims.StatusUnverified || deref(c.ProposedStatus) != claims.StatusVerified || f.listed(t, claims.StatusVerified, c.ID) {
		t.Errorf("a proposal shows as a verdict: %+v", c)
	}
	if !f.listed(t, claims.StatusUnverified, c.ID) {
		t.Error("a claim awaiting sign-off is not listed as unverified")
	}
	dbtest.WantKind(t, c.CheckPublishable(), fault.Conflict, "")

	c = f.move(t, f.as(t, "eve"), c, reject)
	if c.Status != claims.StatusUnverified || c.ProposedStatus != nil || c.ProposedRationale != "" || c.Rationale != "" || f.listed(t, claims.StatusVerified, c.ID) {
		t.Errorf("a rejected proposal lingers: %+v", c)
	}

	c = f.move(t, f.as(t, "rita"), c, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusFalse, Rationale: "13, not 79"})
	c = f.move(t, f.as(t, "ed"), c, signOff)
	if c.Status != claims.StatusFalse || c.Rationale != "13, not 79" || c.ProposedStatus != nil || c.SignedOffAt == nil || !f.listed(t, claims.StatusFalse, c.ID) {
		t.Errorf("the signed verdict is not in force: %+v", c)
	}
	if err := c.CheckPublishable(); err != nil {
		t.Errorf("a closed, anchored claim is not publishable: %v", err)
	}

	c = f.move(t, f.as(t, "eve"), c, reopen)
	if c.Status != claims.StatusUnverified || c.SignedOffBy != nil || f.listed(t, claims.StatusFalse, c.ID) {
		t.Errorf("a reopened verdict is still in force: %+v", c)
	}
	dbtest.WantKind(t, c.CheckPublishable(), fault.Conflict, "")
	events, _, err := f.s.FindReviewEvents(f.ctx, c.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var history []string
	for _, e := range events {
		history = append(history, string(e.Action)+":"+string(e.Status))
	}
	if got := strings.Join(history, " "); got != "start:unverified propose:verified reject:verified propose:false sign_off:false reopen:false" {
		t.Errorf("review history = %s", got)
	}
}

// TestPassageChangeSendsTheVerdictBackToReview edits the article under claims at every
// stage: a closed claim whose passage changed or vanished is reopened, a pending proposal
// on it is rejected, each as a recorded transition; a passage that only moved keeps its
// verdict.
func TestPassageChangeSendsTheVerdictBackToReview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	editor := f.as(t, "eve")
	closedNear := f.at(t, claims.StageClosed)            // Statement 000: its context will change
	awaitingNear := f.at(t, claims.StageAwaitingSignoff) // Statement 001: likewise
	closedGone := f.at(t, claims.StageClosed)            // Statement 002: its quote will vanish
	open := f.claim(t)                                   // Statement 003: open, its context changes
	f.next = 10
	closedFar := f.at(t, claims.StageClosed) // Statement 010: untouched, only shifted

	body := f.art.Body
	body = strings.Replace(body, "Statement 000 is checkable.", "Statement 000 is disputed.", 1)
	body = strings.Replace(body, "Statement 001 is checkable.", "Statement 001 is disputed.", 1)
	body = strings.Replace(body, "Statement 002 is checkable.", "A claim was withdrawn.", 1)
	body = strings.Replace(body, "Statement 003 is checkable.", "Statement 003 is disputed.", 1)
	if _, err := f.s.ReplaceArticle(f.ctx, editor, f.art.ID, nil, claims.ArticleFields{Title: f.art.Title, Body: "Preface. " + body}); err != nil {
		t.Fatal(err)
	}
	reload := func(c *claims.Claim) *claims.Claim {
		got, err := f.s.FindClaimByID(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	lastEvent := func(c *claims.Claim) claims.ReviewEvent {
		events, _, err := f.s.FindReviewEvents(f.ctx, c.ID, 0, 100)
		if err != nil || len(events) == 0 {
			t.Fatalf("events of %d: %v", c.ID, err)
		}
		return events[len(events)-1]
	}
	for _, tt := range []struct {
		name   string
		claim  *claims.Claim
		stage  claims.Stage
		action claims.Action
	}{
		{"closed, context changed", closedNear, claims.StageInReview, claims.ActionReopen},
		{"awaiting sign-off, context changed", awaitingNear, claims.StageInReview, claims.ActionReject},
		{"closed, passage gone", closedGone, claims.StageInReview, claims.ActionReopen},
		{"closed, only shifted", closedFar, claims.StageClosed, claims.ActionSignOff},
		{"open, context changed", open, claims.StageOpen, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := reload(tt.claim)
			if got.Stage != tt.stage {
				t.Fatalf("stage = %s, want %s; %+v; last %+v", got.Stage, tt.stage, got, lastEvent(got))
			}
			if tt.action == "" {
				return
			}
			ev := lastEvent(got)
			if ev.Action != tt.action {
				t.Errorf("last review event = %s, want %s", ev.Action, tt.action)
			}
			if tt.stage == claims.StageClosed {
				if got.Status != claims.StatusVerified || got.CheckPublishable() != nil || got.AnchorStart == tt.claim.AnchorStart {
					t.Errorf("shifted claim lost its verdict or did not move: %+v", got)
				}
				return
			}
			if got.Status != claims.StatusUnverified || got.ProposedStatus != nil || ev.ActorID == nil || *ev.ActorID != editor.UserID ||
				!strings.Contains(ev.Rationale, "revision 2") {
				t.Errorf("claim %+v, event %+v", got, ev)
			}
			dbtest.WantKind(t, got.CheckPublishable(), fault.Conflict, "")
		})
	}
	if got := reload(closedGone); got.AnchorState != claims.Orphaned {
		t.Errorf("vanished passage: anchor state %s", got.AnchorState)
	}
}

// TestAnOrphanedClaimGetsNoVerdict: once its quote is gone from the article, a claim can
// be neither proposed nor signed off, nor published, whatever stage it was in.
func TestAnOrphanedClaimGetsNoVerdict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	inReview := f.at(t, claims.StageInReview)
	awaiting := f.at(t, claims.StageAwaitingSignoff)
	f.evidence(t, inReview, f.as(t, "rita"))
	body := strings.Replace(f.art.Body, "Statement 000 is", "A statement is", 1)
	body = strings.Replace(body, "Statement 001 is", "Another statement is", 1)
	if _, err := f.s.ReplaceArticle(f.ctx, f.as(t, "eve"), f.art.ID, nil, claims.ArticleFields{Title: f.art.Title, Body: body}); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.FindClaimByID(f.ctx, inReview.ID)
	if err != nil || c.AnchorState != claims.Orphaned {
		t.Fatalf("claim = %+v, %v", c, err)
	}
	before := f.state(t, c.ID)
	_, _, err = f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, propose)
	dbtest.WantKind(t, err, fault.Conflict, "")
	f.unchanged(t, before)
	if slices.Contains(claims.AllowedActions(f.as(t, "rita"), c), claims.ActionPropose) {
		t.Error("AllowedActions offers a proposal for an orphaned claim")
	}

	// The pending proposal was rejected when its passage went; proposing again is refused.
	a, err := f.s.FindClaimByID(f.ctx, awaiting.ID)
	if err != nil || a.Stage != claims.StageInReview || a.AnchorState != claims.Orphaned {
		t.Fatalf("awaiting claim = %+v, %v", a, err)
	}
	_, _, err = f.s.Transition(f.ctx, f.as(t, "rita"), a.ID, a.Version, propose)
	dbtest.WantKind(t, err, fault.Conflict, "")

	// A closed claim with an orphaned passage is not publishable (CheckPublishable's second
	// rule, apart from the stage).
	orphanClosed := *a
	orphanClosed.Stage = claims.StageClosed
	dbtest.WantKind(t, orphanClosed.CheckPublishable(), fault.Conflict, "")
	if err := orphanClosed.CheckPublishable(); !strings.Contains(err.Error(), "passage is gone") {
		t.Errorf("CheckPublishable = %v, want it to name the missing passage", err)
	}
}
