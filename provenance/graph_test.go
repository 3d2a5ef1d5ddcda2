package provenance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

// graphFixture builds a claim citing a person (attributed_to) and a report (quoted_from); the
// report draws on a government briefing and a dataset, the dataset on a document, the
// government on a news agency. One more source stands outside the graph.
type graphFixture struct {
	claim *claims.Claim
	src   map[string]*provenance.Source
}

func newGraphFixture(t *testing.T, st *provenance.Store, c *claims.Claim) graphFixture {
	t.Helper()
	ctx := context.Background()
	f := graphFixture{claim: c, src: map[string]*provenance.Source{}}
	for _, s := range []struct {
		key  string
		kind provenance.SourceKind
	}{
		{"person", provenance.KindNamedPerson},
		{"report", provenance.KindReport},
		{"government", provenance.KindGovernment},
		{"dataset", provenance.KindDataset},
		{"document", provenance.KindDocument},
		{"agency", provenance.KindNewsAgency},
		{"outsider", provenance.KindOrganisation},
	} {
		f.src[s.key] = mustSource(t, st, s.kind, s.key)
	}
	for _, n := range []provenance.NewCitation{
		{ClaimID: c.ID, SourceID: f.src["person"].ID, Attribution: "said Jane Doe", Relation: provenance.AttributedTo},
		{ClaimID: c.ID, SourceID: f.src["report"].ID, Locator: "p. 12", Relation: provenance.QuotedFrom},
	} {
		if _, err := st.CreateCitation(ctx, identity.System(), n); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]string{
		{"report", "government"}, {"report", "dataset"}, {"dataset", "document"}, {"government", "agency"}, {"outsider", "agency"},
	} {
		if _, err := st.AddDerivation(ctx, identity.System(), f.src[e[0]].ID, f.src[e[1]].ID, e[0]+" draws on "+e[1]); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestClaimGraph(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "Jane Doe said 2,000 fighters remain, the report found.", "2,000 fighters remain")
	f := newGraphFixture(t, st, c)

	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Claim.ID != c.ID || g.Article == nil || g.Article.ID != c.ArticleID {
		t.Fatalf("graph claim/article = %+v / %+v", g.Claim, g.Article)
	}
	if len(g.Citations) != 2 || g.Citations[0].Source == nil || g.Citations[0].Source.Name != "person" {
		t.Errorf("citations = %+v", g.Citations)
	}
	name := map[int64]string{}
	for k, s := range f.src {
		name[s.ID] = k
	}
	var edges []string
	for _, d := range g.Upstream {
		edges = append(edges, name[d.SourceID]+"<-"+name[d.DerivedFromID])
	}
	if got, want := strings.Join(edges, " "), "report<-government report<-dataset government<-agency dataset<-document"; got != want {
		t.Errorf("upstream = %q, want %q", got, want)
	}
	var sources []string
	for id, s := range g.Sources {
		if s.ID != id {
			t.Errorf("Sources[%d] holds source %d", id, s.ID)
		}
		sources = append(sources, name[id])
	}
	slices.Sort(sources)
	if got := strings.Join(sources, " "); got != "agency dataset document government person report" {
		t.Errorf("sources = %s", got)
	}

	t.Run("claim without citations", func(t *testing.T) {
		bare := mustClaim(t, db, "Nothing cited here.", "Nothing cited")
		g, err := st.ClaimGraph(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Citations == nil || len(g.Citations) != 0 || len(g.Upstream) != 0 || g.Sources == nil || len(g.Sources) != 0 {
			t.Errorf("graph = %+v", g)
		}
		doc := g.PROV()
		if n := len(doc["entity"].(map[string]any)); n != 2 {
			t.Errorf("%d entities, want the claim and its article revision", n)
		}
	})

	t.Run("missing claim", func(t *testing.T) {
		_, err := st.ClaimGraph(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
	})
}

// relation is one PROV relation reduced to its two ends and type, for comparison.
type relation struct{ from, to, typ string }

func relations(t *testing.T, doc map[string]any, key, fromAttr, toAttr string) (map[relation]map[string]any, []string) {
	t.Helper()
	m, ok := doc[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", key, doc[key])
	}
	out := map[relation]map[string]any{}
	var ids []string
	for id, v := range m {
		if !strings.HasPrefix(id, "_:") {
			t.Errorf("%s id %q is not a blank node", key, id)
		}
		ids = append(ids, id)
		attrs := v.(map[string]any)
		r := relation{from: attrs[fromAttr].(string), to: attrs[toAttr].(string)}
		if typ, ok := attrs["prov:type"].(map[string]any); ok {
			r.typ = typ["$"].(string)
		}
		out[r] = attrs
	}
	return out, ids
}

func TestPROV(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "Jane Doe said 2,000 fighters remain, the report found.", "2,000 fighters remain")
	f := newGraphFixture(t, st, c)
	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc := g.PROV()

	// Round-trip through JSON so the checks see what a client sees.
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}

	if p := got["prefix"].(map[string]any); p["verity"] != "urn:verity:" {
		t.Errorf("prefix = %v", p)
	}
	ref := func(k string) string { return fmt.Sprintf("verity:source/%d", f.src[k].ID) }
	claim := fmt.Sprintf("verity:claim/%d", c.ID)
	revision := fmt.Sprintf("verity:article/%d/revision/1", c.ArticleID)

	entities := got["entity"].(map[string]any)
	agents := got["agent"].(map[string]any)
	var entityIDs, agentIDs []string
	for id := range entities {
		entityIDs = append(entityIDs, id)
	}
	for id := range agents {
		agentIDs = append(agentIDs, id)
	}
	slices.Sort(entityIDs)
	slices.Sort(agentIDs)
	wantEntities := []string{claim, revision, ref("report"), ref("dataset"), ref("document")}
	wantAgents := []string{ref("person"), ref("government"), ref("agency")}
	slices.Sort(wantEntities)
	slices.Sort(wantAgents)
	if !slices.Equal(entityIDs, wantEntities) {
		t.Errorf("entities = %v, want %v", entityIDs, wantEntities)
	}
	if !slices.Equal(agentIDs, wantAgents) {
		t.Errorf("agents = %v, want %v", agentIDs, wantAgents)
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

	derived, _ := relations(t, got, "wasDerivedFrom", "prov:generatedEntity", "prov:usedEntity")
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

	attributed, _ := relations(t, got, "wasAttributedTo", "prov:entity", "prov:agent")
	if len(attributed) != 1 {
		t.Errorf("wasAttributedTo = %v", attributed)
	}
	if a, ok := attributed[relation{claim, ref("person"), ""}]; !ok || a["verity:attribution"] != "said Jane Doe" || a["verity:relation"] != "attributed_to" {
		t.Errorf("attribution to the person = %v", a)
	}

	influenced, _ := relations(t, got, "wasInfluencedBy", "prov:influencee", "prov:influencer")
	for _, r := range []relation{{ref("report"), ref("government"), ""}, {ref("government"), ref("agency"), ""}} {
		if a, ok := influenced[r]; !ok || a["verity:note"] == nil {
			t.Errorf("wasInfluencedBy lacks %+v with its note; has %v", r, influenced)
		}
	}
	if len(influenced) != 2 {
		t.Errorf("wasInfluencedBy = %v", influenced)
	}

	// Every relation points at something the document declares.
	for _, key := range []string{"wasDerivedFrom", "wasAttributedTo", "wasInfluencedBy"} {
		for id, v := range got[key].(map[string]any) {
			for attr, end := range v.(map[string]any) {
				s, ok := end.(string)
				if !ok || !strings.HasPrefix(s, "verity:") || attr == "verity:relation" {
					continue
				}
				if entities[s] == nil && agents[s] == nil {
					t.Errorf("%s %s: %s = %s is not declared", key, id, attr, s)
				}
			}
		}
	}

	t.Run("deterministic", func(t *testing.T) {
		for range 5 {
			g2, err := st.ClaimGraph(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(g2.PROV())
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(raw) {
				t.Fatalf("PROV differs between runs:\n%s\n%s", raw, again)
			}
		}
	})
}
