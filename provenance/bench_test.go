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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
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

// BenchmarkCreateCitedClaims creates one claim with one or two citations per op through
// Store.CreateClaims, as POST /api/v1/claims with inline citations does (each quote given
// with its start), from 1 or 8 goroutines at once, with synchronous=FULL. Besides claims/s it
// reports what the one writer spends: the mean time from a batch's BEGIN to its last write
// function's return, per write ("writer-µs/claim"), the mean COMMIT per batch, and the mean
// batch size. The writer's time per claim is what bounds the rate once enough callers wait.
//
//	go test -run '^$' -bench CreateCitedClaims -count 5 ./provenance/
func BenchmarkCreateCitedClaims(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			var w writerTime
			db := dbtest.Open(b, database.WithBatchObserver(w.observe))
			ctx := context.Background()
			cs := claims.NewStore(db)
			ps := provenance.NewStore(db)
			system := identity.System()
			editor := benchEditor(b, db)

			sources := make([]*provenance.Source, 20)
			for i := range sources {
				src, err := ps.CreateSource(ctx, system, provenance.SourceFields{
					Kind: provenance.KindReport, Name: fmt.Sprintf("Annual report %d", i), Reliability: provenance.ReliabilityB,
				})
				if err != nil {
					b.Fatal(err)
				}
				sources[i] = src
			}
			// An article takes at most MaxClaimsPerArticle claims, so each op claims the next
			// passage of the next article with room.
			const perArticle = 400
			type passage struct {
				article int64
				quote   string
				start   int
			}
			var passages []passage
			for len(passages) < b.N {
				var sb strings.Builder
				var ps []passage
				for i := range perArticle {
					q := fmt.Sprintf("officials in district %04d counted %d displaced families", len(passages)+i, 100+(i*7919)%9000)
					sb.WriteString("After the storm, ")
					ps = append(ps, passage{quote: q, start: len([]rune(sb.String()))})
					sb.WriteString(q + ". ")
				}
				a, err := cs.CreateArticle(ctx, system, claims.ArticleFields{Title: "Storm aftermath", Body: sb.String()})
				if err != nil {
					b.Fatal(err)
				}
				for i := range ps {
					ps[i].article = a.ID
				}
				passages = append(passages, ps...)
			}
			// As verity serve does at start: with the statistics, SQLite recompiles a prepared
			// statement whose parameter meets an indexed column unless it is written to keep.
			if err := db.Optimize(ctx, true); err != nil {
				b.Fatal(err)
			}
			w.reset()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range writers {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						p := passages[i]
						v := float64(100 + i)
						start := p.start
						cited := provenance.CitedClaim{
							NewClaim: claims.NewClaim{
								ArticleID: p.article, Quote: p.quote, Start: &start, Kind: claims.KindCasualtyCount,
								Text:       fmt.Sprintf("%d families were displaced in district %04d.", 100+i, i),
								Quantities: []claims.Quantity{{Value: &v, Qualifier: "at least", Unit: "families displaced", AsOf: "2026-11-02"}},
							},
							Citations: []provenance.NewCitation{{
								SourceID: sources[i%len(sources)].ID, Attribution: "according to the annual report",
								Locator: fmt.Sprintf("paragraph %d", 1+i%12), Relation: provenance.AttributedTo,
							}},
						}
						if i%2 == 0 {
							cited.Citations = append(cited.Citations, provenance.NewCitation{
								SourceID: sources[(i+7)%len(sources)].ID, Attribution: "said a ministry official",
								Locator: "page 4", Relation: provenance.QuotedFrom,
							})
						}
						if _, err := ps.CreateClaims(ctx, editor, []provenance.CitedClaim{cited}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
			w.report(b, "claim")
		})
	}
}

// benchEditor creates an editor and returns them acting through a token an admin made for
// them, as the load command's clients do (so each audit event names two users).
func benchEditor(b *testing.B, db *database.DB) identity.Actor {
	b.Helper()
	ctx := context.Background()
	users := identity.NewStore(db)
	admin, err := users.CreateUser(ctx, identity.System(), identity.NewUser{
		Email: "admin@example.org", Name: "The admin", Role: identity.RoleAdmin, Password: "correct horse battery",
	})
	if err != nil {
		b.Fatal(err)
	}
	editor, err := users.CreateUser(ctx, identity.System(), identity.NewUser{
		Email: "editor@example.org", Name: "The editor", Role: identity.RoleEditor, Password: "correct horse battery",
	})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := users.CreateToken(ctx, admin.Actor(), editor.ID, "load")
	if err != nil {
		b.Fatal(err)
	}
	return editor.ActorVia(tok)
}

// writerTime adds up the batches the writer ran, for the benchmarks' writer metrics.
type writerTime struct {
	mu              sync.Mutex
	batches, writes int
	run, commit     time.Duration
}

func (w *writerTime) observe(s database.BatchStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.batches++
	w.writes += s.Writes
	w.run += s.Run
	w.commit += s.Commit
}

func (w *writerTime) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.batches, w.writes, w.run, w.commit = 0, 0, 0, 0
}

func (w *writerTime) report(b *testing.B, what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writes == 0 || w.batches == 0 {
		return
	}
	b.ReportMetric(float64(w.run.Microseconds())/float64(w.writes), "writer-µs/"+what)
	b.ReportMetric(float64(w.commit.Microseconds())/float64(w.batches), "commit-µs/batch")
	b.ReportMetric(float64(w.writes)/float64(w.batches), "writes/batch")
}
