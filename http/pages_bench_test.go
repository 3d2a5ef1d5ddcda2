package http_test

// Benchmarks of the reviewer pages through the real engine, signed in with a session, at
// 100,000 claims. Run them with
//
//	go test -run '^$' -bench Page -benchmem ./http/
//
// They measure; they assert nothing about time.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/provenance"
)

// pageBenchWords are what the fixture's claim texts are drawn from.
var pageBenchWords = strings.Fields(`minister report border hospital election budget vaccine refugees
	troops village harvest drought pipeline tariff court verdict protest strike airport bridge flood
	census survey poll ballot senate mayor police arrest prison school teacher student factory export`)

// pageCorpus adds n claims to the seeded env, in one article of 400 passages, bulk-inserted
// in batches of 1,000 (bypassing the per-claim audit events, as the domain benchmarks do),
// with a realistic mix of stages and one to three citations of the seeded sources each.
func pageCorpus(b *testing.B, e *env, n int) (article *claims.Article, sample int64) {
	b.Helper()
	began := time.Now()
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	var sb strings.Builder
	var quotes []string
	var starts []int
	for i := range 400 {
		sb.WriteString("In ")
		starts = append(starts, sb.Len())
		q := fmt.Sprintf("district %04d officials counted %d displaced families", i, 100+(i*7919)%9000)
		quotes = append(quotes, q)
		sb.WriteString(q + " after the storm. ")
	}
	a, err := cs.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "Storm aftermath", Body: sb.String()})
	if err != nil {
		b.Fatal(err)
	}
	anchors := make([]claims.Anchor, len(quotes))
	for i, q := range quotes {
		if anchors[i], err = claims.Locate(a.Body, q, &starts[i]); err != nil {
			b.Fatal(err)
		}
	}
	rev, ed := e.users[reviewer].ID, e.users[editor].ID
	rng := rand.New(rand.NewPCG(2026, 12))
	kinds := claims.Kinds()
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	const batch = 1000
	for off := 0; off < n; off += batch {
		list := make([]claims.Claim, 0, batch)
		for i := off; i < min(n, off+batch); i++ {
			an := anchors[rng.IntN(len(anchors))]
			words := make([]string, 8+rng.IntN(5))
			for w := range words {
				words[w] = pageBenchWords[rng.IntN(len(pageBenchWords))]
			}
			c := claims.Claim{
				ArticleID: a.ID, ArticleRevision: a.Revision, Quote: an.Exact, AnchorStart: an.Start, AnchorEnd: an.End,
				AnchorPrefix: an.Prefix, AnchorSuffix: an.Suffix, AnchorState: claims.Anchored,
				Text: strings.Join(words, " "), Kind: kinds[rng.IntN(len(kinds))], Quantities: []claims.Quantity{},
				Stage: claims.StageOpen, Status: claims.StatusUnverified, Version: 1, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			}
			switch p := rng.IntN(100); {
			case p < 40:
			case p < 65:
				c.Stage, c.AssigneeID, c.Version = claims.StageInReview, &rev, 2
			case p < 75:
				st := claims.StatusVerified
				c.Stage, c.AssigneeID, c.ProposedBy, c.ProposedStatus, c.Version = claims.StageAwaitingSignoff, &rev, &rev, &st, 3
			default:
				c.Stage, c.AssigneeID, c.ProposedBy, c.SignedOffBy, c.Status, c.Version = claims.StageClosed, &rev, &rev, &ed, claims.StatusVerified, 4
			}
			c.UpdatedAt = c.CreatedAt
			list = append(list, c)
		}
		err := e.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			if _, err := tx.NewInsert().Model(&list).Exec(ctx); err != nil {
				return err
			}
			var cits []provenance.Citation
			for _, c := range list {
				for k := range 1 + rng.IntN(3) {
					cits = append(cits, provenance.Citation{ClaimID: c.ID, SourceID: int64(1 + (int(c.ID)+k*7)%18),
						Attribution: "officials said", Relation: provenance.AttributedTo, CreatedAt: c.CreatedAt})
				}
			}
			_, err := tx.NewInsert().Model(&cits).Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatalf("insert claims %d..: %v", off, err)
		}
	}
	// The claim page's sample: a claim of the corpus with three citations and evidence.
	if err := e.db.Reader().QueryRowContext(ctx,
		"SELECT claim_id FROM citations WHERE claim_id > 69 GROUP BY claim_id HAVING count(*) = 3 ORDER BY claim_id DESC LIMIT 1").Scan(&sample); err != nil {
		b.Fatal(err)
	}
	for range 2 {
		if _, err := cs.AddEvidence(ctx, e.users[reviewer].Actor(), claims.NewEvidence{ClaimID: sample, URL: "https://example.org/report", Excerpt: "the report says so", Stance: claims.StanceSupports}); err != nil && !strings.Contains(err.Error(), "frozen") {
			b.Fatal(err)
		}
	}
	b.Logf("fixture: %d claims built in %v", n, time.Since(began).Round(time.Millisecond))
	return a, sample
}

// benchPage serves GET path per op with the visitor's session and reports requests/s and
// the page's size.
func benchPage(b *testing.B, v *visitor, path string) {
	b.Helper()
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		return v.send(r)
	}
	w := get()
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, w.Code, clipBody(w.Body.String()))
	}
	size := w.Body.Len()
	n := 0
	for b.Loop() {
		if w := get(); w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, w.Code)
		}
		n++
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, "requests/s")
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

// BenchmarkPageQueue100k renders the claim queue (50 rows, each with its sources and
// assignee) at 100,000 claims: the first page, a page deep in the list, a filtered view and
// a search.
func BenchmarkPageQueue100k(b *testing.B) {
	e := newEnv(b)
	a, _ := pageCorpus(b, e, 100_000)
	v := e.signIn(reviewer)
	for _, c := range []struct{ name, path string }{
		{"first page", "/claims"},
		{"page 1000", "/claims?after=50000"},
		{"in review, estimates", fmt.Sprintf("/claims?article=%d&stage=in_review&kind=estimate", a.ID)},
		{"search", "/claims?q=hospital+budget"},
		{"unassigned", "/claims?view=unassigned"},
	} {
		b.Run(c.name, func(b *testing.B) { benchPage(b, v, c.path) })
	}
}

// BenchmarkPageClaim100k renders a claim page at 100,000 claims: the passage, the
// provenance diagram of its three cited sources and what they draw on, evidence, history
// and the forms an editor is offered.
func BenchmarkPageClaim100k(b *testing.B) {
	e := newEnv(b)
	_, id := pageCorpus(b, e, 100_000)
	benchPage(b, e.signIn(editor), fmt.Sprintf("/claims/%d", id))
}
