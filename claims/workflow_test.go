package claims_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// fixture is one migrated database with both stores, an article with room for many claims,
// and users made on first use: argon2 makes each user cost about 30ms, so tests only pay for
// the ones they touch. Its helpers take the calling test's t, because a subtest must not fail
// its parent's t.
type fixture struct {
	ctx   context.Context
	db    *database.DB
	s     *claims.Store
	ids   *identity.Store
	art   *claims.Article
	next  int
	users map[string]*identity.User
}

// fixtureClaims is how many distinct quotes the fixture article offers.
const fixtureClaims = 120

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.Open(t)
	f := &fixture{ctx: context.Background(), db: db, s: claims.NewStore(db), ids: identity.NewStore(db), users: map[string]*identity.User{}}
	var b strings.Builder
	for i := range fixtureClaims {
		fmt.Fprintf(&b, "Statement %03d is checkable. ", i)
	}
	a, err := f.s.CreateArticle(f.ctx, identity.System(), claims.ArticleFields{Title: "Workflow", Body: b.String()})
	if err != nil {
		t.Fatal(err)
	}
	f.art = a
	return f
}

// user returns the user called name, creating them with role the first time.
func (f *fixture) user(t testing.TB, name string, role identity.Role) *identity.User {
	t.Helper()
	if u, ok := f.users[name]; ok {
		if u.Role != role {
			t.Fatalf("user %s already exists as %s, not %s", name, u.Role, role)
		}
		return u
	}
	u, err := f.ids.CreateUser(f.ctx, identity.System(), identity.NewUser{
		Email: name + "@example.org", Name: name, Role: role, Password: "correct horse battery",
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	f.users[name] = u
	return u
}

// cast gives the role of each user the fixture knows: rita is the reviewer who takes claims
// by default, rafa another reviewer, eve the editor who rejects and reopens, ed the second
// editor who signs off, ada an admin, vic a viewer and aud an auditor.
var cast = map[string]identity.Role{
	"rita": identity.RoleReviewer, "rafa": identity.RoleReviewer,
	"eve": identity.RoleEditor, "ed": identity.RoleEditor,
	"ada": identity.RoleAdmin, "vic": identity.RoleViewer, "aud": identity.RoleAuditor,
}

// as returns the actor of the cast member called name.
func (f *fixture) as(t testing.TB, name string) identity.Actor {
	t.Helper()
	role, ok := cast[name]
	if !ok {
		t.Fatalf("no cast member %s", name)
	}
	return f.user(t, name, role).Actor()
}

// claim creates a fresh open claim on its own quote.
func (f *fixture) claim(t testing.TB) *claims.Claim {
	t.Helper()
	if f.next >= fixtureClaims {
		t.Fatal("fixture article is out of quotes; raise fixtureClaims")
	}
	c, err := f.s.CreateClaim(f.ctx, identity.System(), claims.NewClaim{ArticleID: f.art.ID, Quote: fmt.Sprintf("Statement %03d", f.next)})
	f.next++
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// evidence attaches a supporting link to c.
func (f *fixture) evidence(t testing.TB, c *claims.Claim, actor identity.Actor) *claims.Evidence {
	t.Helper()
	e, err := f.s.AddEvidence(f.ctx, actor, claims.NewEvidence{
		ClaimID: c.ID, URL: "https://example.org/report", Excerpt: "the report says so", Stance: claims.StanceSupports,
	})
	if err != nil {
		t.Fatalf("add evidence: %v", err)
	}
	return e
}

// move performs a transition that must succeed.
func (f *fixture) move(t testing.TB, actor identity.Actor, c *claims.Claim, tr claims.Transition) *claims.Claim {
	t.Helper()
	next, _, err := f.s.Transition(f.ctx, actor, c.ID, c.Version, tr)
	if err != nil {
		t.Fatalf("%s claim %d (%s): %v", tr.Action, c.ID, c.Stage, err)
	}
	return next
}

var (
	start   = claims.Transition{Action: claims.ActionStart}
	propose = claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "two independent sources agree"}
	signOff = claims.Transition{Action: claims.ActionSignOff}
	reject  = claims.Transition{Action: claims.ActionReject, Rationale: "the second source quotes the first"}
	reopen  = claims.Transition{Action: claims.ActionReopen, Rationale: "a correction was published"}
)

// at returns a claim brought to stage by real transitions: it gets one evidence item from
// rita while open, rita starts and proposes it (verified), ed signs it off.
func (f *fixture) at(t testing.TB, stage claims.Stage) *claims.Claim {
	t.Helper()
	c := f.claim(t)
	f.evidence(t, c, f.as(t, "rita"))
	steps := []struct {
		stage claims.Stage
		actor identity.Actor
		tr    claims.Transition
	}{
		{claims.StageInReview, f.as(t, "rita"), start},
		{claims.StageAwaitingSignoff, f.as(t, "rita"), propose},
		{claims.StageClosed, f.as(t, "ed"), signOff},
	}
	for _, step := range steps {
		if c.Stage == stage {
			break
		}
		c = f.move(t, step.actor, c, step.tr)
		if c.Stage != step.stage {
			t.Fatalf("%s led to %s, want %s", step.tr.Action, c.Stage, step.stage)
		}
	}
	if c.Stage != stage {
		t.Fatalf("could not bring a claim to %s", stage)
	}
	return c
}

// state is everything a refused transition must leave as it was.
type state struct {
	claim    *claims.Claim
	audit    int64
	events   int
	evidence int
}

func (f *fixture) state(t testing.TB, id int64) state {
	t.Helper()
	c, err := f.s.FindClaimByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := f.s.FindReviewEvents(f.ctx, id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	items, err := f.s.ClaimEvidence(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return state{claim: c, audit: dbtest.AuditCount(t, f.db), events: len(evs), evidence: len(items)}
}

// unchanged fails t when the claim, its review events, its evidence or the audit trail moved
// since before.
func (f *fixture) unchanged(t testing.TB, before state) {
	t.Helper()
	after := f.state(t, before.claim.ID)
	if !sameClaim(after.claim, before.claim) {
		t.Errorf("claim changed:\nbefore %+v\nafter  %+v", before.claim, after.claim)
	}
	if after.audit != before.audit {
		t.Errorf("audit events: %d -> %d, want no new event", before.audit, after.audit)
	}
	if after.events != before.events {
		t.Errorf("review events: %d -> %d, want no new event", before.events, after.events)
	}
	if after.evidence != before.evidence {
		t.Errorf("evidence items: %d -> %d", before.evidence, after.evidence)
	}
}

// sameClaim compares two claims field by field, times as instants: a claim read back from
// SQLite carries its times in another *time.Location than the one a transaction returns.
func sameClaim(a, b *claims.Claim) bool {
	x, y := *a, *b
	for _, c := range []*claims.Claim{&x, &y} {
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		c.ProposedAt, c.SignedOffAt = utc(c.ProposedAt), utc(c.SignedOffAt)
	}
	return reflect.DeepEqual(x, y)
}

// lastAudit returns the newest audit event.
func lastAudit(t testing.TB, db *database.DB) audit.Event {
	t.Helper()
	var e audit.Event
	if err := db.Reader().NewSelect().Model(&e).Order("seq DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestTransitionFromEveryStage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	legal := map[claims.Action]struct{ from, to claims.Stage }{
		claims.ActionStart:   {claims.StageOpen, claims.StageInReview},
		claims.ActionPropose: {claims.StageInReview, claims.StageAwaitingSignoff},
		claims.ActionSignOff: {claims.StageAwaitingSignoff, claims.StageClosed},
		claims.ActionReject:  {claims.StageAwaitingSignoff, claims.StageInReview},
		claims.ActionReopen:  {claims.StageClosed, claims.StageInReview},
	}
	// Each action with an actor and input that satisfy its own rules, so that the stage alone
	// decides whether it may happen.
	request := map[claims.Action]struct {
		actor identity.Actor
		tr    claims.Transition
	}{
		claims.ActionStart:   {f.as(t, "rita"), start},
		claims.ActionPropose: {f.as(t, "rita"), propose},
		claims.ActionSignOff: {f.as(t, "ed"), signOff},
		claims.ActionReject:  {f.as(t, "eve"), reject},
		claims.ActionReopen:  {f.as(t, "eve"), reopen},
	}
	if len(legal) != len(claims.Actions()) || len(request) != len(claims.Actions()) {
		t.Fatalf("the test covers %d actions, the workflow has %d", len(legal), len(claims.Actions()))
	}
	for _, from := range claims.Stages() {
		for _, action := range claims.Actions() {
			t.Run(string(from)+"/"+string(action), func(t *testing.T) {
				c := f.at(t, from)
				before := f.state(t, c.ID)
				req := request[action]
				got, ev, err := f.s.Transition(f.ctx, req.actor, c.ID, c.Version, req.tr)
				if legal[action].from != from {
					dbtest.WantKind(t, err, fault.Conflict, "")
					if got != nil || ev != nil {
						t.Errorf("refused transition returned %+v, %+v", got, ev)
					}
					f.unchanged(t, before)
					return
				}
				if err != nil {
					t.Fatalf("legal %s from %s: %v", action, from, err)
				}
				if got.Stage != legal[action].to || got.Version != c.Version+1 {
					t.Errorf("%s from %s: stage %s version %d, want %s version %d", action, from, got.Stage, got.Version, legal[action].to, c.Version+1)
				}
				stored, err := f.s.FindClaimByID(f.ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !sameClaim(stored, got) {
					t.Errorf("returned claim differs from stored one:\nreturned %+v\nstored   %+v", got, stored)
				}
				if ev == nil || ev.FromStage != from || ev.ToStage != legal[action].to || ev.Action != action {
					t.Errorf("review event = %+v", ev)
				}
				after := f.state(t, c.ID)
				if after.audit != before.audit+1 || after.events != before.events+1 {
					t.Errorf("audit %d -> %d, review events %d -> %d; want one more of each", before.audit, after.audit, before.events, after.events)
				}
			})
		}
	}
}

func TestTransitionChecksVersionClaimAndAction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.at(t, claims.StageOpen)

	t.Run("stale version", func(t *testing.T) {
		before := f.state(t, c.ID)
		for _, v := range []int64{0, c.Version - 1, c.Version + 1} {
			_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, v, start)
			dbtest.WantKind(t, err, fault.PreconditionFailed, "")
		}
		f.unchanged(t, before)
	})
	t.Run("version from before the last transition", func(t *testing.T) {
		d := f.at(t, claims.StageInReview)
		before := f.state(t, d.ID)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), d.ID, d.Version-1, propose)
		dbtest.WantKind(t, err, fault.PreconditionFailed, "")
		f.unchanged(t, before)
	})
	t.Run("stale version wins over an illegal action", func(t *testing.T) {
		// The client's copy is out of date, so telling it the action is illegal for the
		// stage it believes in would mislead it.
		before := f.state(t, c.ID)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "ed"), c.ID, c.Version+1, signOff)
		dbtest.WantKind(t, err, fault.PreconditionFailed, "")
		f.unchanged(t, before)
	})
	t.Run("unknown claim", func(t *testing.T) {
		n := dbtest.AuditCount(t, f.db)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID+1000, 1, start)
		dbtest.WantKind(t, err, fault.NotFound, "")
		if dbtest.AuditCount(t, f.db) != n {
			t.Error("a transition of a missing claim wrote an audit event")
		}
	})
	t.Run("unknown action", func(t *testing.T) {
		admin := f.as(t, "ada")
		before := f.state(t, c.ID)
		for _, a := range []claims.Action{"", "approve", "START", "delete"} {
			_, _, err := f.s.Transition(f.ctx, admin, c.ID, c.Version, claims.Transition{Action: a, Rationale: "x"})
			dbtest.WantKind(t, err, fault.Invalid, "action")
		}
		f.unchanged(t, before)
	})
}

func TestStartRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	disabled := f.user(t, "dora", identity.RoleReviewer)
	if _, err := f.ids.UpdateUser(f.ctx, identity.System(), disabled.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	viewer := f.user(t, "vic", identity.RoleViewer)
	auditor := f.user(t, "aud", identity.RoleAuditor)
	rita, rafa := f.user(t, "rita", identity.RoleReviewer), f.user(t, "rafa", identity.RoleReviewer)

	refused := []struct {
		name     string
		actor    identity.Actor
		assignee *int64
		kind     fault.Kind
		field    string
	}{
		{"viewer", viewer.Actor(), nil, fault.Forbidden, ""},
		{"auditor", auditor.Actor(), nil, fault.Forbidden, ""},
		{"viewer assigning a reviewer", viewer.Actor(), &rita.ID, fault.Forbidden, ""},
		{"reviewer assigning another reviewer", rita.Actor(), &rafa.ID, fault.Forbidden, ""},
		{"editor assigning a viewer", f.as(t, "eve"), &viewer.ID, fault.Invalid, "assignee_id"},
		{"editor assigning an auditor", f.as(t, "eve"), &auditor.ID, fault.Invalid, "assignee_id"},
		{"editor assigning a disabled reviewer", f.as(t, "eve"), &disabled.ID, fault.Invalid, "assignee_id"},
		{"editor assigning a missing user", f.as(t, "eve"), new(int64(98765)), fault.Invalid, "assignee_id"},
		{"Verity itself without an assignee", identity.System(), nil, fault.Invalid, "assignee_id"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			c := f.claim(t)
			before := f.state(t, c.ID)
			_, _, err := f.s.Transition(f.ctx, tt.actor, c.ID, c.Version, claims.Transition{Action: claims.ActionStart, AssigneeID: tt.assignee})
			dbtest.WantKind(t, err, tt.kind, tt.field)
			f.unchanged(t, before)
		})
	}

	allowed := []struct {
		name     string
		actor    identity.Actor
		assignee *int64
		want     int64
	}{
		{"reviewer takes it", rita.Actor(), nil, rita.ID},
		{"reviewer names themself", rita.Actor(), &rita.ID, rita.ID},
		{"editor assigns a reviewer", f.as(t, "eve"), &rafa.ID, rafa.ID},
		{"editor takes it", f.as(t, "eve"), nil, f.as(t, "eve").UserID},
		{"admin assigns a reviewer", f.as(t, "ada"), &rita.ID, rita.ID},
		{"Verity itself assigns a reviewer", identity.System(), &rafa.ID, rafa.ID},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			c := f.claim(t)
			got, ev, err := f.s.Transition(f.ctx, tt.actor, c.ID, c.Version, claims.Transition{Action: claims.ActionStart, AssigneeID: tt.assignee})
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != claims.StageInReview || got.AssigneeID == nil || *got.AssigneeID != tt.want {
				t.Errorf("claim = stage %s assignee %v, want in_review assigned to %d", got.Stage, deref(got.AssigneeID), tt.want)
			}
			if ev.AssigneeID == nil || *ev.AssigneeID != tt.want {
				t.Errorf("review event assignee = %v, want %d", deref(ev.AssigneeID), tt.want)
			}
		})
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestProposeRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// inReview returns a claim rita started, with no evidence.
	inReview := func(t *testing.T) *claims.Claim {
		return f.move(t, f.as(t, "rita"), f.claim(t), start)
	}

	t.Run("who may propose", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			actor identity.Actor
		}{
			{"another reviewer", f.as(t, "rafa")},
			{"viewer", f.as(t, "vic")},
			{"auditor", f.as(t, "aud")},
		} {
			c := inReview(t)
			f.evidence(t, c, f.as(t, "rita"))
			before := f.state(t, c.ID)
			_, _, err := f.s.Transition(f.ctx, tt.actor, c.ID, c.Version, propose)
			if !fault.Is(err, fault.Forbidden) {
				t.Errorf("%s: err = %v, want forbidden", tt.name, err)
			}
			f.unchanged(t, before)
		}
		for _, tt := range []struct {
			name  string
			actor identity.Actor
		}{
			{"assignee", f.as(t, "rita")},
			{"editor who is not the assignee", f.as(t, "eve")},
			{"admin", f.as(t, "ada")},
		} {
			c := inReview(t)
			f.evidence(t, c, f.as(t, "rita"))
			got, _, err := f.s.Transition(f.ctx, tt.actor, c.ID, c.Version, propose)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if got.Stage != claims.StageAwaitingSignoff || deref(got.ProposedStatus) != claims.StatusVerified || got.ProposedRationale != propose.Rationale ||
				got.Status != claims.StatusUnverified || got.Rationale != "" ||
				got.ProposedBy == nil || *got.ProposedBy != tt.actor.UserID || got.AssigneeID == nil || *got.AssigneeID != f.as(t, "rita").UserID {
				t.Errorf("%s: claim = %+v", tt.name, got)
			}
		}
	})

	t.Run("status and rationale", func(t *testing.T) {
		c := inReview(t)
		f.evidence(t, c, f.as(t, "rita"))
		before := f.state(t, c.ID)
		tests := []struct {
			name   string
			tr     claims.Transition
			fields []string
		}{
			{"no status", claims.Transition{Action: claims.ActionPropose, Rationale: "r"}, []string{"status"}},
			{"unverified", claims.Transition{Action: claims.ActionPropose, Status: claims.StatusUnverified, Rationale: "r"}, []string{"status"}},
			{"unknown status", claims.Transition{Action: claims.ActionPropose, Status: "true-ish", Rationale: "r"}, []string{"status"}},
			{"upper case status", claims.Transition{Action: claims.ActionPropose, Status: "VERIFIED", Rationale: "r"}, []string{"status"}},
			{"no rationale", claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified}, []string{"rationale"}},
			{"blank rationale", claims.Transition{Action: claims.ActionPropose, Status: claims.StatusFalse, Rationale: " \t\n "}, []string{"rationale"}},
			{"neither", claims.Transition{Action: claims.ActionPropose}, []string{"status", "rationale"}},
		}
		for _, tt := range tests {
			_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, tt.tr)
			for _, field := range tt.fields {
				dbtest.WantKind(t, err, fault.Invalid, field)
			}
		}
		f.unchanged(t, before)
	})

	t.Run("evidence", func(t *testing.T) {
		for _, status := range claims.Statuses() {
			if status == claims.StatusUnverified {
				continue
			}
			c := inReview(t)
			tr := claims.Transition{Action: claims.ActionPropose, Status: status, Rationale: "checked"}
			before := f.state(t, c.ID)
			got, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, tr)
			if status == claims.StatusUnverifiable {
				if err != nil || deref(got.ProposedStatus) != claims.StatusUnverifiable || got.Status != claims.StatusUnverified || got.Stage != claims.StageAwaitingSignoff {
					t.Errorf("unverifiable without evidence: %+v, %v", got, err)
				}
				continue
			}
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("%s without evidence: err = %v, want invalid", status, err)
			}
			f.unchanged(t, before)
			f.evidence(t, c, f.as(t, "rita"))
			// The proposal waits beside the verdict in force, which stays unverified until a
			// sign-off.
			if got, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, tr); err != nil || deref(got.ProposedStatus) != status || got.Status != claims.StatusUnverified {
				t.Errorf("%s with evidence: %+v, %v", status, got, err)
			}
		}
	})

	t.Run("withdrawn evidence does not count", func(t *testing.T) {
		c := inReview(t)
		e := f.evidence(t, c, f.as(t, "rita"))
		if _, err := f.s.WithdrawEvidence(f.ctx, f.as(t, "rita"), e.ID, "wrong article"); err != nil {
			t.Fatal(err)
		}
		before := f.state(t, c.ID)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, propose)
		dbtest.WantKind(t, err, fault.Invalid, "status")
		f.unchanged(t, before)
		f.evidence(t, c, f.as(t, "rafa"))
		if _, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, propose); err != nil {
			t.Errorf("with one live item next to a withdrawn one: %v", err)
		}
	})

	t.Run("evidence of another claim does not count", func(t *testing.T) {
		c, other := inReview(t), inReview(t)
		f.evidence(t, other, f.as(t, "rita"))
		before := f.state(t, c.ID)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, propose)
		dbtest.WantKind(t, err, fault.Invalid, "status")
		f.unchanged(t, before)
	})
}

func TestProposeRationaleIsNormalized(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, bad := range []string{"seen \xff", "nul \x00 inside", strings.Repeat("x", 20001)} {
		c := f.at(t, claims.StageInReview)
		before := f.state(t, c.ID)
		_, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: bad})
		dbtest.WantKind(t, err, fault.Invalid, "rationale")
		f.unchanged(t, before)
	}
	// A rationale in decomposed form is stored composed (NFC), like every other text.
	c := f.at(t, claims.StageInReview)
	got, _, err := f.s.Transition(f.ctx, f.as(t, "rita"), c.ID, c.Version, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "cafe\u0301"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ProposedRationale != "caf\u00e9" {
		t.Errorf("rationale = %q, want it in NFC", got.ProposedRationale)
	}
}

func TestSignOffFourEyes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// proposed returns a claim rita started and proposer proposed.
	proposed := func(t *testing.T, proposer identity.Actor) *claims.Claim {
		c := f.claim(t)
		f.evidence(t, c, f.as(t, "rita"))
		c = f.move(t, f.as(t, "rita"), c, start)
		return f.move(t, proposer, c, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusMisleading, Rationale: "numbers out of context"})
	}
	refused := []struct {
		name             string
		proposer, signer identity.Actor
	}{
		{"reviewer who did not propose", f.as(t, "rita"), f.as(t, "rafa")},
		{"proposing reviewer", f.as(t, "rita"), f.as(t, "rita")},
		{"viewer", f.as(t, "rita"), f.as(t, "vic")},
		{"auditor", f.as(t, "rita"), f.as(t, "aud")},
		{"proposing editor", f.as(t, "eve"), f.as(t, "eve")},
		{"proposing admin", f.as(t, "ada"), f.as(t, "ada")},
		{"Verity itself after proposing", identity.System(), identity.System()},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			c := proposed(t, tt.proposer)
			before := f.state(t, c.ID)
			_, _, err := f.s.Transition(f.ctx, tt.signer, c.ID, c.Version, signOff)
			dbtest.WantKind(t, err, fault.Forbidden, "")
			f.unchanged(t, before)
		})
	}
	allowed := []struct {
		name             string
		proposer, signer identity.Actor
	}{
		{"editor after a reviewer", f.as(t, "rita"), f.as(t, "eve")},
		{"second editor after an editor", f.as(t, "eve"), f.as(t, "ed")},
		{"admin after an editor", f.as(t, "eve"), f.as(t, "ada")},
		{"editor after an admin", f.as(t, "ada"), f.as(t, "eve")},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			c := proposed(t, tt.proposer)
			got, _, err := f.s.Transition(f.ctx, tt.signer, c.ID, c.Version, signOff)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != claims.StageClosed || got.Status != claims.StatusMisleading || got.Rationale != "numbers out of context" {
				t.Errorf("signed off = stage %s status %s rationale %q", got.Stage, got.Status, got.Rationale)
			}
			if got.SignedOffBy == nil || *got.SignedOffBy != tt.signer.UserID || got.ProposedBy == nil || *got.ProposedBy != tt.proposer.UserID {
				t.Errorf("signed off by %v, proposed by %v", deref(got.SignedOffBy), deref(got.ProposedBy))
			}
		})
	}
}

func TestRejectAndReopen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tt := range []struct {
		from claims.Stage
		tr   claims.Transition
	}{
		{claims.StageAwaitingSignoff, reject},
		{claims.StageClosed, reopen},
	} {
		t.Run(string(tt.tr.Action), func(t *testing.T) {
			c := f.at(t, tt.from)
			editor := f.as(t, "eve")
			lesser := []identity.Actor{f.as(t, "rita"), f.as(t, "rafa"), f.as(t, "vic"), f.as(t, "aud")}
			before := f.state(t, c.ID)
			for _, r := range []string{"", "   \n"} {
				_, _, err := f.s.Transition(f.ctx, editor, c.ID, c.Version, claims.Transition{Action: tt.tr.Action, Rationale: r})
				dbtest.WantKind(t, err, fault.Invalid, "rationale")
			}
			for _, actor := range lesser {
				_, _, err := f.s.Transition(f.ctx, actor, c.ID, c.Version, tt.tr)
				dbtest.WantKind(t, err, fault.Forbidden, "")
			}
			f.unchanged(t, before)

			got, ev, err := f.s.Transition(f.ctx, f.as(t, "eve"), c.ID, c.Version, tt.tr)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != claims.StageInReview || got.ProposedBy != nil || got.SignedOffBy != nil {
				t.Errorf("after %s: %+v", tt.tr.Action, got)
			}
			if got.AssigneeID == nil || *got.AssigneeID != f.as(t, "rita").UserID {
				t.Errorf("after %s the assignee is %v, want rita kept", tt.tr.Action, deref(got.AssigneeID))
			}
			if ev.Rationale != tt.tr.Rationale || ev.FromStage != tt.from {
				t.Errorf("review event = %+v", ev)
			}
			// The assignee carries on without a new start: propose again, then sign-off.
			got = f.move(t, f.as(t, "rita"), got, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusOutdated, Rationale: "superseded"})
			got = f.move(t, f.as(t, "eve"), got, signOff)
			if got.Stage != claims.StageClosed || got.Status != claims.StatusOutdated {
				t.Errorf("after the second round: stage %s status %s", got.Stage, got.Status)
			}
		})
	}
}

func TestTransitionsRecordReviewAndAuditEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.claim(t)
	f.evidence(t, c, f.as(t, "rita"))
	rita, eve, ed := f.as(t, "rita"), f.as(t, "eve"), f.as(t, "ed")
	steps := []struct {
		actor  identity.Actor
		tr     claims.Transition
		from   claims.Stage
		to     claims.Stage
		status claims.Status
		// verdict is the claim's status after the step: only a sign-off gives it one, and a
		// reopen withdraws it; status is what the review event records the step concerned.
		verdict claims.Status
	}{
		{rita, claims.Transition{Action: claims.ActionStart, Rationale: "  taking it  "}, claims.StageOpen, claims.StageInReview, claims.StatusUnverified, claims.StatusUnverified},
		{rita, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusDisputed, Rationale: "sources conflict"}, claims.StageInReview, claims.StageAwaitingSignoff, claims.StatusDisputed, claims.StatusUnverified},
		{eve, reject, claims.StageAwaitingSignoff, claims.StageInReview, claims.StatusDisputed, claims.StatusUnverified},
		{rita, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusFalse, Rationale: "the count was 13, not 79"}, claims.StageInReview, claims.StageAwaitingSignoff, claims.StatusFalse, claims.StatusUnverified},
		{ed, signOff, claims.StageAwaitingSignoff, claims.StageClosed, claims.StatusFalse, claims.StatusFalse},
		{eve, reopen, claims.StageClosed, claims.StageInReview, claims.StatusFalse, claims.StatusUnverified},
	}
	for i, step := range steps {
		n := dbtest.AuditCount(t, f.db)
		got, ev, err := f.s.Transition(f.ctx, step.actor, c.ID, c.Version, step.tr)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, step.tr.Action, err)
		}
		if got.Version != c.Version+1 {
			t.Errorf("step %d: version %d, want %d", i, got.Version, c.Version+1)
		}
		c = got

		events, _, err := f.s.FindReviewEvents(f.ctx, c.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != i+1 {
			t.Fatalf("step %d: %d review events, want %d", i, len(events), i+1)
		}
		stored := events[i]
		if stored.ID != ev.ID || stored.ClaimID != c.ID || stored.ActorID == nil || *stored.ActorID != step.actor.UserID ||
			stored.Action != step.tr.Action || stored.FromStage != step.from || stored.ToStage != step.to ||
			stored.Status != step.status || stored.Rationale != strings.TrimSpace(step.tr.Rationale) ||
			stored.ClaimVersion != c.Version || stored.CreatedAt.IsZero() ||
			stored.AssigneeID == nil || *stored.AssigneeID != rita.UserID {
			t.Errorf("step %d: review event = %+v", i, stored)
		}

		if after := dbtest.AuditCount(t, f.db); after != n+1 {
			t.Errorf("step %d: audit events %d -> %d, want exactly one more", i, n, after)
		}
		a := lastAudit(t, f.db)
		if a.Action != "claim."+string(step.tr.Action) || a.EntityType != "claim" || a.EntityID != fmt.Sprint(c.ID) || a.Actor != step.actor.AuditName() {
			t.Errorf("step %d: audit event = %s by %s on %s %s", i, a.Action, a.Actor, a.EntityType, a.EntityID)
		}
		var before, after struct {
			Stage   claims.Stage  `json:"stage"`
			Status  claims.Status `json:"status"`
			Version int64         `json:"version"`
		}
		if err := json.Unmarshal([]byte(a.Before), &before); err != nil {
			t.Fatalf("step %d: audit before: %v", i, err)
		}
		if err := json.Unmarshal([]byte(a.After), &after); err != nil {
			t.Fatalf("step %d: audit after: %v", i, err)
		}
		if before.Stage != step.from || after.Stage != step.to || after.Status != step.verdict || after.Version != before.Version+1 {
			t.Errorf("step %d: audit before %+v after %+v", i, before, after)
		}
	}
}

func TestConcurrentTransitionsOneWins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const racers = 20
	reviewers := make([]identity.Actor, 4)
	for i := range reviewers {
		reviewers[i] = f.user(t, fmt.Sprintf("racer%d", i), identity.RoleReviewer).Actor()
	}
	c := f.claim(t)
	f.evidence(t, c, reviewers[0])
	n := dbtest.AuditCount(t, f.db)

	// race runs try concurrently from racers goroutines, released together, and returns the
	// index of the only one that succeeded with its result.
	race := func(t *testing.T, try func(i int) (*claims.Claim, error)) (int, *claims.Claim) {
		t.Helper()
		var wg sync.WaitGroup
		ready := make(chan struct{})
		results := make([]*claims.Claim, racers)
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() {
				<-ready
				results[i], errs[i] = try(i)
			})
		}
		close(ready)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("racers %d and %d both succeeded", winner, i)
			case err == nil:
				winner = i
			case !fault.Is(err, fault.PreconditionFailed):
				t.Errorf("racer %d: err = %v, want precondition_failed", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no racer succeeded")
		}
		return winner, results[winner]
	}

	w, got := race(t, func(i int) (*claims.Claim, error) {
		c, _, err := f.s.Transition(f.ctx, reviewers[i%len(reviewers)], c.ID, c.Version, start)
		return c, err
	})
	if got.AssigneeID == nil || *got.AssigneeID != reviewers[w%len(reviewers)].UserID || got.Version != c.Version+1 {
		t.Errorf("start winner %d: %+v", w, got)
	}
	assignee := reviewers[w%len(reviewers)]

	statuses := []claims.Status{claims.StatusVerified, claims.StatusFalse, claims.StatusDisputed, claims.StatusMisleading, claims.StatusOutdated}
	w, got = race(t, func(i int) (*claims.Claim, error) {
		tr := claims.Transition{Action: claims.ActionPropose, Status: statuses[i%len(statuses)], Rationale: fmt.Sprintf("racer %d", i)}
		c, _, err := f.s.Transition(f.ctx, assignee, got.ID, got.Version, tr)
		return c, err
	})
	stored, err := f.s.FindClaimByID(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sameClaim(stored, got) || deref(stored.ProposedStatus) != statuses[w%len(statuses)] || stored.ProposedRationale != fmt.Sprintf("racer %d", w) || stored.Version != c.Version+2 {
		t.Errorf("stored %+v, winner %d returned %+v", stored, w, got)
	}
	events, _, err := f.s.FindReviewEvents(f.ctx, c.ID, 0, 100)
	if err != nil || len(events) != 2 {
		t.Errorf("review events = %d, %v; want 2", len(events), err)
	}
	if after := dbtest.AuditCount(t, f.db); after != n+2 {
		t.Errorf("audit events %d -> %d, want two more", n, after)
	}
}
