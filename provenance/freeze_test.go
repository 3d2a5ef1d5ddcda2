package provenance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

// TestCitationsFreezeWithTheVerdict: from the proposal on, a claim's citations are part of
// what its verdict rests on (they name the claim's author in the published ClaimReview), so
// they change only after a reject or a reopen.
func TestCitationsFreezeWithTheVerdict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st, cs := provenance.NewStore(db), claims.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	a, b := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official"), mustSource(t, st, provenance.KindNewsAgency, "Reuters")
	editor, other := mustUser(t, db, "ed@example.org"), mustUser(t, db, "eve@example.org")
	cite := func(src *provenance.Source) error {
		_, err := st.CreateCitation(ctx, editor, provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID, Attribution: "said an official"})
		return err
	}
	move := func(actor identity.Actor, tr claims.Transition) {
		t.Helper()
		next, _, err := cs.Transition(ctx, actor, c.ID, c.Version, tr)
		if err != nil {
			t.Fatalf("%s: %v", tr.Action, err)
		}
		c = next
	}
	if err := cite(a); err != nil {
		t.Fatal(err)
	}
	move(editor, claims.Transition{Action: claims.ActionStart})
	move(editor, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusUnverifiable, Rationale: "no record"})
	for _, stage := range []string{"awaiting sign-off", "closed"} {
		n := dbtest.AuditCount(t, db)
		dbtest.WantKind(t, cite(b), fault.Conflict, "")
		if got := dbtest.AuditCount(t, db); got != n {
			t.Errorf("%s: a refused citation wrote %d audit events", stage, got-n)
		}
		if stage == "awaiting sign-off" {
			move(other, claims.Transition{Action: claims.ActionSignOff})
		}
	}
	move(other, claims.Transition{Action: claims.ActionReopen, Rationale: "a second source surfaced"})
	if err := cite(b); err != nil {
		t.Errorf("after a reopen: %v", err)
	}
}

func TestIdenticalCitationsAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	src := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official")
	n := provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID, Attribution: "said an Indian official", Relation: provenance.AttributedTo}
	if _, err := st.CreateCitation(ctx, identity.System(), n); err != nil {
		t.Fatal(err)
	}
	before := dbtest.AuditCount(t, db)
	for _, dup := range []provenance.NewCitation{n, {ClaimID: c.ID, SourceID: src.ID, Attribution: "  said an Indian official "}} {
		_, err := st.CreateCitation(ctx, identity.System(), dup)
		dbtest.WantKind(t, err, fault.Conflict, "")
	}
	if got := dbtest.AuditCount(t, db); got != before || countRows(t, db, "citations") != 1 {
		t.Errorf("a duplicate was stored: %d audit events, %d citations", got-before, countRows(t, db, "citations"))
	}
	// Another relation or another place in the source is another citation.
	for _, other := range []provenance.NewCitation{
		{ClaimID: c.ID, SourceID: src.ID, Attribution: n.Attribution, Relation: provenance.QuotedFrom},
		{ClaimID: c.ID, SourceID: src.ID, Attribution: n.Attribution, Locator: "para 4"},
	} {
		if _, err := st.CreateCitation(ctx, identity.System(), other); err != nil {
			t.Errorf("%+v: %v", other, err)
		}
	}
}

// TestACitedSourceKeepsItsNameWhileAVerdictRestsOnIt: a source's name and kind name the
// author of its claims' published ClaimReviews, so they change only while no claim citing it
// awaits sign-off or is closed. Its other fields (reliability, notes, …) may change.
func TestACitedSourceKeepsItsNameWhileAVerdictRestsOnIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st, cs := provenance.NewStore(db), claims.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	src := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official")
	editor, other := mustUser(t, db, "ed@example.org"), mustUser(t, db, "eve@example.org")
	if _, err := st.CreateCitation(ctx, editor, provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID}); err != nil {
		t.Fatal(err)
	}
	rename := func(name string) error {
		_, err := st.UpdateSource(ctx, editor, src.ID, nil, provenance.SourceUpdate{Name: &name})
		return err
	}
	if err := rename("An Indian official"); err != nil {
		t.Fatalf("renaming while the claim is open: %v", err)
	}
	for _, tr := range []claims.Transition{
		{Action: claims.ActionStart},
		{Action: claims.ActionPropose, Status: claims.StatusUnverifiable, Rationale: "no record"},
	} {
		next, _, err := cs.Transition(ctx, editor, c.ID, c.Version, tr)
		if err != nil {
			t.Fatal(err)
		}
		c = next
	}
	n := dbtest.AuditCount(t, db)
	err := rename("A Pakistani official")
	dbtest.WantKind(t, err, fault.Conflict, "")
	if !strings.Contains(err.Error(), fmt.Sprint(c.ID)) {
		t.Errorf("err = %v, want it to name claim %d", err, c.ID)
	}
	kind := provenance.KindOrganisation
	_, err = st.UpdateSource(ctx, editor, src.ID, nil, provenance.SourceUpdate{Kind: &kind})
	dbtest.WantKind(t, err, fault.Conflict, "")
	reliability := provenance.ReliabilityB
	if _, err := st.UpdateSource(ctx, editor, src.ID, nil, provenance.SourceUpdate{Reliability: &reliability}); err != nil {
		t.Errorf("a new reliability grade: %v", err)
	}
	if got := dbtest.AuditCount(t, db); got != n+1 {
		t.Errorf("audit events %d -> %d, want one (the grade)", n, got)
	}
	if _, _, err := cs.Transition(ctx, other, c.ID, c.Version, claims.Transition{Action: claims.ActionReject, Rationale: "the source is misnamed"}); err != nil {
		t.Fatal(err)
	}
	if err := rename("A Pakistani official"); err != nil {
		t.Errorf("after the reject: %v", err)
	}
}

func TestCitationsPerClaimAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	src := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official")
	for i := range provenance.MaxCitationsPerClaim {
		if _, err := st.CreateCitation(ctx, identity.System(), provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID, Locator: fmt.Sprintf("para %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := dbtest.AuditCount(t, db)
	_, err := st.CreateCitation(ctx, identity.System(), provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID, Locator: "one more"})
	dbtest.WantKind(t, err, fault.Conflict, "")
	if dbtest.AuditCount(t, db) != n {
		t.Error("a refused citation was audited")
	}
}
