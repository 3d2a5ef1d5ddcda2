package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"verity/claims"
	"verity/claims/identity"
	"verity/http/export"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/seeds"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// steppingClock reads one second later at every reading, from a fixed start: equal scripts
// give equal timestamps.
func steppingClock() func() time.Time {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

// reviewedSeedClaim loads the seed article, gives it a url and a date, and takes its claim on the UN's 2,200 fighters
// through a review: a reviewer starts it, adds two evidence items (one from a cited source)
// and withdraws one, proposes "misleading", and an editor signs it off.
func reviewedSeedClaim(t *testing.T) *provenance.Graph {
	t.Helper()
	db, id := reviewedSeed(t)
	g, err := provenance.NewStore(db).ClaimGraph(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// reviewedSeed is reviewedSeedClaim's database, and the id of the claim it reviewed.
func reviewedSeed(t *testing.T) (*database.DB, int64) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, database.WithClock(steppingClock()))
	if _, err := seeds.Load(ctx, db, identity.System()); err != nil {
		t.Fatal(err)
	}
	cs, ps := claims.NewStore(db), provenance.NewStore(db)
	// The seed article has no url or date; a published copy would.
	seeded, err := cs.FindArticleBySlug(ctx, seeds.Slug)
	if err != nil {
		t.Fatal(err)
	}
	published := time.Date(2021, 8, 27, 5, 0, 0, 0, time.UTC)
	if _, err := cs.ReplaceArticle(ctx, identity.System(), seeded.ID, nil, claims.ArticleFields{
		Slug: seeded.Slug, Title: seeded.Title, Outlet: seeded.Outlet, URL: "https://news.example.org/isis-k",
		PublishedAt: &published, Body: seeded.Body,
	}); err != nil {
		t.Fatal(err)
	}
	list, _, err := cs.FindClaims(ctx, claims.Filter{Q: "2,200 fighters", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var c *claims.Claim
	for _, cl := range list {
		if strings.Contains(cl.Quote, "just 2,200 fighters") {
			c = cl
		}
	}
	if c == nil {
		t.Fatalf("no seeded claim quotes %q", "just 2,200 fighters")
	}
	cits, err := ps.ClaimCitations(ctx, c.ID)
	if err != nil || len(cits) == 0 {
		t.Fatalf("citations of the seeded claim: %v, %v", cits, err)
	}
	rita := newUser(t, db, "rita@example.org", "Rita Reviewer", identity.RoleReviewer)
	ed := newUser(t, db, "ed@example.org", "Ed Editor", identity.RoleEditor)
	version := c.Version
	move := func(a identity.Actor, tr claims.Transition) {
		t.Helper()
		cl, _, err := cs.Transition(ctx, a, c.ID, version, tr)
		if err != nil {
			t.Fatal(err)
		}
		version = cl.Version
	}
	move(rita, claims.Transition{Action: claims.ActionStart})
	if _, err := cs.AddEvidence(ctx, rita, claims.NewEvidence{
		ClaimID: c.ID, URL: "https://undocs.org/S/2020/415", Title: "Eleventh report of the Monitoring Team",
		Excerpt: "ISIL-K … 2,200 fighters", Stance: claims.StanceContext, SourceID: &cits[0].SourceID,
	}); err != nil {
		t.Fatal(err)
	}
	wrong, err := cs.AddEvidence(ctx, rita, claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/blog", Stance: claims.StanceSupports})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WithdrawEvidence(ctx, rita, wrong.ID, "A blog repeating the report, not a source."); err != nil {
		t.Fatal(err)
	}
	move(rita, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusMisleading,
		Rationale: "The 2,200 is the UN's figure for 2020; by August 2021 the same team counted more."})
	move(ed, claims.Transition{Action: claims.ActionSignOff})
	return db, c.ID
}

// golden compares got, indented, with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	return compareGolden(t, name, buf.Bytes())
}

// compareGolden compares got with testdata/name, or rewrites the file under -update, and
// returns got.
func compareGolden(t *testing.T, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./http/export -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./http/export -update rewrites it; review the diff):\n%s", path, got)
	}
	return got
}

func TestGoldenClaimReview(t *testing.T) {
	g := reviewedSeedClaim(t)
	p, err := export.NewPublisher("Verity Fact Check Desk", "https://desk.example.org", "https://factcheck.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	r, err := export.NewClaimReview(g.Claim, g.Article, g.Citations, p)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "claimreview.json", r)
}

func TestGoldenPROV(t *testing.T) {
	g := reviewedSeedClaim(t)
	raw := golden(t, "prov.json", export.PROV(g))
	validatePROV(t, raw)
}
