package export_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/http/export"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/provtest"
)

// roundTrip encodes a document and decodes it again, so that checks see what a client sees.
func roundTrip(t *testing.T, doc map[string]any) (map[string]any, []byte) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	return got, raw
}

// relation is one PROV relation reduced to its two ends and type, for comparison.
type relation struct{ from, to, typ string }

func relations(t *testing.T, doc map[string]any, key, fromAttr, toAttr string) map[relation]map[string]any {
	t.Helper()
	m, ok := doc[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", key, doc[key])
	}
	out := map[relation]map[string]any{}
	for id, v := range m {
		if !strings.HasPrefix(id, "_:") {
			t.Errorf("%s id %q is not a blank node", key, id)
		}
		attrs := v.(map[string]any)
		r := relation{from: attrs[fromAttr].(string), to: attrs[toAttr].(string)}
		if typ, ok := attrs["prov:type"].(map[string]any); ok {
			r.typ = typ["$"].(string)
		}
		out[r] = attrs
	}
	return out
}

func ids(m any) []string {
	var out []string
	for id := range m.(map[string]any) {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func TestPROV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Open(t)
	st := provenance.NewStore(db)
	c := provtest.Claim(t, db, "Jane Doe said 2,000 fighters remain, the report found.", "2,000 fighters remain")
	f := provtest.NewGraph(t, st, c)
	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, raw := roundTrip(t, export.PROV(g))
	validatePROV(t, raw)

	if p := got["prefix"].(map[string]any); p["verity"] != "urn:verity:" {
		t.Errorf("prefix = %v", p)
	}
	ref := func(k string) string { return fmt.Sprintf("verity:source/%d", f.Sources[k].ID) }
	claim := fmt.Sprintf("verity:claim/%d", c.ID)
	revision := fmt.Sprintf("verity:article/%d/revision/1", c.ArticleID)

	entities := got["entity"].(map[string]any)
	agents := got["agent"].(map[string]any)
	wantEntities := []string{claim, revision, ref("report"), ref("dataset"), ref("document")}
	wantAgents := []string{ref("person"), ref("government"), ref("agency")}
	slices.Sort(wantEntities)
	slices.Sort(wantAgents)
	if got := ids(entities); !slices.Equal(got, wantEntities) {
		t.Errorf("entities = %v, want %v", got, wantEntities)
	}
	if got := ids(agents); !slices.Equal(got, wantAgents) {
		t.Errorf("agents = %v, want %v", got, wantAgents)
	}
	ce := entities[claim].(map[string]any)
	if ce["prov:value"] != "2,000 fighters remain" || ce["verity:status"] != "unverified" {
		t.Errorf("claim entity = %v", ce)
	}
	for k, want := range map[string]string{"person": "prov:Person", "government": "prov:Organization", "agency": "prov:Organization"} {
		a := agents[ref(k)].(map[string]any)
		if typ := a["prov:type"].(map[string]any); typ["$"] != want || typ["type"] != "prov:QUALIFIED_NAME" {
			t.Errorf("%s prov:type = %v, want %s", k, typ, want)
		}
		if a["prov:label"] != k {
			t.Errorf("%s label = %v", k, a["prov:label"])
		}
	}
	if rel := entities[ref("report")].(map[string]any)["verity:reliability"]; rel != "F" {
		t.Errorf("report reliability = %v", rel)
	}

	derived := relations(t, got, "wasDerivedFrom", "prov:generatedEntity", "prov:usedEntity")
	wantDerived := []relation{
		{claim, revision, "prov:Quotation"},
		{claim, ref("report"), "prov:Quotation"},
		{ref("report"), ref("dataset"), ""},
		{ref("dataset"), ref("document"), ""},
	}
	if len(derived) != len(wantDerived) {
		t.Errorf("wasDerivedFrom = %v", derived)
	}
	for _, r := range wantDerived {
		if _, ok := derived[r]; !ok {
			t.Errorf("wasDerivedFrom lacks %+v; has %v", r, derived)
		}
	}
	if loc := derived[relation{claim, ref("report"), "prov:Quotation"}]["verity:locator"]; loc != "p. 12" {
		t.Errorf("locator = %v", loc)
	}

	attributed := relations(t, got, "wasAttributedTo", "prov:entity", "prov:agent")
	if len(attributed) != 1 {
		t.Errorf("wasAttributedTo = %v", attributed)
	}
	if a, ok := attributed[relation{claim, ref("person"), ""}]; !ok || a["verity:attribution"] != "said Jane Doe" || a["verity:relation"] != "attributed_to" {
		t.Errorf("attribution to the person = %v", a)
	}

	influenced := relations(t, got, "wasInfluencedBy", "prov:influencee", "prov:influencer")
	for _, r := range []relation{{ref("report"), ref("government"), ""}, {ref("government"), ref("agency"), ""}} {
		if a, ok := influenced[r]; !ok || a["verity:note"] == nil {
			t.Errorf("wasInfluencedBy lacks %+v with its note; has %v", r, influenced)
		}
	}
	if len(influenced) != 2 {
		t.Errorf("wasInfluencedBy = %v", influenced)
	}
	for _, key := range []string{"activity", "wasAssociatedWith", "used", "wasGeneratedBy", "wasInvalidatedBy"} {
		if m, ok := got[key].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("a claim never reviewed has %s = %v, want an empty object", key, got[key])
		}
	}
	everyEndDeclared(t, got)

	t.Run("deterministic", func(t *testing.T) {
		for range 5 {
			g2, err := st.ClaimGraph(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(export.PROV(g2))
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(raw) {
				t.Fatalf("PROV differs between runs:\n%s\n%s", raw, again)
			}
		}
	})

	t.Run("claim without citations", func(t *testing.T) {
		bare := provtest.Claim(t, db, "Nothing cited here.", "Nothing cited")
		g, err := st.ClaimGraph(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, raw := roundTrip(t, export.PROV(g))
		validatePROV(t, raw)
		if n := len(doc["entity"].(map[string]any)); n != 2 {
			t.Errorf("%d entities, want the claim and its article revision", n)
		}
	})
}

// everyEndDeclared checks that every relation points at records the document declares: a
// PROV reader resolves each end to an entity, activity or agent.
func everyEndDeclared(t *testing.T, doc map[string]any) {
	t.Helper()
	declared := map[string]bool{}
	for _, key := range []string{"entity", "activity", "agent"} {
		for id := range doc[key].(map[string]any) {
			declared[id] = true
		}
	}
	for key, v := range doc {
		if key == "prefix" || key == "entity" || key == "activity" || key == "agent" {
			continue
		}
		for id, rec := range v.(map[string]any) {
			for attr, end := range rec.(map[string]any) {
				s, ok := end.(string)
				if ok && strings.HasPrefix(attr, "prov:") && strings.HasPrefix(s, "verity:") && !declared[s] {
					t.Errorf("%s %s: %s = %s is not declared", key, id, attr, s)
				}
			}
		}
	}
}

func TestPROVEvidence(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	st := provenance.NewStore(db)
	c := provtest.Claim(t, db, "The report counted 2,200 fighters.", "2,200 fighters")
	src := provtest.Source(t, st, provenance.KindReport, "UN report")
	rev := newUser(t, db, "rev@example.org", "Rita Reviewer", identity.RoleReviewer)
	cs := claims.NewStore(db)
	if _, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/r", Title: "Report", Stance: claims.StanceSupports, SourceID: &src.ID}); err != nil {
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
	doc, raw := roundTrip(t, export.PROV(g))
	validatePROV(t, raw)
	entities := doc["entity"].(map[string]any)
	withdrawn := entities[fmt.Sprintf("verity:evidence/%d", gone.ID)].(map[string]any)
	if withdrawn["verity:withdrawn"] != true || withdrawn["verity:withdrawal_reason"] != "misread" || withdrawn["verity:stance"] != "refutes" {
		t.Errorf("withdrawn evidence entity = %v", withdrawn)
	}
	kept := entities[fmt.Sprintf("verity:evidence/%d", g.Evidence[0].ID)].(map[string]any)
	wantSource := map[string]any{"$": fmt.Sprintf("verity:source/%d", src.ID), "type": "prov:QUALIFIED_NAME"}
	if got, _ := kept["verity:source"].(map[string]any); fmt.Sprint(got) != fmt.Sprint(wantSource) {
		t.Errorf("evidence source = %v, want the qualified name %v", kept["verity:source"], wantSource)
	}
	rels := relations(t, doc, "wasInfluencedBy", "prov:influencee", "prov:influencer")
	for _, e := range g.Evidence {
		r := relation{from: fmt.Sprintf("verity:claim/%d", c.ID), to: fmt.Sprintf("verity:evidence/%d", e.ID)}
		if rels[r] == nil || rels[r]["verity:stance"] != string(e.Stance) {
			t.Errorf("no influence of evidence %d on the claim: %v", e.ID, rels)
		}
	}
}

// newUser adds a user and returns them as an actor.
func newUser(t *testing.T, db *database.DB, email, name string, role identity.Role) identity.Actor {
	t.Helper()
	u, err := identity.NewStore(db).CreateUser(context.Background(), identity.System(), identity.NewUser{Email: email, Name: name, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor()
}
