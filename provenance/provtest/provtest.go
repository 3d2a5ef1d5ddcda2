// Package provtest builds the provenance fixtures that the tests of several packages share:
// the provenance domain's own, and those of the formats that write a graph out (PROV-JSON,
// ClaimReview). It is imported by tests only.
package provtest

import (
	"context"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/provenance"
)

// Graph is a claim citing a person (attributed_to) and a report (quoted_from); the report
// draws on a government briefing and a dataset, the dataset on a document, the government
// on a news agency. One more source, the outsider, draws on the agency but stands outside
// the claim's graph.
type Graph struct {
	Claim *claims.Claim
	// Sources by role: person, report, government, dataset, document, agency, outsider.
	Sources map[string]*provenance.Source
}

// Roles are the keys of Graph.Sources, each a source named after its role.
var Roles = []struct {
	Key  string
	Kind provenance.SourceKind
}{
	{"person", provenance.KindNamedPerson},
	{"report", provenance.KindReport},
	{"government", provenance.KindGovernment},
	{"dataset", provenance.KindDataset},
	{"document", provenance.KindDocument},
	{"agency", provenance.KindNewsAgency},
	{"outsider", provenance.KindOrganisation},
}

// NewGraph builds the fixture's sources, citations and derivations around c.
func NewGraph(t testing.TB, st *provenance.Store, c *claims.Claim) Graph {
	t.Helper()
	ctx := context.Background()
	g := Graph{Claim: c, Sources: map[string]*provenance.Source{}}
	for _, r := range Roles {
		g.Sources[r.Key] = Source(t, st, r.Kind, r.Key)
	}
	for _, n := range []provenance.NewCitation{
		{ClaimID: c.ID, SourceID: g.Sources["person"].ID, Attribution: "said Jane Doe", Relation: provenance.AttributedTo},
		{ClaimID: c.ID, SourceID: g.Sources["report"].ID, Locator: "p. 12", Relation: provenance.QuotedFrom},
	} {
		if _, err := st.CreateCitation(ctx, identity.System(), n); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]string{
		{"report", "government"}, {"report", "dataset"}, {"dataset", "document"}, {"government", "agency"}, {"outsider", "agency"},
	} {
		if _, err := st.AddDerivation(ctx, identity.System(), g.Sources[e[0]].ID, g.Sources[e[1]].ID, e[0]+" draws on "+e[1]); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// Source creates a source of kind named name.
func Source(t testing.TB, st *provenance.Store, kind provenance.SourceKind, name string) *provenance.Source {
	t.Helper()
	src, err := st.CreateSource(context.Background(), identity.System(), provenance.SourceFields{Kind: kind, Name: name})
	if err != nil {
		t.Fatalf("create source %q: %v", name, err)
	}
	return src
}

// Claim creates an article with body and a claim quoting quote in it.
func Claim(t testing.TB, db *database.DB, body, quote string) *claims.Claim {
	t.Helper()
	ctx := context.Background()
	cs := claims.NewStore(db)
	a, err := cs.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "t", Body: body})
	if err != nil {
		t.Fatalf("create article: %v", err)
	}
	c, err := cs.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: quote})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	return c
}
