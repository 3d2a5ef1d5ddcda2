package claims_test

// Benchmarks of the claims store on a real SQLite file. Run them with
//
//	go test -run '^$' -bench . -benchmem ./claims/
//
// They measure; they assert nothing about time. Each writes to its own database under
// b.TempDir(), so they never share state with the tests or with each other.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// benchPassages returns an article body of n distinct sentences and, for each sentence, a
// quote that occurs exactly once in the body and the code point offset where it starts. The
// body is ASCII, so byte offsets are code point offsets.
func benchPassages(n int) (body string, quotes []string, starts []int) {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		q := fmt.Sprintf("district %04d officials counted %d displaced families", i, 100+(i*7919)%9000)
		sb.WriteString("In ")
		starts = append(starts, sb.Len())
		quotes = append(quotes, q)
		sb.WriteString(q)
		sb.WriteString(" after the storm.")
	}
	return sb.String(), quotes, starts
}

func benchArticle(b *testing.B, s *claims.Store, body string) *claims.Article {
	b.Helper()
	a, err := s.CreateArticle(context.Background(), identity.System(), claims.ArticleFields{Title: "Storm aftermath", Body: body})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// benchUser creates a user with a role; the CLI and the HTTP API create users the same way.
func benchUser(b *testing.B, db *database.DB, role identity.Role) *identity.User {
	b.Helper()
	u, err := identity.NewStore(db).CreateUser(context.Background(), identity.System(), identity.NewUser{
		Email: string(role) + "@example.org", Name: "The " + string(role), Role: role, Password: "correct horse battery",
	})
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// benchRate reports n operations over the benchmark's measured time as a rate.
func benchRate(b *testing.B, n int, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, unit)
	}
}

// BenchmarkCreateClaim creates one claim per op through Store.CreateClaim: reading the
// article, anchoring the quote in a ~15 KB body (without a start, so the whole body is
// scanned for other occurrences), inserting the row (and its full-text index entry) and
// appending the audit event, in one transaction.
func BenchmarkCreateClaim(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	s := claims.NewStore(db)
	editor := benchUser(b, db, identity.RoleEditor).Actor()
	body, quotes, _ := benchPassages(200)
	a := benchArticle(b, s, body)
	n := 0
	for b.Loop() {
		v := float64(100 + n)
		_, err := s.CreateClaim(ctx, editor, claims.NewClaim{
			ArticleID: a.ID, Quote: quotes[n%len(quotes)], Kind: claims.KindCasualtyCount,
			Quantities: []claims.Quantity{{Value: &v, Unit: "displaced families", AsOf: "2026-11-02"}},
		})
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	benchRate(b, n, "claims/s")
}

// BenchmarkFindArticleByID reads an article with its current body, about 8 KiB (the load
// corpus's mean), as every claim created does to anchor its quote: "kept" from a Store that
// read it before, "read" from a new Store each time (the revision's row read and
// decompressed).
func BenchmarkFindArticleByID(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	body, _, _ := benchPassages(110)
	a := benchArticle(b, claims.NewStore(db), body)
	b.Run("kept", func(b *testing.B) {
		s := claims.NewStore(db)
		for b.Loop() {
			if got, err := s.FindArticleByID(ctx, a.ID); err != nil || got.Body != body {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if got, err := claims.NewStore(db).FindArticleByID(ctx, a.ID); err != nil || got.Body != body {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTransition takes one workflow transition per op, with its review event and audit
// event: a reviewer's proposal (which also counts the claim's evidence) and an editor's
// rejection, alternately, on one claim that has evidence.
func BenchmarkTransition(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	s := claims.NewStore(db)
	reviewer := benchUser(b, db, identity.RoleReviewer).Actor()
	editor := benchUser(b, db, identity.RoleEditor).Actor()
	body, quotes, _ := benchPassages(20)
	a := benchArticle(b, s, body)
	c, err := s.CreateClaim(ctx, editor, claims.NewClaim{ArticleID: a.ID, Quote: quotes[3]})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.AddEvidence(ctx, reviewer, claims.NewEvidence{
		ClaimID: c.ID, URL: "https://example.org/census", Excerpt: "The census counted the families.", Stance: claims.StanceSupports,
	}); err != nil {
		b.Fatal(err)
	}
	if c, _, err = s.Transition(ctx, reviewer, c.ID, c.Version, claims.Transition{Action: claims.ActionStart}); err != nil {
		b.Fatal(err)
	}
	propose := claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "The census table matches the figure."}
	reject := claims.Transition{Action: claims.ActionReject, Rationale: "Check the later revision of the census."}
	n := 0
	for b.Loop() {
		actor, t := reviewer, propose
		if n%2 == 1 {
			actor, t = editor, reject
		}
		if c, _, err = s.Transition(ctx, actor, c.ID, c.Version, t); err != nil {
			b.Fatalf("transition %d (%s): %v", n, t.Action, err)
		}
		n++
	}
	benchRate(b, n, "transitions/s")
}

// BenchmarkAddEvidence adds one evidence item per op to an open claim, with its audit event;
// the attachment case also stores a distinct 64 KiB file under its SHA-256.
func BenchmarkAddEvidence(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	s := claims.NewStore(db)
	reviewer := benchUser(b, db, identity.RoleReviewer).Actor()
	body, quotes, _ := benchPassages(20)
	a := benchArticle(b, s, body)
	c, err := s.CreateClaim(ctx, reviewer, claims.NewClaim{ArticleID: a.ID, Quote: quotes[5]})
	if err != nil {
		b.Fatal(err)
	}
	excerpt := strings.Repeat("The provincial census recorded the displaced families district by district. ", 4)

	b.Run("url+excerpt", func(b *testing.B) {
		n := 0
		for b.Loop() {
			_, err := s.AddEvidence(ctx, reviewer, claims.NewEvidence{
				ClaimID: c.ID, URL: fmt.Sprintf("https://example.org/census/%d", n), Title: "Census table",
				Excerpt: excerpt, Stance: claims.StanceSupports,
			})
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		benchRate(b, n, "evidence/s")
	})

	files := 0 // counts files across the runs of -count, which share the database
	b.Run("attachment=64KiB", func(b *testing.B) {
		content := make([]byte, 64<<10)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range content {
			content[i] = byte(rng.Uint32())
		}
		b.SetBytes(int64(len(content)))
		n := 0
		for b.Loop() {
			// A distinct prefix makes every file new, so each op stores 64 KiB rather than
			// hitting the content-addressed row stored by an earlier op.
			files++
			copy(content, fmt.Sprintf("file %016d", files))
			_, err := s.AddEvidence(ctx, reviewer, claims.NewEvidence{
				ClaimID: c.ID, Excerpt: "Scan of the census table.", Stance: claims.StanceSupports,
				Upload: &claims.Upload{Name: "census.pdf", MediaType: "application/pdf", Content: content},
			})
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		benchRate(b, n, "evidence/s")
	})
}

// Search words of the 100k fixture. No other word of the fixture starts with either of them,
// so their prefix queries match exactly the claims they were put in.
const (
	benchWordOnePercent = "ceasefire" // in 1 claim of 100
	benchWordRare       = "zeppelin"  // in 4 claims of 100,000
	benchWordCommon     = "pipeline"  // one of the vocabulary, in ~15% of claims
	benchWordFrequent   = "breaking"  // in 40 claims of 100, as the load command's search word
)

// benchVocabulary is what the fixture's claim texts are drawn from.
var benchVocabulary = strings.Fields(`minister report border hospital election budget vaccine
	refugees troops village harvest drought pipeline tariff court verdict protest strike airport
	bridge flood census survey poll ballot senate mayor police arrest prison school teacher
	student factory export import inflation wages pension housing rent fuel grain fishing forest
	wildfire earthquake cyclone aid donor charity treaty summit embassy visa migrants asylum
	militia rebels convoy checkpoint casualties hostages ministry governor province railway`)

// benchCorpus is a database holding many claims in one article.
type benchCorpus struct {
	db      *database.DB
	store   *claims.Store
	article *claims.Article
}

// benchClaims builds a database of n claims with a realistic mix of kinds, stages and
// statuses, anchored to 400 passages of one article (anchors need not be unique), with texts
// of 8 to 12 vocabulary words so that full-text search is selective the way real text is.
//
// The claims are bulk-inserted with bun in batches of 1,000, one write transaction per batch,
// which bypasses CreateClaim and so, on purpose, the per-claim audit events: the fixture is
// for read paths, and 100,000 audited single inserts would take minutes. The full-text index
// is still filled by the schema's triggers, as for any insert.
func benchClaims(b *testing.B, n int) *benchCorpus {
	b.Helper()
	began := time.Now()
	ctx := context.Background()
	db := dbtest.Open(b)
	s := claims.NewStore(db)
	reviewer := benchUser(b, db, identity.RoleReviewer)
	editor := benchUser(b, db, identity.RoleEditor)
	body, quotes, starts := benchPassages(400)
	a := benchArticle(b, s, body)
	anchors := make([]claims.Anchor, len(quotes))
	for i, q := range quotes {
		var err error
		if anchors[i], err = claims.Locate(body, q, &starts[i]); err != nil {
			b.Fatal(err)
		}
	}

	rng := rand.New(rand.NewPCG(2026, 11))
	kinds := claims.Kinds()
	verdicts := []claims.Status{
		claims.StatusVerified, claims.StatusVerified, claims.StatusVerified, claims.StatusMisleading,
		claims.StatusFalse, claims.StatusDisputed, claims.StatusOutdated, claims.StatusUnverifiable,
	}
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	const batchSize = 1000
	batch := make([]claims.Claim, 0, batchSize)
	for off := 0; off < n; off += batchSize {
		batch = batch[:0]
		for i := off; i < min(n, off+batchSize); i++ {
			an := anchors[rng.IntN(len(anchors))]
			c := claims.Claim{
				ArticleID: a.ID, ArticleRevision: a.Revision,
				Quote: an.Exact, AnchorStart: an.Start, AnchorEnd: an.End, AnchorPrefix: an.Prefix, AnchorSuffix: an.Suffix,
				AnchorState: claims.Anchored, Text: benchText(rng, i), Kind: kinds[rng.IntN(len(kinds))],
				Quantities: []claims.Quantity{}, Stage: claims.StageOpen, Status: claims.StatusUnverified, Version: 1,
				CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			}
			if c.Kind == claims.KindEstimate || c.Kind == claims.KindCasualtyCount {
				v := float64(rng.IntN(5000))
				c.Quantities = []claims.Quantity{{Value: &v, Qualifier: "about", Unit: "people", AsOf: "2026-01-05"}}
			}
			// 40% open, 25% in review, 10% awaiting sign-off, 25% closed.
			switch p := rng.IntN(100); {
			case p < 40:
			case p < 65:
				c.Stage, c.AssigneeID, c.Version = claims.StageInReview, &reviewer.ID, 2
			case p < 75:
				c.Stage, c.AssigneeID, c.ProposedBy, c.Version = claims.StageAwaitingSignoff, &reviewer.ID, &reviewer.ID, 3
				c.Status, c.Rationale = verdicts[rng.IntN(len(verdicts))], "Matches the cited report."
			default:
				c.Stage, c.AssigneeID, c.ProposedBy, c.SignedOffBy, c.Version = claims.StageClosed, &reviewer.ID, &reviewer.ID, &editor.ID, 4
				c.Status, c.Rationale = verdicts[rng.IntN(len(verdicts))], "Matches the cited report."
			}
			c.UpdatedAt = c.CreatedAt.Add(time.Duration(c.Version-1) * time.Hour)
			batch = append(batch, c)
		}
		err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.NewInsert().Model(&batch).Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatalf("insert claims %d..: %v", off, err)
		}
	}
	b.Logf("fixture: %d claims built in %v", n, time.Since(began).Round(time.Millisecond))
	return &benchCorpus{db: db, store: s, article: a}
}

// benchText returns a claim text of 8 to 12 vocabulary words; claim i also gets the 1% word
// when i%100 == 37 and the rare word when i%25000 == 11.
func benchText(rng *rand.Rand, i int) string {
	words := make([]string, 0, 14)
	for range 8 + rng.IntN(5) {
		words = append(words, benchVocabulary[rng.IntN(len(benchVocabulary))])
	}
	for _, w := range []struct {
		word string
		in   bool
	}{{benchWordOnePercent, i%100 == 37}, {benchWordRare, i%25000 == 11}, {benchWordFrequent, i%5 < 2}} {
		if w.in {
			at := rng.IntN(len(words) + 1)
			words = append(words[:at], append([]string{w.word}, words[at:]...)...)
		}
	}
	return strings.Join(words, " ")
}

// benchAfter returns the cursor after the given number of full pages of f.
func benchAfter(b *testing.B, s *claims.Store, f claims.Filter, pages int) *claims.Key {
	b.Helper()
	for p := range pages {
		list, more, err := s.FindClaims(context.Background(), f)
		if err != nil {
			b.Fatal(err)
		}
		if !more {
			b.Fatalf("filter %+v has only %d pages", f, p+1)
		}
		k := claims.KeyOf(list[len(list)-1], f.Order)
		f.After = &k
	}
	return f.After
}

// benchFind runs FindClaims with f once per op, checks that each page holds want claims (so a
// broken fixture cannot pass for a fast query) and reports the page size and the rate.
func benchFind(b *testing.B, s *claims.Store, f claims.Filter, want int, unit string) {
	ctx := context.Background()
	n := 0
	for b.Loop() {
		list, _, err := s.FindClaims(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != want {
			b.Fatalf("filter %+v found %d claims, want %d", f, len(list), want)
		}
		n++
	}
	b.ReportMetric(float64(want), "claims/op")
	benchRate(b, n, unit)
}

// BenchmarkListFilteredPage100k lists one page of 50 claims per op from 100,000, with the
// filters of GET /api/v1/claims and GET /api/v1/articles/{id}/claims: the first page and a
// later one reached through the After cursor (page 61, after 3,000 matches). The fixture puts
// every claim in one article, so the article listing is its worst case. The no-match case is
// a filter no claim satisfies (open claims are all unverified), which has to read every row
// of the one index SQLite picks before it can answer.
func BenchmarkListFilteredPage100k(b *testing.B) {
	c := benchClaims(b, 100_000)
	const pageSize = 50
	byID := claims.Filter{Stage: claims.StageOpen, Kind: claims.KindEstimate, Limit: pageSize}
	byPosition := claims.Filter{ArticleID: c.article.ID, Stage: claims.StageOpen, Order: claims.ByPosition, Limit: pageSize}
	// GET /api/v1/articles/{id}/claims reads every page in the snapshot of its first.
	snap, err := c.store.SnapshotClaims(context.Background(), c.article.ID)
	if err != nil {
		b.Fatal(err)
	}
	inSnapshot := byPosition
	inSnapshot.Snapshot = &snap
	for _, tc := range []struct {
		name string
		f    claims.Filter
	}{
		{"stage=open,kind=estimate", byID},
		{"article,stage=open,by-position", byPosition},
		{"article,stage=open,by-position,snapshot", inSnapshot},
	} {
		later := tc.f
		later.After = benchAfter(b, c.store, tc.f, 60)
		b.Run(tc.name+"/first-page", func(b *testing.B) { benchFind(b, c.store, tc.f, pageSize, "pages/s") })
		b.Run(tc.name+"/page-61", func(b *testing.B) { benchFind(b, c.store, later, pageSize, "pages/s") })
	}
	none := claims.Filter{Stage: claims.StageOpen, Status: claims.StatusVerified, Limit: pageSize}
	b.Run("stage=open,status=verified/no-match", func(b *testing.B) { benchFind(b, c.store, none, 0, "pages/s") })
}

// BenchmarkSearch100k runs one full-text search per op over 100,000 claims, returning the
// first page of 50: a word in 1% of the claims, a rare word (4 claims), a common word (~15%),
// a frequent one (40%, from the start and from the middle), and the 1% word combined with a
// stage filter.
func BenchmarkSearch100k(b *testing.B) {
	c := benchClaims(b, 100_000)
	const pageSize = 50
	for _, tc := range []struct {
		name string
		f    claims.Filter
		want int
	}{
		{"q=1%", claims.Filter{Q: benchWordOnePercent, Limit: pageSize}, pageSize},
		{"q=rare", claims.Filter{Q: benchWordRare, Limit: pageSize}, 4},
		{"q=15%", claims.Filter{Q: benchWordCommon, Limit: pageSize}, pageSize},
		{"q=40%", claims.Filter{Q: benchWordFrequent, Limit: pageSize}, pageSize},
		{"q=40%,after-1000", claims.Filter{Q: benchWordFrequent, After: &claims.Key{ID: 50_000}, Limit: pageSize}, pageSize},
		{"q=1%,stage=closed", claims.Filter{Q: benchWordOnePercent, Stage: claims.StageClosed, Limit: pageSize}, pageSize},
	} {
		b.Run(tc.name, func(b *testing.B) { benchFind(b, c.store, tc.f, tc.want, "searches/s") })
	}
}

// BenchmarkListArticleStatus100k lists one page per op of GET /api/v1/claims?status=…&article_id=…,
// the load command's list workload, over 100,000 claims in 4,000 articles of 25 (as the load
// command makes them), most unverified: the filter SQLite once answered by walking the
// status index in id order, reading tens of thousands of rows for an article's 25. The
// articles and claims are bulk-inserted (no audit events); an article late in id order is
// asked, the worst case for that walk.
func BenchmarkListArticleStatus100k(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	s := claims.NewStore(db)
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	const articles, perArticle = 4000, 25
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		batch := make([]claims.Article, 0, 1000)
		for i := range articles {
			batch = append(batch, claims.Article{Title: fmt.Sprintf("Report %d", i), Revision: 1, Body: "Officials said.", BodySHA256: "x", Version: 1, CreatedAt: t0, UpdatedAt: t0})
			if len(batch) == cap(batch) {
				if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for off := 0; off < articles; off += 40 {
		err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			batch := make([]claims.Claim, 0, 40*perArticle)
			for a := off; a < off+40; a++ {
				for j := range perArticle {
					c := claims.Claim{ArticleID: int64(a + 1), ArticleRevision: 1, Quote: "Officials said", AnchorStart: 0, AnchorEnd: 14,
						AnchorState: claims.Anchored, Text: benchText(rng, a*perArticle+j), Kind: claims.KindOther, Quantities: []claims.Quantity{},
						Stage: claims.StageOpen, Status: claims.StatusUnverified, Version: 1, CreatedAt: t0, UpdatedAt: t0}
					if rng.IntN(5) == 0 {
						c.Stage, c.Status = claims.StageClosed, claims.StatusVerified
					}
					batch = append(batch, c)
				}
			}
			_, err := tx.NewInsert().Model(&batch).Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	f := claims.Filter{ArticleID: articles - 10, Status: claims.StatusUnverified, Limit: 50}
	list, _, err := s.FindClaims(ctx, f)
	if err != nil || len(list) == 0 {
		b.Fatalf("found %d: %v", len(list), err)
	}
	benchFind(b, s, f, len(list), "pages/s")
}

// BenchmarkReview runs the load command's review workload against the store from 1 or 8
// goroutines at once, each on claims of its own, with synchronous=FULL. One op moves a claim
// one step: evidence and start on an open claim, evidence and a proposal on one in review,
// a second editor's sign-off, a reopening. It reports ops/s (as the load command counts
// them: evidence and its transition are one op) and the writer's time per write and per
// commit, as BenchmarkCreateCitedClaims in provenance does.
//
//	go test -run '^$' -bench 'Review$' -count 5 ./claims/
func BenchmarkReview(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", workers), func(b *testing.B) {
			var mu sync.Mutex
			var batches, writes int
			var run, commit time.Duration
			db := dbtest.Open(b, database.WithBatchObserver(func(s database.BatchStats) {
				mu.Lock()
				defer mu.Unlock()
				batches, writes, run, commit = batches+1, writes+s.Writes, run+s.Run, commit+s.Commit
			}))
			ctx := context.Background()
			s := claims.NewStore(db)
			reviewer := benchUser(b, db, identity.RoleReviewer).Actor()
			editor := benchUser(b, db, identity.RoleEditor).Actor()
			signer, err := identity.NewStore(db).CreateUser(ctx, identity.System(), identity.NewUser{
				Email: "signer@example.org", Name: "The signer", Role: identity.RoleEditor, Password: "correct horse battery",
			})
			if err != nil {
				b.Fatal(err)
			}
			body, quotes, starts := benchPassages(20 * workers)
			a := benchArticle(b, s, body)
			owned := make([][]*claims.Claim, workers)
			for i, q := range quotes {
				c, err := s.CreateClaim(ctx, editor, claims.NewClaim{ArticleID: a.ID, Quote: q, Start: &starts[i]})
				if err != nil {
					b.Fatal(err)
				}
				owned[i%workers] = append(owned[i%workers], c)
			}
			// As verity serve does at start: with the statistics, SQLite recompiles a prepared
			// statement whose parameter meets an indexed column unless it is written to keep.
			if err := db.Optimize(ctx, true); err != nil {
				b.Fatal(err)
			}
			mu.Lock()
			batches, writes, run, commit = 0, 0, 0, 0
			mu.Unlock()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := range workers {
				wg.Go(func() {
					for turn := 0; ; turn++ {
						if next.Add(1) > int64(b.N) {
							return
						}
						list := owned[w]
						c := list[turn%len(list)]
						moved, err := benchReviewStep(ctx, s, c, reviewer, editor, signer.Actor())
						if err != nil {
							b.Errorf("claim %d, %s: %v", c.ID, c.Stage, err)
							return
						}
						list[turn%len(list)] = moved
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			mu.Lock()
			defer mu.Unlock()
			if writes > 0 {
				b.ReportMetric(float64(run.Microseconds())/float64(writes), "writer-µs/write")
				b.ReportMetric(float64(commit.Microseconds())/float64(batches), "commit-µs/batch")
				b.ReportMetric(float64(writes)/float64(batches), "writes/batch")
			}
		})
	}
}

// benchReviewStep moves c one step through the workflow, as the load command's review
// workload does, and returns it as it then is.
func benchReviewStep(ctx context.Context, s *claims.Store, c *claims.Claim, reviewer, editor, signer identity.Actor) (*claims.Claim, error) {
	var t claims.Transition
	actor := reviewer
	switch c.Stage {
	case claims.StageOpen, claims.StageInReview:
		if _, err := s.AddEvidence(ctx, reviewer, claims.NewEvidence{
			ClaimID: c.ID, URL: fmt.Sprintf("https://evidence.example.org/%d", c.ID), Title: fmt.Sprintf("Field notes on claim %d", c.ID),
			Excerpt: "Two independent accounts agree with the figure as published.", Stance: claims.StanceSupports,
		}); err != nil {
			return nil, err
		}
		t = claims.Transition{Action: claims.ActionStart}
		if c.Stage == claims.StageInReview {
			t = claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "Checked against the cited report and two witnesses."}
		}
	case claims.StageAwaitingSignoff:
		actor, t = signer, claims.Transition{Action: claims.ActionSignOff}
	default:
		actor, t = editor, claims.Transition{Action: claims.ActionReopen, Rationale: "A new report changes the picture."}
	}
	next, _, err := s.Transition(ctx, actor, c.ID, c.Version, t)
	return next, err
}
