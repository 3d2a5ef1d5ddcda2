package provenance_test

// Benchmarks of the provenance reads on a real SQLite file. Run them with
//
//	go test -run '^$' -bench . -benchmem ./provenance/
//
// They measure; they assert nothing about time.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

// BenchmarkFindClaimWithCitations does per op the domain reads behind GET
// /api/v1/claims/{id}: FindClaimByID, then FindCitationsByClaim (which checks the claim
// exists and loads each citation with its source), for one of 50 claims with 3 citations
// each, in turn.
func BenchmarkFindClaimWithCitations(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	cs := claims.NewStore(db)
	ps := provenance.NewStore(db)
	system := identity.System()

	const nClaims = 50
	var sb strings.Builder
	quotes := make([]string, nClaims)
	for i := range quotes {
		quotes[i] = fmt.Sprintf("the agency recorded %d attacks in district %02d", 10+i*3, i)
		fmt.Fprintf(&sb, "Officials said %s last year. ", quotes[i])
	}
	a, err := cs.CreateArticle(ctx, system, claims.ArticleFields{Title: "Attacks by district", Body: sb.String()})
	if err != nil {
		b.Fatal(err)
	}
	sources := make([]*provenance.Source, 0, 3)
	for _, f := range []provenance.SourceFields{
		{Kind: provenance.KindReport, Name: "Annual security report", Publisher: "UN Assistance Mission", URL: "https://example.org/report.pdf", Reliability: provenance.ReliabilityB},
		{Kind: provenance.KindGovernment, Name: "Ministry of the Interior", Reliability: provenance.ReliabilityC},
		{Kind: provenance.KindAnonymousOfficial, Name: "A senior official", Affiliation: "Ministry of Defence"},
	} {
		src, err := ps.CreateSource(ctx, system, f)
		if err != nil {
			b.Fatal(err)
		}
		sources = append(sources, src)
	}
	relations := []provenance.Relation{provenance.QuotedFrom, provenance.AttributedTo, provenance.AttributedTo}
	ids := make([]int64, nClaims)
	for i, q := range quotes {
		c, err := cs.CreateClaim(ctx, system, claims.NewClaim{ArticleID: a.ID, Quote: q, Kind: claims.KindReportFinding})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = c.ID
		for j, src := range sources {
			if _, err := ps.CreateCitation(ctx, system, provenance.NewCitation{
				ClaimID: c.ID, SourceID: src.ID, Attribution: "officials said", Locator: fmt.Sprintf("table %d", j+1), Relation: relations[j],
			}); err != nil {
				b.Fatal(err)
			}
		}
	}

	n := 0
	for b.Loop() {
		id := ids[n%len(ids)]
		if _, err := cs.FindClaimByID(ctx, id); err != nil {
			b.Fatal(err)
		}
		cits, err := ps.ClaimCitations(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if len(cits) != len(sources) || cits[0].Source == nil {
			b.Fatalf("claim %d: %d citations, want %d with sources", id, len(cits), len(sources))
		}
		n++
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, "reads/s")
	}
}
