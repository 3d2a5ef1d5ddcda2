package export_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/http/export"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/provtest"
)

// TestPROVReview follows a claim through a rejected proposal, a second one signed off and a
// reopen, and checks the activities the review leaves in the graph.
func TestPROVReview(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	st := provenance.NewStore(db)
	cs := claims.NewStore(db)
	c := provtest.Claim(t, db, "The report counted 2,200 fighters.", "2,200 fighters")
	rita := newUser(t, db, "rita@example.org", "Rita Reviewer", identity.RoleReviewer)
	ed := newUser(t, db, "ed@example.org", "Ed Editor", identity.RoleEditor)
	version := c.Version
	move := func(a identity.Actor, tr claims.Transition) int64 {
		t.Helper()
		cl, ev, err := cs.Transition(ctx, a, c.ID, version, tr)
		if err != nil {
			t.Fatal(err)
		}
		version = cl.Version
		return ev.ID
	}
	evidence := func(stance claims.Stance) int64 {
		t.Helper()
		e, err := cs.AddEvidence(ctx, rita, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/" + string(stance), Stance: stance})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	start := move(rita, claims.Transition{Action: claims.ActionStart})
	first := evidence(claims.StanceSupports)
	propose1 := move(rita, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "The report says so."})
	reject := move(ed, claims.Transition{Action: claims.ActionReject, Rationale: "Read page 12."})
	if _, err := cs.WithdrawEvidence(ctx, rita, first, "wrong page"); err != nil {
		t.Fatal(err)
	}
	second := evidence(claims.StanceRefutes)
	propose2 := move(rita, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusMisleading, Rationale: "Page 12 says 2020."})
	signOff := move(ed, claims.Transition{Action: claims.ActionSignOff})
	reopen := move(ed, claims.Transition{Action: claims.ActionReopen, Rationale: "A newer report."})

	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, raw := roundTrip(t, export.PROV(g))
	validatePROV(t, raw)
	everyEndDeclared(t, doc)

	act := func(id int64) string { return fmt.Sprintf("verity:review/%d", id) }
	ev := func(id int64) string { return fmt.Sprintf("verity:evidence/%d", id) }
	user := func(a identity.Actor) string { return fmt.Sprintf("verity:user/%d", a.UserID) }
	claim := fmt.Sprintf("verity:claim/%d", c.ID)
	proposal1, proposal2 := fmt.Sprintf("verity:proposal/%d", propose1), fmt.Sprintf("verity:proposal/%d", propose2)
	verdict := fmt.Sprintf("verity:verdict/%d", signOff)

	activities := doc["activity"].(map[string]any)
	wantTypes := map[int64]string{start: "verity:Start", propose1: "verity:Propose", reject: "verity:Reject", propose2: "verity:Propose", signOff: "verity:SignOff", reopen: "verity:Reopen"}
	if len(activities) != len(wantTypes) {
		t.Errorf("activities = %v", ids(activities))
	}
	for id, typ := range wantTypes {
		a, _ := activities[act(id)].(map[string]any)
		if a == nil || a["prov:type"].(map[string]any)["$"] != typ || a["prov:startTime"] == nil || a["prov:startTime"] != a["prov:endTime"] {
			t.Errorf("activity %s = %v, want a %s at one instant", act(id), a, typ)
		}
	}
	agents := doc["agent"].(map[string]any)
	for a, name := range map[identity.Actor]string{rita: "Rita Reviewer", ed: "Ed Editor"} {
		rec, _ := agents[user(a)].(map[string]any)
		if rec == nil || rec["prov:label"] != name || rec["prov:type"].(map[string]any)["$"] != "prov:Person" {
			t.Errorf("agent %s = %v, want the person %s", user(a), rec, name)
		}
	}

	associated := relations(t, doc, "wasAssociatedWith", "prov:activity", "prov:agent")
	for id, who := range map[int64]identity.Actor{start: rita, propose1: rita, reject: ed, propose2: rita, signOff: ed, reopen: ed} {
		if associated[relation{act(id), user(who), ""}] == nil {
			t.Errorf("%s is not associated with %s: %v", act(id), user(who), associated)
		}
	}
	if len(associated) != len(wantTypes) {
		t.Errorf("wasAssociatedWith = %v", associated)
	}

	used := relations(t, doc, "used", "prov:activity", "prov:entity")
	var gotUsed []relation
	for r := range used {
		gotUsed = append(gotUsed, r)
	}
	wantUsed := []relation{
		{act(start), claim, ""}, {act(propose1), claim, ""}, {act(reject), claim, ""},
		{act(propose2), claim, ""}, {act(signOff), claim, ""}, {act(reopen), claim, ""},
		// Each proposal and sign-off used the evidence standing then: the first item until
		// it was withdrawn, the second after it was added.
		{act(propose1), ev(first), ""}, {act(propose2), ev(second), ""}, {act(signOff), ev(second), ""},
		{act(reject), proposal1, ""}, {act(signOff), proposal2, ""},
	}
	byText := func(a, b relation) int { return compare(a.from+a.to, b.from+b.to) }
	slices.SortFunc(gotUsed, byText)
	slices.SortFunc(wantUsed, byText)
	if !slices.Equal(gotUsed, wantUsed) {
		t.Errorf("used =\n\t%v\nwant\n\t%v", gotUsed, wantUsed)
	}

	generated := relations(t, doc, "wasGeneratedBy", "prov:entity", "prov:activity")
	if len(generated) != 3 || generated[relation{proposal1, act(propose1), ""}] == nil ||
		generated[relation{proposal2, act(propose2), ""}] == nil || generated[relation{verdict, act(signOff), ""}] == nil {
		t.Errorf("wasGeneratedBy = %v", generated)
	}
	invalidated := relations(t, doc, "wasInvalidatedBy", "prov:entity", "prov:activity")
	if len(invalidated) != 2 || invalidated[relation{proposal1, act(reject), ""}] == nil || invalidated[relation{verdict, act(reopen), ""}] == nil {
		t.Errorf("wasInvalidatedBy = %v", invalidated)
	}
	derived := relations(t, doc, "wasDerivedFrom", "prov:generatedEntity", "prov:usedEntity")
	if d := derived[relation{verdict, proposal2, ""}]; d == nil || d["prov:activity"] != act(signOff) {
		t.Errorf("the verdict is not derived from its proposal by the sign-off: %v", derived)
	}
	entities := doc["entity"].(map[string]any)
	v := entities[verdict].(map[string]any)
	if v["verity:status"] != "misleading" || v["verity:rationale"] != "Page 12 says 2020." || v["prov:type"].(map[string]any)["$"] != "verity:Verdict" {
		t.Errorf("verdict entity = %v", v)
	}
	if p := entities[proposal1].(map[string]any); p["verity:status"] != "verified" || p["verity:rationale"] != "The report says so." {
		t.Errorf("first proposal entity = %v", p)
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
