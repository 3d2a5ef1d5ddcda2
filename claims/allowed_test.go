package claims_test

import (
	"slices"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

func TestAllowedActions(t *testing.T) {
	const rita, rafa, eve, ed, ada = 1, 2, 3, 4, 5
	id := func(n int64) *int64 { return &n }
	verified := claims.StatusVerified
	reviewer := func(u int64) identity.Actor { return identity.Actor{UserID: u, Role: identity.RoleReviewer} }
	editor := func(u int64) identity.Actor { return identity.Actor{UserID: u, Role: identity.RoleEditor} }
	open := &claims.Claim{ID: 1, Stage: claims.StageOpen}
	inReview := &claims.Claim{ID: 2, Stage: claims.StageInReview, AssigneeID: id(rita)}
	awaiting := &claims.Claim{ID: 3, Stage: claims.StageAwaitingSignoff, AssigneeID: id(rita), ProposedStatus: &verified, ProposedBy: id(rita)}
	// Ed proposed this one through a token Ada made for him: Ada may not sign it off either.
	viaToken := &claims.Claim{ID: 4, Stage: claims.StageAwaitingSignoff, ProposedStatus: &verified, ProposedBy: id(ed), ProposedVia: id(ada)}
	bySystem := &claims.Claim{ID: 5, Stage: claims.StageAwaitingSignoff, ProposedStatus: &verified}
	closed := &claims.Claim{ID: 6, Stage: claims.StageClosed, Status: verified}

	tests := []struct {
		name  string
		actor identity.Actor
		claim *claims.Claim
		want  []claims.Action
	}{
		{"a viewer takes nothing", identity.Actor{UserID: 9, Role: identity.RoleViewer}, open, nil},
		{"an auditor takes nothing", identity.Actor{UserID: 9, Role: identity.RoleAuditor}, open, nil},
		{"a reviewer starts an open claim", reviewer(rafa), open, []claims.Action{claims.ActionStart}},
		{"an editor starts an open claim", editor(eve), open, []claims.Action{claims.ActionStart}},
		{"the assignee proposes", reviewer(rita), inReview, []claims.Action{claims.ActionPropose}},
		{"another reviewer may not propose", reviewer(rafa), inReview, nil},
		{"an editor proposes on anyone's claim", editor(eve), inReview, []claims.Action{claims.ActionPropose}},
		{"a reviewer neither signs off nor rejects", reviewer(rafa), awaiting, nil},
		{"a second editor signs off or rejects", editor(eve), awaiting, []claims.Action{claims.ActionSignOff, claims.ActionReject}},
		{"the proposing editor may only reject", editor(rita), awaiting, []claims.Action{claims.ActionReject}},
		{"the proposer may not sign off", editor(ed), viaToken, []claims.Action{claims.ActionReject}},
		{"the admin behind the proposer's token may not sign off", identity.Actor{UserID: ada, Role: identity.RoleAdmin}, viaToken, []claims.Action{claims.ActionReject}},
		{"another editor signs off a token's proposal", editor(eve), viaToken, []claims.Action{claims.ActionSignOff, claims.ActionReject}},
		{"a person signs off what Verity proposed", editor(eve), bySystem, []claims.Action{claims.ActionSignOff, claims.ActionReject}},
		{"Verity does not sign off its own proposal", identity.System(), bySystem, []claims.Action{claims.ActionReject}},
		{"an editor reopens a closed claim", editor(eve), closed, []claims.Action{claims.ActionReopen}},
		{"a reviewer may not reopen", reviewer(rita), closed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := claims.AllowedActions(tt.actor, tt.claim)
			if !slices.Equal(got, tt.want) {
				t.Errorf("AllowedActions = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAllowedActionsAgreeWithTransition shows that what AllowedActions offers is what
// Transition accepts, for every stage, actor and action: the moves a page shows are the
// workflow's own rule, not a copy of it.
func TestAllowedActionsAgreeWithTransition(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	attempt := map[claims.Action]claims.Transition{
		claims.ActionStart: start, claims.ActionPropose: propose, claims.ActionSignOff: signOff,
		claims.ActionReject: reject, claims.ActionReopen: reopen,
	}
	for _, stage := range claims.Stages() {
		for _, name := range []string{"rita", "rafa", "eve", "ed", "vic"} {
			actor := f.as(t, name)
			c := f.at(t, stage)
			allowed := claims.AllowedActions(actor, c)
			for _, a := range claims.Actions() {
				target := c
				if slices.Contains(allowed, a) {
					target = f.at(t, stage) // a success moves the claim: each gets its own
				}
				_, _, err := f.s.Transition(f.ctx, actor, target.ID, target.Version, attempt[a])
				if (err == nil) != slices.Contains(allowed, a) {
					t.Errorf("%s on a %s claim by %s: Transition err = %v, AllowedActions = %v", a, stage, name, err, allowed)
				}
			}
		}
	}
}

// TestFilterUnassignedAndSignableBy lists the queues of "unassigned" and "awaiting my
// sign-off", and checks the second against the workflow: a claim is listed for a user exactly
// when that user may sign it off.
func TestFilterUnassignedAndSignableBy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	open := f.at(t, claims.StageOpen)
	inReview := f.at(t, claims.StageInReview)
	// eve, an editor, proposes one herself; rita proposes the other.
	byEve := f.at(t, claims.StageInReview)
	f.evidence(t, byEve, f.as(t, "eve"))
	byEve = f.move(t, f.as(t, "eve"), byEve, propose)
	byRita := f.at(t, claims.StageAwaitingSignoff)
	closed := f.at(t, claims.StageClosed)

	list := func(flt claims.Filter) []int64 {
		t.Helper()
		flt.Limit = 50
		cs, _, err := f.s.FindClaims(f.ctx, flt)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if got, want := list(claims.Filter{Unassigned: true}), []int64{open.ID}; !slices.Equal(got, want) {
		t.Errorf("unassigned = %v, want %v", got, want)
	}
	if got := list(claims.Filter{Unassigned: true, Stage: claims.StageInReview}); len(got) != 0 {
		t.Errorf("unassigned in review = %v, want none", got)
	}
	_, _, err := f.s.FindClaims(f.ctx, claims.Filter{Unassigned: true, AssigneeID: 3, Limit: 5})
	dbtest.WantKind(t, err, fault.Invalid, "assignee_id")

	for _, name := range []string{"eve", "ed", "rita"} {
		actor := f.as(t, name)
		got := list(claims.Filter{SignableBy: actor.UserID})
		var want []int64
		for _, c := range []*claims.Claim{open, inReview, byEve, byRita, closed} {
			c := f.reload(t, c)
			if slices.Contains(claims.AllowedActions(actor, c), claims.ActionSignOff) {
				want = append(want, c.ID)
			}
		}
		if name == "rita" {
			// rita, a reviewer, may sign nothing off; the filter says only what four eyes allow,
			// and the page shows the queue to those with the edit right.
			want = []int64{byEve.ID}
		}
		if !slices.Equal(got, want) {
			t.Errorf("signable by %s = %v, want %v", name, got, want)
		}
	}
}

// reload reads c again.
func (f *fixture) reload(t testing.TB, c *claims.Claim) *claims.Claim {
	t.Helper()
	got, err := f.s.FindClaimByID(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
